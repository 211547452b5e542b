// Weekly availability grid: drag down a day column to draw a window; it fills the plain
// "Add window" form (which works on its own without this script) and focuses its button.
const grid = document.querySelector("[data-avail-grid]");
const form = document.getElementById("rule-form");

if (grid && form) {
  const svg = grid.querySelector("svg");
  const canvas = grid.querySelector("[data-avail-canvas]");
  const draft = grid.querySelector("[data-avail-draft]");
  const hint = grid.querySelector("[data-avail-hint]");
  const STEP = 15; // minutes; one SVG unit is three minutes
  let anchor = null;

  const pad = (n) => String(n).padStart(2, "0");
  const clock = (minutes) => `${pad(Math.floor(minutes / 60) % 24)}:${pad(minutes % 60)}`;

  function point(event) {
    const p = svg.createSVGPoint();
    p.x = event.clientX;
    p.y = event.clientY;
    const local = p.matrixTransform(svg.getScreenCTM().inverse());
    const day = Math.min(6, Math.max(0, Math.floor(local.x / 100)));
    const minutes = Math.min(1440, Math.max(0, Math.round((local.y * 3) / STEP) * STEP));
    return { day, minutes };
  }

  function show(from, to) {
    const [a, b] = from.minutes <= to.minutes ? [from.minutes, to.minutes] : [to.minutes, from.minutes];
    const end = Math.max(b, a + STEP);
    draft.setAttribute("x", String(from.day * 100 + 4));
    draft.setAttribute("y", String(a / 3));
    draft.setAttribute("width", "92");
    draft.setAttribute("height", String((end - a) / 3));
    return { day: from.day, start: a, end };
  }

  function fill({ day, start, end }) {
    form.elements.weekday.value = String(day + 1);
    form.elements.start.value = clock(start);
    form.elements.end.value = clock(end >= 1440 ? 0 : end);
    form.querySelector("button[type=submit]").focus();
  }

  hint.hidden = false;
  canvas.classList.add("avail-grid__frame--active");
  canvas.addEventListener("pointerdown", (event) => {
    anchor = point(event);
    canvas.setPointerCapture(event.pointerId);
    show(anchor, anchor);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (anchor) show(anchor, { ...point(event), day: anchor.day });
  });
  canvas.addEventListener("pointerup", (event) => {
    if (!anchor) return;
    const chosen = show(anchor, { ...point(event), day: anchor.day });
    anchor = null;
    fill(chosen.end - chosen.start < 30 ? { ...chosen, end: chosen.start + 60 } : chosen);
  });
}
