// Live per-channel unread badges on a community's pages over /ws/communities/<id>/
// (communities/consumers.py): the socket sends the counts, then one `activity` frame per post
// by someone else, and this page adds one to that channel's badge. When you read something
// (here or in another tab) /ws/live/ says your unread changed (live.js: `ml:unread-changed`)
// and the counts are asked for again. Without this file the page shows the counts it was
// rendered with.

const RETRY_MS = [500, 1000, 2000, 4000, 8000, 15000];

export class ChannelBadges {
  constructor(root) {
    this.root = root;
    this.url = root.dataset.communityLive;
    // The channel on screen is being read: its posts are not unread (channel.js reads them).
    this.current = Number(root.dataset.currentChannel || 0);
    this.failures = 0;
    this.socket = null;
    document.addEventListener("ml:unread-changed", () => this.refresh());
    this.connect();
  }

  connect() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${window.location.host}${this.url}`);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.failures = 0;
    });
    socket.addEventListener("message", (event) => this.receive(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => {
      this.root.dataset.badgesLive = "closed";
      if (event.code === 4401 || event.code === 4404) return; // signed out, or not a member
      const wait = RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)];
      this.failures += 1;
      window.setTimeout(() => this.connect(), wait);
    });
  }

  refresh() {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ type: "refresh" }));
    }
  }

  receive(data) {
    if (data.type === "unread") {
      for (const badge of this.root.querySelectorAll("[data-unread-channel]")) {
        const id = badge.dataset.unreadChannel;
        this.show(badge, id in data.channels ? data.channels[id] : 0);
      }
      this.root.dataset.badgesLive = "connected"; // pages (and tests) can tell it is live
    } else if (data.type === "activity" && data.channel_id !== this.current) {
      const badge = this.root.querySelector(`[data-unread-channel="${data.channel_id}"]`);
      if (badge) this.show(badge, this.count(badge) + 1);
    }
  }

  count(badge) {
    return Number.parseInt(badge.querySelector("[data-count]").textContent, 10) || 0;
  }

  show(badge, n) {
    if (Number(badge.dataset.unreadChannel) === this.current) n = 0;
    badge.querySelector("[data-count]").textContent = String(n);
    badge.hidden = n === 0;
    badge.closest("li")?.classList.toggle("inbox__item--unread", n > 0);
  }
}

const root = document.querySelector("[data-community-live]");
if (root) new ChannelBadges(root);
