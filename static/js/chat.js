// The chat page: composer, keyboard shortcuts, the conversation's websocket and its events.
import { Attachments } from "./chat_attach.js";
import { DocumentAttachments } from "./chat_documents.js";
import { ConnectionBanner, loadDraft, moveDraft, saveDraft } from "./chat_connection.js";
import { ReconnectingSocket } from "./chat_socket.js";
import * as dom from "./chat_dom.js";
import { setupFeedback } from "./chat_feedback.js";
import { setupModelPicker } from "./chat_models.js";
import { PromptPicker } from "./chat_prompts.js";
import { setupShare } from "./chat_share.js";
import { reloadList } from "./chat_sidebar.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const messages = $("messages");
const input = $("message");
const modelPicker = $("model");
const sendButton = $("send");
const stopButton = $("stop");
const notice = $("notice");
const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;

let conversationId = JSON.parse($("conversation-id").textContent || '""') || null;
let socket = null;
let streamingId = null;
let refreshing = null;
// The message being sent: it stays in the box until the server acknowledges it (the "turn" event carrying its
// client_id). While the socket is down it waits here, marked pending, and goes when the socket is back.
let outgoing = null;
const banner = new ConnectionBanner($("connection"));

const attachments = new Attachments($("attachments"), updateComposer, showNotice, csrf);
const documents = new DocumentAttachments($("document-attachments"), updateComposer, showNotice, csrf);

function showNotice(text) {
  notice.textContent = text;
  notice.hidden = !text;
}

function visionOk() {
  return modelPicker.selectedOptions[0]?.dataset.vision === "1";
}

function updateComposer() {
  const blocked = attachments.urls.length > 0 && !visionOk();
  $("vision-hint").hidden = visionOk();
  sendButton.disabled = blocked || streamingId !== null || attachments.uploading > 0 || documents.uploading > 0 || Boolean(outgoing?.sent);
  // Pending: waiting for a socket that is down (not one still opening for a new chat).
  const pending = outgoing !== null && !outgoing.sent && document.body.dataset.socket === "reconnecting";
  $("pending-note").hidden = !pending;
  $("composer").dataset.pending = pending ? "1" : "";
  sendButton.hidden = streamingId !== null;
  stopButton.hidden = streamingId === null;
  const last = messages.querySelector("article.msg:last-of-type");
  $("regenerate").hidden = !(last && last.dataset.role === "assistant" && streamingId === null);
  $("empty-state").hidden = messages.querySelector("article.msg") !== null;
}

// The conversation's total is what its requests were billed (versions and removed turns included),
// computed by the server from the usage ledger.
function showTotal(total) {
  if (total && conversationId) $("total").textContent = t("%s total", total);
}

function settings() {
  return {
    model: modelPicker.value,
    system_prompt: $("system-prompt").value,
    temperature: $("temperature").value,
    max_tokens: $("max-tokens").value,
  };
}

function scrollToEnd() {
  const nearEnd = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 160;
  if (nearEnd) messages.scrollTop = messages.scrollHeight;
}

function article(id) {
  return messages.querySelector(`article.msg[data-id="${Number(id)}"]`);
}

function dropAfter(id) {
  messages.querySelectorAll("article.msg").forEach((node) => {
    if (Number(node.dataset.id) > id) node.remove();
  });
}

function onEvent(event) {
  if (refreshing && event.kind === "state") { refreshing.then(() => onEvent(event)); return; }
  if (event.kind === "state" && event.streaming) {
    let node = article(event.streaming.id);
    if (!node) { node = dom.answerPlaceholder(event.streaming.id, event.streaming.model); messages.append(node); }
    node.querySelectorAll(".msg-note").forEach((n) => n.remove());
    dom.setStreamingText(node, event.streaming.text, event.streaming.n, event.streaming.html);
    streamingId = event.streaming.id;
  } else if (event.kind === "turn") {
    if (outgoing && event.client_id === outgoing.client_id) acknowledged();
    if (event.dropped_after !== undefined) dropAfter(event.dropped_after);
    const sent = event.user && article(event.user.id);
    if (sent) sent.querySelector(".user-text").textContent = event.user.content; // edited in another tab
    else if (event.user) messages.append(dom.userMessage(event.user));
    if (event.title) {
      $("chat-title").textContent = event.title;
      if (!$("rename").value) $("rename").value = event.title;
      const link = document.querySelector(`#conv-list a[data-conversation="${conversationId}"]`);
      if (link) link.textContent = event.title;
    }
    messages.append(dom.answerPlaceholder(event.answer.id, event.answer.model));
    streamingId = event.answer.id;
    messages.scrollTop = messages.scrollHeight;
  } else if (event.kind === "delta") {
    const node = article(event.id);
    if (node && dom.deltaGap(node.dataset, event.n) && !node.dataset.resync && socket) {
      node.dataset.resync = "1";
      socket.send({ action: "catch_up" });
    }
    if (node) { dom.appendDelta(node, event.text, event.n, event.html); scrollToEnd(); }
  } else if (event.kind === "render") {
    const node = article(event.id);
    if (node && node.dataset.status === "streaming") { dom.showRendered(node, event.html, event.n); scrollToEnd(); }
  } else if (event.kind === "done") {
    const node = article(event.id);
    if (node) dom.finishAnswer(node, event);
    showTotal(event.total);
    if (event.total !== undefined && conversationId) models.refreshEstimates(conversationId);
    if (streamingId === event.id) streamingId = null;
    if (event.credits_remaining !== null) {
      document.querySelectorAll("[data-credits]").forEach((n) => { n.textContent = dom.formatCredits(event.credits_remaining); });
    }
    scrollToEnd();
  } else if (event.kind === "state" && !event.streaming) {
    streamingId = null;
    // Not written by this server process: it ended while the page loaded, or another process writes it.
    if (messages.querySelector('article.msg-assistant[data-status="streaming"]')) startRefresh();
  } else if (event.kind === "version") {
    const old = (event.hidden && article(event.hidden)) || article(event.message.id);
    if (old) old.replaceWith(dom.renderMessage(event.message));
  } else if (event.kind === "notice") {
    if (outgoing?.sent) outgoing = null; // refused: the text stays in the box to fix and send again
    showNotice(event.error);
  }
  updateComposer();
}

async function refresh() {
  // After a reconnect: the answer may have finished (or stopped) while we were away.
  const response = await fetch(`/c/${conversationId}/messages`);
  if (!response.ok) return;
  const body = await response.json();
  showTotal(body.total);
  messages.querySelectorAll("article.msg").forEach((n) => n.remove());
  const empty = $("empty-state");
  for (const message of body.messages) messages.insertBefore(dom.renderMessage(message), empty);
  streamingId = body.messages.find((m) => m.status === "streaming")?.id ?? null;
  updateComposer();
}

function startRefresh() {
  refreshing = refresh().finally(() => { refreshing = null; });
  return refreshing;
}

// The server has the message: only now does the box empty (unless something else was typed since).
function acknowledged() {
  if (input.value === outgoing.content) { input.value = ""; saveDraft(conversationId, ""); autosize(); }
  attachments.clear();
  documents.clear();
  outgoing = null;
}

function lastUserId(list) {
  return Math.max(0, ...[...list].filter((m) => m.role === "user").map((m) => Number(m.id)));
}

// Send the waiting message if the socket is open now; otherwise it stays pending until it is.
function deliver() {
  if (!outgoing || outgoing.sent || !socket) return;
  const { sent, after, ...frame } = outgoing;
  outgoing.sent = socket.sendNow(frame);
  updateComposer();
}

// Back after a drop: a message sent just before it may have arrived (its acknowledgement was lost). The
// conversation read again says so: its newest question is that text. Otherwise it is sent now, once.
async function resume() {
  await startRefresh();
  if (outgoing?.sent) {
    const users = [...messages.querySelectorAll('article.msg[data-role="user"]')];
    const last = users[users.length - 1];
    if (last && Number(last.dataset.id) > outgoing.after && last.querySelector(".user-text")?.textContent === outgoing.content) {
      acknowledged();
    } else {
      outgoing.sent = false;
    }
  }
  deliver();
}

function connect() {
  socket = new ReconnectingSocket(`/ws/chat/${conversationId}/`, {
    onEvent,
    onOpen: (again) => { if (again) resume(); else deliver(); },
    onStatus: (status, info) => {
      document.body.dataset.socket = status;
      banner.update(status, info);
      updateComposer();
    },
  });
}

async function addToSidebar(id) {
  await reloadList(String(id)); // the sidebar's list, drawn by the server, with the new chat under Today
}

async function ensureConversation() {
  if (conversationId) return;
  const form = new FormData();
  form.append("model", modelPicker.value);
  if ($("team")) form.append("team", $("team").value);
  if ($("project-id")) form.append("project", JSON.parse($("project-id").textContent));
  const response = await fetch("/c/new", { method: "POST", body: form, headers: { "X-CSRFToken": csrf } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error?.message || t("Could not start a conversation."));
  conversationId = body.id;
  moveDraft(body.id);
  history.replaceState(null, "", body.url);
  await addToSidebar(body.id);
  // The page was a new chat: point its conversation menu at the conversation just made.
  $("rename-form").action = `/c/${body.id}/rename`;
  $("delete-form").action = `/c/${body.id}/delete`;
  $("export-md").href = `/c/${body.id}/export.md`;
  $("export-json").href = `/c/${body.id}/export.json`;
  $("conversation-menu").hidden = false;
  $("share-open").hidden = false;
  connect();
}

async function act(action) {
  showNotice("");
  try {
    await ensureConversation();
  } catch (err) {
    showNotice(err.message);
    return false;
  }
  await socket.send({ ...settings(), ...action });
  return true;
}

async function send() {
  const content = input.value;
  if (streamingId !== null || sendButton.disabled) return;
  if (!content.trim() && attachments.urls.length === 0 && documents.ids.length === 0) { input.focus(); return; }
  showNotice("");
  try {
    await ensureConversation();
  } catch (err) {
    showNotice(err.message);
    return;
  }
  // Sent again while pending: the newer text replaces the waiting one (still one message).
  const clientId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  const after = lastUserId([...messages.querySelectorAll("article.msg")].map((n) => n.dataset));
  outgoing = { ...settings(), action: "send", content, images: attachments.urls, documents: documents.ids, client_id: clientId, sent: false, after };
  deliver();
}

// "Use a cheaper model": the same message again on the model the server found fits what is left.
function retryCheaper(model) {
  if ([...modelPicker.options].some((o) => o.value === model)) modelPicker.value = model;
  modelPicker.dispatchEvent(new Event("change"));
  act({ action: "regenerate", model });
}

function stop() {
  if (streamingId !== null && socket) socket.send({ action: "stop" });
}

function startEdit(id) {
  const node = article(id);
  if (!node || node.querySelector(".edit-box")) return;
  const body = node.querySelector(".user-text");
  const box = document.createElement("div");
  box.className = "edit-box";
  const label = document.createElement("label");
  label.textContent = t("Edit message");
  label.htmlFor = `edit-${id}`;
  const area = document.createElement("textarea");
  area.id = `edit-${id}`;
  area.value = body.textContent;
  const save = Object.assign(document.createElement("button"), { type: "button", textContent: t("Save and send") });
  const cancel = Object.assign(document.createElement("button"), { type: "button", textContent: t("Cancel"), className: "ghost" });
  save.addEventListener("click", () => { act({ action: "edit", message_id: id, content: area.value }); box.remove(); body.hidden = false; body.textContent = area.value; });
  cancel.addEventListener("click", () => { box.remove(); body.hidden = false; });
  area.addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); save.click(); } if (e.key === "Escape") cancel.click(); });
  box.append(label, area, save, cancel);
  body.hidden = true;
  body.after(box);
  area.focus();
}

function autosize() {
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 240)}px`;
}

$("composer").addEventListener("submit", (e) => { e.preventDefault(); send(); });
stopButton.addEventListener("click", stop);
$("regenerate").addEventListener("click", () => act({ action: "regenerate" }));
const models = setupModelPicker(modelPicker, $("model-info"), csrf, updateComposer, showNotice);
setupShare(() => conversationId, csrf);
// A new chat billed to another team: the sidebar names that team and shows its credits.
$("team")?.addEventListener("change", (e) => {
  const picked = e.target.selectedOptions[0];
  if ($("credits-team")) $("credits-team").textContent = picked.textContent;
  if ($("credits")) $("credits").textContent = picked.dataset.credits;
});
input.addEventListener("input", () => { autosize(); saveDraft(conversationId, input.value); });
// Before the Enter-sends listener below: while the "/" list is open, its keys are the list's.
new PromptPicker(input, $("prompt-listbox"), $("prompt-status"), () => { autosize(); saveDraft(conversationId, input.value); });
input.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
});
input.addEventListener("paste", (e) => {
  const files = [...(e.clipboardData?.files || [])];
  if (!files.length) return;
  e.preventDefault();
  const images = files.filter((f) => f.type.startsWith("image/"));
  if (images.length) attachments.addFiles(images);
  if (images.length < files.length) documents.addFiles(files.filter((f) => !f.type.startsWith("image/")));
});
$("attach").addEventListener("change", (e) => { attachments.addFiles([...e.target.files]); e.target.value = ""; });
$("attach-document").addEventListener("change", (e) => { documents.addFiles([...e.target.files]); e.target.value = ""; });
$("add-image-url").addEventListener("click", () => { attachments.addUrl($("image-url").value.trim()); $("image-url").value = ""; });
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && streamingId !== null) { e.preventDefault(); stop(); }
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") { e.preventDefault(); location.href = "/"; }
});
messages.addEventListener("click", (e) => {
  if (e.target.closest("[data-regenerate]")) act({ action: "regenerate" });
  const edit = e.target.closest("[data-edit]");
  if (edit) startEdit(Number(edit.dataset.edit));
  const version = e.target.closest("[data-version]");
  if (version && version.dataset.version && streamingId === null) socket?.send({ action: "version", message_id: Number(version.dataset.version) });
  const cheaper = e.target.closest("[data-cheaper]");
  if (cheaper && streamingId === null) retryCheaper(cheaper.dataset.cheaper);
  const copy = e.target.closest("[data-copy-answer]");
  if (copy) dom.copyText(copy.closest("article").querySelector(".msg-body").innerText, copy);
});
setupFeedback(messages, csrf, showNotice);
document.querySelectorAll("[data-suggest]").forEach((b) => b.addEventListener("click", () => { input.value = b.dataset.suggest; saveDraft(conversationId, input.value); autosize(); input.focus(); }));
document.querySelectorAll("form[data-confirm]").forEach((f) => f.addEventListener("submit", (e) => { if (!confirm(f.dataset.confirm)) e.preventDefault(); }));
const toggle = $("sidebar-toggle");
const layout = $("chat-layout");
function showSidebar(open) {
  layout.classList.toggle("sidebar-open", open);
  toggle.setAttribute("aria-expanded", String(open));
  if (open) $("new-chat").focus();
}
toggle.addEventListener("click", () => showSidebar(!layout.classList.contains("sidebar-open")));
layout.addEventListener("click", (e) => {
  if (layout.classList.contains("sidebar-open") && !e.target.closest("#sidebar, #sidebar-toggle")) showSidebar(false);
});
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && layout.classList.contains("sidebar-open")) { showSidebar(false); toggle.focus(); }
});

dom.decorateCode(messages);
dom.showLocalTimes(messages);
messages.querySelectorAll("article.msg-assistant").forEach((n) => { if (n.dataset.status === "streaming") streamingId = Number(n.dataset.id); });
if (!input.value) input.value = loadDraft(conversationId); // a reload keeps what was being typed
autosize();
if (conversationId) connect();
messages.scrollTop = messages.scrollHeight;
updateComposer();
