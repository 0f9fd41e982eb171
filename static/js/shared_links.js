// The "Shared links" page: copy a link to the clipboard, with feedback on the button and for screen readers.
import { copyText } from "./chat_dom.js";
import { t } from "./i18n.js";

document.addEventListener("click", (e) => {
  const copy = e.target.closest("[data-copy-link]");
  if (!copy) return;
  copyText(copy.dataset.copyLink, copy);
  document.getElementById("copy-status").textContent = t("Link copied.");
});
