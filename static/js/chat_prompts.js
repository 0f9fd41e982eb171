// The prompt library in the composer: "/" at the start of the message or after a space opens a listbox of saved
// prompts (GET /prompts.json, filtered by title as you type); arrows move, Enter or a click puts the prompt's text
// in place of the "/query", Escape closes. The message box keeps the focus (aria-activedescendant), as in
// model_combobox.js. Titles and texts are set with textContent only.
import { t } from "./i18n.js";

const TRIGGER = /(^|\s)\/([^\s/]{0,40})$/; // a "/" at the start or after a space, then the query up to the caret

export class PromptPicker {
  constructor(input, listbox, status, onInsert) {
    this.input = input;
    this.listbox = listbox;
    this.status = status;
    this.onInsert = onInsert;
    this.prompts = [];
    this.activeIndex = -1;
    this.slashAt = -1;
    this.asked = 0; // the latest request; older answers are ignored
    input.setAttribute("aria-controls", listbox.id);
    input.addEventListener("input", () => this.update());
    input.addEventListener("keydown", (e) => this.onKey(e));
    input.addEventListener("blur", () => this.close());
    listbox.addEventListener("mousedown", (e) => e.preventDefault()); // keep the focus in the box
    listbox.addEventListener("click", (e) => {
      const row = e.target.closest("[role=option]");
      if (row) this.insert(Number(row.dataset.index));
    });
  }

  isOpen() { return !this.listbox.hidden; }

  update() {
    const before = this.input.value.slice(0, this.input.selectionStart);
    const found = this.input.selectionStart === this.input.selectionEnd ? TRIGGER.exec(before) : null;
    if (!found) { this.close(); return; }
    this.slashAt = before.length - found[2].length - 1;
    this.load(found[2]);
  }

  async load(query) {
    const asked = ++this.asked;
    let prompts = [];
    try {
      const response = await fetch(`/prompts.json?q=${encodeURIComponent(query)}`, { headers: { Accept: "application/json" } });
      if (response.ok) prompts = (await response.json()).prompts;
    } catch { /* offline: nothing to offer */ }
    if (asked !== this.asked || this.slashAt < 0) return;
    this.show(prompts, query);
  }

  show(prompts, query) {
    this.prompts = prompts;
    this.listbox.replaceChildren();
    prompts.forEach((p, i) => {
      const row = document.createElement("div");
      row.id = `prompt-option-${i}`;
      row.className = "prompt-option";
      row.setAttribute("role", "option");
      row.setAttribute("aria-selected", "false");
      row.dataset.index = String(i);
      const title = document.createElement("span");
      title.className = "prompt-option-title";
      title.textContent = p.title;
      const meta = document.createElement("span");
      meta.className = "prompt-option-meta";
      meta.textContent = p.team ? t("Team prompt · %s", p.team) : t("Personal");
      const body = document.createElement("span");
      body.className = "prompt-option-body";
      body.textContent = p.body.slice(0, 140);
      row.append(title, meta, body);
      this.listbox.append(row);
    });
    if (!prompts.length) {
      if (query) { this.close(); return; } // "/" followed by words that are no title: just text
      const empty = document.createElement("div");
      empty.className = "prompt-empty";
      empty.textContent = t("No saved prompts yet. Add some on the Prompts page.");
      this.listbox.append(empty);
    }
    this.listbox.hidden = false;
    this.setActive(prompts.length ? 0 : -1);
    this.status.textContent = prompts.length === 1 ? t("1 prompt matches. Arrow keys move, Enter inserts, Escape closes.")
      : t("%s prompts match. Arrow keys move, Enter inserts, Escape closes.", prompts.length);
  }

  setActive(index) {
    const rows = this.listbox.querySelectorAll("[role=option]");
    rows.forEach((row, i) => {
      row.classList.toggle("active", i === index);
      row.setAttribute("aria-selected", String(i === index));
    });
    this.activeIndex = index;
    if (index >= 0) {
      this.input.setAttribute("aria-activedescendant", rows[index].id);
      rows[index].scrollIntoView({ block: "nearest" });
    } else this.input.removeAttribute("aria-activedescendant");
  }

  // Handled keys stop here, so the composer's Enter-sends does not also run.
  onKey(e) {
    if (!this.isOpen()) return;
    const n = this.prompts.length;
    if (e.key === "ArrowDown" && n) this.setActive((this.activeIndex + 1) % n);
    else if (e.key === "ArrowUp" && n) this.setActive((this.activeIndex - 1 + n) % n);
    else if (e.key === "Enter" && this.activeIndex >= 0 && !e.shiftKey && !e.isComposing) this.insert(this.activeIndex);
    else if (e.key === "Escape") this.close();
    else return;
    e.preventDefault();
    e.stopImmediatePropagation();
  }

  insert(index) {
    const prompt = this.prompts[index];
    if (!prompt || this.slashAt < 0) return;
    const value = this.input.value;
    const end = this.input.selectionStart;
    this.input.value = value.slice(0, this.slashAt) + prompt.body + value.slice(end);
    const caret = this.slashAt + prompt.body.length;
    this.input.setSelectionRange(caret, caret);
    this.close();
    this.onInsert();
  }

  close() {
    this.asked++;
    this.slashAt = -1;
    if (!this.isOpen()) return;
    this.listbox.hidden = true;
    this.listbox.replaceChildren();
    this.input.removeAttribute("aria-activedescendant");
    this.activeIndex = -1;
    this.prompts = [];
    this.status.textContent = "";
  }
}
