// Two-step confirmation for a button that destroys something (instead of confirm()): the first
// press arms it ("Really delete?") for five seconds, the second goes ahead.

export function armedTwice(button, armedLabel = "Really delete?", idleLabel = "Delete") {
  if (button.hasAttribute("data-armed")) return true;
  button.dataset.armed = "";
  button.replaceChildren(armedLabel);
  window.setTimeout(() => {
    if (!button.isConnected) return;
    button.removeAttribute("data-armed");
    button.replaceChildren(idleLabel);
  }, 5000);
  return false;
}
