// Translated text for the page scripts: Django's JavaScript catalog (/jsi18n/, loaded by base.html) sets
// window.gettext; without it the English source text is shown. t("%s of %s", a, b) fills each %s in order.

export function t(text, ...args) {
  const translated = typeof window.gettext === "function" ? window.gettext(text) : text;
  let i = 0;
  return args.length ? translated.replace(/%s/g, () => String(args[i++] ?? "")) : translated;
}

// The page's language (<html lang>), for number and date formatting.
export function pageLocale() {
  return document.documentElement.lang || "en";
}
