// The chat sidebar: date groups in the browser's time zone, folders, pins, and live search that never
// leaves the open chat. The list is HTML the server renders (escaped); search results are built with
// textContent, the match wrapped in a <mark> element, so no user text is parsed as HTML here.
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const list = $("conv-list");
const search = $("search");
const results = $("search-results");
const resultList = $("search-list");
const status = $("search-status");
const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
const DEBOUNCE_MS = 200;

function showError(text) {
  const notice = $("sidebar-notice");
  notice.textContent = text;
  notice.hidden = !text;
}

// Redraw the list from the server (after a change, or in the browser's zone); focus `focusId`'s link after.
export async function reloadList(currentId = list.dataset.current, focusId = null) {
  if (currentId !== undefined && currentId !== null) list.dataset.current = currentId;
  const response = await fetch(`/c/list?current=${encodeURIComponent(list.dataset.current || "")}`);
  if (!response.ok) return;
  const parsed = new DOMParser().parseFromString(await response.text(), "text/html");
  list.replaceChildren(...parsed.body.childNodes);
  if (focusId) list.querySelector(`a[data-conversation="${Number(focusId)}"]`)?.focus();
}

async function post(url, fields) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  const response = await fetch(url, { method: "POST", body: form, headers: { "X-CSRFToken": csrf } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) { showError(body.error?.message || t("That did not work. Try again.")); return null; }
  showError("");
  return body;
}

// The grouping follows the browser's time zone: tell the server (a cookie), and redraw if it grouped in another.
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
if (zone) {
  document.cookie = `tz=${zone}; path=/; max-age=31536000; samesite=lax`;
  const groups = $("conv-groups");
  if (groups && groups.dataset.timeZone !== zone) reloadList();
}

list.addEventListener("click", async (e) => {
  const pin = e.target.closest("[data-pin]");
  if (pin && await post(`/c/${Number(pin.dataset.pin)}/pin`, { pinned: pin.dataset.pinned })) reloadList(undefined, pin.dataset.pin);
  const move = e.target.closest("[data-move]");
  if (move) {
    const id = Number(move.dataset.move);
    const folder = list.querySelector(`[data-move-select="${id}"]`).value;
    if (await post(`/c/${id}/folder`, { folder })) reloadList(undefined, id);
  }
  const rename = e.target.closest("[data-folder-rename]");
  if (rename) {
    const id = Number(rename.dataset.folderRename);
    const name = list.querySelector(`[data-folder-name="${id}"]`).value;
    if (await post(`/c/folders/${id}/rename`, { name })) reloadList();
  }
  const remove = e.target.closest("[data-folder-delete]");
  if (remove && confirm(remove.dataset.confirm) && await post(`/c/folders/${Number(remove.dataset.folderDelete)}/delete`, {})) reloadList();
});
list.addEventListener("keydown", (e) => {
  const name = e.target.closest("[data-folder-name]");
  if (name && e.key === "Enter") { e.preventDefault(); list.querySelector(`[data-folder-rename="${name.dataset.folderName}"]`).click(); }
  if (e.key === "Escape" && e.target.closest("details[open]")) {
    const open = e.target.closest("details[open]");
    open.open = false;
    open.querySelector("summary").focus();
    e.stopPropagation();
  }
});
// A click elsewhere closes an open "…" menu.
document.addEventListener("click", (e) => {
  document.querySelectorAll(".conv-actions[open]").forEach((menu) => { if (!menu.contains(e.target)) menu.open = false; });
});
$("folder-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const input = $("folder-name");
  if (await post("/c/folders/new", { name: input.value })) {
    input.value = "";
    $("new-folder").open = false;
    reloadList();
  }
});

// ---- Live search ----
let timer = null;
let asked = 0;

function segmentsInto(node, segments) {
  for (const segment of segments) {
    if (segment.mark) {
      const mark = document.createElement("mark");
      mark.textContent = segment.text;
      node.append(mark);
    } else {
      node.append(document.createTextNode(segment.text));
    }
  }
}

function resultItem(result) {
  const item = document.createElement("li");
  const link = document.createElement("a");
  link.href = result.url;
  link.className = "search-result";
  link.dataset.result = result.id;
  if (String(result.id) === list.dataset.current) link.setAttribute("aria-current", "page");
  const title = document.createElement("span");
  title.className = "search-title";
  segmentsInto(title, result.title);
  link.append(title);
  if (result.snippet.length) {
    const snippet = document.createElement("span");
    snippet.className = "search-snippet";
    segmentsInto(snippet, result.snippet);
    link.append(snippet);
  }
  item.append(link);
  return item;
}

function showList() {
  results.hidden = true;
  list.hidden = false;
  resultList.replaceChildren();
  status.textContent = "";
}

async function runSearch(query) {
  const mine = ++asked;
  const response = await fetch(`/c/search?q=${encodeURIComponent(query)}`);
  if (mine !== asked || search.value.trim() !== query) return; // a newer search is on its way
  if (!response.ok) { status.textContent = t("Search failed. Try again."); return; }
  const body = await response.json();
  resultList.replaceChildren(...body.results.map(resultItem));
  status.textContent = body.results.length ? t("Matching conversations: %s", body.results.length) : t("No conversations match “%s”.", query);
  results.hidden = false;
  list.hidden = true;
}

search.addEventListener("input", () => {
  clearTimeout(timer);
  const query = search.value.trim();
  if (!query) { asked++; showList(); return; }
  timer = setTimeout(() => runSearch(query), DEBOUNCE_MS);
});
$("search-form").addEventListener("submit", (e) => {
  e.preventDefault(); // never leave the open chat: Enter opens the first result instead
  resultList.querySelector("a")?.click();
});

function resultLinks() { return [...resultList.querySelectorAll("a")]; }

function moveFocus(step) {
  const links = resultLinks();
  if (!links.length) return;
  const at = links.indexOf(document.activeElement);
  const next = at + step;
  if (next < 0) search.focus();
  else links[Math.min(next, links.length - 1)].focus();
}

function clearSearch() {
  clearTimeout(timer);
  asked++;
  search.value = "";
  showList();
  search.focus();
}

search.addEventListener("keydown", (e) => {
  if (e.key === "ArrowDown") { e.preventDefault(); moveFocus(1); }
  if (e.key === "Escape" && (search.value || !results.hidden)) { e.preventDefault(); e.stopPropagation(); clearSearch(); }
});
resultList.addEventListener("keydown", (e) => {
  if (e.key === "ArrowDown") { e.preventDefault(); moveFocus(1); }
  if (e.key === "ArrowUp") { e.preventDefault(); moveFocus(-1); }
  if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); clearSearch(); }
});
