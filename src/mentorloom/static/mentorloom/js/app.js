// Page-wide progressive enhancements. Every form works without this file.
import { fillDetectedTimeZones } from "./timezone.js";
import { enableTagSuggestions } from "./tags.js";
import { enableAccountMenu, enableNavMenu } from "./nav.js";
import { enableTravelNote } from "./travel.js";

// Forms marked data-autosubmit save when a box in them is ticked; their "Save" button is only
// for browsers without JavaScript.
function enableAutosubmit(root) {
  for (const form of root.querySelectorAll("form[data-autosubmit]")) {
    for (const button of form.querySelectorAll("[data-autosubmit-fallback]")) button.hidden = true;
    form.addEventListener("change", () => form.requestSubmit());
  }
}

// Buttons with data-copy="<input id>" copy that input's value (a new access token).
function enableCopyButtons(root) {
  for (const button of root.querySelectorAll("button[data-copy]")) {
    const input = document.getElementById(button.dataset.copy);
    const status = root.querySelector(`[data-copy-status="${button.dataset.copy}"]`);
    button.addEventListener("click", async () => {
      input.select();
      try {
        await navigator.clipboard.writeText(input.value);
        if (status) status.textContent = "Copied.";
      } catch {
        if (status) status.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
      }
    });
  }
}

// <details data-reveal-with="<checkbox id>"> opens and closes with that checkbox (the mentor
// settings of the profile form follow "I want to mentor").
function enableReveals(root) {
  for (const details of root.querySelectorAll("details[data-reveal-with]")) {
    const box = document.getElementById(details.dataset.revealWith);
    if (box) box.addEventListener("change", () => (details.open = box.checked));
  }
}

function start() {
  enableAutosubmit(document);
  enableReveals(document);
  enableCopyButtons(document);
  enableNavMenu(document);
  enableAccountMenu(document);
  fillDetectedTimeZones(document);
  enableTagSuggestions(document);
  enableTravelNote(document);
  // The page's buttons are wired (module scripts run after parsing, later on a busy machine):
  // tests wait for this before clicking a button that only works with this file.
  document.documentElement.dataset.enhanced = "1";
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
document.addEventListener("htmx:load", (event) => {
  fillDetectedTimeZones(event.target);
  enableTagSuggestions(event.target);
});
