// Travelling: the device's zone (Intl) differs from the profile's. Say so once, offering to
// switch the profile to the device's zone or keep it; either answer is remembered for that pair.
import { detectedTimeZone } from "./timezone.js";

const UNKNOWN_ZONES = new Set(["UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal", "Etc/Zulu"]);

const city = (zone) => zone.split("/").pop().replaceAll("_", " ");

function remember(key) {
  try {
    window.localStorage.setItem(key, "1");
  } catch {
    /* private mode: the note simply shows again next time */
  }
}

function seen(key) {
  try {
    return window.localStorage.getItem(key) === "1";
  } catch {
    return false;
  }
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export function enableTravelNote(root) {
  const note = root.querySelector?.("[data-travel-note]");
  if (!note) return;
  const profileZone = note.dataset.profileZone;
  const deviceZone = detectedTimeZone();
  if (!profileZone || !deviceZone || deviceZone === profileZone) return;
  // Browsers that hide the zone (Firefox's resistFingerprinting, Tor Browser) and unconfigured
  // machines report UTC: that is no sign of travel.
  if (UNKNOWN_ZONES.has(deviceZone)) return;
  const key = `mentorloom:travel-note:${profileZone}:${deviceZone}`;
  if (seen(key)) return;

  const text = document.createElement("p");
  text.textContent =
    `Your device is on ${city(deviceZone)} time (${deviceZone}), but your profile says ` +
    `${city(profileZone)} (${profileZone}). Times on Mentorloom follow your profile.`;
  const use = document.createElement("button");
  use.type = "button";
  use.className = "btn btn--primary btn--sm";
  use.textContent = `Use ${city(deviceZone)} time`;
  const keep = document.createElement("button");
  keep.type = "button";
  keep.className = "btn btn--ghost btn--sm";
  keep.textContent = `Keep ${city(profileZone)}`;
  const actions = document.createElement("div");
  actions.className = "row";
  actions.append(use, keep);
  note.replaceChildren(text, actions);
  note.hidden = false;

  keep.addEventListener("click", () => {
    remember(key);
    note.hidden = true;
  });
  use.addEventListener("click", async () => {
    use.disabled = true;
    const response = await fetch("/api/v1/me", {
      method: "PATCH",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ time_zone: deviceZone }),
      credentials: "same-origin",
    });
    if (response.ok) {
      remember(key);
      window.location.reload();
    } else {
      use.disabled = false;
      text.textContent = "Your time zone could not be changed. Try again from your profile.";
    }
  });
}
