// The autosave loop of the live session editors (notes.js, agenda.js): save 0.6 s after typing
// stops, one save in flight at a time (a save asked for meanwhile runs after it), and the other
// person's save (a live event) that arrives during ours is applied once ours is back, so the
// three-way merge always starts from the version the server last answered with.

// Short enough that the other person sees a sentence about a second after you stop typing.
const SAVE_AFTER_MS = 600;

// The status line under the editor; "· live" while the live socket is up.
export function statusLine(element) {
  return {
    say: (text) => {
      if (element) element.textContent = text;
    },
    savedText: () => (document.documentElement.dataset.live ? "Saved · live" : "Saved"),
  };
}

// Replace the editor's text keeping the caret where the person was typing.
export function setText(editor, text) {
  const old = editor.value;
  if (text === old) return;
  let prefix = 0;
  while (prefix < old.length && prefix < text.length && old[prefix] === text[prefix]) prefix++;
  const delta = text.length - old.length;
  const shift = (pos) => (pos > prefix ? Math.max(prefix, pos + delta) : pos);
  const [start, end] = [editor.selectionStart, editor.selectionEnd];
  editor.value = text;
  if (document.activeElement === editor) editor.setSelectionRange(shift(start), shift(end));
}

// Wires the editors' typing and the live events of type `liveType` for this form's session to
// one save loop, and returns `save(explicit)`. The page supplies what differs:
//   isDirty()                   the editors differ from the saved version they are based on
//   isHeld()                    a conflict is open: only an explicit save may go
//   snapshot()                  what is being sent, handed back to onSaved / onConflict
//   formData(sent)              the body to post (the server answers JSON)
//   onSaved(answer, sent)       merge the saved text into the editors
//   onConflict(answer, sent)    a 409 with the current version: show what overlaps
//   applyRemote(event)          the other person saved
//   onClean()                   an autosave found nothing to send
export function autosave({
  form,
  editors,
  liveType,
  status,
  isDirty,
  isHeld,
  snapshot,
  formData,
  onSaved,
  onConflict,
  applyRemote,
  onClean = () => {},
}) {
  const sessionId = Number(form.dataset.sessionId);
  const { say, savedText } = status;
  let timer = null;
  let inFlight = false;
  let again = false;
  let deferred = null; // a live update that arrived during a save

  const save = async (explicit = false) => {
    clearTimeout(timer);
    if (inFlight) {
      again = true;
      return;
    }
    if (!explicit && isHeld()) return;
    if (!explicit && !isDirty()) {
      onClean();
      return;
    }
    inFlight = true;
    say("Saving…");
    const sent = snapshot();
    const data = formData(sent);
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: data,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const answer = await response.json();
      if (response.ok) {
        onSaved(answer, sent);
        say(isDirty() ? "Saving soon…" : savedText());
        if (isDirty()) again = true;
      } else if (response.status === 409 && answer.current) {
        onConflict(answer, sent);
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

  for (const editor of editors) {
    editor.addEventListener("input", () => {
      say("Editing…");
      clearTimeout(timer);
      timer = setTimeout(save, SAVE_AFTER_MS);
    });
  }

  document.addEventListener("ml:live", (event) => {
    const detail = event.detail;
    if (detail.type !== liveType || detail.session_id !== sessionId) return;
    if (inFlight) deferred = detail;
    else applyRemote(detail);
  });

  return save;
}
