// A page's script re-reading the page it is on for its live parts (the agenda's topics, a
// workshop room's panels after a move). The X-Live-Refresh header tells the server so:
// base.html then leaves one-time messages ("Added the topics.") for the page the person is
// about to see. Resolves to the parsed page, or null when the server did not answer 2xx.
// `url`: the page's own path unless given (with its query, say, for the page a reader paged to).
export async function rereadPage(url = location.pathname) {
  const response = await fetch(url, {
    credentials: "same-origin",
    headers: { "X-Live-Refresh": "1" },
  });
  if (!response.ok) return null;
  return new DOMParser().parseFromString(await response.text(), "text/html");
}
