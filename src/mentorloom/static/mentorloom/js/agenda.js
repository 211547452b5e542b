// The agenda page, live: the other person's changes arrive over the live socket
// ("agenda.changed"). The topic list is re-read from the page; the questions and links are
// merged line by line into what you are typing (notes_merge.js), and your edits save 0.6 s
// after you stop typing. Only a line both of you changed at once is left for you to resolve.

import { merge } from "./notes_merge.js";

const SAVE_AFTER_MS = 600;
const form = document.getElementById("agenda-details");

if (form) {
  const sessionId = Number(form.dataset.sessionId);
  const live = document.getElementById("agenda-live");
  const fields = ["questions", "links"].map((name) => ({
    name,
    editor: form.querySelector(`[name=${name}]`),
    base: form.querySelector(`[name=base_${name}]`),
  }));
  const versionInput = form.querySelector("[name=base_version]");
  let version = Number(versionInput.value);
  let timer = null;
  let inFlight = false;
  let again = false;
  let overlap = false;
  let deferred = null;

  const say = (text) => {
    if (live) live.textContent = text;
  };
  const savedText = () => (document.documentElement.dataset.live ? "Saved · live" : "Saved");
  const dirty = () => fields.some((f) => f.editor.value !== f.base.value);

  const setText = (editor, text) => {
    const old = editor.value;
    if (text === old) return;
    let prefix = 0;
    while (prefix < old.length && prefix < text.length && old[prefix] === text[prefix]) prefix++;
    const delta = text.length - old.length;
    const shift = (pos) => (pos > prefix ? Math.max(prefix, pos + delta) : pos);
    const [start, end] = [editor.selectionStart, editor.selectionEnd];
    editor.value = text;
    if (document.activeElement === editor) editor.setSelectionRange(shift(start), shift(end));
  };

  const adopt = (answer) => {
    version = answer.version;
    versionInput.value = String(version);
    for (const f of fields) f.base.value = answer[f.name];
  };

  // Merge the saved texts into the editors: all fields or none (one version for both).
  const mergeIn = (answer, bases) => {
    const results = fields.map((f) => merge(bases[f.name], f.editor.value, answer[f.name]));
    if (results.some((r) => !r.clean)) return false;
    fields.forEach((f, k) => setText(f.editor, results[k].text));
    adopt(answer);
    return true;
  };

  const refreshTopics = async () => {
    const response = await fetch(location.pathname, { credentials: "same-origin" });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const id of ["agenda-topic-list", "agenda-meta", "carried-forward"]) {
      const mine = document.getElementById(id);
      const theirs = page.getElementById(id);
      if (mine && theirs) mine.replaceWith(theirs);
      else if (mine) mine.remove();
    }
  };

  const applyRemote = (event) => {
    if (event.version <= version) return;
    refreshTopics();
    if (overlap) return;
    const bases = Object.fromEntries(fields.map((f) => [f.name, f.base.value]));
    if (mergeIn(event, bases)) say(dirty() ? "Updated live · saving soon" : savedText());
  };

  const save = async (explicit = false) => {
    clearTimeout(timer);
    if (inFlight) {
      again = true;
      return;
    }
    if ((overlap && !explicit) || (!dirty() && !explicit)) return;
    inFlight = true;
    say("Saving…");
    const sent = Object.fromEntries(fields.map((f) => [f.name, f.editor.value]));
    const data = new FormData(form);
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: data,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const answer = await response.json();
      if (response.ok) {
        overlap = false;
        form.querySelector(".agenda-overlap")?.remove();
        if (!mergeIn(answer, sent)) adopt(answer);
        say(dirty() ? "Saving soon…" : savedText());
        if (dirty()) again = true;
      } else if (response.status === 409 && answer.current) {
        overlap = true;
        adopt(answer.current);
        showOverlap(answer.overlaps);
        say("Not saved: choose what to keep");
      } else {
        const fieldErrors = Object.values(answer.error?.fields || {}).flat();
        say(fieldErrors[0] || answer.error?.message || "Not saved. Try again.");
      }
    } catch {
      say("Not saved: offline? Retrying when you type.");
    } finally {
      inFlight = false;
    }
    if (deferred) {
      const event = deferred;
      deferred = null;
      applyRemote(event);
    }
    if (again) {
      again = false;
      save();
    }
  };

  const showOverlap = (overlaps) => {
    form.querySelector(".agenda-overlap")?.remove();
    const box = document.createElement("div");
    box.className = "alert alert--warning agenda-overlap";
    box.setAttribute("role", "alert");
    const text = document.createElement("p");
    text.textContent =
      "You both changed the same line at once. Your wording is in the editor; theirs: " +
      overlaps.map((o) => `“${o.theirs}”`).join(", ") +
      ". Choose what to keep, then save.";
    box.append(text);
    form.querySelector(".form__actions").before(box);
  };

  for (const f of fields) {
    f.editor.addEventListener("input", () => {
      say("Editing…");
      clearTimeout(timer);
      timer = setTimeout(save, SAVE_AFTER_MS);
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    overlap = false;
    save(true);
  });

  document.addEventListener("ml:live", (event) => {
    const detail = event.detail;
    if (detail.type !== "agenda.changed" || detail.session_id !== sessionId) return;
    if (inFlight) deferred = detail;
    else applyRemote(detail);
  });
}
