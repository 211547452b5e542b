// Live posts in a community channel over the chat socket (/ws/chat/, docs/websocket.md): a
// channel is a conversation, so the same subscribe-with-after_id catch-up, client ids and
// acks apply. Without this file the page works: forms post and the server redirects back.

import { postAttachment } from "../mentorloom/js/upload.js";
import { armedTwice } from "../mentorloom/js/confirm_twice.js";
import { rereadPage } from "../mentorloom/js/reread.js";
import { uuid4 } from "../mentorloom/js/uuid.js";

const RETRY_MS = [500, 1000, 2000, 4000, 8000];
const MAX_FILE_BYTES = 10 * 1024 * 1024;
// Read markers move at most this often: in a busy channel every member's page reads every
// post, and one write per member per burst is enough.
const READ_EVERY_MS = 1500;

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
    this.fileInput = this.form.querySelector('input[type="file"]');
    this.fileErrorEl = this.form.querySelector("[data-composer-file-error]");
    this.chatApi = root.dataset.chatApi; // messaging's API: attachments, the stored source
    this.postApi = root.dataset.api; // the community's API: edit and delete your post
    this.csrf = root.dataset.csrf;
    this.pending = null; // {client_id, body} until acknowledged
    this.failures = 0;
    this.readUpTo = 0; // the newest post to mark read, sent at most every READ_EVERY_MS
    this.readTimer = null;
    this.form.addEventListener("submit", (event) => this.submit(event));
    // Edit and delete your own posts (within 15 minutes); the links and forms work without JS.
    this.list.addEventListener("click", (event) => this.onListClick(event));
    this.list.addEventListener("submit", (event) => this.onListSubmit(event));
    window.setInterval(() => this.expireActions(), 15000);
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
    if (this.fileInput && this.fileInput.files.length) {
      event.preventDefault();
      this.upload(this.fileInput.files[0], body, this.composerParts());
      return;
    }
    if (!body || !this.socket || this.socket.readyState !== WebSocket.OPEN) return; // plain POST
    event.preventDefault();
    this.showError("");
    this.pending = { client_id: uuid4(), body };
    this.frame({ type: "send", conversation_id: this.conversationId, ...this.pending });
  }

  composerParts() {
    return {
      textarea: this.textarea, fileInput: this.fileInput, errorEl: this.errorEl,
      fileErrorEl: this.fileErrorEl, parentId: null,
    };
  }

  // A reply with a file goes the top-level post's way (chat's attachment endpoint, with the
  // thread's root as parent_id); a reply without one stays a plain POST.
  submitReply(event, form) {
    const fileInput = form.querySelector('input[type="file"]');
    if (!fileInput || !fileInput.files.length) return;
    event.preventDefault();
    const textarea = form.querySelector("textarea");
    this.upload(fileInput.files[0], textarea.value.trim(), {
      textarea, fileInput, errorEl: form.querySelector("[data-reply-error]"),
      fileErrorEl: form.querySelector("[data-reply-file-error]"),
      parentId: Number(form.dataset.parentId),
    });
  }

  showError(text, el = this.errorEl) {
    el.textContent = text;
    el.hidden = !text;
  }

  // A file goes over HTTP to chat's attachment endpoint (the same checks and image guard as
  // a one-to-one chat), with a client id so a retried upload is stored once. On a refusal the
  // text stays in its box and the reason shows beside the field it concerns.
  async upload(file, body, parts) {
    const { textarea, fileInput, errorEl, fileErrorEl, parentId } = parts;
    this.showError("", errorEl);
    this.showError("", fileErrorEl);
    if (file.size > MAX_FILE_BYTES) {
      this.showError("Attachments can be at most 10 MB.", fileErrorEl);
      return;
    }
    this.status.textContent = `Uploading ${file.name}…`;
    const { status, data } = await postAttachment(this.chatApi, this.csrf, {
      clientId: uuid4(), body, file, parentId,
    });
    if (status === 200 || status === 201) {
      textarea.value = "";
      fileInput.value = "";
      this.status.textContent = "Posted.";
      this.show(data);
      return;
    }
    if (status === 0) {
      this.showError("Not posted: check your connection.", errorEl);
      return;
    }
    const error = data.error || {};
    if (error.fields && error.fields.file) this.showError(error.fields.file.join(" "), fileErrorEl);
    else this.showError(error.message || "Not posted.", errorEl);
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
    } else if (data.type === "hidden_changed" && data.conversation_id === this.conversationId) {
      this.hideSenders(data.hidden);
      if (data.unhidden.length) this.bringInPosts();
    } else if (data.type === "unsubscribed" && data.reason
               && data.conversation_id === this.conversationId) {
      this.revoked(data.reason);
    } else if (data.type === "error" && data.frame === "subscribe" && data.code === "not_found"
               && data.conversation_id === this.conversationId) {
      // Access went before this socket followed the channel (a ban or leaving in the instant
      // the page connected, or while it was reconnecting): nothing live comes any more.
      this.revoked("gone");
    }
  }

  // The server stopped this socket following the channel: the reader was banned, or left in
  // another tab. Say so, and stop offering forms that would be refused.
  revoked(reason) {
    if (this.root.querySelector("[data-revoked]")) return;
    const notice = document.createElement("p");
    notice.className = "alert alert--warning";
    notice.dataset.revoked = reason;
    notice.setAttribute("role", "alert");
    notice.textContent = {
      banned: "You can no longer read or post in this community.",
      gone: "You can no longer read or post in this channel: reload the page to see why.",
    }[reason] || "You are no longer a member of this community, so this channel no longer updates.";
    this.root.querySelector("h1").after(notice);
    const controls = "[data-composer] textarea, [data-composer] input, [data-composer] button,"
      + " [data-reply-form] textarea, [data-reply-form] input, [data-reply-form] button";
    for (const control of this.root.querySelectorAll(controls)) control.disabled = true;
    // "Start the conversation" is no longer something this reader can do.
    this.list.querySelector("[data-empty]")?.remove();
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
      // An open thread shows the reply (with its file) above its reply form.
      const thread = this.root.querySelector(`[data-thread="${message.parent_id}"]`);
      if (thread) {
        const article = this.placeholder(message);
        thread.querySelector("[data-reply-form]").before(article);
        this.fill(article, message.id);
      }
    } else {
      const empty = this.list.querySelector("[data-empty]");
      if (empty) empty.remove();
      // A placeholder keeps the id order; the server renders the post (escaped, with its
      // reactions and thread link) and replaces it.
      const article = this.placeholder(message);
      this.fill(article, message.id);
      this.list.append(article);
    }
    if (message.sender_id !== this.userId) {
      this.status.textContent = "New post in this channel.";
      if (document.visibilityState === "visible") this.markRead(message.id);
    }
  }

  // A block: the posts of people now hidden leave the page, as they would on a reload. An
  // open thread's reply form stays, with whatever is typed in it.
  hideSenders(userIds) {
    for (const id of userIds) {
      for (const article of this.list.querySelectorAll(`article[data-sender="${Number(id)}"]`)) {
        article.remove();
      }
    }
  }

  // An unblock: the socket sends that person's posts from now on, but not those it passed
  // over, nor the older ones the page was rendered without. The page is read again and the
  // posts it lacks are put in id order; nothing already on it is replaced (the composer, an
  // open editor or reply keep their text) and the reader stays where they were reading.
  async bringInPosts() {
    const page = await rereadPage(location.pathname + location.search).catch(() => null);
    const fresh = page?.querySelector("[data-post-list]");
    if (!fresh) return;
    const anchor = [...this.list.querySelectorAll("article[data-post-id]")]
      .find((article) => article.getBoundingClientRect().bottom > 0);
    const anchorTop = anchor?.getBoundingClientRect().top;
    let added = 0;
    for (const article of fresh.querySelectorAll(":scope > article[data-post-id]")) {
      added += this.insertInOrder(this.list, article, null);
    }
    for (const thread of fresh.querySelectorAll(":scope > [data-thread]")) {
      const open = this.list.querySelector(`[data-thread="${thread.dataset.thread}"]`);
      if (!open) continue;
      for (const reply of thread.querySelectorAll(":scope > article[data-post-id]")) {
        added += this.insertInOrder(open, reply, open.querySelector("[data-reply-form]"));
      }
    }
    if (!added) return;
    this.list.querySelector("[data-empty]")?.remove();
    // Posts put above the reader push the page down: scrolled back by as much.
    if (anchor?.isConnected) window.scrollBy(0, anchor.getBoundingClientRect().top - anchorTop);
    this.status.textContent = `${added} more post${added === 1 ? "" : "s"} shown in this channel.`;
  }

  // `article` (from a re-read page) into `parent` before its first post with a higher id, or
  // before `end`; 0 if the page has it already.
  insertInOrder(parent, article, end) {
    const id = Number(article.dataset.postId);
    if (document.getElementById(`post-${id}`)) return 0;
    const next = [...parent.querySelectorAll(":scope > article[data-post-id]")]
      .find((other) => Number(other.dataset.postId) > id);
    parent.insertBefore(document.importNode(article, true), next || end);
    return 1;
  }

  placeholder(message) {
    const article = document.createElement("article");
    article.className = "msg community-post";
    article.id = `post-${message.id}`;
    article.dataset.postId = String(message.id);
    article.dataset.sender = String(message.sender_id);
    return article;
  }

  markRead(id) {
    this.readUpTo = Math.max(this.readUpTo, id);
    if (this.readTimer) return;
    this.readTimer = window.setTimeout(() => {
      this.readTimer = null;
      this.frame({ type: "read", conversation_id: this.conversationId, up_to_id: this.readUpTo });
    }, READ_EVERY_MS);
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
      article.classList.add("msg--deleted");
      article.querySelector(".msg__body").innerHTML = "<em>Post deleted</em>";
      for (const el of article.querySelectorAll(".msg__file, .msg__reactions, [data-post-actions], [data-post-editor], details")) {
        el.remove();
      }
      article.querySelector(".msg__body").hidden = false;
      return;
    }
    if (message.edited_at) {
      const body = article.querySelector(".msg__body");
      // Sanitised by the server (nh3, core.markdown): the same HTML the page renders.
      body.innerHTML = message.html;
      if (!article.querySelector("[data-edited]")) {
        const edited = document.createElement("span");
        edited.className = "msg__edited";
        edited.dataset.edited = "";
        edited.textContent = "edited";
        article.querySelector(".msg__meta").append(" · ", edited);
      }
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

  // --- edit and delete your own post -----------------------------------------------------------

  expireActions() {
    for (const actions of this.list.querySelectorAll("[data-post-actions]")) {
      if (Date.parse(actions.dataset.editableUntil) <= Date.now()) actions.remove();
    }
  }

  onListClick(event) {
    const edit = event.target.closest("[data-post-edit]");
    if (edit) {
      event.preventDefault();
      this.openEditor(edit.closest("article"), edit);
      return;
    }
    const cancel = event.target.closest("[data-edit-cancel]");
    if (cancel) {
      event.preventDefault();
      const article = cancel.closest("article");
      article.querySelector("[data-post-editor]").remove();
      article.querySelector(".msg__body").hidden = false;
      article.querySelector("[data-post-edit]")?.focus();
    }
  }

  onListSubmit(event) {
    const form = event.target;
    if (form.hasAttribute("data-reply-form")) {
      this.submitReply(event, form);
      return;
    }
    const article = form.closest("article");
    if (!article) return;
    if (form.hasAttribute("data-post-delete")) {
      event.preventDefault();
      this.confirmDelete(article, form.querySelector("button"));
    } else if (form.hasAttribute("data-post-editor")) {
      event.preventDefault();
      this.saveEdit(article, form);
    }
  }

  async request(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": this.csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, data: await response.json().catch(() => ({})) };
  }

  async openEditor(article, link) {
    if (article.querySelector("[data-post-editor]")) return;
    const id = Number(article.dataset.postId);
    // The stored Markdown source, not the rendered HTML, is what the author edits.
    const { status, data } = await this.request("GET", `${this.chatApi}/messages?after=${id - 1}&limit=1`)
      .catch(() => ({ status: 0, data: {} }));
    const message = status === 200 ? data.messages.find((m) => m.id === id) : null;
    if (!message) {
      window.location.href = link.href; // the edit page says why
      return;
    }
    const form = document.createElement("form");
    form.className = "stack";
    form.dataset.postEditor = "";
    const field = document.createElement("div");
    field.className = "field";
    const label = document.createElement("label");
    label.htmlFor = `edit-${id}`;
    label.textContent = "Edit your post";
    const textarea = document.createElement("textarea");
    textarea.id = `edit-${id}`;
    textarea.name = "body";
    textarea.rows = 3;
    textarea.maxLength = this.textarea.maxLength;
    textarea.value = message.body;
    const error = document.createElement("p");
    error.className = "field__error";
    error.setAttribute("role", "alert");
    error.dataset.editError = "";
    error.hidden = true;
    field.append(label, textarea, error);
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
    form.append(field, buttons);
    article.querySelector(".msg__body").hidden = true;
    article.querySelector(".msg__body").after(form);
    textarea.focus();
  }

  async saveEdit(article, form) {
    const body = form.querySelector("textarea").value.trim();
    const error = form.querySelector("[data-edit-error]");
    const { status, data } = await this.request("PATCH", `${this.postApi}/${article.dataset.postId}`, { body })
      .catch(() => ({ status: 0, data: {} }));
    if (status === 200) {
      form.remove();
      article.querySelector(".msg__body").hidden = false;
      this.changed(data); // the others see it through the socket (message_changed)
      article.querySelector("[data-post-edit]")?.focus();
      return;
    }
    error.textContent = data.error ? data.error.message : "Not saved: check your connection.";
    error.hidden = false;
  }

  async confirmDelete(article, button) {
    // Two steps instead of confirm(): a deleted post cannot be brought back.
    if (!armedTwice(button)) return;
    const { status, data } = await this.request("POST", `${this.postApi}/${article.dataset.postId}/delete`, {})
      .catch(() => ({ status: 0, data: {} }));
    if (status === 200) this.changed(data);
    else this.showError(data.error ? data.error.message : "Not deleted: check your connection.");
  }
}

const root = document.querySelector("[data-channel]");
if (root) new LiveChannel(root);
