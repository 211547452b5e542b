// Shared notes editor, live: saves 0.6 s after typing stops, and merges the other person's saves
// (pushed over the live socket as "notes.changed") into the editor without losing what you are
// typing. It keeps the version (and its text) your edits are based on, so both the browser and
// the server can three-way merge; only lines both of you changed differently show the
// conflict box. Without JS the form posts and the page answers the same way.

import { merge } from "./notes_merge.js";

// Short enough that the other person sees a sentence about a second after you stop typing.
const SAVE_AFTER_MS = 600;

const form = document.getElementById("notes-form");
const editor = document.getElementById("notes-body");

if (form && editor) {
  const sessionId = Number(form.dataset.sessionId);
  const live = document.getElementById("notes-live");
  let version = Number(form.querySelector("[name=base_version]").value);
  let base = form.querySelector("[name=base_body]").value;
  let timer = null;
  let inFlight = false;
  let again = false;
  let overlap = false; // a conflict box is open: autosave waits for "Save my merged version"
  let deferred = null; // a live update that arrived during a save

  const say = (text) => {
    if (live) live.textContent = text;
  };
  const savedText = () => (document.documentElement.dataset.live ? "Saved · live" : "Saved");

  // Replace the editor's text keeping the caret where the person was typing.
  const setText = (text) => {
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

  const setPreview = (html) => {
    const preview = document.getElementById("notes-preview");
    if (preview) preview.innerHTML = html || '<p class="muted">Nothing written yet.</p>';
  };

  const adopt = (text, newVersion) => {
    base = text;
    version = newVersion;
    form.querySelector("[name=base_version]").value = String(version);
    form.querySelector("[name=base_body]").value = base;
  };

  const applyRemote = (event) => {
    if (event.version <= version || overlap) return;
    const result = merge(base, editor.value, event.body);
    // An overlap with unsaved typing: keep the typing; the next save shows the overlap.
    if (!result.clean) return;
    setText(result.text);
    adopt(event.body, event.version);
    setPreview(event.html);
    say(editor.value === base ? savedText() : "Updated live · saving soon");
  };

  const save = async (explicit = false) => {
    clearTimeout(timer);
    if (inFlight) {
      again = true;
      return;
    }
    if (overlap && !explicit) return;
    const sent = editor.value;
    if (sent === base && !explicit) {
      say(savedText());
      return;
    }
    inFlight = true;
    say("Saving…");
    const data = new FormData();
    data.set("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    data.set("body", sent);
    data.set("base_version", String(version));
    data.set("base_body", base);
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: data,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const answer = await response.json();
      const now = editor.value;
      if (response.ok) {
        const result = merge(sent, now, answer.body);
        if (result.clean) {
          setText(result.text);
          adopt(answer.body, answer.version);
          setPreview(answer.html);
        }
        overlap = false;
        document.querySelector(".notes-conflict")?.remove();
        say(editor.value === base ? savedText() : "Saving soon…");
        if (editor.value !== base) again = true;
      } else if (response.status === 409) {
        // The conflict box shows only the overlapping part; the editor gets everything else.
        document.getElementById("notes-status").outerHTML = answer.status_html;
        const result = merge(sent, now, answer.draft);
        setText(result.clean ? result.text : now);
        adopt(answer.current.body, answer.current.version);
        overlap = true;
        const helper = form.querySelector("[data-append-theirs]");
        if (helper) helper.hidden = false;
        say("Not saved: choose what to keep below");
      } else {
        say(answer.error?.message || "Not saved. Try again.");
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

  editor.addEventListener("input", () => {
    say("Editing…");
    clearTimeout(timer);
    timer = setTimeout(save, SAVE_AFTER_MS);
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (event.submitter?.name === "merged_version") overlap = false;
    save(true);
  });

  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-append-theirs]");
    if (!button) return;
    const theirs = document.getElementById("notes-theirs");
    if (!theirs) return;
    editor.value = `${editor.value.trimEnd()}\n\n${theirs.value}`.trimStart();
    editor.focus();
  });

  document.addEventListener("ml:live", (event) => {
    const detail = event.detail;
    if (detail.type !== "notes.changed" || detail.session_id !== sessionId) return;
    if (inFlight) deferred = detail;
    else applyRemote(detail);
  });

  const helper = form.querySelector("[data-append-theirs]");
  if (helper) helper.hidden = false;
  // The no-JS hint ("Changes save automatically…") gives way to the live status line.
  form.querySelector("#notes-status > p[role=status]")?.remove();
  say(document.documentElement.dataset.live ? "Saved · live" : "Changes save as you type");
}
