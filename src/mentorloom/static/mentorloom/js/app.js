// Page-wide progressive enhancements. Every form works without this file.
import { fillDetectedTimeZones } from "./timezone.js";
import { enableTagSuggestions } from "./tags.js";
import { enableNavMenu } from "./nav.js";
import { enableTravelNote } from "./travel.js";

function start() {
  enableNavMenu(document);
  fillDetectedTimeZones(document);
  enableTagSuggestions(document);
  enableTravelNote(document);
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
