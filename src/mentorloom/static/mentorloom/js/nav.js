// At phone widths the main navigation folds behind its Menu button (base.html, app.css).
// Without this script the button stays hidden and the links remain one scrollable row.

export function enableNavMenu(doc) {
  const toggle = doc.querySelector(".nav-toggle[aria-controls]");
  const nav = toggle && doc.getElementById(toggle.getAttribute("aria-controls"));
  if (!nav || toggle.dataset.enabled) return;
  toggle.dataset.enabled = "1";
  doc.documentElement.classList.add("nav-collapsible");
  const isOpen = () => toggle.getAttribute("aria-expanded") === "true";
  const setOpen = (open) => toggle.setAttribute("aria-expanded", String(open));
  // A disclosure: focus stays on the button, and Tab walks on into the links it shows.
  toggle.addEventListener("click", () => setOpen(!isOpen()));
  // Escape closes the open menu and gives focus back to its button.
  doc.addEventListener("keydown", (event) => {
    // Escape inside the open account menu closes that menu only (enableAccountMenu).
    const account = doc.querySelector("[data-nav-menu][open]");
    if (event.key === "Escape" && isOpen() && !account?.contains(doc.activeElement)) {
      setOpen(false);
      toggle.focus();
    }
  });
}

// The account disclosure (a <details>, so it opens from the keyboard and without this script):
// Escape closes it (and gives focus back to its summary when focus was inside); a click
// elsewhere closes it.
export function enableAccountMenu(doc) {
  const menu = doc.querySelector("[data-nav-menu]");
  if (!menu || menu.dataset.enabled) return;
  menu.dataset.enabled = "1";
  doc.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !menu.open) return;
    const inside = menu.contains(doc.activeElement);
    menu.open = false;
    if (inside) menu.querySelector("summary").focus();
  });
  doc.addEventListener("click", (event) => {
    if (menu.open && !menu.contains(event.target)) menu.open = false;
  });
}
