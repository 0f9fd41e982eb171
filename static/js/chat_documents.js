// Document attachments (PDF, Word, Excel, CSV, text, code): each file is uploaded over HTTP as soon as it is
// picked; the server extracts its text or says why it cannot (too big, too many pages, password, damaged, no
// text). The message carries only the documents' ids; each shows as a chip with its name, pages and size.
import { removableAttachment } from "./chat_attach.js";
import { pageLocale, t } from "./i18n.js";

const MAX_DOCUMENTS = 8;

export function documentLabel(doc) {
  const bits = [doc.name];
  if (doc.pages) {
    if (doc.kind === "xlsx") bits.push(doc.pages === 1 ? t("1 sheet") : t("%s sheets", doc.pages));
    else bits.push(doc.pages === 1 ? t("1 page") : t("%s pages", doc.pages));
  }
  bits.push(doc.size_label);
  if (doc.tokens) bits.push(t("≈ %s tokens", Number(doc.tokens).toLocaleString(pageLocale())));
  return bits.join(" · ");
}

export function documentChip(doc) {
  const chip = document.createElement("span");
  chip.className = "doc-chip";
  chip.dataset.kind = doc.kind;
  chip.textContent = documentLabel(doc);
  return chip;
}

export class DocumentAttachments {
  constructor(box, onChange, onError, csrf) {
    this.box = box;
    this.onChange = onChange;
    this.onError = onError;
    this.csrf = csrf;
    this.docs = [];
    this.uploading = 0;
  }

  get ids() {
    return this.docs.map((doc) => doc.id);
  }

  async addFiles(files) {
    for (const file of files) {
      if (this.docs.length + this.uploading >= MAX_DOCUMENTS) {
        this.onError(t("Attach at most %s documents to one message.", MAX_DOCUMENTS));
        return;
      }
      this.uploading += 1;
      this.onChange();
      try {
        this.docs.push(await this.upload(file));
        this.render();
      } catch (err) {
        this.onError(err.message);
      } finally {
        this.uploading -= 1;
        this.onChange();
      }
    }
  }

  async upload(file) {
    const form = new FormData();
    form.append("document", file, file.name);
    const response = await fetch("/c/documents", { method: "POST", body: form, headers: { "X-CSRFToken": this.csrf } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error?.message || t("%s could not be uploaded. Try again.", file.name));
    return body;
  }

  clear() {
    this.docs = [];
    this.render();
  }

  render() {
    this.box.replaceChildren();
    this.docs.forEach((doc, i) => {
      const item = removableAttachment("attachment attachment-doc", documentChip(doc), t("Remove %s", doc.name), () => {
        this.docs.splice(i, 1);
        this.render();
      });
      this.box.append(item);
    });
    this.onChange();
  }
}

// The passages an answer was given from documents too large to send whole, under the answer.
export function sourcesNode(sources) {
  const box = document.createElement("details");
  box.className = "msg-sources";
  const summary = document.createElement("summary");
  summary.textContent = t("Sources (%s passages)", sources.length);
  box.append(summary);
  const list = document.createElement("ol");
  for (const source of sources) {
    const item = document.createElement("li");
    const where = document.createElement("strong");
    let label = source.name;
    if (source.page) label += ` · ${source.kind === "pdf" ? t("page %s", source.page) : t("sheet %s", source.page)}`;
    where.textContent = label;
    const quote = document.createElement("blockquote");
    quote.textContent = source.text;
    item.append(where, quote);
    list.append(item);
  }
  box.append(list);
  return box;
}
