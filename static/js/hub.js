// Every page: the theme picker (light / dark / system, remembered in the browser), the language picker
// (posts to Django's set_language), and the phone menu button.

const root = document.documentElement;
const theme = document.getElementById("theme");
if (theme) {
  theme.value = root.dataset.theme || "system";
  theme.hidden = false;
  theme.addEventListener("change", () => {
    try {
      if (theme.value === "system") localStorage.removeItem("theme");
      else localStorage.setItem("theme", theme.value);
    } catch { /* storage disabled: the choice lasts for this page only */ }
    if (theme.value === "system") delete root.dataset.theme;
    else root.dataset.theme = theme.value;
  });
}

document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  select.addEventListener("change", () => select.form.requestSubmit());
});

const toggle = document.getElementById("nav-toggle");
const topbar = document.getElementById("topbar");
if (toggle && topbar) {
  const show = (open) => {
    topbar.classList.toggle("nav-open", open);
    toggle.setAttribute("aria-expanded", String(open));
  };
  toggle.addEventListener("click", () => show(!topbar.classList.contains("nav-open")));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && topbar.classList.contains("nav-open")) { show(false); toggle.focus(); }
  });
  document.addEventListener("click", (e) => {
    if (topbar.classList.contains("nav-open") && !e.target.closest("#topbar")) show(false);
  });
}
