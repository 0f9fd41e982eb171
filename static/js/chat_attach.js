// Image attachments: upload, paste or URL. A large photo is shrunk here first (longest side 2048 px, JPEG),
// then uploaded over HTTP; the message itself carries only the image's URL (/c/images/<id>), so it stays
// small whatever the picture. Type and size are checked again on the server.
import { t } from "./i18n.js";

const TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];
const MAX_BYTES = 5 * 1024 * 1024; // what the server keeps per image
const MAX_SOURCE_BYTES = 40 * 1024 * 1024; // what the page will try to shrink
const MAX_EDGE = 2048; // vision models scale larger images down anyway
const MAX_IMAGES = 4;

export class Attachments {
  constructor(box, onChange, onError, csrf) {
    this.box = box;
    this.onChange = onChange;
    this.onError = onError;
    this.csrf = csrf;
    this.urls = [];
    this.uploading = 0;
  }

  async addFiles(files) {
    for (const file of files) {
      const name = file.name || t("That image");
      if (!TYPES.includes(file.type)) {
        this.onError(t("%s is not a PNG, JPEG, GIF or WebP image.", file.name || t("That file")));
        continue;
      }
      if (file.size > MAX_SOURCE_BYTES) {
        this.onError(t("%s is larger than 40 MB. Attach a smaller one.", name));
        continue;
      }
      if (this.urls.length + this.uploading >= MAX_IMAGES) {
        this.onError(t("Attach at most %s images to one message.", MAX_IMAGES));
        return;
      }
      this.uploading += 1;
      this.onChange(this.urls.length);
      try {
        this.add(await this.upload(await shrink(file), name));
      } catch (err) {
        this.onError(err.message);
      } finally {
        this.uploading -= 1;
        this.onChange(this.urls.length);
      }
    }
  }

  async upload(blob, name) {
    const form = new FormData();
    form.append("image", blob, name);
    const response = await fetch("/c/images", { method: "POST", body: form, headers: { "X-CSRFToken": this.csrf } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error?.message || t("%s could not be uploaded. Try again.", name));
    return body.url;
  }

  addUrl(url) {
    if (!/^https?:\/\/\S+$/.test(url)) {
      this.onError(t("An image URL must start with https:// or http://."));
      return;
    }
    this.add(url);
  }

  add(url) {
    if (this.urls.length >= MAX_IMAGES) {
      this.onError(t("Attach at most %s images to one message.", MAX_IMAGES));
      return;
    }
    this.urls.push(url);
    this.render();
  }

  clear() {
    this.urls = [];
    this.render();
  }

  render() {
    this.box.replaceChildren();
    this.urls.forEach((url, i) => {
      const img = document.createElement("img");
      img.src = url;
      img.alt = t("Attachment %s", i + 1);
      const item = removableAttachment("attachment", img, t("Remove attachment %s", i + 1), () => {
        this.urls.splice(i, 1);
        this.render();
      });
      this.box.append(item);
    });
    this.onChange(this.urls.length);
  }
}

// One attachment in the composer: what it shows, and a × button (named for screen readers) that takes it off.
export function removableAttachment(className, content, label, onRemove) {
  const item = document.createElement("div");
  item.className = className;
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "ghost";
  remove.textContent = "×";
  remove.setAttribute("aria-label", label);
  remove.addEventListener("click", onRemove);
  item.append(content, remove);
  return item;
}

// The file itself when it is small enough on both counts; else a JPEG no larger than MAX_EDGE on its
// longest side (white behind transparent parts), at lower quality until it fits MAX_BYTES.
async function shrink(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error(t("%s could not be read as an image.", file.name || t("That file")));
  }
  const scale = Math.min(1, MAX_EDGE / Math.max(bitmap.width, bitmap.height));
  if (scale === 1 && file.size <= MAX_BYTES) return file;
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  for (const quality of [0.9, 0.8, 0.65, 0.5]) {
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
    if (blob && blob.size <= MAX_BYTES) return blob;
  }
  throw new Error(t("%s is too detailed to send even when shrunk. Attach a smaller one.", file.name || t("That image")));
}
