/* minwon: small progressive enhancements; every page works without this file. */
(function () {
  "use strict";
  // A form marked data-once is sent once: its buttons are disabled while the page changes.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-once")) return;
    if (form.dataset.sent === "1") { event.preventDefault(); return; }
    form.dataset.sent = "1";
    form.querySelectorAll("button[type=submit]").forEach(function (b) {
      b.setAttribute("aria-disabled", "true");
      b.classList.add("is-busy");
    });
  });
  // Coming back with the browser's back button: forms may be sent again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.dataset.sent = "";
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        b.removeAttribute("aria-disabled");
        b.classList.remove("is-busy");
      });
    });
  });
})();
