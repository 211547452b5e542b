// Pre-fills time-zone fields from the browser's own IANA zone (Intl API).
// Only empty fields are filled, so a zone the person chose is never overwritten.

export function detectedTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
}

export function fillDetectedTimeZones(root) {
  const zone = detectedTimeZone();
  if (!zone) return;
  for (const field of root.querySelectorAll("[data-detect-timezone]")) {
    if (field.value) continue;
    const known = field.tagName !== "SELECT" || [...field.options].some((o) => o.value === zone);
    if (!known) continue;
    field.value = zone;
    const note = document.getElementById(field.dataset.detectTimezone);
    if (note) note.textContent = `Detected from your browser: ${zone}`;
  }
}
