// Live posts in a community channel over the chat socket (/ws/chat/, docs/websocket.md): a
// channel is a conversation, so the same subscribe-with-after_id catch-up, client ids and
// acks apply. Without this file the page works: forms post and the server redirects back.

import { uuid4 } from "../mentorloom/js/uuid.js";

const RETRY_MS = [500, 1000, 2000, 4000, 8000];

export class LiveChannel {
  constructor(root) {
    this.root = root;
    this.conversationId = Number(root.dataset.conversationId);
    this.userId = Number(root.dataset.userId);
    this.lastId = Number(root.dataset.newestId || 0);
    this.list = root.querySelector("[data-post-list]");
    this.status = root.querySelector("[data-live-status]");
    this.form = root.querySelector("[data-composer]");
    this.textarea = this.form.querySelector("textarea");
    this.errorEl = this.form.querySelector("[data-composer-error]");
    this.pending = null; // {client_id, body} until acknowledged
    this.failures = 0;
    this.form.addEventListener("submit", (event) => this.submit(event));
    this.connect();
  }

  connect() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${window.location.host}/ws/chat/`);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.failures = 0;
      this.root.dataset.live = "connected";
      this.frame({ type: "subscribe", conversation_id: this.conversationId, after_id: this.lastId });
      if (this.pending) this.frame({ type: "send", conversation_id: this.conversationId, ...this.pending });
    });
    socket.addEventListener("message", (event) => this.receive(JSON.parse(event.data)));
    socket.addEventListener("close", () => {
      this.root.dataset.live = "closed";
      const wait = RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)];
      this.failures += 1;
      window.setTimeout(() => this.connect(), wait);
    });
  }

  frame(data) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(data));
      return true;
    }
    return false;
  }

  submit(event) {
    const body = this.textarea.value.trim();
    if (!body || !this.socket || this.socket.readyState !== WebSocket.OPEN) return; // plain POST
    event.preventDefault();
    this.errorEl.hidden = true;
    this.pending = { client_id: uuid4(), body };
    this.frame({ type: "send", conversation_id: this.conversationId, ...this.pending });
  }

  receive(data) {
    if (data.type === "message" && data.message.conversation_id === this.conversationId) {
      this.show(data.message);
    } else if (data.type === "ack" && this.pending && data.client_id === this.pending.client_id) {
      this.pending = null;
      this.textarea.value = "";
      this.show(data.message);
    } else if (data.type === "error" && data.frame === "send" && this.pending) {
      if (data.code === "unavailable") return; // resent on reconnect with the same client id
      this.pending = null;
      this.errorEl.textContent = data.message;
      this.errorEl.hidden = false;
    } else if (data.type === "message_changed") {
      this.changed(data.message);
    }
  }

  show(message) {
    if (message.id > this.lastId) this.lastId = message.id;
    if (document.getElementById(`post-${message.id}`)) return; // already shown
    if (message.parent_id) {
      const link = this.root.querySelector(`#post-${message.parent_id} [data-thread-link]`);
      if (link) {
        const n = Number.parseInt(link.textContent, 10) + 1 || 1;
        link.textContent = `${n} repl${n === 1 ? "y" : "ies"}`;
      }
    } else {
      const empty = this.list.querySelector("[data-empty]");
      if (empty) empty.remove();
      // A placeholder keeps the id order; the server renders the post (escaped, with its
      // reactions and thread link) and replaces it.
      const article = document.createElement("article");
      article.className = "msg community-post";
      article.id = `post-${message.id}`;
      article.dataset.postId = String(message.id);
      this.fill(article, message.id);
      this.list.append(article);
    }
    if (message.sender_id !== this.userId) {
      this.status.textContent = "New post in this channel.";
      if (document.visibilityState === "visible") {
        this.frame({ type: "read", conversation_id: this.conversationId, up_to_id: message.id });
      }
    }
  }

  async fill(article, id) {
    try {
      const response = await fetch(`${this.root.dataset.base}${id}/`, {
        headers: { Accept: "text/html" }, credentials: "same-origin",
      });
      if (!response.ok) { article.remove(); return; } // e.g. someone you blocked
      const template = document.createElement("template");
      template.innerHTML = (await response.text()).trim();
      const rendered = template.content.querySelector("article");
      if (rendered && article.isConnected) article.replaceWith(rendered);
    } catch {
      // Offline: the post shows on the next page load.
    }
  }

  changed(message) {
    const article = document.getElementById(`post-${message.id}`);
    if (!article) return;
    if (message.deleted) {
      article.querySelector(".msg__body").innerHTML = "<em>Post deleted</em>";
      return;
    }
    for (const reaction of message.reactions) {
      const button = article.querySelector(`[data-reaction="${reaction.key}"]`);
      if (!button) continue;
      let count = button.querySelector("[data-count]");
      if (!count) {
        count = document.createElement("span");
        count.dataset.count = "";
        button.append(" ", count);
      }
      count.textContent = String(reaction.count);
    }
  }
}

const root = document.querySelector("[data-channel]");
if (root) new LiveChannel(root);
