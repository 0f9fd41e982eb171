// Translating the chat's JavaScript strings: Django's JavaScript catalog (window.gettext) when the page
// loads it, else the English text. "%s" placeholders are filled in order.

export function t(s, ...args) {
  let text = window.gettext ? window.gettext(s) : s;
  for (const arg of args) text = text.replace("%s", String(arg));
  return text;
}
