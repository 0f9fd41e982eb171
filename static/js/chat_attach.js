// Image attachments: upload, paste or URL; type and size checked here (and again on the server).

const TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];
const MAX_BYTES = 5 * 1024 * 1024;
const MAX_IMAGES = 4;

export class Attachments {
  constructor(box, onChange, onError) {
    this.box = box;
    this.onChange = onChange;
    this.onError = onError;
    this.urls = [];
  }

  async addFiles(files) {
    for (const file of files) {
      if (!TYPES.includes(file.type)) {
        this.onError(`${file.name || "That file"} is not a PNG, JPEG, GIF or WebP image.`);
        continue;
      }
      if (file.size > MAX_BYTES) {
        this.onError(`${file.name || "That image"} is larger than 5 MB. Attach a smaller one.`);
        continue;
      }
      this.add(await readAsDataUrl(file));
    }
  }

  addUrl(url) {
    if (!/^https?:\/\/\S+$/.test(url)) {
      this.onError("An image URL must start with https:// or http://.");
      return;
    }
    this.add(url);
  }

  add(url) {
    if (this.urls.length >= MAX_IMAGES) {
      this.onError(`Attach at most ${MAX_IMAGES} images to one message.`);
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
      const item = document.createElement("div");
      item.className = "attachment";
      const img = document.createElement("img");
      img.src = url;
      img.alt = `Attachment ${i + 1}`;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "ghost";
      remove.textContent = "×";
      remove.setAttribute("aria-label", `Remove attachment ${i + 1}`);
      remove.addEventListener("click", () => {
        this.urls.splice(i, 1);
        this.render();
      });
      item.append(img, remove);
      this.box.append(item);
    });
    this.onChange(this.urls.length);
  }
}

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}
