// A searchable combobox over the model <select> (WAI-ARIA combobox with a listbox popup). The select stays the
// form control and the source of the rows: this only draws them, filters them and sets select.value.
import { t } from "./i18n.js";

export class ModelCombobox {
  constructor(select, parts) {
    this.select = select;
    this.input = parts.input;
    this.toggle = parts.toggle;
    this.listbox = parts.listbox;
    this.status = parts.status;
    this.activeIndex = -1;
    this.shown = []; // the option rows on screen, in order
    this.input.addEventListener("input", () => this.open(true));
    this.input.addEventListener("keydown", (e) => this.onKey(e));
    this.input.addEventListener("blur", () => this.close());
    this.input.addEventListener("focus", () => this.input.select()); // typing replaces the chosen name
    this.input.addEventListener("click", () => { if (!this.isOpen()) this.open(false); });
    this.toggle.addEventListener("mousedown", (e) => e.preventDefault()); // keep the focus in the input
    this.toggle.addEventListener("click", () => {
      if (this.isOpen()) this.close();
      else { this.input.focus(); this.open(false); }
    });
    this.listbox.addEventListener("mousedown", (e) => e.preventDefault());
    this.listbox.addEventListener("click", (e) => {
      const row = e.target.closest("[role=option]");
      if (row) this.choose(row.dataset.value);
    });
    select.addEventListener("change", () => this.showChosen());
    this.showChosen();
  }

  isOpen() { return !this.listbox.hidden; }

  showChosen() {
    if (!this.isOpen()) this.input.value = this.select.value;
  }

  // words typed: every one must appear in the name, family, abilities or description (the old search box's rule)
  matches(option, words) {
    const d = option.dataset;
    const haystack = `${option.value} ${d.family} ${d.abilities} ${d.description}`.toLowerCase();
    return words.every((w) => haystack.includes(w));
  }

  open(filtering) {
    const words = filtering ? this.input.value.toLowerCase().split(/\s+/).filter(Boolean) : [];
    this.render(words);
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.toggle.setAttribute("aria-expanded", "true");
    const chosen = this.shown.findIndex((row) => row.dataset.value === this.select.value);
    this.setActive(words.length ? (this.shown.length ? 0 : -1) : chosen);
    const count = this.shown.length;
    this.status.textContent = count === 0 ? t("No model matches.")
      : count === 1 ? t("1 model matches.") : t("%s models match.", count);
  }

  close() {
    if (!this.isOpen()) return;
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.toggle.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.activeIndex = -1;
    this.showChosen();
  }

  render(words) {
    this.listbox.replaceChildren();
    this.listbox.scrollTop = 0;
    this.shown = [];
    let n = 0;
    for (const group of this.select.querySelectorAll("optgroup")) {
      const rows = [...group.querySelectorAll("option")].filter((o) => this.matches(o, words));
      if (!rows.length) continue;
      const box = document.createElement("div");
      box.setAttribute("role", "group");
      const heading = document.createElement("div");
      heading.className = "model-group-label";
      heading.id = `model-group-${n++}`;
      heading.setAttribute("role", "presentation");
      heading.textContent = group.label;
      box.setAttribute("aria-labelledby", heading.id);
      box.append(heading);
      for (const option of rows) {
        const row = this.row(option);
        box.append(row);
        this.shown.push(row);
      }
      this.listbox.append(box);
    }
  }

  row(option) {
    const d = option.dataset;
    const row = document.createElement("div");
    row.setAttribute("role", "option");
    row.id = `model-option-${option.index}`;
    row.dataset.value = option.value;
    row.className = "model-option";
    row.setAttribute("aria-selected", String(option.value === this.select.value));
    const name = document.createElement("span");
    name.className = "model-name";
    name.textContent = option.value;
    row.append(name);
    if (d.pin) {
      const badge = document.createElement("span");
      badge.className = `model-badge model-badge-${d.pin}`;
      badge.textContent = d.pin === "team" ? t("team default") : `★ ${t("favourite")}`;
      row.append(" ", badge);
    }
    const meta = document.createElement("span");
    meta.className = "model-meta";
    if (d.family === "Auto") meta.textContent = d.description;
    else meta.textContent = [t("%s / %s per 1M", d.in, d.out), d.context, d.abilities].filter(Boolean).join(" · ");
    if (d.estimate) {
      const estimate = document.createElement("span");
      estimate.className = "model-estimate";
      estimate.textContent = t("≈ %s a message here", d.estimate);
      meta.append(" · ", estimate);
    }
    row.append(meta);
    return row;
  }

  setActive(index) {
    this.shown[this.activeIndex]?.classList.remove("active");
    this.activeIndex = index;
    const row = this.shown[index];
    if (!row) { this.input.removeAttribute("aria-activedescendant"); return; }
    row.classList.add("active");
    this.input.setAttribute("aria-activedescendant", row.id);
    row.scrollIntoView({ block: "nearest" });
  }

  move(step) {
    if (!this.shown.length) return;
    const last = this.shown.length - 1;
    const next = this.activeIndex < 0 ? (step > 0 ? 0 : last) : Math.min(last, Math.max(0, this.activeIndex + step));
    this.setActive(next);
  }

  choose(value) {
    const changed = this.select.value !== value;
    this.select.value = value;
    this.close();
    this.input.value = value;
    if (changed) this.select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  onKey(e) {
    const open = this.isOpen();
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!open) { this.open(false); return; } // opens on the chosen row
      this.move(e.key === "ArrowDown" ? 1 : -1);
    } else if ((e.key === "PageDown" || e.key === "PageUp") && open) {
      e.preventDefault();
      this.move(e.key === "PageDown" ? 10 : -10);
    } else if (e.key === "Enter") {
      if (!open) return;
      e.preventDefault(); // the composer's form is not sent from here
      const row = this.shown[this.activeIndex];
      if (row) this.choose(row.dataset.value);
    } else if (e.key === "Escape") {
      if (!open && this.input.value === this.select.value) return;
      e.preventDefault();
      e.stopPropagation(); // the page's Escape stops an answer; here it only closes the list
      this.close();
      this.input.value = this.select.value;
    } else if (e.key === "Tab") {
      this.close();
    }
  }

  // After a row moved between groups or changed its pin: draw the list again where it stands.
  refresh() {
    if (this.isOpen()) this.open(this.input.value !== this.select.value);
  }
}
