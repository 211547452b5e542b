// The live workshop room: media for the room you are in (Janus SFU when the server hands out a
// Janus config, otherwise mesh WebRTC over /ws/workshops/rooms/<id>/), live moves between the
// main room and breakout rooms without a reload, the recall countdown, broadcasts.
// Room changes arrive on /ws/live/ (live.js re-dispatches each event as "ml:live").

const root = document.getElementById("workshop-room");
const config = JSON.parse(document.getElementById("workshop-config").textContent);
const statusEl = document.getElementById("room-status");
const tiles = document.getElementById("tiles");
let roomId = config.roomId;
let localStream = null;
let socket = null;
let sfu = null;
// Bumped each time the page leaves a room's media: callbacks of a room left behind (janus.js
// reports its tracks ending while it tears down) must not draw tiles into the next room.
let mediaGeneration = 0;
let retryTimer = null;
let sendVideo = true; // mesh beyond 6 people: only the stage (the facilitator) sends video
let countdownTimer = null;
const peers = new Map(); // user id -> {pc, tile}

function say(text) {
  statusEl.textContent = text;
}

function notice(id, text) {
  const el = document.getElementById(id);
  el.textContent = text || "";
  el.hidden = !text;
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
  document.getElementById("local-video").srcObject = localStream;
  return localStream;
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
    caption.textContent = name || "Participant";
    video.setAttribute("aria-label", `${caption.textContent}'s video`);
    tile.append(video, caption);
    tiles.append(tile);
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
  if (socket) {
    socket.onclose = null;
    socket.close();
    socket = null;
  }
  for (const id of [...peers.keys()]) dropPeer(id);
  // The SFU's tiles are keyed by feed, not in `peers`: none of them belongs to the next room.
  for (const tile of tiles.querySelectorAll("[data-peer]")) tile.remove();
  if (sfu) {
    try {
      sfu.leave();
    } catch {
      // already gone
    }
    sfu = null;
  }
}

function peerConnection(userId, name, iceServers) {
  const existing = peers.get(userId);
  if (existing) return existing.pc;
  const pc = new RTCPeerConnection({ iceServers });
  for (const track of localStream.getTracks()) {
    if (track.kind === "video" && !sendVideo) continue;
    pc.addTrack(track, localStream);
  }
  const tile = tileFor(userId, name);
  pc.ontrack = (event) => {
    tile.querySelector("video").srcObject = event.streams[0];
  };
  pc.onicecandidate = (event) => {
    socket?.send(JSON.stringify({ type: "ice", to: userId, candidate: event.candidate }));
  };
  peers.set(userId, { pc, tile });
  return pc;
}

function meshRoom(id, media) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws/workshops/rooms/${id}/`);
  socket = ws;
  const iceServers = media.iceServers || [];
  ws.onmessage = async (message) => {
    const frame = JSON.parse(message.data);
    if (frame.type === "welcome") {
      say(`In ${document.getElementById("room-name").textContent}`);
    } else if (frame.type === "peer.joined") {
      // The one already here offers to the newcomer (one offerer per pair: no glare).
      const pc = peerConnection(frame.user_id, frame.name, iceServers);
      await pc.setLocalDescription(await pc.createOffer());
      ws.send(JSON.stringify({ type: "offer", to: frame.user_id, sdp: pc.localDescription.sdp }));
    } else if (frame.type === "offer") {
      const pc = peerConnection(frame.from, frame.name, iceServers);
      await pc.setRemoteDescription({ type: "offer", sdp: frame.sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      ws.send(JSON.stringify({ type: "answer", to: frame.from, sdp: pc.localDescription.sdp }));
    } else if (frame.type === "answer") {
      await peers.get(frame.from)?.pc.setRemoteDescription({ type: "answer", sdp: frame.sdp });
    } else if (frame.type === "ice") {
      const peer = peers.get(frame.from);
      if (peer && frame.candidate) await peer.pc.addIceCandidate(frame.candidate).catch(() => {});
    } else if (frame.type === "peer.left") {
      dropPeer(frame.user_id);
    } else if (frame.type === "moved") {
      say("Moving…");
    }
  };
  ws.onclose = (event) => {
    if (socket !== ws) return;
    if (event.code === 4403 || event.code === 4404) {
      syncRoom();
      return;
    }
    retryTimer = setTimeout(() => enterRoom(id), 3000);
  };
}

async function enterRoom(id) {
  leaveMedia();
  roomId = id;
  root.dataset.roomId = String(id);
  await localMedia();
  let media;
  try {
    const response = await fetch(`/api/v1/workshops/rooms/${id}/media`, { credentials: "same-origin" });
    if (response.status === 404) {
      syncRoom();
      return;
    }
    if (!response.ok) throw new Error(String(response.status));
    media = await response.json();
  } catch {
    say("The media server is not reachable right now; retrying in a few seconds.");
    retryTimer = setTimeout(() => enterRoom(id), 5000);
    return;
  }
  root.dataset.mode = media.mode;
  if (media.mode === "sfu") {
    notice("media-notice", "");
    try {
      const { joinRoom } = await import("./janus_room.js");
      const streams = new Map();
      const generation = mediaGeneration;
      const current = () => generation === mediaGeneration;
      const joined = await joinRoom({
        ...media.janus,
        display: config.userName || "Participant",
        onRemoteTrack(feed, track, _mid, on, display) {
          if (!current() || (!on && !streams.has(feed))) return;
          const video = tileFor(feed, display || "Participant").querySelector("video");
          if (!streams.has(feed)) streams.set(feed, new MediaStream());
          const stream = streams.get(feed);
          if (on) stream.addTrack(track);
          else stream.removeTrack(track);
          video.srcObject = stream;
        },
        onFeedGone(feed) {
          if (!current()) return;
          streams.delete(feed);
          tiles.querySelector(`[data-peer="${feed}"]`)?.remove();
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
      say(`In ${document.getElementById("room-name").textContent}`);
    } catch {
      say("The media server did not answer; retrying.");
      retryTimer = setTimeout(() => enterRoom(id), 5000);
    }
    return;
  }
  notice("media-notice", media.notice || "");
  sendVideo = media.video !== false || config.facilitator;
  meshRoom(id, media);
}

// After a move: the room's chat, prompt and note come from the room page itself.
async function swapPanels() {
  const response = await fetch(location.pathname, { credentials: "same-origin" });
  if (!response.ok) return;
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
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
  if (room.id === roomId) return;
  document.getElementById("room-name").textContent = room.name;
  say(`Moving to ${room.name}…`);
  await enterRoom(room.id);
  swapPanels();
}

async function syncRoom() {
  const response = await fetch(`/api/v1/workshops/${config.workshopId}/room`, { credentials: "same-origin" });
  if (response.ok) {
    const room = await response.json();
    await moveTo(room);
    if (!room.recall_at) notice("room-countdown", "");
  }
}

function countdown(until) {
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
  } else if (e.type === "workshop.removed") {
    leaveMedia();
    say("The facilitator removed you from this workshop.");
  } else if (e.type === "workshop.signal" && config.facilitator) {
    say(`${e.kind === "help" ? "Help asked" : "Hand raised"} in ${e.room}`);
  }
});

// Facilitator: visit a breakout room's media without being assigned to it.
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-visit-room]");
  if (!link) return;
  event.preventDefault();
  document.getElementById("room-name").textContent = link.closest("li").querySelector("strong").textContent;
  enterRoom(Number(link.dataset.visitRoom));
});

document.getElementById("toggle-audio").addEventListener("click", (event) => {
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
