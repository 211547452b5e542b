// Posting a chat attachment (a one-to-one chat or a community channel: the same endpoint and
// checks). Network trouble is retried up to three times; the client id makes a retry safe.
// Returns { status, data } for an answer from the server, or { status: 0 } when none came.
// `parentId` makes it a reply in that post's thread (community channels).

export async function postAttachment(api, csrf, { clientId, body, file, parentId = null }) {
  const form = new FormData();
  form.append("client_id", clientId);
  form.append("body", body);
  form.append("file", file);
  if (parentId) form.append("parent_id", String(parentId));
  for (let attempt = 0; attempt < 3; attempt += 1) {
    let response;
    try {
      response = await fetch(`${api}/attachments`, {
        method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf }, body: form,
      });
    } catch {
      await new Promise((resolve) => { window.setTimeout(resolve, 1000 * (attempt + 1)); });
      continue;
    }
    return { status: response.status, data: await response.json().catch(() => ({})) };
  }
  return { status: 0, data: {} };
}
