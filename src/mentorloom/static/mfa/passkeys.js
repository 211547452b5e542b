// Passkeys (WebAuthn): register one in settings, or sign in with one as the second factor.
// The server speaks py_webauthn's JSON (binary fields as base64url); this module converts
// them to ArrayBuffers for navigator.credentials and back. No build step, no globals.

const csrfToken = () => document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/)?.[1] ?? "";

function fromB64url(value) {
  const b64 = value.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(value.length / 4) * 4, "=");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer;
}

function toB64url(buffer) {
  let text = "";
  for (const byte of new Uint8Array(buffer)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function creationOptions(json) {
  return {
    ...json,
    challenge: fromB64url(json.challenge),
    user: { ...json.user, id: fromB64url(json.user.id) },
    excludeCredentials: (json.excludeCredentials || []).map((c) => ({ ...c, id: fromB64url(c.id) })),
  };
}

function requestOptions(json) {
  return {
    ...json,
    challenge: fromB64url(json.challenge),
    allowCredentials: (json.allowCredentials || []).map((c) => ({ ...c, id: fromB64url(c.id) })),
  };
}

function credentialJSON(credential) {
  const r = credential.response;
  const response = { clientDataJSON: toB64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toB64url(r.attestationObject);
    response.transports = r.getTransports ? r.getTransports() : [];
  } else {
    response.authenticatorData = toB64url(r.authenticatorData);
    response.signature = toB64url(r.signature);
    if (r.userHandle) response.userHandle = toB64url(r.userHandle);
  }
  return {
    id: credential.id,
    rawId: toB64url(credential.rawId),
    type: credential.type,
    response,
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
  };
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data?.error?.message || "Something went wrong. Please try again.");
  return data;
}

function wire(root, run) {
  const button = root.querySelector("[data-passkey-button]");
  const error = root.querySelector("[data-passkey-error]");
  const unsupported = root.querySelector("[data-passkey-unsupported]");
  if (!window.PublicKeyCredential || !navigator.credentials) return;
  unsupported.hidden = true;
  button.disabled = false;
  const go = async (event) => {
    event.preventDefault();
    error.hidden = true;
    button.setAttribute("aria-busy", "true");
    try {
      const { redirect } = await run();
      window.location.assign(redirect);
    } catch (exc) {
      // The person closing the browser's dialog is not an error worth shouting about.
      error.textContent = exc.name === "NotAllowedError"
        ? "The passkey request was cancelled or timed out."
        : exc.message;
      error.hidden = false;
      button.removeAttribute("aria-busy");
    }
  };
  if (root.tagName === "FORM") root.addEventListener("submit", go);
  else button.addEventListener("click", go);
}

const register = document.querySelector("[data-passkey-register]");
if (register) {
  wire(register, async () => {
    const name = register.querySelector("[name=name]").value.trim();
    if (!name) throw new Error("Give the passkey a name.");
    // The server asks for the password and a code before it hands out a challenge.
    const password = register.querySelector("[name=password]").value;
    const code = register.querySelector("[name=code]").value.trim();
    if (!password || !code) {
      throw new Error("Enter your current password and a code from your authenticator app.");
    }
    const options = await post(register.dataset.optionsUrl, { password, code });
    const credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
    return post(register.dataset.registerUrl, { name, credential: credentialJSON(credential) });
  });
}

const signin = document.querySelector("[data-passkey-signin]");
if (signin) {
  wire(signin, async () => {
    const options = await post(signin.dataset.optionsUrl);
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
    const remember = signin.querySelector("[data-passkey-remember]").checked;
    return post(signin.dataset.verifyUrl, { credential: credentialJSON(credential), remember });
  });
}
