/* Second Classroom: 党史上的今天 on the home page.
 *
 * The page itself only links to the day pages (today/), so it reads the same whatever day
 * it was built. This script picks *today* by the phone's own clock and reads that day's
 * small file, today/days/MM-DD.json, written by the build: the year, text, record title
 * and page of each event, or the nearest day that has one. Nothing is sent anywhere; without
 * JavaScript the link stays.
 */
(function () {
  "use strict";
  var box = document.querySelector("[data-sc-today]");
  if (!box || !window.fetch) { return; }
  var root = box.getAttribute("data-root") || "";
  var SHOWN = 5; // the home page shows the first few; the day page has them all
  var now = new Date();
  function two(n) { return (n < 10 ? "0" : "") + n; }
  var day = two(now.getMonth() + 1) + "-" + two(now.getDate());

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }
  function link(href, text) {
    var a = el("a", text);
    a.href = root + href;
    return a;
  }

  fetch(root + "today/days/" + day + ".json").then(function (response) {
    if (!response.ok) { throw new Error(response.status); }
    return response.json();
  }).then(function (data) {
    var heading = box.querySelector("h2");
    heading.textContent = "党史上的今天：" + data.title;
    var list = box.querySelector("[data-sc-today-list]");
    var note = box.querySelector("[data-sc-today-note]");
    list.textContent = "";
    note.textContent = "";
    if (data.events.length) {
      data.events.slice(0, SHOWN).forEach(function (e) {
        var item = el("li");
        var text = el("p", "", "sc-event__text");
        text.appendChild(el("strong", e.year + "年"));
        text.appendChild(document.createTextNode(" " + e.text));
        item.appendChild(text);
        var where = el("p", "", "sc-note");
        where.appendChild(link(e.url, e.title));
        item.appendChild(where);
        list.appendChild(item);
      });
      list.hidden = false;
      note.appendChild(link("today/" + day + "/", data.events.length > SHOWN ?
        "查看这一天的全部 " + data.events.length + " 件" : "查看这一天的来源"));
    } else {
      note.appendChild(document.createTextNode("今天暂无收录的事件。"));
      if (data.nearest) {
        note.appendChild(document.createTextNode("最近有收录的一天是 "));
        note.appendChild(link(data.nearest.url, data.nearest.title));
        note.appendChild(document.createTextNode("。"));
      }
    }
    note.appendChild(document.createTextNode(" "));
    note.appendChild(link("today/", "全年日历"));
  }).catch(function () { /* offline or missing: the link to the day pages stays */ });
}());
