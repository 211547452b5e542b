// Live events for a signed-in person on every page (/ws/live/): incoming-call notices and the
// unread-messages badge in the nav.
// Loaded from base.html only when signed in; reconnects with backoff; never required.

let retries = 0;
let opened = false;

function beep() {
  try {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 660;
    gain.gain.value = 0.08;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.4);
  } catch {
    // Autoplay rules may forbid sound before the person interacts; the notice still shows.
  }
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function showIncomingCall(event) {
  if (location.pathname === event.url) return; // already on the call page
  document.getElementById(`incoming-call-${event.call_id}`)?.remove();
  const notice = document.createElement("section");
  notice.className = "toast card";
  notice.id = `incoming-call-${event.call_id}`;
  notice.setAttribute("role", "alert");
  const title = document.createElement("p");
  title.className = "toast__title";
  title.textContent = `${event.from} is calling you`;
  const join = document.createElement("a");
  join.className = "btn btn--primary";
  join.href = event.url;
  join.textContent = "Join call";
  const decline = document.createElement("form");
  decline.method = "post";
  decline.action = `${event.url}decline/`;
  const token = document.createElement("input");
  token.type = "hidden";
  token.name = "csrfmiddlewaretoken";
  token.value = csrfToken();
  const button = document.createElement("button");
  button.type = "submit";
  button.className = "btn btn--ghost";
  button.textContent = "Decline";
  decline.append(token, button);
  const actions = document.createElement("div");
  actions.className = "row";
  actions.append(join, decline);
  notice.append(title, actions);
  document.body.append(notice);
  join.focus();
  beep();
  if ("Notification" in window && Notification.permission === "granted" && document.hidden) {
    new Notification(title.textContent, { tag: `call-${event.call_id}` });
  }
}

// The nav badge: <span id="nav-unread" class="badge"><span data-count>N</span> …</span>.
function showUnread(total) {
  const badge = document.getElementById("nav-unread");
  if (!badge) return;
  const count = badge.querySelector("[data-count]") || badge;
  count.textContent = String(total);
  badge.hidden = total === 0;
}

// The tab's title starts with the count, so a tab in the background shows it: "(2) Messages".
function titleUnread(total) {
  const title = document.title.replace(/^\(\d+\) /, "");
  document.title = total > 0 ? `(${total}) ${title}` : title;
}

function announceUnread(total) {
  if (!Number.isInteger(total) || total < 0) return;
  showUnread(total);
  titleUnread(total);
  // Pages that list conversations reload the list (the inbox: hx-trigger="ml:unread-changed").
  document.dispatchEvent(new CustomEvent("ml:unread-changed", { detail: { total } }));
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/live/`);
  socket.onopen = () => {
    retries = 0;
    document.documentElement.dataset.live = "open"; // pages (and tests) can tell it is live
    // Events sent while the socket was down are not replayed: pages with live state of their
    // own (the workshop room) look again when it comes back.
    if (opened) document.dispatchEvent(new CustomEvent("ml:live-reconnected"));
    opened = true;
  };
  socket.onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (event.type === "call.incoming") showIncomingCall(event);
    if (event.type === "unread.changed") announceUnread(event.total);
    if (event.type === "call.declined" || event.type === "call.ended") {
      document.getElementById(`incoming-call-${event.call_id}`)?.remove();
    }
    // Pages with live features of their own (the workshop room, the live notes editor) listen
    // for their event types: each event is dispatched once (twice made every handler run twice).
    document.dispatchEvent(new CustomEvent("ml:live", { detail: event }));
  };
  socket.onclose = (event) => {
    delete document.documentElement.dataset.live;
    if (event.code === 4401) return; // signed out
    setTimeout(connect, Math.min(30000, 1000 * 2 ** retries++));
  };
}

connect();
