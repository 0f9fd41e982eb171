// The chat's model picker: the searchable combobox over the model <select>, a line describing the chosen
// model (price per 1M, context, abilities, what a message here costs), stars and the team's default, and
// the choice remembered on the server for the user's next chats.
import { t } from "./i18n.js";
import { ModelCombobox } from "./model_combobox.js";

const $ = (id) => document.getElementById(id);

async function post(url, fields, csrf) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  const response = await fetch(url, { method: "POST", body: form, headers: { "X-CSRFToken": csrf } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error?.message || t("That did not work. Try again."));
  return body;
}

export function setupModelPicker(picker, info, csrf, onChange, showNotice) {
  const box = $("model-picker");
  const star = $("model-star");
  const teamDefault = $("model-team-default");
  const combobox = new ModelCombobox(picker, {
    input: $("model-input"), toggle: $("model-toggle"), listbox: $("model-listbox"), status: $("model-status"),
  });
  // Enhanced: the combobox is the control people use; the select stays in the form, out of the way.
  $("model-label").htmlFor = "model-input";
  picker.classList.add("visually-hidden");
  picker.tabIndex = -1;
  picker.setAttribute("aria-hidden", "true");
  $("model-combo").hidden = false;
  $("model-actions").hidden = false;

  function describe() {
    const option = picker.selectedOptions[0];
    if (!option) { info.textContent = ""; return; }
    const d = option.dataset;
    star.setAttribute("aria-pressed", String(d.pin === "favourite"));
    star.textContent = d.pin === "favourite" ? t("★ Favourite") : t("☆ Favourite");
    star.hidden = d.pin === "team";
    teamDefault?.setAttribute("aria-pressed", String(d.pin === "team"));
    if (d.family === "Auto") {
      info.textContent = t("%s: the hub's cost router %s; the answer shows the model it chose and why.", option.value, d.description);
      return;
    }
    const parts = [d.family, t("%s in / %s out per 1M tokens", d.in, d.out), t("%s context", d.context), d.abilities];
    let text = parts.filter(Boolean).join(" · ") + (d.description ? ` — ${d.description}` : "");
    const history = Number(box.dataset.history);
    const answer = Number(box.dataset.answer).toLocaleString();
    if (d.estimate && history) {
      text += ". " + t("≈ %s for a typical message here (%s tokens so far and a %s-token answer).", d.estimate, history.toLocaleString(), answer);
    } else if (d.estimate) {
      text += ". " + t("≈ %s for a typical message here (a short question and a %s-token answer).", d.estimate, answer);
    }
    info.textContent = text;
  }

  async function remember() {
    try { await post("/c/model", { model: picker.value }, csrf); } catch { /* offline: next send remembers it */ }
  }

  // A row starred or made the team's default moves to the pinned group; one unpinned goes back to its family.
  function group(key, label, after) {
    let found = picker.querySelector(`optgroup[data-group="${CSS.escape(key)}"]`);
    if (!found) {
      found = document.createElement("optgroup");
      found.label = label;
      found.dataset.group = key;
      if (after) after.after(found); else picker.prepend(found);
    }
    return found;
  }

  function pin(option, kind) {
    option.dataset.pin = kind;
    if (kind) {
      const pinned = group("pinned", t("Pinned"), picker.querySelector('optgroup[data-group="auto"]'));
      if (kind === "team") pinned.prepend(option); else pinned.append(option);
    } else {
      const home = option.dataset.family === "Auto" ? group("auto", t("Auto (cost router)"), null) : group(option.dataset.family, option.dataset.family, picker.lastElementChild);
      home.prepend(option);
    }
    picker.querySelectorAll("optgroup").forEach((g) => { if (!g.children.length) g.remove(); });
  }

  star.addEventListener("click", async () => {
    const option = picker.selectedOptions[0];
    const starred = option.dataset.pin !== "favourite";
    try {
      await post("/c/model/favourite", { model: option.value, favourite: starred ? "1" : "0" }, csrf);
    } catch (err) { showNotice(err.message); return; }
    pin(option, starred ? "favourite" : "");
    picker.value = option.value;
    combobox.refresh();
    describe();
  });

  teamDefault?.addEventListener("click", async () => {
    const option = picker.selectedOptions[0];
    const making = option.dataset.pin !== "team";
    try {
      await post("/c/model/team-default", { team: teamDefault.dataset.team, model: making ? option.value : "" }, csrf);
    } catch (err) { showNotice(err.message); return; }
    if (making) picker.querySelectorAll('option[data-pin="team"]').forEach((o) => pin(o, ""));
    pin(option, making ? "team" : "");
    picker.value = option.value;
    combobox.refresh();
    describe();
  });

  picker.addEventListener("change", () => { describe(); remember(); onChange(); });
  describe();

  return {
    // The conversation grew: what a message costs here is asked again (priced on the server, exactly).
    async refreshEstimates(conversationId) {
      const response = await fetch(`/c/${conversationId}/model-estimates`);
      if (!response.ok) return;
      const body = await response.json();
      box.dataset.history = body.history;
      box.dataset.answer = body.answer;
      for (const option of picker.options) {
        if (body.estimates[option.value]) option.dataset.estimate = body.estimates[option.value];
      }
      describe();
    },
  };
}
