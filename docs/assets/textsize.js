/* Second Classroom: 适老化 text size (标准 / 大 / 特大), remembered on this phone.
 *
 * Loaded with `defer blocking="render"` so the chosen size is applied before the first
 * paint. The size is a class of <html> (data-sc-text); the stylesheet scales the root font
 * size, so everything sized in rem grows with it, on top of the phone's own font size.
 * Without JavaScript the button stays hidden and the phone's own setting still applies.
 */
(function () {
  "use strict";
  var KEY = "sc-text-size";
  var html = document.documentElement;

  function stored() {
    try { return localStorage.getItem(KEY) || ""; } catch (e) { return ""; } // blocked storage
  }

  function apply(size) {
    if (size === "l" || size === "xl") html.setAttribute("data-sc-text", size);
    else html.removeAttribute("data-sc-text");
    var current = html.getAttribute("data-sc-text") || "m";
    document.querySelectorAll("[data-sc-size]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-sc-size") === current));
    });
  }

  apply(stored());

  var toggle = document.querySelector("[data-sc-textsize]");
  var panel = document.getElementById("sc-textsize");
  if (!toggle || !panel) return;
  toggle.hidden = false;

  function show(open) {
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
  }

  toggle.addEventListener("click", function () { show(panel.hidden); });
  panel.addEventListener("click", function (event) {
    var button = event.target.closest("[data-sc-size]");
    if (!button) return;
    var size = button.getAttribute("data-sc-size");
    try { localStorage.setItem(KEY, size); } catch (e) { /* still applies to this page */ }
    apply(size);
  });
  document.addEventListener("click", function (event) {
    if (!panel.hidden && !panel.contains(event.target) && !toggle.contains(event.target)) show(false);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) { show(false); toggle.focus(); }
  });
  // Another tab changed the size: follow it.
  window.addEventListener("storage", function (event) { if (event.key === KEY) apply(stored()); });
})();
