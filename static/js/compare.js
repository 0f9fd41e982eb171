// The compare page: start a run, stream every column at once, mark the best answer.
import { ReconnectingSocket } from "./chat_socket.js";
import { decorateCode, formatCost, isNextDelta, showRendered } from "./chat_dom.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const grid = $("compare-grid");
const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
let runId = JSON.parse($("run-id").textContent || '""') || null;
let blind = JSON.parse($("run-blind").textContent || "false") === true;
let socket = null;
let running = 0;
let followed = false; // the answers were scrolled into view once, when the first one started

// On a phone the columns are below the form: bring them into view as the first answer starts writing.
function followAnswers() {
  if (followed) return;
  followed = true;
  const rect = grid.getBoundingClientRect();
  if (rect.top >= 0 && rect.top < window.innerHeight * 0.6) return; // already in sight
  const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  grid.scrollIntoView({ behavior: still ? "auto" : "smooth", block: "start" });
}

function showNotice(text) {
  $("notice").textContent = text;
  $("notice").hidden = !text;
}

function column(id, label, model) {
  const col = document.createElement("article");
  col.className = "compare-col";
  col.dataset.answer = id;
  col.dataset.label = label;
  col.dataset.status = "streaming";
  col.dataset.n = 0;
  const title = document.createElement("h2");
  if (blind) {
    const name = document.createElement("span");
    name.className = "col-label";
    name.textContent = t("Model %s", label);
    title.append(name);
  }
  const modelName = document.createElement("span");
  modelName.className = "col-model";
  modelName.textContent = model || "";
  title.append(modelName);
  const body = document.createElement("div");
  body.className = "msg-body streaming-text";
  body.textContent = "…";
  col.append(title, body);
  return col;
}

function setRunning(count) {
  running = count;
  $("compare-send").hidden = running > 0;
  $("compare-stop").hidden = running === 0;
}

// A column's action button: data-<action>="<answer id>" is what the click handler reads.
function answerButton(action, id, label) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "ghost";
  button.dataset[action] = id;
  button.textContent = label;
  return button;
}

function continueButton(id) {
  return answerButton("continue", id, t("Continue in chat"));
}

// After the vote (blind runs): every column shows its model, and may be continued in the chat.
function reveal(models) {
  grid.querySelectorAll(".compare-col").forEach((col) => {
    const model = models[col.dataset.answer];
    const slot = col.querySelector(".col-model");
    if (!model || !slot || slot.textContent) return;
    slot.textContent = model;
    if (blind) slot.before(document.createTextNode(" · "));
    if (col.dataset.status === "done" && !col.querySelector("[data-continue]")) col.append(continueButton(col.dataset.answer));
  });
}

function voteButton(id) {
  return answerButton("vote", id, t("Mark best"));
}

function onEvent(event) {
  const col = grid.querySelector(`[data-answer="${Number(event.answer)}"]`);
  if (!col) return;
  const body = col.querySelector(".msg-body");
  const writing = col.dataset.status === "streaming" || col.dataset.status === "pending";
  if (!writing) return; // finished already: a late socket may hear of it twice
  if (event.kind === "state") { // the text so far, from the process writing it (after a reload)
    delete col.dataset.rendered;
    col.dataset.n = event.n;
    col.dataset.started = event.n > 0 ? "1" : "";
    if (event.n > 0 && showRendered(col, event.html, event.n)) return;
    body.className = "msg-body streaming-text";
    body.textContent = event.text || "…";
  } else if (event.kind === "render") {
    showRendered(col, event.html, event.n);
  } else if (event.kind === "delta") {
    if (!isNextDelta(col.dataset, event.n)) return;
    col.dataset.started = "1";
    followAnswers();
    if (showRendered(col, event.html, event.n)) return;
    if (col.dataset.rendered === undefined) {
      if (body.textContent === "…") body.textContent = "";
      body.append(document.createTextNode(event.text));
    }
  } else if (event.kind === "done") {
    col.dataset.status = event.status;
    body.className = "msg-body markdown";
    body.innerHTML = event.html; // sanitised on the server
    if (event.status === "cancelled") {
      const stopped = document.createElement("p");
      stopped.className = "msg-note stopped-label";
      stopped.textContent = t("Stopped");
      col.append(stopped);
    }
    if (event.error) {
      const error = document.createElement("p");
      error.className = "msg-error";
      error.textContent = event.error;
      col.append(error);
    }
    const meta = document.createElement("footer");
    meta.className = "msg-meta";
    for (const text of [t("%s in · %s out tokens", event.prompt_tokens, event.completion_tokens), formatCost(event.cost), t("%s ms", event.latency_ms)]) {
      const span = document.createElement("span");
      span.textContent = text;
      meta.append(span);
    }
    col.append(meta);
    if (event.status === "done") col.append(voteButton(event.answer));
    if (event.status === "done" && event.model && col.querySelector(".col-model")?.textContent) col.append(continueButton(event.answer));
    decorateCode(col);
    setRunning(Math.max(0, running - 1));
  }
}

$("compare-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  showNotice("");
  const form = new FormData(e.target);
  const response = await fetch("/compare/new", { method: "POST", body: form, headers: { "X-CSRFToken": csrf } });
  const body = await response.json();
  if (!response.ok) { showNotice(body.error?.message || t("Could not start the comparison.")); return; }
  if (socket) socket.close();
  runId = body.id;
  blind = body.blind === true;
  history.replaceState(null, "", body.url);
  grid.replaceChildren(...body.answers.map((a) => column(a.id, a.label, a.model)));
  followed = false;
  listRun(body.url, form.get("prompt"));
  setRunning(body.answers.length);
  socket = new ReconnectingSocket(`/ws/compare/${runId}/`, { onEvent, onOpen: () => {} });
});

$("prompt").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $("compare-form").requestSubmit(); }
});
$("compare-stop").addEventListener("click", () => socket && socket.send({ action: "stop" }));
document.addEventListener("keydown", (e) => { if (e.key === "Escape" && running && socket) socket.send({ action: "stop" }); });

// The run just started joins the "Past comparisons" list at the top.
function listRun(url, prompt) {
  let list = document.querySelector(".past-run-list");
  if (!list) {
    list = document.createElement("ul");
    list.className = "past-run-list";
    document.querySelector(".past-runs p.muted")?.replaceWith(list);
  }
  list.querySelectorAll("a[aria-current]").forEach((a) => a.removeAttribute("aria-current"));
  const item = document.createElement("li");
  const link = document.createElement("a");
  link.href = url;
  link.setAttribute("aria-current", "page");
  link.textContent = prompt.length > 60 ? `${prompt.slice(0, 60)}…` : prompt;
  item.append(link);
  list.prepend(item);
}

async function continueInChat(id) {
  const response = await fetch(`/compare/${runId}/answers/${Number(id)}/continue`, { method: "POST", headers: { "X-CSRFToken": csrf } });
  const body = await response.json();
  if (!response.ok) { showNotice(body.error?.message || t("Could not continue in the chat.")); return; }
  location.href = body.url;
}

grid.addEventListener("click", async (e) => {
  const more = e.target.closest("[data-continue]");
  if (more) { continueInChat(more.dataset.continue); return; }
  const vote = e.target.closest("[data-vote]");
  if (!vote) return;
  const response = await fetch(`/compare/${runId}/vote`, {
    method: "POST",
    headers: { "X-CSRFToken": csrf, "Content-Type": "application/json" },
    body: JSON.stringify({ answer: Number(vote.dataset.vote) }),
  });
  const body = await response.json();
  if (!response.ok) { showNotice(body.error?.message || t("Could not save the mark.")); return; }
  reveal(body.models || {});
  grid.querySelectorAll(".compare-col").forEach((col) => {
    const best = Number(col.dataset.answer) === body.answer;
    col.classList.toggle("best", best);
    col.querySelector(".best-badge")?.remove();
    if (best) {
      col.querySelector("[data-vote]")?.remove();
      const badge = document.createElement("p");
      badge.className = "best-badge";
      badge.textContent = `★ ${t("Best answer")}`;
      col.append(badge);
    } else if (col.dataset.status === "done" && !col.querySelector("[data-vote]")) {
      col.append(voteButton(col.dataset.answer));
    }
  });
});

decorateCode(grid);
// Opened (or reloaded) while answers are still coming: follow them again. Starting is idempotent.
const unfinished = grid.querySelectorAll('.compare-col[data-status="streaming"], .compare-col[data-status="pending"]');
if (runId && unfinished.length) {
  setRunning(unfinished.length);
  socket = new ReconnectingSocket(`/ws/compare/${runId}/`, { onEvent, onOpen: () => {} });
}
