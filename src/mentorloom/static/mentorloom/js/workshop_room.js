// The live workshop room: media for the room you are in (Janus SFU when the server hands out a
// Janus config, otherwise mesh WebRTC over /ws/workshops/rooms/<id>/), live moves between the
// main room and breakout rooms without a reload, the recall countdown, broadcasts, and the
// facilitator's controls as every page sees them: mute all, the spotlit tile, the mesh stage,
// the active-speaker outline, screen share, and the people panel with hands in the order raised.
// Room changes arrive on /ws/live/ (live.js re-dispatches each event as "ml:live").

import { rereadPage } from "./reread.js";

const root = document.getElementById("workshop-room");
const config = JSON.parse(document.getElementById("workshop-config").textContent);
const statusEl = document.getElementById("room-status");
const tiles = document.getElementById("tiles");
const localVideo = document.getElementById("local-video");
const audioButton = document.getElementById("toggle-audio");
const screenButton = document.getElementById("toggle-screen");
const me = config.userId;
let roomId = config.roomId;
let localStream = null;
let socket = null;
let sfu = null;
// Bumped each time the page leaves a room's media: callbacks of a room left behind (janus.js
// reports its tracks ending while it tears down) must not draw tiles into the next room.
let mediaGeneration = 0;
let retryTimer = null;
let sfuTimer = null; // mesh while Janus did not answer: when to ask for it again
let refusals = 0; // 404s from the media endpoint in a row (notInRoom)
// Removed, banned, or the workshop was called off: the page stays put (no moves, no retries).
let gone = false;
let countdownTimer = null;
let levelTimer = null;
let peopleTimer = null;
let screenTrack = null;
// Mesh beyond 6 people: only the stage (the facilitator and the speakers they pick) sends
// video. Off stage, every peer connection's video sender carries no track: nothing is encoded.
let sendVideo = true;
let stageRoom = false; // mesh with more people than video allows: the stage is in force
let roomState = { muted: false, spotlight: null, stage: [] };
const peers = new Map(); // user id -> {pc, tile}
const feedUser = new Map(); // Janus feed id -> user id (publishers' display is their user id)
const talkingUntil = new Map(); // user id -> time the highlight lapses (mesh levels)

function say(text) {
  statusEl.textContent = text;
}

function notice(id, text) {
  const el = document.getElementById(id);
  el.textContent = text || "";
  el.hidden = !text;
}

function nameOf(userId) {
  return config.names[String(userId)] || "Participant";
}

async function localMedia() {
  if (localStream) return localStream;
  try {
    localStream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width: 320, height: 240 },
    });
  } catch {
    localStream = new MediaStream();
    notice("media-notice", "Your camera or microphone is not available; you can still watch and chat.");
  }
  localVideo.srcObject = localStream;
  applyMuted();
  return localStream;
}

function cameraTrack() {
  return localStream?.getVideoTracks()[0] || null;
}

function outgoingVideo() {
  return sendVideo ? screenTrack || cameraTrack() : null;
}

function tileFor(userId, name) {
  let tile = tiles.querySelector(`[data-peer="${userId}"]`);
  if (!tile) {
    tile = document.createElement("figure");
    tile.className = "workshop-tile";
    tile.dataset.peer = String(userId);
    const video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    video.className = "call__video";
    const caption = document.createElement("figcaption");
    caption.textContent = name || nameOf(userId);
    video.setAttribute("aria-label", `${caption.textContent}'s video`);
    tile.append(video, caption);
    tiles.append(tile);
    showSpotlight();
  }
  return tile;
}

function dropPeer(userId) {
  const peer = peers.get(userId);
  if (peer) peer.pc.close();
  peers.delete(userId);
  tiles.querySelector(`[data-peer="${userId}"]`)?.remove();
}

function leaveMedia() {
  mediaGeneration += 1;
  clearTimeout(retryTimer);
  clearTimeout(sfuTimer);
  clearInterval(levelTimer);
  if (socket) {
    socket.onclose = null;
    socket.close();
    socket = null;
  }
  for (const id of [...peers.keys()]) dropPeer(id);
  // Other people's tiles (the SFU's are not in `peers`): none of them belongs to the next room.
  for (const tile of tiles.querySelectorAll("[data-peer]:not([data-self])")) tile.remove();
  if (sfu) {
    try {
      sfu.leave();
    } catch {
      // already gone
    }
    sfu = null;
  }
  for (const [feed, uid] of feedUser) {
    if (uid !== me) tiles.querySelector(`[data-peer="${uid}"]`)?.remove();
    feedUser.delete(feed);
  }
}

function videoSender(pc) {
  return pc.getTransceivers().find((t) => t.receiver.track?.kind === "video" && !t.stopped)?.sender;
}

// Mesh: what each peer connection's video sender carries (camera, screen, or nothing).
function applyVideoSending() {
  const track = outgoingVideo();
  for (const { pc } of peers.values()) {
    const sender = videoSender(pc);
    if (sender && sender.track !== track) sender.replaceTrack(track).catch(() => {});
  }
  root.dataset.sendsVideo = String(Boolean(track));
}

function peerConnection(userId, name, iceServers) {
  const existing = peers.get(userId);
  if (existing) return existing.pc;
  const pc = new RTCPeerConnection({ iceServers });
  for (const track of localStream.getAudioTracks()) pc.addTrack(track, localStream);
  const camera = cameraTrack();
  if (camera) {
    // The m-line exists either way (so going on stage needs no renegotiation); off stage its
    // sender carries no track and sends nothing.
    const sender = pc.addTrack(camera, localStream);
    const track = outgoingVideo();
    if (track !== camera) sender.replaceTrack(track);
  }
  const tile = tileFor(userId, name);
  pc.ontrack = (event) => {
    tile.querySelector("video").srcObject = event.streams[0];
  };
  const roomSocket = socket; // this peer's room: after a move its candidates are of no use
  pc.onicecandidate = (event) => {
    if (roomSocket !== socket || roomSocket?.readyState !== WebSocket.OPEN) return;
    roomSocket.send(JSON.stringify({ type: "ice", to: userId, candidate: event.candidate }));
  };
  // The tile says how its connection is doing ("connecting…", "reconnecting…": app.css).
  tile.dataset.connection = pc.connectionState;
  pc.onconnectionstatechange = () => {
    tile.dataset.connection = pc.connectionState;
    if (pc.connectionState === "failed") startAfreshSoon(userId, pc, roomSocket, 0);
  };
  // Candidates that come before the description they belong to wait for it (addIceCandidate
  // refuses them until then); `resets` counts the fresh starts of a pair that did not connect.
  peers.set(userId, { pc, tile, name, iceServers, makingOffer: false, candidates: [], resets: 0 });
  startAfreshSoon(userId, pc, roomSocket, CONNECT_PATIENCE_MS);
  return pc;
}

// A pair that has not connected after a while (an answer lost, a candidate lost, a busy
// machine) or whose connection failed starts afresh: the impolite side (the higher user id)
// replaces its connection and sends a `fresh` offer, on which the other side replaces its
// own. Restarting ICE on the same connections is not enough: a side that never applied the
// answer has no DTLS role yet, and its answer to the restart then clashes with the role the
// other side already took ("Failed to set SSL role for the transport").
const CONNECT_PATIENCE_MS = 10_000;
const MAX_RESETS = 3;

function startAfreshSoon(userId, pc, ws, delay) {
  if (me < userId) return; // the polite side waits for the other's fresh offer
  setTimeout(() => {
    const peer = peers.get(userId);
    if (!peer || peer.pc !== pc || socket !== ws || pc.connectionState === "connected") return;
    if (peer.resets >= MAX_RESETS) return;
    inOrder(ws, async () => {
      if (peers.get(userId) !== peer || socket !== ws) return;
      dropPeer(userId);
      peerConnection(userId, peer.name, peer.iceServers);
      peers.get(userId).resets = peer.resets + 1;
      await offer(ws, userId, { fresh: true });
    });
  }, delay);
}

async function offer(ws, userId, { fresh = false } = {}) {
  const peer = peers.get(userId);
  if (!peer || socket !== ws || peer.pc.signalingState === "have-remote-offer") return;
  peer.makingOffer = true;
  try {
    await peer.pc.setLocalDescription(); // creates the offer and applies it in one step
  } finally {
    peer.makingOffer = false;
  }
  if (socket === ws) {
    const frame = { type: "offer", to: userId, sdp: peer.pc.localDescription.sdp };
    ws.send(JSON.stringify(fresh ? { ...frame, fresh } : frame));
  }
}

async function remoteDescription(peer, description) {
  await peer.pc.setRemoteDescription(description);
  for (const candidate of peer.candidates.splice(0)) {
    await peer.pc.addIceCandidate(candidate).catch(() => {}); // one of a rolled-back offer
  }
}

// Frames, and the page's own offers, are handled one at a time per room socket: an offer
// arriving while this page is still making its own must not interleave with it (the m-lines
// of an offer made before a remote description was applied no longer match: "The order of
// m-lines in subsequent offer doesn't match").
const queues = new WeakMap(); // room socket -> the promise its next task waits for

function inOrder(ws, task) {
  const next = (queues.get(ws) || Promise.resolve()).then(task).catch((error) => {
    if (socket === ws) console.error("workshop room:", error);
  });
  queues.set(ws, next);
  return next;
}

function schedulePeopleRefresh() {
  clearTimeout(peopleTimer);
  peopleTimer = setTimeout(refreshPeople, 300);
}

// "Perfect negotiation" (W3C WebRTC, §10.1) per pair: both pages may offer at once (joins
// crossing, a reconnect); the page with the lower user id is polite and gives way (its own
// offer is rolled back by applying the other's), the other ignores the colliding offer and
// waits for the answer to its own.
async function meshFrame(ws, frame, iceServers) {
  if (socket !== ws) return; // a frame of a room this page has left
  if (frame.type === "welcome") {
    say(`In ${document.getElementById("room-name").textContent}`);
  } else if (frame.type === "peer.joined") {
    // The one already here offers to the newcomer. A connection to them kept from before
    // belongs to a page (or socket) of theirs that is gone: start afresh.
    if (peers.has(frame.user_id)) dropPeer(frame.user_id);
    peerConnection(frame.user_id, frame.name, iceServers);
    await offer(ws, frame.user_id);
    schedulePeopleRefresh();
  } else if (frame.type === "offer") {
    // A fresh offer replaces the pair's connection (the other side replaced its own).
    if (frame.fresh && peers.has(frame.from)) dropPeer(frame.from);
    const pc = peerConnection(frame.from, frame.name, iceServers);
    const peer = peers.get(frame.from);
    const collision = peer.makingOffer || pc.signalingState !== "stable";
    if (collision && me > frame.from) return; // impolite: our offer stands, theirs is ignored
    await remoteDescription(peer, { type: "offer", sdp: frame.sdp }); // rolls ours back
    await pc.setLocalDescription();
    if (socket === ws) {
      ws.send(JSON.stringify({ type: "answer", to: frame.from, sdp: pc.localDescription.sdp }));
    }
  } else if (frame.type === "answer") {
    const peer = peers.get(frame.from);
    // An answer to an offer this page rolled back (the other side's offer came first): moot.
    if (peer?.pc.signalingState === "have-local-offer") {
      await remoteDescription(peer, { type: "answer", sdp: frame.sdp });
    }
  } else if (frame.type === "ice") {
    const peer = peers.get(frame.from);
    if (!peer || !frame.candidate) return;
    if (!peer.pc.remoteDescription) peer.candidates.push(frame.candidate);
    else await peer.pc.addIceCandidate(frame.candidate).catch(() => {});
  } else if (frame.type === "peer.left") {
    dropPeer(frame.user_id);
    schedulePeopleRefresh();
  } else if (frame.type === "moved") {
    say("Moving…");
  }
}

function meshRoom(id, media) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws/workshops/rooms/${id}/`);
  socket = ws;
  const iceServers = media.iceServers || [];
  ws.onmessage = (message) => {
    const frame = JSON.parse(message.data);
    inOrder(ws, () => meshFrame(ws, frame, iceServers));
  };
  ws.onclose = (event) => {
    if (socket !== ws) return;
    if (event.code === 4403 || event.code === 4404) {
      syncRoom();
      return;
    }
    say("The connection to this room dropped; reconnecting…");
    retryTimer = setTimeout(() => enterRoom(id), 3000);
  };
  levelTimer = setInterval(meshLevels, 400);
}

// --- active speaker ---------------------------------------------------------------------------
// A visual cue only (an outline and a dot): no live region, so screen readers are not told
// every time someone speaks.
const SPEAKING_LEVEL = 0.02; // RTCAudioSourceStats / inbound-rtp audioLevel, 0..1
const SPEAKING_HOLD_MS = 900;

function markTalking(userId, talking) {
  tiles.querySelector(`[data-peer="${userId}"]`)?.classList.toggle("is-talking", talking);
}

async function meshLevels() {
  const now = Date.now();
  const heard = new Map();
  for (const [userId, { pc }] of peers) {
    (await pc.getStats()).forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "audio" && typeof s.audioLevel === "number") {
        heard.set(userId, Math.max(heard.get(userId) || 0, s.audioLevel));
      }
    });
  }
  const ownAudio = localStream?.getAudioTracks()[0];
  const first = peers.values().next().value;
  if (first && ownAudio?.enabled) {
    (await first.pc.getStats()).forEach((s) => {
      if (s.type === "media-source" && s.kind === "audio" && typeof s.audioLevel === "number") {
        heard.set(me, s.audioLevel);
      }
    });
  }
  for (const [userId, level] of heard) {
    if (level >= SPEAKING_LEVEL) talkingUntil.set(userId, now + SPEAKING_HOLD_MS);
  }
  for (const tile of tiles.querySelectorAll("[data-peer]")) {
    const userId = Number(tile.dataset.peer);
    markTalking(userId, (talkingUntil.get(userId) || 0) > now);
  }
}

// --- the facilitator's controls as this page obeys them -----------------------------------------
function showSpotlight() {
  for (const tile of tiles.querySelectorAll("[data-peer]")) {
    tile.classList.toggle("workshop-tile--spotlight", Number(tile.dataset.peer) === roomState.spotlight);
  }
}

function applyMuted() {
  // The facilitator's "mute all": with Janus the server drops the audio anyway (moderate); in
  // mesh mode this page is what mutes, which is advisory (docs/workshops.md).
  if (config.facilitator) return;
  const forced = roomState.muted;
  if (forced) {
    for (const t of localStream?.getAudioTracks() || []) t.enabled = false;
    audioButton.setAttribute("aria-pressed", "true");
    audioButton.textContent = "Muted by the facilitator";
  } else if (audioButton.disabled) {
    audioButton.textContent = "Unmute";
  }
  audioButton.disabled = forced;
}

function applyStage() {
  root.dataset.stage = stageRoom ? "on" : "off";
  sendVideo = !stageRoom || config.facilitator || roomState.stage.includes(me);
  if (!sfu) applyVideoSending();
}

function applyState(state) {
  roomState = { muted: !!state.muted, spotlight: state.spotlight ?? null, stage: state.stage || [] };
  applyMuted();
  showSpotlight();
  applyStage();
}

// --- people panel and one's own hand ----------------------------------------------------------
async function refreshPeople() {
  const response = await fetch(`/workshops/${config.workshopId}/live/people/?room=${roomId}`, {
    credentials: "same-origin",
  });
  if (!response.ok) return;
  const fragment = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const id of ["people-panel", "hand-control"]) {
    const fresh = fragment.getElementById(id);
    const current = document.getElementById(id);
    if (fresh && current) {
      // Keep keyboard focus on the same control when the panel is redrawn under it.
      const focused = current.contains(document.activeElement) ? document.activeElement : null;
      const key = focused?.closest("form")?.querySelector("[name=user_id],[name=signal_id],[name=action]");
      const fresher = document.importNode(fresh, true);
      current.replaceWith(fresher);
      if (key) {
        const same = [...fresher.querySelectorAll(`[name=${key.name}]`)].find((i) => i.value === key.value);
        same?.closest("form")?.querySelector("button")?.focus();
      }
    }
  }
}

// Buttons of the room that change live state post in the background (the page stays, with
// its media); without JavaScript the same forms post normally.
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-live]");
  if (!form) return;
  event.preventDefault();
  // getAttribute: the forms hold an input named "action", which shadows form.action.
  const response = await fetch(form.getAttribute("action"), {
    method: "POST",
    body: new FormData(form),
    credentials: "same-origin",
    headers: { Accept: "application/json" },
    redirect: "manual",
  });
  if (response.type !== "opaqueredirect" && !response.ok) {
    const body = await response.json().catch(() => null);
    say(body?.error?.message || "That did not work; try again.");
  }
  refreshPeople();
});

// --- screen share -----------------------------------------------------------------------------
async function startShare() {
  try {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    screenTrack = stream.getVideoTracks()[0];
  } catch {
    return; // the person cancelled the browser's picker
  }
  // The browser's own "Stop sharing" ends the track: go back to the camera.
  screenTrack.addEventListener("ended", stopShare);
  localVideo.srcObject = new MediaStream([screenTrack]);
  localVideo.classList.remove("call__video--mirror");
  await replaceOutgoingVideo();
  screenButton.setAttribute("aria-pressed", "true");
  screenButton.textContent = "Stop sharing";
}

async function stopShare() {
  if (!screenTrack) return;
  const track = screenTrack;
  screenTrack = null;
  track.removeEventListener("ended", stopShare);
  track.stop();
  localVideo.srcObject = localStream;
  localVideo.classList.add("call__video--mirror");
  await replaceOutgoingVideo();
  screenButton.setAttribute("aria-pressed", "false");
  screenButton.textContent = "Share screen";
}

async function replaceOutgoingVideo() {
  if (sfu) await sfu.replaceVideo(screenTrack || cameraTrack()).catch(() => {});
  else applyVideoSending();
}

if (navigator.mediaDevices?.getDisplayMedia) {
  screenButton.hidden = false;
  screenButton.addEventListener("click", () => (screenTrack ? stopShare() : startShare()));
}

// --- entering a room --------------------------------------------------------------------------
// Each media request says when it was asked (this page's clock, ms): if an older one reaches
// the server after a newer one (a visit clicked while the page was still asking for the main
// room), the server refuses it (409) instead of moving the grant, and its token, back.
function mediaUrl(id) {
  const askedAt = Math.floor(performance.timeOrigin + performance.now());
  return `/api/v1/workshops/rooms/${id}/media?asked_at=${askedAt}`;
}

// Every await below may be overtaken by a newer enterRoom (a move, a visit, a retry): whatever
// comes back for a room the page has left since is dropped, or two rooms' media would be
// joined at once (and the later answer would win).
async function enterRoom(id) {
  leaveMedia();
  if (gone) return;
  const generation = mediaGeneration;
  const stale = () => generation !== mediaGeneration;
  roomId = id;
  root.dataset.roomId = String(id);
  await localMedia();
  if (stale()) return;
  let media;
  try {
    const response = await fetch(mediaUrl(id), { credentials: "same-origin" });
    if (stale()) return;
    if (response.status === 404) {
      notInRoom(id, generation);
      return;
    }
    if (!response.ok) throw new Error(String(response.status));
    media = await response.json();
  } catch {
    if (stale()) return;
    say("The media server is not reachable right now; retrying in a few seconds.");
    retryTimer = setTimeout(() => enterRoom(id), 5000);
    return;
  }
  if (stale()) return;
  refusals = 0;
  root.dataset.mode = media.mode;
  stageRoom = media.mode === "mesh" && media.video === false;
  applyState(media);
  refreshPeople();
  if (media.mode === "sfu") {
    notice("media-notice", "");
    await sfuRoom(id, media);
    return;
  }
  notice("media-notice", media.notice || "");
  meshRoom(id, media);
  if (media.retry_after) {
    // Janus is configured but did not answer this once: the others may be on it, so this page
    // asks again until it can join them there.
    notice(
      "media-notice",
      [media.notice, "The media server did not answer, so you may not see or hear everyone yet. Trying again…"]
        .filter(Boolean)
        .join(" "),
    );
    askForSfuLater(id, generation, media.retry_after);
  }
}

// Every page asking at once after a Janus restart would be a burst: each waits twice as long
// as the time before (up to 2 minutes), give or take a fifth.
function askForSfuLater(id, generation, seconds) {
  const jitter = 0.8 + Math.random() * 0.4;
  sfuTimer = setTimeout(() => askForSfu(id, generation, Math.min(seconds * 2, 120)), seconds * 1000 * jitter);
}

async function askForSfu(id, generation, next) {
  if (generation !== mediaGeneration) return;
  let response = null;
  try {
    response = await fetch(mediaUrl(id), { credentials: "same-origin" });
  } catch {
    // asked again below
  }
  if (generation !== mediaGeneration) return;
  if (response?.status === 404) {
    notInRoom(id, generation);
    return;
  }
  const media = response?.ok ? await response.json().catch(() => null) : null;
  if (generation !== mediaGeneration) return;
  if (media?.mode === "sfu") enterRoom(id);
  else if (media && !media.retry_after) notice("media-notice", media.notice || ""); // no Janus to wait for
  else askForSfuLater(id, generation, next);
}

// The media endpoint said 404 for room `id`. Usually the person was moved (the move's own
// event follows) or removed; but a second request for this person racing this one (another
// tab, a visit clicked while the page was still entering the main room) can also take the
// room off their grant for a moment. Ask where they are: elsewhere, go there; the same room, or
// the facilitator's visit, try again a few times before saying so.
async function notInRoom(id, generation) {
  const room = await whereAmI();
  if (generation !== mediaGeneration) return; // moved meanwhile, or left for good
  if (room && room.id !== id && !config.facilitator) {
    moveTo(room);
    return;
  }
  refusals += 1;
  if (refusals <= 3) {
    retryTimer = setTimeout(() => enterRoom(id), 1500);
  } else if (room && room.id !== id) {
    refusals = 0;
    moveTo(room);
  } else {
    say("This room is not available to you right now. Reload the page to try again.");
  }
}

async function sfuRoom(id, media) {
  const generation = mediaGeneration;
  const current = () => generation === mediaGeneration;
  try {
    const { joinRoom } = await import("./janus_room.js");
    const streams = new Map();
    const ownFeed = media.janus.feedId;
    feedUser.set(ownFeed, me);
    const joined = await joinRoom({
      ...media.janus,
      display: String(me),
      onRemoteTrack(feed, track, _mid, on, display) {
        if (!current() || (!on && !streams.has(feed))) return;
        const userId = Number(display) || feed;
        feedUser.set(feed, userId);
        const video = tileFor(userId).querySelector("video");
        if (!streams.has(feed)) streams.set(feed, new MediaStream());
        const stream = streams.get(feed);
        if (on) stream.addTrack(track);
        else stream.removeTrack(track);
        video.srcObject = stream;
      },
      onFeedGone(feed) {
        if (!current()) return;
        streams.delete(feed);
        const userId = feedUser.get(feed);
        feedUser.delete(feed);
        if (userId !== undefined && userId !== me) {
          tiles.querySelector(`[data-peer="${userId}"]`)?.remove();
        }
        schedulePeopleRefresh();
      },
      onTalking(feed, talking) {
        if (current()) markTalking(feedUser.get(feed) ?? feed, talking);
      },
      onModerated(_mid, muted) {
        if (current() && muted && !roomState.muted) applyState({ ...roomState, muted: true });
      },
      onPublished() {
        if (!current()) return;
        // While the room is muted, the server mutes this new feed too (Janus moderate).
        const csrf = document.cookie.match(/csrftoken=([^;]+)/)?.[1] || "";
        fetch(`/api/v1/workshops/rooms/${id}/media/published`, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrf },
        }).catch(() => {});
        schedulePeopleRefresh();
      },
      onKicked() {
        if (current()) syncRoom();
      },
    });
    if (!current()) {
      joined.leave(); // moved again while joining
      return;
    }
    sfu = joined;
    if (screenTrack) await sfu.replaceVideo(screenTrack);
    say(`In ${document.getElementById("room-name").textContent}`);
  } catch {
    if (!current()) return; // a room left behind failed to join: moot
    say("The media server did not answer; retrying.");
    retryTimer = setTimeout(() => enterRoom(id), 5000);
  }
}

// After a move: the room's chat, prompt and note come from the room page itself.
async function swapPanels() {
  const page = await rereadPage();
  if (!page) return;
  for (const id of ["room-chat", "room-prompt", "room-note", "facilitator-controls"]) {
    const fresh = page.getElementById(id);
    const current = document.getElementById(id);
    if (fresh && current) current.replaceWith(document.importNode(fresh, true));
    else if (fresh && !current) document.getElementById("tiles").parentElement.append(document.importNode(fresh, true));
    else if (!fresh && current) current.remove();
  }
  // chat.js starts one chat per load: load it again for the new room's panel.
  await import(`./chat.js?room=${roomId}`);
}

async function moveTo(room) {
  if (gone || room.id === roomId) return;
  refusals = 0;
  document.getElementById("room-name").textContent = room.name;
  say(`Moving to ${room.name}…`);
  await enterRoom(room.id);
  swapPanels();
}

// Removed, banned, or the workshop was called off: out of the room for good, saying why.
function leaveForGood(reason) {
  gone = true;
  leaveMedia();
  clearInterval(countdownTimer);
  notice("room-countdown", "");
  say(
    {
      banned: "A moderator banned you from this workshop's community, so you left the workshop.",
      cancelled: "This workshop was cancelled, so everyone has left it.",
      gave_up: "You gave up your place, so you have left the workshop.",
      left: "You left this workshop's community, so you left the workshop.",
    }[reason] || "The facilitator removed you from this workshop.",
  );
}

// The room the server says this person is in now (GET .../room), or null. Its 409
// workshop_cancelled is the news that the workshop was called off (the room socket's close can
// come before the live event that says so): the page leaves for good.
async function whereAmI() {
  const response = await fetch(`/api/v1/workshops/${config.workshopId}/room`, { credentials: "same-origin" }).catch(
    () => null,
  );
  if (response?.status === 409) {
    const body = await response.json().catch(() => null);
    if (body?.error?.code === "workshop_cancelled" && !gone) leaveForGood("cancelled");
    return null;
  }
  return response?.ok ? response.json() : null;
}

async function syncRoom() {
  if (gone) return;
  const room = await whereAmI();
  if (!room) return;
  await moveTo(room);
  // A recall still ahead counts down (one that has passed already put this page in the main room).
  if (room.recall_at && new Date(room.recall_at).getTime() > Date.now()) countdown(room.recall_at);
  else {
    clearInterval(countdownTimer);
    notice("room-countdown", "");
  }
}

function countdown(until) {
  if (gone) return;
  clearInterval(countdownTimer);
  const end = new Date(until).getTime();
  const tick = () => {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    notice("room-countdown", left > 0 ? `Everyone returns to the main room in ${left} s` : "Returning…");
    if (left <= 0) {
      clearInterval(countdownTimer);
      setTimeout(syncRoom, 500);
    }
  };
  tick();
  countdownTimer = setInterval(tick, 1000);
}

document.addEventListener("ml:live", (event) => {
  const e = event.detail;
  if (e.workshop !== config.workshopId) return;
  if (e.type === "workshop.room") {
    moveTo(e.room);
    if (!e.recall_at) {
      clearInterval(countdownTimer);
      notice("room-countdown", "");
    }
  } else if (e.type === "workshop.recall") {
    countdown(e.recall_at);
  } else if (e.type === "workshop.broadcast") {
    notice("room-broadcast", `From the facilitator: ${e.text}`);
  } else if (e.type === "workshop.removed" || e.type === "workshop.cancelled") {
    leaveForGood(e.type === "workshop.cancelled" ? "cancelled" : e.reason);
  } else if (e.type === "workshop.signal" && config.facilitator) {
    say(`${e.kind === "help" ? "Help asked" : "Hand raised"} in ${e.room}`);
  } else if (e.type === "workshop.hands") {
    refreshPeople();
  } else if (e.room === roomId && e.type === "workshop.muted") {
    applyState({ ...roomState, muted: e.muted });
    say(e.muted ? "The facilitator muted everyone." : "You may unmute yourself again.");
    refreshPeople();
  } else if (e.room === roomId && e.type === "workshop.spotlight") {
    // The spotlit speaker is on the stage too (server side), so their tile is never black.
    applyState({ ...roomState, spotlight: e.user_id, stage: e.stage ?? roomState.stage });
    refreshPeople();
  } else if (e.room === roomId && e.type === "workshop.stage") {
    applyState({ ...roomState, stage: e.stage });
    refreshPeople();
  }
});

// A recall or a move sent while the live socket was down is not replayed: look again.
document.addEventListener("ml:live-reconnected", () => syncRoom());

// Facilitator: visit a breakout room's media without being assigned to it.
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-visit-room]");
  if (!link) return;
  event.preventDefault();
  document.getElementById("room-name").textContent = link.closest("li").querySelector("strong").textContent;
  refusals = 0;
  enterRoom(Number(link.dataset.visitRoom));
});

audioButton.addEventListener("click", (event) => {
  if (roomState.muted && !config.facilitator) return;
  const on = event.currentTarget.getAttribute("aria-pressed") !== "true";
  for (const t of localStream?.getAudioTracks() || []) t.enabled = !on;
  event.currentTarget.setAttribute("aria-pressed", String(on));
  event.currentTarget.textContent = on ? "Unmute" : "Mute";
});
document.getElementById("toggle-video").addEventListener("click", (event) => {
  const off = event.currentTarget.getAttribute("aria-pressed") !== "true";
  for (const t of localStream?.getVideoTracks() || []) t.enabled = !off;
  event.currentTarget.setAttribute("aria-pressed", String(off));
  event.currentTarget.textContent = off ? "Start camera" : "Stop camera";
});

if (config.recallAt) countdown(config.recallAt);
enterRoom(roomId);
