// The compare page: start a run, stream every column at once, mark the best answer.
import { ReconnectingSocket } from "./chat_socket.js";
import { decorateCode, formatCost, isNextDelta } from "./chat_dom.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const grid = $("compare-grid");
const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
let runId = JSON.parse($("run-id").textContent || '""') || null;
let socket = null;
let running = 0;

function showNotice(text) {
  $("notice").textContent = text;
  $("notice").hidden = !text;
}

function column(id, model) {
  const col = document.createElement("article");
  col.className = "compare-col";
  col.dataset.answer = id;
  col.dataset.status = "streaming";
  col.dataset.n = 0;
  const title = document.createElement("h2");
  title.textContent = model;
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

function voteButton(id) {
  const vote = document.createElement("button");
  vote.type = "button";
  vote.className = "ghost";
  vote.dataset.vote = id;
  vote.textContent = t("Mark best");
  return vote;
}

function onEvent(event) {
  const col = grid.querySelector(`[data-answer="${Number(event.answer)}"]`);
  if (!col) return;
  const body = col.querySelector(".msg-body");
  const writing = col.dataset.status === "streaming" || col.dataset.status === "pending";
  if (!writing) return; // finished already: a late socket may hear of it twice
  if (event.kind === "state") { // the text so far, from the process writing it (after a reload)
    body.className = "msg-body streaming-text";
    body.textContent = event.text || "…";
    col.dataset.n = event.n;
    col.dataset.started = event.n > 0 ? "1" : "";
  } else if (event.kind === "delta") {
    if (!isNextDelta(col.dataset, event.n)) return;
    if (col.dataset.started !== "1") { body.textContent = ""; col.dataset.started = "1"; }
    body.append(document.createTextNode(event.text));
  } else if (event.kind === "done") {
    col.dataset.status = event.status;
    body.className = "msg-body markdown";
    body.innerHTML = event.html; // sanitised on the server
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
  history.replaceState(null, "", body.url);
  grid.replaceChildren(...body.answers.map((a) => column(a.id, a.model)));
  setRunning(body.answers.length);
  socket = new ReconnectingSocket(`/ws/compare/${runId}/`, { onEvent, onOpen: () => {} });
});

$("prompt").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $("compare-form").requestSubmit(); }
});
$("compare-stop").addEventListener("click", () => socket && socket.send({ action: "stop" }));
document.addEventListener("keydown", (e) => { if (e.key === "Escape" && running && socket) socket.send({ action: "stop" }); });

grid.addEventListener("click", async (e) => {
  const vote = e.target.closest("[data-vote]");
  if (!vote) return;
  const response = await fetch(`/compare/${runId}/vote`, {
    method: "POST",
    headers: { "X-CSRFToken": csrf, "Content-Type": "application/json" },
    body: JSON.stringify({ answer: Number(vote.dataset.vote) }),
  });
  const body = await response.json();
  if (!response.ok) { showNotice(body.error?.message || t("Could not save the mark.")); return; }
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
