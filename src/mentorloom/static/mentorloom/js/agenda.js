// The agenda page, live: the other person's changes arrive over the live socket
// ("agenda.changed"). The topic list is re-read from the page; the questions and links are
// merged line by line into what you are typing (notes_merge.js), and your edits save 0.6 s
// after you stop typing (autosave.js). Only a line both of you changed at once is left for you
// to resolve.

import { autosave, setText, statusLine } from "./autosave.js";
import { merge } from "./notes_merge.js";
import { rereadPage } from "./reread.js";

const form = document.getElementById("agenda-details");

if (form) {
  const status = statusLine(document.getElementById("agenda-live"));
  const { say, savedText } = status;
  const fields = ["questions", "links"].map((name) => ({
    name,
    editor: form.querySelector(`[name=${name}]`),
    base: form.querySelector(`[name=base_${name}]`),
  }));
  const versionInput = form.querySelector("[name=base_version]");
  let version = Number(versionInput.value);
  let overlap = false;

  const dirty = () => fields.some((f) => f.editor.value !== f.base.value);

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
    const page = await rereadPage();
    if (!page) return;
    for (const id of ["agenda-topic-list", "agenda-meta", "carried-forward"]) {
      const mine = document.getElementById(id);
      const theirs = page.getElementById(id);
      if (mine && theirs) mine.replaceWith(theirs);
      else if (mine) mine.remove();
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

  const save = autosave({
    form,
    editors: fields.map((f) => f.editor),
    liveType: "agenda.changed",
    status,
    isDirty: dirty,
    isHeld: () => overlap,
    snapshot: () => Object.fromEntries(fields.map((f) => [f.name, f.editor.value])),
    formData: () => new FormData(form),
    onSaved: (answer, sent) => {
      overlap = false;
      form.querySelector(".agenda-overlap")?.remove();
      if (!mergeIn(answer, sent)) adopt(answer);
    },
    onConflict: (answer) => {
      overlap = true;
      adopt(answer.current);
      showOverlap(answer.overlaps);
      say("Not saved: choose what to keep");
    },
    applyRemote: (event) => {
      if (event.version <= version) return;
      refreshTopics();
      if (overlap) return;
      const bases = Object.fromEntries(fields.map((f) => [f.name, f.base.value]));
      if (mergeIn(event, bases)) say(dirty() ? "Updated live · saving soon" : savedText());
    },
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    overlap = false;
    save(true);
  });
}
