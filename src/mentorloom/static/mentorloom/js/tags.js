// Autocomplete for comma-separated tag fields: suggests existing tags for the word being typed.
// The field stays a plain text input; suggestions come from /tags/<kind>/?q= as JSON.

const DEBOUNCE_MS = 150;

function currentToken(value) {
  const parts = value.split(",");
  return parts[parts.length - 1].trim();
}

function attach(input) {
  const kind = input.dataset.tagKind;
  const list = document.createElement("datalist");
  list.id = `${input.id}-suggestions`;
  input.after(list);
  input.setAttribute("list", list.id);
  let timer = null;
  let lastQuery = null;

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const token = currentToken(input.value);
      if (token.length < 1 || token === lastQuery) return;
      lastQuery = token;
      const response = await fetch(`/tags/${kind}/?q=${encodeURIComponent(token)}`, {
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const { results } = await response.json();
      const head = input.value.split(",").slice(0, -1).map((s) => s.trim()).filter(Boolean);
      list.replaceChildren(
        ...results.map((name) => {
          const option = document.createElement("option");
          option.value = [...head, name].join(", ");
          option.label = name;
          return option;
        }),
      );
    }, DEBOUNCE_MS);
  });
}

export function enableTagSuggestions(root) {
  for (const input of root.querySelectorAll("input[data-tag-kind]:not([list])")) {
    attach(input);
  }
}
