// Shared notes editor, live: saves 0.6 s after typing stops (autosave.js), and merges the other
// person's saves (pushed over the live socket as "notes.changed") into the editor without losing
// what you are typing. It keeps the version (and its text) your edits are based on, so both the
// browser and the server can three-way merge; only lines both of you changed differently show
// the conflict box. Without JS the form posts and the page answers the same way.

import { autosave, setText, statusLine } from "./autosave.js";
import { merge } from "./notes_merge.js";

const form = document.getElementById("notes-form");
const editor = document.getElementById("notes-body");

if (form && editor) {
  const status = statusLine(document.getElementById("notes-live"));
  const { say, savedText } = status;
  let version = Number(form.querySelector("[name=base_version]").value);
  let base = form.querySelector("[name=base_body]").value;
  let overlap = false; // a conflict box is open: autosave waits for "Save my merged version"

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

  const save = autosave({
    form,
    editors: [editor],
    liveType: "notes.changed",
    status,
    isDirty: () => editor.value !== base,
    isHeld: () => overlap,
    onClean: () => say(savedText()),
    snapshot: () => editor.value,
    formData: (sent) => {
      const data = new FormData();
      data.set("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      data.set("body", sent);
      data.set("base_version", String(version));
      data.set("base_body", base);
      return data;
    },
    onSaved: (answer, sent) => {
      const result = merge(sent, editor.value, answer.body);
      if (result.clean) {
        setText(editor, result.text);
        adopt(answer.body, answer.version);
        setPreview(answer.html);
      }
      overlap = false;
      document.querySelector(".notes-conflict")?.remove();
    },
    onConflict: (answer, sent) => {
      // The conflict box shows only the overlapping part; the editor gets everything else.
      const now = editor.value;
      document.getElementById("notes-status").outerHTML = answer.status_html;
      const result = merge(sent, now, answer.draft);
      setText(editor, result.clean ? result.text : now);
      adopt(answer.current.body, answer.current.version);
      overlap = true;
      const helper = form.querySelector("[data-append-theirs]");
      if (helper) helper.hidden = false;
      say("Not saved: choose what to keep below");
    },
    applyRemote: (event) => {
      if (event.version <= version || overlap) return;
      const result = merge(base, editor.value, event.body);
      // An overlap with unsaved typing: keep the typing; the next save shows the overlap.
      if (!result.clean) return;
      setText(editor, result.text);
      adopt(event.body, event.version);
      setPreview(event.html);
      say(editor.value === base ? savedText() : "Updated live · saving soon");
    },
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

  const helper = form.querySelector("[data-append-theirs]");
  if (helper) helper.hidden = false;
  // The no-JS hint ("Changes save automatically…") gives way to the live status line.
  form.querySelector("#notes-status > p[role=status]")?.remove();
  say(document.documentElement.dataset.live ? "Saved · live" : "Changes save as you type");
}
