// Admin provider form: picking a kind fills its default base URL and wire format; "custom" shows the slug.
(function () {
  "use strict";
  function ready() {
    var kind = document.getElementById("id_kind");
    if (!kind) return;
    var defaults = JSON.parse(kind.getAttribute("data-provider-defaults") || "{}");
    var baseUrl = document.getElementById("id_base_url");
    var wire = document.getElementById("id_wire_format");
    var slugRow = document.querySelector(".field-slug");
    var filled = {base_url: baseUrl ? baseUrl.value : "", wire_format: wire ? wire.value : ""};
    function apply(initial) {
      var known = defaults[kind.value];
      if (slugRow) slugRow.hidden = kind.value !== "custom";
      if (initial || !known) return;
      // Replace only what is blank or what an earlier pick filled in, never an address the admin typed.
      if (baseUrl && (!baseUrl.value || baseUrl.value === filled.base_url)) baseUrl.value = known.base_url;
      if (wire && (!wire.value || wire.value === filled.wire_format)) wire.value = known.wire_format;
      filled = {base_url: baseUrl ? baseUrl.value : "", wire_format: wire ? wire.value : ""};
    }
    kind.addEventListener("change", function () { apply(false); });
    apply(true);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
