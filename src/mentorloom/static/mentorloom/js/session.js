// The session page: "Join video call" turns on by itself when the call room opens (10 minutes
// before the start), so nobody has to reload the page at the right moment.
for (const form of document.querySelectorAll("form[data-opens-at]")) {
  const button = form.querySelector("button[type=submit]");
  const hint = document.getElementById("call-opens");
  const open = () => {
    button.disabled = false;
    button.removeAttribute("aria-describedby");
    if (hint) hint.textContent = hint.dataset.openText;
  };
  const wait = Date.parse(form.dataset.opensAt) - Date.now();
  // setTimeout clamps long delays; a tab left open for days re-checks every hour.
  const tick = () => {
    const left = Date.parse(form.dataset.opensAt) - Date.now();
    if (left <= 0) open();
    else setTimeout(tick, Math.min(left, 3600_000));
  };
  if (wait <= 0) open();
  else tick();
}
