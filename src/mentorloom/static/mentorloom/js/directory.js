// Mentor directory enhancements. The page works fully without this file.
const htmx = window.htmx;

if (htmx) {
  // Our CSP forbids inline styles, so htmx must never copy a `style` attribute while settling
  // (browser extensions and testing tools leave empty ones behind on elements it swaps).
  htmx.config.attributesToSettle = ["class", "width", "height"];
}

// Keep shareable URLs short: empty fields (no overlap, no capacity) stay out of the query.
document.addEventListener("htmx:configRequest", (event) => {
  const form = event.detail.formData;
  if (!form || !event.detail.elt.closest("#directory-form")) return;
  const kept = [...form.entries()].filter(([, value]) => String(value).trim() !== "");
  for (const name of new Set([...form.keys()])) form.delete(name);
  for (const [name, value] of kept) form.append(name, value);
});

// Filters sit behind a "Filters" button (a <details>, so it works without this file); on a wide
// screen there is room beside the results, so keep them open there.
const filters = document.getElementById("directory-filters");
const wide = window.matchMedia("(min-width: 52.01rem)");
if (filters && wide.matches) filters.open = true;
