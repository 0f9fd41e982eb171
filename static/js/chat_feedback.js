// Thumbs up or down, with an optional note, on an answer (templates/chat/_feedback.html draws the same
// controls for answers the server rendered). Saved with POST /c/answers/<id>/feedback; pressing the pressed
// thumb again takes the vote back.
import { t } from "./i18n.js";

function thumb(rate, label, pressed) {
  const node = document.createElement("button");
  node.type = "button";
  node.className = "ghost thumb";
  node.dataset.rate = rate;
  node.title = label;
  node.setAttribute("aria-label", label);
  node.setAttribute("aria-pressed", String(pressed));
  return node;
}

// The controls for an answer drawn in the page (message JSON: `id`, `feedback`).
export function feedbackControls(id, feedback) {
  const rating = feedback?.rating || "";
  const group = document.createElement("span");
  group.className = "feedback";
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", t("Rate this answer"));
  Object.assign(group.dataset, { feedback: id, rating, note: feedback?.note || "" });
  const note = document.createElement("button");
  note.type = "button";
  note.className = "ghost";
  note.dataset.feedbackNote = "";
  note.setAttribute("aria-haspopup", "dialog");
  group.append(
    thumb("up", t("Good answer"), rating === "up"),
    thumb("down", t("Bad answer"), rating === "down"),
    note,
  );
  show(group, rating, feedback?.note || "");
  return group;
}

function show(group, rating, note) {
  Object.assign(group.dataset, { rating: rating || "", note: note || "" });
  group.querySelectorAll("[data-rate]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.rate === rating)));
  const noteButton = group.querySelector("[data-feedback-note]");
  noteButton.hidden = !rating;
  noteButton.textContent = note ? t("Edit note") : t("Add a note");
}

function noteDialog() {
  let dialog = document.getElementById("feedback-dialog");
  if (dialog) return dialog;
  dialog = document.createElement("dialog");
  dialog.id = "feedback-dialog";
  dialog.className = "feedback-dialog";
  dialog.setAttribute("aria-labelledby", "feedback-dialog-title");
  const form = document.createElement("form");
  form.method = "dialog";
  const title = document.createElement("h2");
  title.id = "feedback-dialog-title";
  title.textContent = t("Note on this answer");
  const label = document.createElement("label");
  label.htmlFor = "feedback-note";
  label.textContent = t("What was good or bad about it? (optional)");
  const area = document.createElement("textarea");
  area.id = "feedback-note";
  area.rows = 4;
  area.maxLength = 1000;
  const row = document.createElement("div");
  row.className = "row";
  const save = Object.assign(document.createElement("button"), { type: "submit", value: "save", textContent: t("Save note") });
  const cancel = Object.assign(document.createElement("button"), { type: "submit", value: "cancel", className: "ghost", textContent: t("Cancel") });
  cancel.formNoValidate = true;
  row.append(save, cancel);
  form.append(title, label, area, row);
  dialog.append(form);
  document.body.append(dialog);
  return dialog;
}

export function setupFeedback(messages, csrf, showNotice) {
  async function save(group, rating, note) {
    const response = await fetch(`/c/answers/${Number(group.dataset.feedback)}/feedback`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ rating: rating || null, note }),
    }).catch(() => null);
    const body = response ? await response.json().catch(() => ({})) : {};
    if (!response || !response.ok) {
      showNotice(body.error?.message || t("Could not save your rating."));
      return false;
    }
    show(group, body.rating, body.note);
    return true;
  }

  function editNote(group, opener) {
    const dialog = noteDialog();
    const area = dialog.querySelector("textarea");
    area.value = group.dataset.note || "";
    dialog.returnValue = "";
    dialog.onclose = () => {
      if (dialog.returnValue === "save") save(group, group.dataset.rating, area.value);
      opener.focus();
    };
    dialog.showModal();
    area.focus();
  }

  messages.addEventListener("click", (e) => {
    const group = e.target.closest(".feedback");
    if (!group) return;
    const rate = e.target.closest("[data-rate]");
    if (rate) {
      // The pressed thumb again takes the vote back; the other one changes it (the note stays).
      const rating = group.dataset.rating === rate.dataset.rate ? null : rate.dataset.rate;
      save(group, rating, rating ? group.dataset.note || "" : "");
    }
    const note = e.target.closest("[data-feedback-note]");
    if (note) editNote(group, note);
  });
}
