// The chat's share dialog: make a read-only link to the open conversation (team-only or public with an
// expiry), copy it, and revoke the conversation's working links. The server checks every choice again.
import { copyText } from "./chat_dom.js";
import { pageLocale, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

function expiryText(link) {
  if (!link.expires_at) return t("never expires");
  const when = new Date(link.expires_at).toLocaleString(pageLocale(), { dateStyle: "medium", timeStyle: "short" });
  return t("works until %s", when);
}

function button(text, className) {
  return Object.assign(document.createElement("button"), { type: "button", textContent: text, className });
}

export function setupShare(currentConversation, csrf) {
  const dialog = $("share-dialog");
  const form = $("share-form");
  const status = $("share-status");
  const list = $("share-links");
  const never = form.querySelector('option[value="never"]');

  function say(text) { status.textContent = text; }

  // Public links must expire: "never" is only offered for team-only links.
  function scopeChanged() {
    const isPublic = form.elements.scope.value === "public";
    never.disabled = isPublic;
    if (isPublic && form.elements.expires.value === "never") form.elements.expires.value = "30";
  }

  function linkItem(link) {
    const item = document.createElement("li");
    const label = document.createElement("span");
    const who = link.scope === "public" ? t("Anyone with the link") : t("Team only");
    label.textContent = who + " · " + expiryText(link);
    const copy = button(t("Copy link"), "ghost");
    copy.setAttribute("aria-label", t("Copy link: %s", label.textContent));
    copy.addEventListener("click", () => { copyText(link.url, copy); say(t("Link copied.")); });
    const revoke = button(t("Revoke"), "ghost danger");
    revoke.setAttribute("aria-label", t("Revoke link: %s", label.textContent));
    revoke.addEventListener("click", () => revokeLink(link.id));
    item.append(label, copy, revoke);
    return item;
  }

  async function loadLinks() {
    const response = await fetch(`/c/${currentConversation()}/shares`, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const body = await response.json();
    list.replaceChildren(...body.links.map(linkItem));
    $("share-links-empty").hidden = body.links.length > 0;
  }

  async function revokeLink(id) {
    const response = await fetch(`/shared/${id}/revoke`, {
      method: "POST", headers: { "X-CSRFToken": csrf, Accept: "application/json" },
    });
    say(response.ok ? t("Link revoked: it no longer opens.") : t("Could not revoke the link."));
    if (response.ok && $("share-url").dataset.id === String(id)) $("share-result").hidden = true;
    await loadLinks();
  }

  form.addEventListener("change", scopeChanged);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    say("");
    const response = await fetch(`/c/${currentConversation()}/share`, {
      method: "POST", body: new FormData(form), headers: { "X-CSRFToken": csrf, Accept: "application/json" },
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) { say(body.error?.message || t("Could not create the link.")); return; }
    $("share-url").value = body.url;
    $("share-url").dataset.id = String(body.id);
    $("share-result").hidden = false;
    say(t("Link created: copy it and send it."));
    $("share-copy").focus();
    await loadLinks();
  });
  $("share-copy").addEventListener("click", () => { copyText($("share-url").value, $("share-copy")); say(t("Link copied.")); });
  $("share-url").addEventListener("focus", (e) => e.target.select());
  $("share-close").addEventListener("click", () => dialog.close());
  $("share-open").addEventListener("click", () => {
    say("");
    $("share-result").hidden = true;
    scopeChanged();
    dialog.showModal();
    loadLinks();
  });
  dialog.addEventListener("close", () => $("share-open").focus());
}
