// Building chat messages in the page. Model text is only ever set with textContent; the only HTML
// put into the page is what the server rendered and sanitised.
import { documentChip, sourcesNode } from "./chat_documents.js";
import { feedbackControls } from "./chat_feedback.js";
import { pageLocale, t } from "./i18n.js";

export function formatCost(value) {
  const amount = Number(value || 0);
  if (amount === 0) return "$0";
  if (amount >= 1) return `$${amount.toFixed(2)}`;
  if (amount >= 0.01) return `$${amount.toFixed(4).replace(/0+$/, "").replace(/\.$/, "")}`;
  return `$${amount.toFixed(6).replace(/0+$/, "")}`;
}

// Credits as the billing pages show them (billing/display.py format_usd): cents at or above a dollar,
// four places below it.
export function formatCredits(value) {
  const amount = Number(value || 0);
  const places = Math.abs(amount) >= 1 || amount === 0 ? 2 : 4;
  return `$${amount.toLocaleString(pageLocale(), { minimumFractionDigits: places, maximumFractionDigits: places })}`;
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
  if (message.documents && message.documents.length) {
    const box = el("div", "msg-documents");
    box.setAttribute("aria-label", t("Attached documents"));
    message.documents.forEach((doc) => box.append(documentChip(doc)));
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

// A delta past the next one: some were lost on the way (a slow socket's channel overflowed). The page asks
// for a snapshot (the `catch_up` action) instead of waiting for the answer's end.
export function deltaGap(dataset, n) {
  return n !== undefined && dataset.n !== undefined && dataset.n !== "" && n > Number(dataset.n) + 1;
}

// While an answer streams the server sends its Markdown rendered and sanitised (chat/live_render.py),
// every ~120 ms: the page swaps it in, so it never shows raw Markdown and does not jump at the end.
// `n` says how many deltas that HTML covers; an older render never replaces a newer one.
export function showRendered(article, html, n) {
  if (html === undefined || html === null) return false;
  if (n !== undefined && Number(article.dataset.rendered || -1) > n) return false;
  if (n !== undefined) article.dataset.rendered = n;
  const body = article.querySelector(".msg-body");
  body.className = "msg-body markdown streaming-markdown";
  body.innerHTML = html; // sanitised on the server with the final render's rules
  decorateCode(article);
  return true;
}

export function appendDelta(article, text, n, html) {
  if (!isNextDelta(article.dataset, n)) return;
  if (showRendered(article, html, n)) return;
  const body = article.querySelector(".msg-body");
  const typing = body.querySelector(".typing");
  if (typing) typing.remove();
  if (article.dataset.rendered === undefined) body.append(document.createTextNode(text));
}

export function setStreamingText(article, text, n, html) {
  const body = article.querySelector(".msg-body");
  delete article.dataset.rendered;
  if (!showRendered(article, html, n)) {
    body.className = "msg-body streaming-text";
    body.textContent = text;
  }
  if (n === undefined) delete article.dataset.n; // text so far unknown until a snapshot
  else article.dataset.n = n;
  delete article.dataset.resync; // caught up: a later gap may ask again
}

export function finishAnswer(article, done) {
  article.dataset.status = done.status;
  article.dataset.cost = done.cost || "0";
  if (done.model) {
    article.dataset.model = done.model;
    article.querySelector(".msg-model").textContent = done.model;
  }
  const body = article.querySelector(".msg-body");
  delete article.dataset.rendered;
  body.className = "msg-body markdown";
  body.innerHTML = done.html; // sanitised on the server (chat/markdown_render.py)
  article.querySelectorAll(".msg-error, .msg-note, .msg-meta, .msg-sources").forEach((n) => n.remove());
  if (done.status === "error" && done.refusal) {
    article.append(refusalNode(done.refusal, done.error));
  } else if (done.status === "error") {
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
  setVersions(article, done.versions, done.asked);
  setRoute(article, done.route);
  if (done.fallback_note) {
    // Served by another model than the one picked: which one failed and why (chat/provider_failures.py).
    const fallback = el("p", "msg-note msg-fallback", done.fallback_note);
    fallback.setAttribute("role", "status");
    article.append(fallback);
  }
  if (done.notice) {
    // The gateway ran the answer differently than asked (a lowered output cap so it fits the credits).
    const notice = el("p", "msg-note msg-notice", done.notice);
    notice.setAttribute("role", "status");
    article.append(notice);
  }
  if (done.sources && done.sources.length) article.append(sourcesNode(done.sources));
  article.append(metaFooter(done));
  decorateCode(article);
}

// A refusal before the answer ran (chat/refusal_view.py): the server's plain words, the reset time in the
// browser's own time zone, and its buttons: ask for credits (a prefilled request) and retry on a cheaper model.
export function refusalNode(refusal, words) {
  const box = el("div", "msg-error refusal");
  box.setAttribute("role", "alert");
  box.dataset.refusal = refusal.code;
  const text = el("p", "refusal-words", words);
  if (refusal.resets_at) Object.assign(text.dataset, { resetsAt: refusal.resets_at, resetsShown: refusal.resets_shown });
  box.append(text);
  const actions = el("p", "refusal-actions");
  if (refusal.ask_url && /^\/(?!\/)/.test(refusal.ask_url)) {  // a path on this hub, never another site
    const ask = el("a", "button", t("Ask for credits"));
    ask.href = refusal.ask_url;
    actions.append(ask);
  }
  if (refusal.cheaper_model) {
    const retry = el("button", "", t("Use a cheaper model (%s)", refusal.cheaper_model));
    retry.type = "button";
    retry.dataset.cheaper = refusal.cheaper_model;
    actions.append(retry);
  }
  if (actions.childNodes.length) box.append(actions);
  showLocalTimes(box);
  return box;
}

// The reset time of a budget or cap, which the server wrote in the hub's zone, in the reader's zone instead.
export function showLocalTimes(root) {
  root.querySelectorAll("[data-resets-at]").forEach((node) => {
    const moment = new Date(node.dataset.resetsAt);
    const shown = node.dataset.resetsShown;
    if (Number.isNaN(moment.getTime()) || !shown || !node.textContent.includes(shown)) return;
    const local = new Intl.DateTimeFormat(pageLocale(), {
      year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
    }).format(moment);
    const [before, ...after] = node.textContent.split(shown);
    const time = el("time", "", local);
    time.dateTime = node.dataset.resetsAt;
    node.replaceChildren(before, time, after.join(shown));
    delete node.dataset.resetsAt;
  });
}

// An auto-routed answer says which model the cost router chose and why.
export function setRoute(article, route) {
  article.querySelector(".msg-route")?.remove();
  if (!route) return;
  const line = el("p", "msg-route", t("%s chose %s", route.asked, route.model));
  if (route.reason) {
    line.append(": ");
    line.append(el("span", "route-reason", route.reason));
  }
  article.querySelector(".msg-model").after(line);
}

// ‹ 2/3 ›: the answer's other versions (regenerated or answered before an edit), kept on the server.
export function setVersions(article, info, asked) {
  article.querySelectorAll(".versions, .asked").forEach((n) => n.remove());
  const model = article.querySelector(".msg-model");
  if (asked) model.after(el("p", "msg-note asked", `${t("Answer to an earlier wording:")} “${asked.slice(0, 120)}”`));
  if (!info || info.ids.length < 2) return;
  const nav = el("nav", "versions");
  nav.setAttribute("aria-label", t("Answer versions"));
  const step = (arrow, name, id) => {
    const b = button(arrow, { "aria-label": name, "data-version": id ?? "" });
    b.disabled = id === undefined;
    return b;
  };
  const count = el("span", "versions-count", `${info.index + 1}/${info.ids.length}`);
  nav.append(step("‹", t("Previous version"), info.ids[info.index - 1]), count, step("›", t("Next version"), info.ids[info.index + 1]));
  model.after(nav);
}

function metaFooter(done) {
  const meta = el("footer", "msg-meta");
  meta.append(el("span", "", t("%s in · %s out tokens", done.prompt_tokens, done.completion_tokens)));
  const cost = el("span", "", done.request_id ? "" : formatCost(done.cost));
  if (done.request_id) {
    const link = el("a", "msg-cost", formatCost(done.cost));
    link.href = `/requests/${encodeURIComponent(done.request_id)}/`;
    link.title = t("See this request: tokens, price, attempts");
    cost.append(link);
  }
  meta.append(cost);
  if (done.latency_ms !== null && done.latency_ms !== undefined) {
    const hasFirst = done.ttft_ms !== null && done.ttft_ms !== undefined;
    meta.append(el("span", "", hasFirst ? t("%s ms (first token %s ms)", done.latency_ms, done.ttft_ms) : t("%s ms", done.latency_ms)));
  }
  meta.append(button(t("Copy"), { "data-copy-answer": "" }));
  if (done.rateable) meta.append(feedbackControls(done.id, done.feedback));
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
