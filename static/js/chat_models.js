// The chat's model picker: search the list, describe the chosen model (price per 1M, context, abilities),
// and remember the choice on the server for the user's next chats.
import { t } from "./i18n.js";

export function setupModelPicker(picker, search, info, csrf, onChange) {
  function describe() {
    const option = picker.selectedOptions[0];
    if (!option) { info.textContent = ""; return; }
    const d = option.dataset;
    if (d.family === "Auto") {
      info.textContent = t("%s: the hub's cost router %s; the answer shows the model it chose and why.", option.value, d.description);
      return;
    }
    const parts = [d.family, t("%s in / %s out per 1M tokens", d.in, d.out), t("%s context", d.context), d.abilities];
    info.textContent = parts.filter(Boolean).join(" · ") + (d.description ? ` — ${d.description}` : "");
  }

  function filter() {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    picker.querySelectorAll("optgroup").forEach((group) => {
      let any = false;
      group.querySelectorAll("option").forEach((option) => {
        const d = option.dataset;
        const haystack = `${option.value} ${d.family} ${d.abilities} ${d.description}`.toLowerCase();
        const match = words.every((w) => haystack.includes(w));
        option.hidden = !match;
        any ||= match;
        shown += match ? 1 : 0;
      });
      group.hidden = !any;
    });
    return shown;
  }

  async function remember() {
    const form = new FormData();
    form.append("model", picker.value);
    try { await fetch("/c/model", { method: "POST", body: form, headers: { "X-CSRFToken": csrf } }); } catch { /* offline: next send remembers it */ }
  }

  function picked() { describe(); remember(); onChange(); }

  search.addEventListener("input", () => {
    const shown = filter();
    info.textContent = search.value ? t("%s match", shown) : "";
    if (!search.value) describe();
  });
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      const first = [...picker.options].find((o) => !o.hidden && !o.parentElement.hidden);
      if (first) { picker.value = first.value; picked(); }
      search.value = "";
      filter();
      picker.focus();
    } else if (e.key === "ArrowDown") {
      e.preventDefault();
      picker.focus();
    } else if (e.key === "Escape" && search.value) {
      e.preventDefault();
      e.stopPropagation();
      search.value = "";
      filter();
      describe();
    }
  });
  picker.addEventListener("change", picked);
  describe();
}
