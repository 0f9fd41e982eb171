// Building chat messages in the page. Model text is only ever set with textContent; the only HTML
// put into the page is what the server rendered and sanitised.
import { pageLocale, t } from "./i18n.js";

export function formatCost(value) {
  const amount = Number(value || 0);
  if (amount === 0) return "$0";
  if (amount >= 1) return `$${amount.toFixed(2)}`;
  if (amount >= 0.01) return `$${amount.toFixed(4).replace(/0+$/, "").replace(/\.$/, "")}`;
  return `$${amount.toFixed(6).replace(/0+$/, "")}`;
}

// Credits keep four places so a few cheap answers still visibly move the balance.
export function formatCredits(value) {
  return `$${Number(value || 0).toLocaleString(pageLocale(), { minimumFractionDigits: 4, maximumFractionDigits: 4 })}`;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, attrs = {}) {
  const node = el("button", "ghost", label);
  node.type = "button";
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
}

export function userMessage(message) {
  const article = el("article", "msg msg-user");
  Object.assign(article.dataset, { id: message.id, role: "user", status: message.status });
  article.append(el("div", "msg-body user-text", message.content));
  if (message.images && message.images.length) {
    const box = el("div", "msg-images");
    message.images.forEach((url, i) => {
      const img = el("img");
      img.src = url;
      img.alt = t("Attached image %s", i + 1);
      box.append(img);
    });
    article.append(box);
  }
  const actions = el("div", "msg-actions");
  actions.append(button(t("Edit"), { "data-edit": message.id }));
  article.append(actions);
  return article;
}

export function answerPlaceholder(id, model) {
  const article = el("article", "msg msg-assistant");
  Object.assign(article.dataset, { id, role: "assistant", status: "streaming", model, n: 0 });
  article.append(el("div", "msg-model", model));
  const body = el("div", "msg-body streaming-text");
  body.append(el("span", "typing", "…"));
  article.append(body);
  return article;
}

// Deltas carry n, how many the answer has had so far. Only the next one is shown: one a catch-up
// snapshot already had is skipped, and after a gap (text so far unknown) the page waits for a snapshot.
export function isNextDelta(dataset, n) {
  if (n === undefined) return true;
  if (dataset.n === undefined || dataset.n === "" || n !== Number(dataset.n) + 1) return false;
  dataset.n = n;
  return true;
}

export function appendDelta(article, text, n) {
  if (!isNextDelta(article.dataset, n)) return;
  const body = article.querySelector(".msg-body");
  const typing = body.querySelector(".typing");
  if (typing) typing.remove();
  body.append(document.createTextNode(text));
}

export function setStreamingText(article, text, n) {
  const body = article.querySelector(".msg-body");
  body.textContent = text;
  if (n === undefined) delete article.dataset.n; // text so far unknown until a snapshot
  else article.dataset.n = n;
}

export function finishAnswer(article, done) {
  article.dataset.status = done.status;
  article.dataset.cost = done.cost || "0";
  if (done.model) {
    article.dataset.model = done.model;
    article.querySelector(".msg-model").textContent = done.model;
  }
  const body = article.querySelector(".msg-body");
  body.className = "msg-body markdown";
  body.innerHTML = done.html; // sanitised on the server (chat/markdown_render.py)
  article.querySelectorAll(".msg-error, .msg-note, .msg-meta").forEach((n) => n.remove());
  if (done.status === "error") {
    const error = el("p", "msg-error", done.error);
    error.setAttribute("role", "alert");
    article.append(error);
  } else if (done.status === "cancelled") {
    article.append(el("p", "msg-note", t("Stopped.")));
  } else if (done.status === "interrupted") {
    const note = el("p", "msg-note", `${t("This answer was interrupted —")} `);
    note.setAttribute("role", "status");
    note.append(button(t("Regenerate"), { "data-regenerate": "", title: t("Write the last answer again") }));
    note.lastChild.className = "link-button";
    article.append(note);
  }
  article.append(metaFooter(done));
  decorateCode(article);
}

function metaFooter(done) {
  const meta = el("footer", "msg-meta");
  meta.append(el("span", "", t("%s in · %s out tokens", done.prompt_tokens, done.completion_tokens)));
  meta.append(el("span", "", formatCost(done.cost)));
  if (done.latency_ms !== null && done.latency_ms !== undefined) {
    const hasFirst = done.ttft_ms !== null && done.ttft_ms !== undefined;
    meta.append(el("span", "", hasFirst ? t("%s ms (first token %s ms)", done.latency_ms, done.ttft_ms) : t("%s ms", done.latency_ms)));
  }
  meta.append(button(t("Copy"), { "data-copy-answer": "" }));
  return meta;
}

export function renderMessage(message) {
  if (message.role === "user") return userMessage(message);
  const article = answerPlaceholder(message.id, message.model);
  if (message.status === "streaming") {
    setStreamingText(article, "");
    article.append(el("p", "msg-note", t("Still being written…")));
    return article;
  }
  finishAnswer(article, message);
  return article;
}

// A "Copy code" button on every code block of the given element.
export function decorateCode(root) {
  root.querySelectorAll(".markdown pre").forEach((pre) => {
    if (pre.parentElement.classList.contains("code-wrap")) return;
    const wrap = el("div", "code-wrap");
    pre.replaceWith(wrap);
    const bar = el("div", "code-bar", pre.dataset.lang || t("code"));
    const copy = button(t("Copy code"), { "aria-label": pre.dataset.lang ? t("Copy %s code", pre.dataset.lang) : t("Copy code") });
    copy.addEventListener("click", () => copyText(pre.innerText, copy));
    bar.append(copy);
    wrap.append(bar, pre);
  });
}

export async function copyText(text, source) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = el("textarea");
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  if (source) {
    const old = source.textContent;
    source.textContent = t("Copied");
    setTimeout(() => { source.textContent = old; }, 1200);
  }
}
