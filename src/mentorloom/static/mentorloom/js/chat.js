// Live chat over /ws/chat/ (protocol: docs/websocket.md), falling back to HTTP polling.
// Without this file the page still works: the form posts and the server redirects back.
//
// Guarantees kept on this side: every message gets a client id before it leaves, and is resent
// with the same id until acknowledged (the server stores it once); messages are placed by server
// id; on every (re)connect we subscribe with the newest id we hold and receive the rest.

import { postAttachment } from "./upload.js";
import { armedTwice } from "./confirm_twice.js";
import { uuid4 } from "./uuid.js";

const RETRY_AFTER_MS = 8000;
const POLL_EVERY_MS = 3000;
const SOCKET_FAILURES_BEFORE_POLLING = 3;
const TYPING_SHOWN_MS = 4000;
const MAX_FILE_BYTES = 10 * 1024 * 1024;
// The fixed set (messaging.models.REACTIONS): key, emoji, name.
const REACTION_CHOICES = [
  ["thumbs_up", "👍", "Thumbs up"], ["heart", "❤️", "Heart"], ["tada", "🎉", "Celebrate"],
  ["laugh", "😂", "Laugh"], ["thanks", "🙏", "Thanks"], ["thinking", "🤔", "Thinking"],
];
const PERMANENT_ERRORS = new Set([
  "empty_message", "message_too_long", "blocked", "conversation_closed", "invalid", "not_found",
]);

class Chat {
  constructor(root) {
    this.root = root;
    this.conversationId = Number(root.dataset.conversationId);
    this.userId = Number(root.dataset.userId);
    this.api = root.dataset.api;
    this.pageUrl = root.dataset.pageUrl;
    this.csrf = root.dataset.csrf;
    this.otherName = root.dataset.otherName || "Someone";
    this.otherRead = Number(root.dataset.otherRead || 0);
    this.otherReadAt = null;
    this.list = root.querySelector("[data-chat-list]");
    this.scroller = root.querySelector("[data-chat-scroll]");
    this.jump = root.querySelector("[data-chat-jump]");
    this.status = root.querySelector("[data-chat-status]");
    this.seen = root.querySelector("[data-chat-seen]");
    this.typing = root.querySelector("[data-chat-typing]");
    this.form = root.querySelector("[data-chat-form]");
    this.textarea = this.form ? this.form.querySelector("textarea") : null;
    this.errorEl = root.querySelector("[data-chat-error]");
    this.fileErrorEl = root.querySelector("[data-chat-file-error]");
    this.fileInput = this.form ? this.form.querySelector('input[type="file"]') : null;
    const zone = root.dataset.zone || "UTC";
    this.timeFmt = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    });
    this.stampFmt = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
      hourCycle: "h23",
    });
    this.pending = new Map(); // client id -> {body, el, timer}
    this.socket = null;
    this.failures = 0;
    this.everOpened = false;
    this.pollTimer = null;
    this.readSent = 0;
    this.typingTimer = null;
    this.lastTypingSent = 0;
  }

  get lastId() {
    let last = 0;
    for (const li of this.list.querySelectorAll("li[data-id]")) {
      last = Math.max(last, Number(li.dataset.id));
    }
    return last;
  }

  start() {
    if (this.form) {
      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.submit();
      });
      this.textarea.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          this.submit();
        }
      });
      this.textarea.addEventListener("input", () => this.sendTyping());
    }
    // Edit and delete own messages (within 15 minutes); the links and forms work without JS.
    this.list.addEventListener("click", (event) => this.onListClick(event));
    this.list.addEventListener("submit", (event) => this.onListSubmit(event));
    window.setInterval(() => this.expireActions(), 15000);
    document.addEventListener("visibilitychange", () => this.markRead());
    // A message that arrives while you read further up is announced by a button, not scrolled
    // to; the button goes once you are at the end again.
    this.jump.addEventListener("click", () => {
      this.scrollToEnd();
      this.textarea?.focus();
    });
    this.scroller.addEventListener("scroll", () => {
      if (this.isNearEnd()) this.jump.hidden = true;
    });
    this.scrollToEnd();
    this.connect();
    this.markRead();
  }

  setStatus(text) {
    this.status.textContent = text;
  }

  // --- transport ------------------------------------------------------------------------------

  connect() {
    let socket;
    try {
      const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
      socket = new WebSocket(`${scheme}//${window.location.host}/ws/chat/`);
    } catch {
      this.startPolling();
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.failures = 0;
      this.everOpened = true;
      this.stopPolling();
      this.setStatus("");
      this.frame({ type: "subscribe", conversation_id: this.conversationId, after_id: this.lastId });
      for (const clientId of this.pending.keys()) this.deliver(clientId);
    });
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      this.handle(frame);
    });
    socket.addEventListener("close", (event) => {
      this.socket = null;
      if (this.root.dataset.state === "live") this.root.dataset.state = "connecting";
      if (event.code === 4401) {
        this.setStatus("Signed out: reload the page to sign in again.");
        return;
      }
      this.failures += 1;
      // A socket that never opened is likely blocked (proxy): poll at once, keep retrying.
      if (!this.everOpened || this.failures >= SOCKET_FAILURES_BEFORE_POLLING) this.startPolling();
      else this.setStatus("Reconnecting…");
      const backoff = Math.min(30000, 500 * 2 ** this.failures) * (0.5 + Math.random());
      window.setTimeout(() => this.connect(), backoff);
    });
  }

  socketOpen() {
    return this.socket && this.socket.readyState === WebSocket.OPEN;
  }

  frame(data) {
    if (!this.socketOpen()) return false;
    this.socket.send(JSON.stringify(data));
    return true;
  }

  startPolling() {
    if (this.pollTimer) return;
    this.root.dataset.state = "polling";
    this.setStatus("Live updates unavailable: checking for new messages every few seconds.");
    this.pollTimer = window.setInterval(() => this.poll(), POLL_EVERY_MS);
    this.poll();
    for (const clientId of this.pending.keys()) this.deliver(clientId);
  }

  stopPolling() {
    if (this.pollTimer) window.clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  async request(method, path, body) {
    const response = await fetch(`${this.api}${path}`, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": this.csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    return { status: response.status, data };
  }

  async poll() {
    try {
      let more = true;
      while (more) {
        const { status, data } = await this.request("GET", `/messages?after=${this.lastId}&limit=200`);
        if (status !== 200) return;
        data.messages.forEach((m) => this.addMessage(m));
        this.applyReads(data.reads);
        more = data.has_more;
      }
      this.markRead();
    } catch {
      // Offline: the next tick tries again.
    }
  }

  // --- sending --------------------------------------------------------------------------------

  submit() {
    const body = this.textarea.value.trim();
    if (this.fileInput && this.fileInput.files.length) {
      this.upload(this.fileInput.files[0], body);
      return;
    }
    if (!body) {
      this.showError("Write something before sending.");
      return;
    }
    this.showError("");
    this.textarea.value = "";
    const clientId = uuid4();
    const el = this.buildMessage({
      id: null, sender_id: this.userId, client_id: clientId, html: "", body,
      created_at: new Date().toISOString(), edited_at: null, deleted: false,
    });
    el.classList.add("msg--pending");
    el.querySelector(".msg__body").textContent = body;
    this.list.appendChild(el);
    this.removeEmptyState();
    this.scrollToEnd();
    this.pending.set(clientId, { body, el, timer: null });
    this.deliver(clientId);
  }

  // Files go over HTTP (multipart), with a client id so a retried upload is stored once.
  async upload(file, body) {
    this.showError("");
    this.showFileError("");
    if (file.size > MAX_FILE_BYTES) {
      this.showFileError("Attachments can be at most 10 MB.");
      return;
    }
    const clientId = uuid4();
    const el = this.buildMessage({
      id: null, sender_id: this.userId, client_id: clientId, html: "", body,
      created_at: new Date().toISOString(), edited_at: null, deleted: false, attachments: [],
    });
    el.classList.add("msg--pending");
    el.querySelector(".msg__body").textContent = `${body ? `${body} ` : ""}(uploading ${file.name}…)`;
    this.list.appendChild(el);
    this.removeEmptyState();
    this.scrollToEnd();
    this.textarea.value = "";
    this.fileInput.value = "";
    const { status, data } = await postAttachment(this.api, this.csrf, { clientId, body, file });
    if (status === 0) {
      el.classList.remove("msg--pending");
      el.classList.add("msg--failed");
      el.querySelector(".msg__meta").textContent = "Not sent: check your connection.";
      return;
    }
    el.remove();
    if (status === 200 || status === 201) {
      this.addMessage(data);
      return;
    }
    const error = data.error || {};
    if (error.fields && error.fields.file) this.showFileError(error.fields.file.join(" "));
    else this.showError(error.message || "Not sent.");
    this.textarea.value = body;
  }

  showFileError(text) {
    if (!this.fileErrorEl) return;
    this.fileErrorEl.textContent = text;
    this.fileErrorEl.hidden = !text;
  }

  deliver(clientId) {
    const item = this.pending.get(clientId);
    if (!item) return;
    window.clearTimeout(item.timer);
    // Resent with the same client id until acknowledged: the server stores it once.
    item.timer = window.setTimeout(() => this.deliver(clientId), RETRY_AFTER_MS);
    const frame = {
      type: "send", conversation_id: this.conversationId, client_id: clientId, body: item.body,
    };
    if (this.frame(frame)) return;
    if (!this.pollTimer) return; // reconnecting: the open handler resends
    this.request("POST", "/messages", { client_id: clientId, body: item.body })
      .then(({ status, data }) => {
        if (status === 200 || status === 201) this.acknowledge(clientId, data);
        else if (status >= 400 && status < 500 && status !== 429) {
          this.fail(clientId, data.error ? data.error.message : "Not sent.");
        }
      })
      .catch(() => {});
  }

  acknowledge(clientId, message) {
    const item = this.pending.get(clientId);
    if (item) {
      window.clearTimeout(item.timer);
      item.el.remove();
      this.pending.delete(clientId);
    }
    this.addMessage(message);
  }

  fail(clientId, text) {
    const item = this.pending.get(clientId);
    if (!item) return;
    window.clearTimeout(item.timer);
    this.pending.delete(clientId);
    item.el.classList.remove("msg--pending");
    item.el.classList.add("msg--failed");
    item.el.querySelector(".msg__meta").textContent = `Not sent: ${text}`;
  }

  sendTyping() {
    const now = Date.now();
    if (now - this.lastTypingSent < 2000) return;
    this.lastTypingSent = now;
    this.frame({ type: "typing", conversation_id: this.conversationId });
  }

  markRead() {
    if (document.visibilityState !== "visible") return;
    const last = this.lastId;
    if (last <= this.readSent) return;
    this.readSent = last;
    const sent = this.frame({ type: "read", conversation_id: this.conversationId, up_to_id: last });
    if (!sent) this.request("POST", "/read", { up_to_id: last }).catch(() => {});
  }

  // --- receiving ------------------------------------------------------------------------------

  handle(frame) {
    switch (frame.type) {
      case "message":
        this.addMessage(frame.message);
        if (frame.message.sender_id !== this.userId) {
          this.typing.textContent = ""; // they finished typing: here is the message
          this.markRead();
        }
        break;
      case "ack":
        this.acknowledge(frame.client_id, frame.message);
        break;
      case "message_changed":
        this.addMessage(frame.message);
        break;
      case "subscribed":
        this.root.dataset.state = "live";
        this.applyReads(frame.reads);
        this.markRead();
        break;
      case "read":
        this.applyReads([frame]);
        break;
      case "typing":
        if (frame.user_id !== this.userId) this.showTyping();
        break;
      case "hidden_changed":
        // Only for a workshop room (or channel) this page shows: a one-to-one chat with
        // someone blocked is closed by its access check, and never gets this frame.
        if (frame.conversation_id !== this.conversationId) break;
        this.hideSenders(frame.hidden);
        if (frame.unhidden.length) this.bringInMessages();
        break;
      case "error":
        this.handleError(frame);
        break;
      default:
        break;
    }
  }

  handleError(frame) {
    if (frame.client_id && this.pending.has(frame.client_id)) {
      if (PERMANENT_ERRORS.has(frame.code)) this.fail(frame.client_id, frame.message);
      // rate_limited and other transient errors: the retry timer resends with the same id.
      else this.showError(frame.message);
      return;
    }
    if (frame.frame === "subscribe") this.setStatus(frame.message);
  }

  applyReads(reads) {
    for (const read of reads || []) {
      if (read.user_id === this.userId) continue;
      if (read.up_to_id >= this.otherRead) {
        this.otherRead = read.up_to_id;
        this.otherReadAt = read.read_at;
      }
    }
    this.renderSeen();
  }

  renderSeen() {
    const mine = Array.from(this.list.querySelectorAll(`li[data-id][data-sender="${this.userId}"]`));
    const lastMine = mine.length ? Number(mine[mine.length - 1].dataset.id) : 0;
    if (!lastMine || this.otherRead < lastMine || !this.otherReadAt) return;
    const at = new Date(this.otherReadAt);
    const time = document.createElement("time");
    time.dateTime = this.otherReadAt;
    time.textContent = this.timeFmt.format(at);
    this.seen.replaceChildren("Seen ", time);
  }

  showTyping() {
    this.typing.textContent = `${this.otherName} is typing…`;
    window.clearTimeout(this.typingTimer);
    this.typingTimer = window.setTimeout(() => { this.typing.textContent = ""; }, TYPING_SHOWN_MS);
  }

  showError(text) {
    if (!this.errorEl) return;
    this.errorEl.textContent = text;
    this.errorEl.hidden = !text;
  }

  removeEmptyState() {
    const empty = this.root.querySelector("[data-chat-empty]");
    if (empty) empty.remove();
  }

  buildMessage(m) {
    const li = document.createElement("li");
    li.className = "msg";
    if (m.sender_id === this.userId) li.classList.add("msg--mine");
    if (m.deleted) li.classList.add("msg--deleted");
    if (m.id !== null) {
      li.id = `msg-${m.id}`;
      li.dataset.id = String(m.id);
      li.dataset.sender = String(m.sender_id);
    }
    li.dataset.clientId = m.client_id;
    const body = document.createElement("div");
    body.className = "msg__body";
    if (m.deleted) body.innerHTML = "<em>Message deleted</em>";
    else body.innerHTML = m.html; // sanitised by the server (nh3) before it left
    const meta = document.createElement("p");
    meta.className = "msg__meta";
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = m.sender_id === this.userId ? "You, " : "They, ";
    const time = document.createElement("time");
    time.dateTime = m.created_at;
    time.textContent = this.stampFmt.format(new Date(m.created_at));
    meta.append(who, time);
    if (m.edited_at && !m.deleted) {
      const edited = document.createElement("span");
      edited.className = "msg__edited";
      edited.textContent = "edited";
      meta.append(" · ", edited);
    }
    li.append(body);
    if (!m.deleted) for (const a of m.attachments || []) li.append(this.buildAttachment(a));
    if (!m.deleted && m.id !== null) li.append(this.buildReactions(m));
    li.append(meta);
    if (m.id !== null && this.canChange(m)) li.append(this.buildActions(m));
    return li;
  }

  buildAttachment(a) {
    const box = document.createElement("div");
    box.className = "msg__file";
    const link = document.createElement("a");
    link.href = a.url;
    if (a.thumbnail_url) {
      link.target = "_blank";
      link.rel = "noopener";
      const img = document.createElement("img");
      img.className = "msg__thumb";
      img.src = a.thumbnail_url;
      img.alt = `Image: ${a.name}`;
      if (a.thumb_width) img.width = a.thumb_width;
      if (a.thumb_height) img.height = a.thumb_height;
      img.loading = "lazy";
      link.append(img);
      box.append(link);
    } else {
      link.className = "msg__pdf";
      link.download = a.name;
      link.textContent = a.name;
      const size = document.createElement("span");
      size.className = "small muted";
      const mb = a.size / (1024 * 1024);
      size.textContent = ` (PDF, ${mb >= 1 ? `${mb.toFixed(1)} MB` : `${Math.max(1, Math.round(a.size / 1024))} KB`})`;
      box.append(link, size);
    }
    return box;
  }

  buildReactions(m) {
    const form = document.createElement("form");
    form.className = "msg__reactions";
    form.method = "post";
    form.action = `${this.pageUrl}${m.id}/react/`;
    form.dataset.msgReactions = "";
    for (const r of m.reactions || []) {
      const mine = r.user_ids.includes(this.userId);
      const button = this.reactionButton(r.key, r.name);
      button.classList.toggle("reaction--mine", mine);
      button.setAttribute("aria-pressed", String(mine));
      const emoji = document.createElement("span");
      emoji.setAttribute("aria-hidden", "true");
      emoji.textContent = r.emoji;
      button.append(emoji, ` ${r.count}`, this.hiddenText(` ${r.name}`));
      form.append(button);
    }
    const details = document.createElement("details");
    details.className = "msg__react";
    const summary = document.createElement("summary");
    summary.append("React", this.hiddenText(` to the message from ${this.timeFmt.format(new Date(m.created_at))}`));
    const choices = document.createElement("span");
    choices.className = "msg__react-choices";
    for (const [key, emoji, name] of REACTION_CHOICES) {
      const button = this.reactionButton(key, name);
      button.setAttribute("aria-label", name);
      button.title = name;
      button.textContent = emoji;
      choices.append(button);
    }
    details.append(summary, choices);
    form.append(details);
    return form;
  }

  reactionButton(key, name) {
    const button = document.createElement("button");
    button.type = "submit";
    button.name = "key";
    button.value = key;
    button.className = "reaction";
    button.dataset.reaction = key;
    return button;
  }

  async react(li, key) {
    const mine = li.querySelector(`[data-msg-reactions] > [data-reaction="${key}"][aria-pressed="true"]`);
    const method = mine ? "DELETE" : "PUT";
    const { status, data } = await this.request(method, `/messages/${li.dataset.id}/reactions/${key}`)
      .catch(() => ({ status: 0, data: {} }));
    if (status === 200) this.addMessage(data);
    else this.showError(data.error ? data.error.message : "Reaction not saved: check your connection.");
  }

  // --- edit and delete ------------------------------------------------------------------------

  canChange(m) {
    return m.sender_id === this.userId && !m.deleted && m.editable_until
      && Date.parse(m.editable_until) > Date.now();
  }

  buildActions(m) {
    const at = this.timeFmt.format(new Date(m.created_at));
    const actions = document.createElement("div");
    actions.className = "msg__actions";
    actions.dataset.msgActions = "";
    actions.dataset.editableUntil = m.editable_until;
    const edit = document.createElement("a");
    edit.className = "btn btn--ghost btn--sm";
    edit.href = `${this.pageUrl}${m.id}/edit/`;
    edit.dataset.msgEdit = "";
    edit.append("Edit", this.hiddenText(` message from ${at}`));
    const form = document.createElement("form");
    form.method = "post";
    form.action = `${this.pageUrl}${m.id}/delete/`;
    form.dataset.msgDelete = "";
    const button = document.createElement("button");
    button.type = "submit";
    button.className = "btn btn--ghost btn--sm";
    button.append("Delete", this.hiddenText(` message from ${at}`));
    form.append(button);
    actions.append(edit, form);
    return actions;
  }

  hiddenText(text) {
    const span = document.createElement("span");
    span.className = "visually-hidden";
    span.textContent = text;
    return span;
  }

  expireActions() {
    for (const actions of this.list.querySelectorAll("[data-msg-actions]")) {
      if (Date.parse(actions.dataset.editableUntil) <= Date.now()) actions.remove();
    }
  }

  onListClick(event) {
    const edit = event.target.closest("[data-msg-edit]");
    if (edit) {
      event.preventDefault();
      this.openEditor(edit.closest("li[data-id]"));
      return;
    }
    const cancel = event.target.closest("[data-edit-cancel]");
    if (cancel) {
      event.preventDefault();
      const li = cancel.closest("li[data-id]");
      li.querySelector("[data-msg-editor]").remove();
      li.querySelector(".msg__body").hidden = false;
      li.querySelector("[data-msg-edit]").focus();
    }
  }

  onListSubmit(event) {
    const form = event.target;
    const li = form.closest("li[data-id]");
    if (!li) return;
    if (form.hasAttribute("data-msg-reactions")) {
      event.preventDefault();
      const button = event.submitter;
      if (button && button.dataset.reaction) this.react(li, button.dataset.reaction);
      return;
    }
    if (form.hasAttribute("data-msg-delete")) {
      event.preventDefault();
      this.confirmDelete(li, form.querySelector("button"));
    } else if (form.hasAttribute("data-msg-editor")) {
      event.preventDefault();
      this.saveEdit(li, form);
    }
  }

  async openEditor(li) {
    if (li.querySelector("[data-msg-editor]")) return;
    const id = li.dataset.id;
    // The stored Markdown source, not the rendered HTML, is what the sender edits.
    const { status, data } = await this.request("GET", `/messages?after=${id - 1}&limit=1`);
    const message = status === 200 ? data.messages.find((m) => String(m.id) === id) : null;
    if (!message || !this.canChange(message)) {
      if (message) this.addMessage(message); // re-rendered without the expired buttons
      return;
    }
    const form = document.createElement("form");
    form.className = "msg__editor form";
    form.dataset.msgEditor = "";
    const label = document.createElement("label");
    label.className = "visually-hidden";
    label.htmlFor = `edit-${id}`;
    label.textContent = "Edit message";
    const textarea = document.createElement("textarea");
    textarea.id = `edit-${id}`;
    textarea.name = "body";
    textarea.rows = 3;
    textarea.maxLength = 10000;
    textarea.value = message.body;
    const error = document.createElement("p");
    error.className = "field__error";
    error.setAttribute("role", "alert"); // "Not saved" is read out, as on a channel's editor
    error.dataset.editError = "";
    error.hidden = true;
    const save = document.createElement("button");
    save.type = "submit";
    save.className = "btn btn--primary btn--sm";
    save.textContent = "Save";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "btn btn--ghost btn--sm";
    cancel.dataset.editCancel = "";
    cancel.textContent = "Cancel";
    const buttons = document.createElement("div");
    buttons.className = "row";
    buttons.append(save, cancel);
    form.append(label, textarea, error, buttons);
    li.querySelector(".msg__body").hidden = true;
    li.querySelector(".msg__body").after(form);
    textarea.focus();
  }

  async saveEdit(li, form) {
    const body = form.querySelector("textarea").value.trim();
    const error = form.querySelector("[data-edit-error]");
    const { status, data } = await this.request("PATCH", `/messages/${li.dataset.id}`, { body })
      .catch(() => ({ status: 0, data: {} }));
    if (status === 200) {
      this.addMessage(data);
      return;
    }
    error.textContent = data.error ? data.error.message : "Not saved: check your connection.";
    error.hidden = false;
  }

  async confirmDelete(li, button) {
    // Two steps instead of confirm(): a deleted message cannot be brought back.
    if (!armedTwice(button)) return;
    const { status, data } = await this.request("DELETE", `/messages/${li.dataset.id}`)
      .catch(() => ({ status: 0, data: {} }));
    if (status === 200) this.addMessage(data);
    else this.showError(data.error ? data.error.message : "Not deleted: check your connection.");
  }

  addMessage(m) {
    if (m.conversation_id !== this.conversationId) return;
    const nearEnd = this.isNearEnd();
    const el = this.buildMessage(m);
    const existing = this.list.querySelector(`li[data-id="${m.id}"]`);
    if (existing) {
      existing.replaceWith(el); // an edit or delete; same id, same place
      return;
    }
    // Ordered by server id, whatever order frames arrive in.
    let before = null;
    for (const li of this.list.querySelectorAll("li[data-id]")) {
      if (Number(li.dataset.id) > m.id) {
        before = li;
        break;
      }
    }
    if (before) this.list.insertBefore(el, before);
    else {
      const firstPending = this.list.querySelector("li.msg--pending");
      this.list.insertBefore(el, firstPending);
    }
    this.removeEmptyState();
    this.renderSeen();
    if (nearEnd || m.sender_id === this.userId) this.scrollToEnd();
    else this.jump.hidden = false;
  }

  // A block: the messages of people now hidden leave the page, as they would on a reload.
  hideSenders(userIds) {
    for (const id of userIds) {
      for (const li of this.list.querySelectorAll(`li[data-id][data-sender="${Number(id)}"]`)) {
        li.remove();
      }
    }
  }

  // An unblock: the socket sends that person's messages from now on, but not those it
  // passed over, nor the older ones the page was loaded without. Read again over the API
  // (which leaves out whoever is still hidden): the latest page, as a reload shows it, and
  // from the oldest message on the page up to it; the missing ones are put in id order.
  // Nothing already on the page is replaced (an open editor and the composer keep their
  // text) and the reader stays where they were reading.
  async bringInMessages() {
    const first = this.list.querySelector("li[data-id]");
    const fresh = [];
    try {
      const latest = await this.request("GET", "/messages");
      if (latest.status !== 200) return;
      fresh.push(...latest.data.messages);
      const upTo = latest.data.messages.length ? latest.data.messages[0].id : Infinity;
      let after = first ? Number(first.dataset.id) - 1 : upTo;
      while (after < upTo - 1) {
        const { status, data } = await this.request("GET", `/messages?after=${after}&limit=200`);
        if (status !== 200) return;
        const older = data.messages.filter((m) => m.id < upTo);
        fresh.push(...older);
        if (!data.has_more || older.length < data.messages.length || !older.length) break;
        after = older[older.length - 1].id;
      }
    } catch {
      return; // offline: the next load shows them
    }
    const nearEnd = this.isNearEnd();
    const anchor = [...this.list.querySelectorAll("li[data-id]")]
      .find((li) => li.getBoundingClientRect().bottom > this.scroller.getBoundingClientRect().top);
    const anchorTop = anchor?.getBoundingClientRect().top;
    let added = 0;
    for (const m of fresh) {
      if (m.conversation_id !== this.conversationId) continue;
      if (this.list.querySelector(`li[data-id="${m.id}"]`)) continue;
      const next = [...this.list.querySelectorAll("li[data-id]")]
        .find((li) => Number(li.dataset.id) > m.id);
      this.list.insertBefore(this.buildMessage(m), next || this.list.querySelector("li.msg--pending"));
      added += 1;
    }
    if (!added) return;
    this.removeEmptyState();
    if (nearEnd) this.scrollToEnd();
    else if (anchor?.isConnected) {
      this.scroller.scrollTop += anchor.getBoundingClientRect().top - anchorTop;
    }
    this.setStatus(`${added} more message${added === 1 ? "" : "s"} shown.`);
  }

  isNearEnd() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
  }

  scrollToEnd() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.jump.hidden = true;
  }
}

const root = document.querySelector("[data-chat]");
// data-static: an older page of history, opened without JavaScript's infinite scroll.
if (root && !root.hasAttribute("data-static")) new Chat(root).start();
