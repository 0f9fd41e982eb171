// What the page says about its websocket: a banner while it is down (the attempt and a countdown to the next
// try), "Connected again" when it is back; and the composer's draft, kept per conversation in sessionStorage.
import { t } from "./i18n.js";

export class ConnectionBanner {
  constructor(node) {
    this.node = node;
    this.timer = null;
    this.hideTimer = null;
    this.down = false;
  }

  show(text, state) {
    // The region stays in the page (an aria-live region that appears is not always announced): empty is hidden.
    this.node.textContent = text;
    this.node.dataset.state = state;
  }

  update(status, info = {}) {
    clearInterval(this.timer);
    clearTimeout(this.hideTimer);
    if (status === "reconnecting") {
      this.down = true;
      let left = Math.ceil(info.delay / 1000);
      const draw = () => this.show(left > 0
        ? t("Connection lost. Reconnecting in %s s (attempt %s)…", left, info.attempt)
        : t("Connection lost. Reconnecting now (attempt %s)…", info.attempt), "down");
      draw();
      this.timer = setInterval(() => { left -= 1; draw(); if (left <= 0) clearInterval(this.timer); }, 1000);
    } else if (status === "open" && this.down) {
      this.down = false;
      this.show(t("Connected again."), "up");
      this.hideTimer = setTimeout(() => { this.node.textContent = ""; }, 4000);
    } else if (status === "refused") {
      this.down = false;
      this.show(t("This conversation cannot be opened. Sign in again."), "down");
    }
  }
}

function draftKey(conversationId) {
  return `llmhub-chat-draft:${conversationId || "new"}`;
}

// sessionStorage may be refused (privacy settings): the draft is then only in the box.
function storage() {
  try { return window.sessionStorage; } catch { return null; }
}

export function saveDraft(conversationId, text) {
  const store = storage();
  try {
    if (text) store?.setItem(draftKey(conversationId), text);
    else store?.removeItem(draftKey(conversationId));
  } catch { /* full or refused */ }
}

export function loadDraft(conversationId) {
  return storage()?.getItem(draftKey(conversationId)) || "";
}

// A new chat became a conversation: its draft follows it.
export function moveDraft(toConversationId) {
  const text = loadDraft(null);
  saveDraft(null, "");
  if (text) saveDraft(toConversationId, text);
}
