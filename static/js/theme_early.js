// Runs in <head> before the stylesheets (a static file, so a strict CSP needs no inline script): the saved
// theme ("light" or "dark") goes on <html data-theme>; without one the CSS follows prefers-color-scheme.
(function () {
  var saved = null;
  try { saved = localStorage.getItem("theme"); } catch (e) { /* storage disabled: follow the system */ }
  if (saved === "light" || saved === "dark") document.documentElement.dataset.theme = saved;
  document.documentElement.classList.add("js");
})();
