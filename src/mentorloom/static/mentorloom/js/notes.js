// Shared notes editor: lets htmx show the conflict (409) and too-large (422) answers instead of
// dropping them, and offers a one-click way to add the other person's text below yours.

const form = document.getElementById("notes-form");

if (form) {
  form.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if (status === 409 || status === 422) {
      // These answers carry the merge view / the error message for #notes-status.
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  const revealMergeHelper = () => {
    const button = form.querySelector("[data-append-theirs]");
    if (button) button.hidden = false;
  };
  revealMergeHelper();
  form.addEventListener("htmx:afterSwap", revealMergeHelper);

  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-append-theirs]");
    if (!button) return;
    const mine = document.getElementById("notes-body");
    const theirs = document.getElementById("notes-theirs");
    if (!mine || !theirs) return;
    mine.value = `${mine.value.trimEnd()}\n\n${theirs.value}`.trimStart();
    mine.focus();
  });
}
