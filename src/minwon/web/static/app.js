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

// outreach: fill the hidden position fields from the phone's location, when allowed
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-geolocate]");
  if (!button || !navigator.geolocation) return;
  const state = document.getElementById("geo-state");
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      document.getElementById("f-lat").value = pos.coords.latitude.toFixed(6);
      document.getElementById("f-lon").value = pos.coords.longitude.toFixed(6);
      if (state) state.textContent = "✓";
    },
    () => { if (state) state.textContent = "✕"; },
    { timeout: 8000 }
  );
});

// patrol requests on a map, when Leaflet and a basemap can be reached; the list and the
// place × hour grid on the page always work without it
window.addEventListener("load", () => {
  const box = document.getElementById("patrol-map");
  if (!box) return;
  const offline = () => { box.textContent = box.dataset.offline; box.classList.add("offline"); };
  if (!window.L) { offline(); return; }
  const points = JSON.parse(box.dataset.points || "[]");
  const map = window.L.map(box);
  const tiles = window.L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
    maxZoom: 19, attribution: "© OpenStreetMap",
  });
  let failed = 0;
  tiles.on("tileerror", () => { failed += 1; if (failed > 3) { map.remove(); offline(); } });
  tiles.addTo(map);
  const bounds = [];
  points.forEach((p) => {
    window.L.circleMarker([p.lat, p.lon], { radius: 7 }).addTo(map).bindPopup(`${p.place} · ${p.hours}시`);
    bounds.push([p.lat, p.lon]);
  });
  if (bounds.length) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 });
});

// htmx requests carry the session's CSRF token (the JSON API refuses cookie writes without it)
document.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) event.detail.headers["X-CSRF-Token"] = meta.content;
});

// progress bars: the width comes from data-pct (no inline style attribute: the CSP forbids them)
const fillBars = (root) => {
  root.querySelectorAll(".bar span[data-pct]").forEach((span) => {
    const pct = Math.max(0, Math.min(100, parseFloat(span.dataset.pct) || 0));
    span.style.width = `${pct}%`;
  });
};
document.addEventListener("DOMContentLoaded", () => fillBars(document));
document.addEventListener("htmx:load", (event) => fillBars(event.target.parentNode || document));

// "back" and "print" links (no javascript: address: the CSP forbids them)
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-back], [data-print]");
  if (!link) return;
  if (link.hasAttribute("data-print")) { event.preventDefault(); window.print(); return; }
  if (window.history.length > 1) { event.preventDefault(); window.history.back(); }
});

// text limits: a field's stated maximum ("최대 300자") becomes a live count ("12 / 300자")
const showCount = (field) => {
  const counter = document.querySelector(`[data-count-for="${field.id}"]`);
  if (!counter) return;
  const max = parseInt(counter.dataset.max, 10) || 0;
  const n = field.value.length;
  counter.textContent = (counter.dataset.template || "{n} / {max}")
    .replace("{n}", n.toLocaleString("ko-KR"))
    .replace("{max}", max.toLocaleString("ko-KR"));
  counter.classList.toggle("is-full", max > 0 && n >= max);
};
document.addEventListener("input", (event) => {
  if (event.target.id) showCount(event.target);
});

// drafts: a form marked data-draft keeps what was typed in this tab (sessionStorage), so a
// refused post (too large, a lost connection) never loses the text; the receipt page clears it
const DRAFT_SKIP = new Set(["hidden", "file", "password", "checkbox", "radio", "submit", "button"]);
const draftFields = (form) =>
  [...form.elements].filter((el) => el.name && el.name !== "csrf_token" && !DRAFT_SKIP.has(el.type));
const draftKey = (name) => `minwon-draft-${name}`;
document.addEventListener("input", (event) => {
  const form = event.target.form;
  if (!form || !form.dataset.draft) return;
  const values = {};
  draftFields(form).forEach((el) => { if (el.value) values[el.name] = el.value; });
  try { sessionStorage.setItem(draftKey(form.dataset.draft), JSON.stringify(values)); } catch (e) { /* private mode */ }
});
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-draft-clear]").forEach((el) => {
    try { sessionStorage.removeItem(draftKey(el.dataset.draftClear)); } catch (e) { /* private mode */ }
  });
  document.querySelectorAll("form[data-draft]").forEach((form) => {
    let saved = {};
    try { saved = JSON.parse(sessionStorage.getItem(draftKey(form.dataset.draft)) || "{}"); } catch (e) { saved = {}; }
    draftFields(form).forEach((el) => {
      if (!el.value && typeof saved[el.name] === "string" && el.tagName !== "SELECT") el.value = saved[el.name];
    });
  });
  document.querySelectorAll("[data-count-for]").forEach((counter) => {
    const field = document.getElementById(counter.dataset.countFor);
    if (field) showCount(field);
  });
});

// the staff menu on a phone: the menu button folds and unfolds it; Escape folds it again
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-menu]");
  if (!button) return;
  const nav = document.getElementById(button.getAttribute("aria-controls"));
  if (!nav) return;
  const open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", String(open));
  nav.classList.toggle("open", open);
  if (open) {
    const first = nav.querySelector("a");
    if (first) first.focus();
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const button = document.querySelector("[data-menu][aria-expanded='true']");
  if (!button) return;
  button.setAttribute("aria-expanded", "false");
  const nav = document.getElementById(button.getAttribute("aria-controls"));
  if (nav) nav.classList.remove("open");
  button.focus();
});

// the action form: a found voice's button adds its receipt number to the list; Enter in the
// search box searches instead of sending the whole form
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-ledger]");
  if (!button) return;
  const field = document.getElementById("a-voices");
  if (!field) return;
  const numbers = field.value.split(/[\s,]+/).filter(Boolean);
  if (!numbers.includes(button.dataset.addLedger)) numbers.push(button.dataset.addLedger);
  field.value = numbers.join(", ");
  button.disabled = true;
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && event.target.matches && event.target.matches("[data-no-submit]")) {
    event.preventDefault();
  }
});

// a chart or table wider than its box scrolls sideways (a chart on a phone): with nothing in
// it to focus, the box itself takes the keyboard's focus, so that the arrow keys scroll it, and
// is named after its picture, caption or section heading; it gives the focus up when it fits
const SCROLLERS = ".chart, .table-wrap";
const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";
const scrollerName = (box) => {
  const pic = box.querySelector("img[alt], [role=img][aria-label], caption");
  if (pic) return pic.getAttribute("alt") || pic.getAttribute("aria-label") || pic.textContent;
  const heading = box.closest("section, .card") && box.closest("section, .card").querySelector("h2, h3");
  return heading ? heading.textContent : "";
};
const focusScrollers = (root) => {
  root.querySelectorAll(SCROLLERS).forEach((box) => {
    const own = box.dataset.scrollFocus === "1";
    const scrolls = box.scrollWidth > box.clientWidth + 1 && getComputedStyle(box).overflowX !== "visible";
    if (scrolls && !own && !box.querySelector(FOCUSABLE)) {
      box.tabIndex = 0;
      box.setAttribute("role", "group");
      const name = scrollerName(box).trim();
      if (name) box.setAttribute("aria-label", name);
      box.dataset.scrollFocus = "1";
    } else if (!scrolls && own) {
      ["tabindex", "role", "aria-label", "data-scroll-focus"].forEach((a) => box.removeAttribute(a));
    }
  });
};
document.addEventListener("DOMContentLoaded", () => focusScrollers(document));
window.addEventListener("load", () => focusScrollers(document)); // a picture is sized once loaded
document.addEventListener("htmx:load", () => focusScrollers(document));
let scrollersPending = false;
window.addEventListener("resize", () => {
  if (scrollersPending) return;
  scrollersPending = true;
  window.requestAnimationFrame(() => { scrollersPending = false; focusScrollers(document); });
});
