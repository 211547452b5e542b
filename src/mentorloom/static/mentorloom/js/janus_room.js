// A participant in a Janus VideoRoom: publish camera + microphone, subscribe to every other
// feed, report kicks. Media goes browser <-> Janus; Django only hands out the room, pin, token
// and feed id (mentorloom.calls.janus.controller). Needs vendor/webrtc-adapter-8.2.4.js and
// vendor/janus-1.1.4.js loaded first as classic scripts (janus.js reads window.adapter).
//
//   const room = await joinRoom({...browserConfig, display, video, on...});  (browser_config())
//   room.remoteFeeds(); await room.inboundVideo(); room.replaceVideo(track); room.leave();
//
// Callbacks: onRemoteTrack(feed, track, mid, on, display), onFeedGone(feed), onKicked(),
// onTalking(feed, talking) (the room's audiolevel_event: any publisher, oneself included),
// onModerated(mid, muted) (the facilitator's "mute all" reached this feed), onPublished().
//
// Every step settles within `timeoutMs`: when ICE cannot connect, Janus never answers `join`'s
// media part, so a hung promise would hang the page.

const Janus = globalThis.Janus;
let initialised = null;

function init() {
  initialised ??= new Promise((resolve) => Janus.init({ debug: false, callback: resolve }));
  return initialised;
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function session(server, token, iceServers) {
  return new Promise((resolve, reject) => {
    const janus = new Janus({
      server,
      token,
      // Ours only (calls.ice: our STUN/TURN); janus.js would otherwise ask Google's STUN.
      iceServers,
      success: () => resolve(janus),
      error: (cause) => reject(new Error(`janus: ${cause}`)),
    });
  });
}

function attach(janus, callbacks) {
  return new Promise((resolve, reject) => {
    janus.attach({
      plugin: "janus.plugin.videoroom",
      success: resolve,
      error: (cause) => reject(new Error(`attach: ${cause}`)),
      ...callbacks,
    });
  });
}

export async function joinRoom({
  server,
  token,
  room,
  pin,
  feedId,
  iceServers = [],
  display = "",
  video = { width: 320, height: 240 },
  onRemoteTrack = () => {},
  onFeedGone = () => {},
  onKicked = () => {},
  onTalking = () => {},
  onModerated = () => {},
  onPublished = () => {},
  timeoutMs = 15000,
}) {
  await init();
  const janus = await withTimeout(session(server, token, iceServers), timeoutMs, "session");
  const feeds = new Map(); // publisher id -> subscriber handle
  let privateId = null;
  let joined;
  const joinedPromise = new Promise((resolve, reject) => (joined = { resolve, reject }));

  async function subscribe(publisher) {
    if (feeds.has(publisher.id) || publisher.id === feedId) return;
    feeds.set(publisher.id, null);
    const handle = await attach(janus, {
      onmessage(msg, jsep) {
        if (!jsep) return;
        handle.createAnswer({
          jsep,
          tracks: [{ type: "data" }],
          success: (answer) => handle.send({ message: { request: "start", room }, jsep: answer }),
          error: (cause) => console.error("answer", cause),
        });
      },
      onremotetrack: (track, mid, on) =>
        onRemoteTrack(publisher.id, track, mid, on, publisher.display || ""),
    });
    feeds.set(publisher.id, handle);
    handle.send({
      message: {
        request: "join",
        ptype: "subscriber",
        room,
        pin,
        private_id: privateId,
        streams: [{ feed: publisher.id }],
      },
    });
  }

  function gone(id) {
    const handle = feeds.get(id);
    feeds.delete(id);
    if (handle) handle.detach();
    onFeedGone(id);
  }

  const publisher = await withTimeout(
    attach(janus, {
      onmessage(msg, jsep) {
        if (jsep) publisher.handleRemoteJsep({ jsep });
        if (msg.error_code) {
          joined.reject(Object.assign(new Error(msg.error), { code: msg.error_code }));
          return;
        }
        if (msg.videoroom === "joined") {
          privateId = msg.private_id;
          joined.resolve(msg);
        }
        for (const p of msg.publishers || []) subscribe(p);
        if (msg.unpublished && msg.unpublished !== "ok") gone(msg.unpublished);
        if (msg.leaving && msg.leaving !== "ok") gone(msg.leaving);
        if (msg.kicked) gone(msg.kicked); // another participant was kicked (moved out)
        if (msg.leaving === "ok" && msg.reason === "kicked") onKicked();
        if (msg.videoroom === "talking" || msg.videoroom === "stopped-talking") {
          onTalking(msg.id, msg.videoroom === "talking");
        }
        if (msg.moderation && msg.id === feedId) onModerated(msg.mid, msg.moderation === "muted");
        if (msg.configured === "ok") onPublished();
      },
    }),
    timeoutMs,
    "attach",
  );
  publisher.send({
    message: { request: "join", ptype: "publisher", room, pin, id: feedId, display, token },
  });
  try {
    await withTimeout(joinedPromise, timeoutMs, "join");
  } catch (error) {
    janus.destroy();
    throw error;
  }
  await withTimeout(
    new Promise((resolve, reject) =>
      publisher.createOffer({
        tracks: [
          { type: "audio", capture: true, recv: false },
          { type: "video", capture: video, recv: false },
        ],
        success: (offer) => {
          publisher.send({ message: { request: "configure", audio: true, video: true }, jsep: offer });
          resolve();
        },
        error: (cause) => reject(new Error(`offer: ${cause}`)),
      }),
    ),
    timeoutMs,
    "publish",
  );

  return {
    remoteFeeds: () => [...feeds.keys()],
    async inboundVideo() {
      // Per remote feed: video bytes received so far and the current frame size and rate,
      // from each subscription's RTCPeerConnection.
      const out = {};
      for (const [id, handle] of feeds) {
        const pc = handle && handle.webrtcStuff && handle.webrtcStuff.pc;
        if (!pc) continue;
        const feed = { bytes: 0, width: 0, height: 0, fps: 0 };
        (await pc.getStats()).forEach((s) => {
          if (s.type !== "inbound-rtp" || s.kind !== "video") return;
          feed.bytes += s.bytesReceived;
          feed.width = s.frameWidth || feed.width;
          feed.height = s.frameHeight || feed.height;
          feed.fps = s.framesPerSecond || feed.fps;
        });
        out[id] = feed;
      }
      return out;
    },
    replaceVideo(track) {
      // Screen share: the published video m-line carries `track` instead (no renegotiation).
      const pc = publisher.webrtcStuff && publisher.webrtcStuff.pc;
      const transceiver = pc?.getTransceivers().find((t) => t.receiver.track?.kind === "video");
      return transceiver ? transceiver.sender.replaceTrack(track) : Promise.resolve();
    },
    async inboundBytes() {
      const video = await this.inboundVideo();
      return Object.fromEntries(Object.entries(video).map(([id, v]) => [id, v.bytes]));
    },
    leave() {
      janus.destroy();
    },
  };
}
