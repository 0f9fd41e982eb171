// Billing pages: the copy button of a new key (selects the key when the clipboard is not available).
// A classic script, so it reads Django's JavaScript catalog (window.gettext) itself rather than i18n.js.
const translate = (text) => (typeof window.gettext === "function" ? window.gettext(text) : text);

document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  const status = document.querySelector("[data-copy-status]");
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    if (status) status.textContent = translate("Copied to the clipboard.");
  } catch {
    // No clipboard API (plain http on another host): the key is selected, so Ctrl+C works.
    if (status) status.textContent = translate("Press Ctrl+C (⌘C) to copy the selected key.");
  }
});
document.addEventListener("focusin", (event) => {
  if (event.target.matches("[data-select-on-focus]")) event.target.select();
});
