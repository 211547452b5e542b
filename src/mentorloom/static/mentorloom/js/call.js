// One-to-one video call: camera and microphone, "perfect negotiation" over /ws/calls/<id>/,
// screen sharing by replaceTrack, device pickers, a connection-quality readout, hang-up.
// Media goes browser to browser; the server only relays the small signalling frames.

const root = document.getElementById("call");
const config = JSON.parse(document.getElementById("call-config").textContent);
const $ = (id) => document.getElementById(id);

const state = {
  pc: null,
  ws: null,
  local: new MediaStream(),
  camera: null, // the camera track, kept while the screen is shared
  screen: null,
  polite: false,
  makingOffer: false,
  ignoreOffer: false,
  otherPresent: false,
  ended: false,
  retries: 0,
  resets: 0, // fresh starts since the two last connected (startAfreshSoon)
  inbox: Promise.resolve(),
};

function setStatus(text, phase) {
  $("call-status").textContent = text;
  if (phase) root.dataset.state = phase;
}

function send(frame) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(frame));
}

async function startMedia() {
  for (const constraints of [{ audio: true, video: true }, { audio: true }]) {
    try {
      state.local = await navigator.mediaDevices.getUserMedia(constraints);
      break;
    } catch (error) {
      console.warn("getUserMedia failed", constraints, error);
    }
  }
  if (!state.local.getTracks().length) {
    setStatus("No camera or microphone is available; you can still see and hear the other side.");
  }
  state.camera = state.local.getVideoTracks()[0] || null;
  $("local-video").srcObject = state.local;
  // Not awaited: Firefox answers enumerateDevices only once the page has focus, and a call page
  // opened in the background must still join.
  fillDevicePickers().catch((error) => console.warn("could not list devices", error));
}

function outgoingVideo() {
  return state.screen || state.camera;
}

// `fresh`: this connection replaces one that did not connect, and its offer says so, so the
// other side replaces its own too (startAfreshSoon).
function newPeer({ fresh = false } = {}) {
  if (state.pc) state.pc.close();
  const pc = new RTCPeerConnection({ iceServers: config.iceServers });
  const audio = state.local.getAudioTracks()[0];
  const video = outgoingVideo();
  if (audio) pc.addTrack(audio, state.local);
  else pc.addTransceiver("audio", { direction: "recvonly" });
  if (video) pc.addTrack(video, state.local);
  else pc.addTransceiver("video", { direction: "recvonly" });

  pc.onnegotiationneeded = async () => {
    if (!state.otherPresent) return; // an offer nobody hears would be lost
    try {
      state.makingOffer = true;
      await pc.setLocalDescription();
      const frame = { type: pc.localDescription.type, sdp: pc.localDescription.sdp };
      send(fresh && frame.type === "offer" ? { ...frame, fresh } : frame);
      fresh = false;
    } catch (error) {
      console.warn("could not make an offer", error);
    } finally {
      state.makingOffer = false;
    }
  };
  pc.onicecandidate = ({ candidate }) => {
    if (candidate) send({ type: "ice", candidate: candidate.toJSON() });
  };
  pc.ontrack = ({ streams }) => {
    const remote = $("remote-video");
    if (streams[0] && remote.srcObject !== streams[0]) {
      remote.srcObject = streams[0];
      playRemote(remote);
    }
  };
  pc.onconnectionstatechange = () => {
    if (pc !== state.pc) return;
    if (pc.connectionState === "connected") {
      state.resets = 0;
      setStatus("Connected", "connected");
    }
    if (pc.connectionState === "disconnected") setStatus("The connection is unstable…");
    if (pc.connectionState === "failed") {
      setStatus("Reconnecting…", "connecting");
      startAfreshSoon(pc, 0);
    }
  };
  state.pc = pc;
  startAfreshSoon(pc, CONNECT_PATIENCE_MS);
  return pc;
}

// A connection that has not connected after a while (an answer or a candidate lost on the way,
// a busy machine) or that failed starts afresh: the impolite side (the caller) replaces its
// connection and sends a `fresh` offer, on which the other side replaces its own. Restarting
// ICE on the same connection is not enough: a side that never applied the answer has no DTLS
// role yet, and its answer to the restart clashes with the role the other side took (the
// workshop rooms' mesh learnt this first: workshop_room.js).
const CONNECT_PATIENCE_MS = 10_000;
const MAX_RESETS = 3;

function startAfreshSoon(pc, delay) {
  setTimeout(() => {
    if (state.ended || pc !== state.pc || pc.connectionState === "connected") return;
    if (state.polite) return; // the polite side waits for the other's fresh offer
    if (!state.otherPresent) {
      startAfreshSoon(pc, CONNECT_PATIENCE_MS); // alone: nothing to connect to yet
      return;
    }
    if (state.resets >= MAX_RESETS) return;
    state.resets += 1;
    // In line with the frames, so a fresh start never lands in the middle of an SDP step.
    state.inbox = state.inbox.then(() => {
      if (pc === state.pc && !state.ended) newPeer({ fresh: true });
    });
  }, delay);
}

// Autoplay rules (Firefox's by default, Safari's, Chromium's without capture) may refuse to start
// a video that has sound before the person clicks on this page; `autoplay` then leaves it paused
// on its first frame. Play it muted instead, which every browser allows, and offer the sound.
async function playRemote(remote) {
  try {
    await remote.play();
  } catch (error) {
    if (error.name !== "NotAllowedError") return; // AbortError: a newer stream replaced this one
    remote.muted = true;
    $("remote-sound").hidden = false;
    await remote.play().catch((e) => console.warn("the remote video cannot play", e));
  }
}

function turnOnSound() {
  const remote = $("remote-video");
  remote.muted = false;
  remote.play().catch((e) => console.warn("the remote video cannot play", e));
  $("remote-sound").hidden = true;
}

async function handle(frame) {
  switch (frame.type) {
    case "welcome":
      state.polite = frame.polite;
      state.resets = 0;
      newPeer(); // a fresh connection after every (re)join: DTLS state never outlives a socket
      setStatus("Waiting for the other person…", "connecting");
      break;
    case "peer.joined":
      state.otherPresent = true;
      state.resets = 0;
      newPeer(); // offers as soon as negotiation is needed
      setStatus("Connecting…", "connecting");
      break;
    case "peer.left":
      state.otherPresent = false;
      setStatus("The other person left or lost their connection; waiting for them…", "connecting");
      break;
    case "offer":
    case "answer": {
      state.otherPresent = true;
      // The other side started afresh: so does this one (its connection may never connect).
      if (frame.type === "offer" && frame.fresh && state.polite) newPeer();
      const pc = state.pc;
      const collision = frame.type === "offer" && (state.makingOffer || pc.signalingState !== "stable");
      state.ignoreOffer = !state.polite && collision;
      if (state.ignoreOffer) return;
      await pc.setRemoteDescription({ type: frame.type, sdp: frame.sdp });
      if (frame.type === "offer") {
        await pc.setLocalDescription();
        send({ type: pc.localDescription.type, sdp: pc.localDescription.sdp });
      }
      break;
    }
    case "ice":
      if (!frame.candidate) return;
      try {
        await state.pc.addIceCandidate(frame.candidate);
      } catch (error) {
        if (!state.ignoreOffer) console.warn("bad ICE candidate", error);
      }
      break;
    case "media":
      $("remote-muted").hidden = frame.audio !== false;
      break;
    case "ended":
      endLocally(frame.duration);
      break;
    case "error":
      if (["call_ended", "not_found"].includes(frame.code)) endLocally(null, frame.message);
      else console.warn("signalling error", frame);
      break;
    default:
      break;
  }
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}${config.wsPath}`);
  ws.onopen = () => {
    state.retries = 0;
  };
  ws.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    // Frames are applied strictly in order: SDP steps must not interleave.
    state.inbox = state.inbox.then(() => handle(frame)).catch((e) => console.warn(e));
  };
  ws.onclose = (event) => {
    if (state.ended) return;
    if ([4401, 4404, 4410].includes(event.code)) {
      endLocally(null, "You cannot join this call.");
      return;
    }
    setStatus("Reconnecting…", "connecting");
    const delay = Math.min(5000, 300 * 2 ** state.retries++);
    setTimeout(connect, delay);
  };
  state.ws = ws;
}

function endLocally(duration, message) {
  if (state.ended) return;
  state.ended = true;
  for (const track of [...state.local.getTracks(), state.screen].filter(Boolean)) track.stop();
  if (state.pc) state.pc.close();
  if (state.ws) state.ws.close();
  root.dataset.state = "ended";
  $("call-ended").hidden = false;
  setStatus(message || "The call has ended.");
  if (duration) {
    const minutes = Math.floor(duration / 60);
    const seconds = duration % 60;
    $("call-summary").textContent = `It lasted ${minutes} min ${seconds} s.`;
  }
}

function videoSender() {
  return state.pc && state.pc.getSenders().find((s) => s.track && s.track.kind === "video");
}

function mediaState() {
  const audio = state.local.getAudioTracks()[0];
  send({
    type: "media",
    audio: Boolean(audio && audio.enabled),
    video: Boolean(state.camera && state.camera.enabled),
    screen: Boolean(state.screen),
  });
}

function toggle(button, on, labels) {
  button.setAttribute("aria-pressed", String(on));
  button.textContent = on ? labels[1] : labels[0];
}

async function shareScreen(button) {
  if (state.screen) {
    stopSharing(button);
    return;
  }
  try {
    state.screen = (await navigator.mediaDevices.getDisplayMedia({ video: true })).getVideoTracks()[0];
  } catch (error) {
    console.warn("screen share refused", error);
    return;
  }
  state.screen.onended = () => stopSharing(button);
  const sender = videoSender();
  if (sender) await sender.replaceTrack(state.screen);
  $("local-video").srcObject = new MediaStream([state.screen]);
  root.dataset.sharing = "true";
  toggle(button, true, ["Share screen", "Stop sharing"]);
  mediaState();
}

async function stopSharing(button) {
  if (!state.screen) return;
  state.screen.stop();
  state.screen = null;
  const sender = videoSender();
  if (sender) await sender.replaceTrack(state.camera);
  $("local-video").srcObject = state.local;
  root.dataset.sharing = "false";
  toggle(button, false, ["Share screen", "Stop sharing"]);
  mediaState();
}

async function fillDevicePickers() {
  const devices = await navigator.mediaDevices.enumerateDevices();
  for (const [kind, select, current] of [
    ["videoinput", $("camera-select"), state.camera],
    ["audioinput", $("mic-select"), state.local.getAudioTracks()[0]],
  ]) {
    const activeId = current ? current.getSettings().deviceId : "";
    select.replaceChildren(
      ...devices
        .filter((d) => d.kind === kind)
        .map((d, i) => new Option(d.label || `${kind} ${i + 1}`, d.deviceId, false, d.deviceId === activeId)),
    );
  }
}

async function switchDevice(kind, deviceId) {
  const stream = await navigator.mediaDevices.getUserMedia({ [kind]: { deviceId: { exact: deviceId } } });
  const track = kind === "video" ? stream.getVideoTracks()[0] : stream.getAudioTracks()[0];
  const old = kind === "video" ? state.camera : state.local.getAudioTracks()[0];
  if (old) {
    state.local.removeTrack(old);
    old.stop();
  }
  state.local.addTrack(track);
  if (kind === "video") state.camera = track;
  const sender = state.pc && state.pc.getSenders().find((s) => s.track && s.track.kind === track.kind);
  if (sender && !(kind === "video" && state.screen)) await sender.replaceTrack(track);
}

async function sampleQuality() {
  if (!state.pc || state.ended) return;
  const stats = await state.pc.getStats();
  let rtt = null;
  let bytes = 0;
  let received = 0;
  let lost = 0;
  stats.forEach((report) => {
    if (report.type === "candidate-pair" && report.state === "succeeded" && report.nominated) {
      rtt = report.currentRoundTripTime ?? rtt;
    }
    if (report.type === "inbound-rtp") {
      bytes += report.bytesReceived || 0;
      received += report.packetsReceived || 0;
      lost += report.packetsLost || 0;
    }
  });
  root.dataset.inboundBytes = String(bytes); // read by the browser tests
  const loss = received + lost ? lost / (received + lost) : 0;
  let label = "–";
  if (rtt !== null) label = rtt < 0.15 && loss < 0.02 ? "good" : rtt < 0.4 && loss < 0.08 ? "fair" : "poor";
  $("call-quality").textContent = `Connection: ${label}`;
}

async function start() {
  if (!config.live) return;
  const audioButton = $("toggle-audio");
  const videoButton = $("toggle-video");
  audioButton.addEventListener("click", () => {
    const track = state.local.getAudioTracks()[0];
    if (!track) return;
    track.enabled = !track.enabled;
    toggle(audioButton, !track.enabled, ["Mute", "Unmute"]);
    mediaState();
  });
  videoButton.addEventListener("click", () => {
    if (!state.camera) return;
    state.camera.enabled = !state.camera.enabled;
    toggle(videoButton, !state.camera.enabled, ["Stop camera", "Start camera"]);
    mediaState();
  });
  $("remote-sound").addEventListener("click", turnOnSound);
  $("toggle-screen").addEventListener("click", (event) => shareScreen(event.currentTarget));
  $("hang-up").addEventListener("click", () => {
    send({ type: "hangup" });
    setTimeout(() => endLocally(null), 1500); // if the socket is down, leave anyway
  });
  $("camera-select").addEventListener("change", (e) => switchDevice("video", e.target.value));
  $("mic-select").addEventListener("change", (e) => switchDevice("audio", e.target.value));
  // A closed tab says it left at once; the server also notices the socket closing, and ends a
  // call nobody is in after 30 s, so the next "Start video call" rings afresh.
  window.addEventListener("pagehide", () => {
    if (state.ended) return;
    const body = new FormData();
    body.append("csrfmiddlewaretoken", config.csrfToken);
    navigator.sendBeacon(config.leaveUrl, body);
  });
  await startMedia();
  connect();
  setInterval(sampleQuality, 1000);
}

start();
