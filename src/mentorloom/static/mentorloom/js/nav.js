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
    if (event.key === "Escape" && isOpen()) {
      setOpen(false);
      toggle.focus();
    }
  });
}
