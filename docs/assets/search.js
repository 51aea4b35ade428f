/* Second Classroom: open the search dialog on demand.
 *
 * Loaded on every page, so it stays tiny: nothing of the search UI or the search index is
 * fetched until the visitor taps the search button or presses "/" (or "s").
 */
(function () {
  "use strict";
  var script = document.currentScript;
  // This file lives at <site root>/assets/search.js; everything else is found from there.
  var root = new URL("../", script && script.src ? script.src : location.href).href;
  var loading = null;

  function load() {
    if (!loading) {
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = root + "assets/search.css";
      document.head.appendChild(css);
      loading = import(root + "assets/search-ui.js");
    }
    return loading;
  }

  function open(query) {
    load().then(function (ui) { ui.openDialog(root, query || ""); });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-sc-search]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    open("");
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    if (event.key === "/" || event.key === "s" || event.key === "S") {
      event.preventDefault();
      open("");
    }
  });

  // The 搜索 page (for shared ?q= links and as the no-JavaScript fallback) shows the same UI inline.
  var page = document.getElementById("sc-search-page");
  if (page) load().then(function (ui) { ui.mountPage(root, page); });
})();
