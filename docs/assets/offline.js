/* Second Classroom: reading without a network.
 *
 * Registers the service worker (sw.js at the site root), shows the "离线保存本线路" button on
 * route pages and "离线保存本读书班" on 读书班 pages, and lists the saved pages on the offline
 * page. In a browser without service workers (some in-app browsers) nothing here runs and
 * every page still works online.
 */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !window.caches || !window.isSecureContext) return;
  var script = document.currentScript;
  // This file lives at <site root>/assets/offline.js.
  var root = new URL("../", script && script.src ? script.src : location.href).href;

  // The save button appears only once registration worked (some browsers refuse it).
  navigator.serviceWorker.register(root + "sw.js", { scope: root })
    .then(function (registration) { if (registration) routeButton(); }, function () {});

  function ask(message) {
    return navigator.serviceWorker.ready.then(function (registration) {
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) { resolve(event.data); };
        registration.active.postMessage(message, [channel.port2]);
      });
    });
  }

  function savedUrls() {
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf("sc-pages-") === 0; })
        .map(function (n) { return caches.open(n).then(function (c) { return c.keys(); }); }));
    }).then(function (lists) {
      var urls = {};
      lists.forEach(function (list) { list.forEach(function (r) { urls[r.url] = true; }); });
      return urls;
    });
  }

  // Route pages: save the route and every stop for reading offline; 读书班 pages: the plan
  // and every page of this site it links to (readings, outlines, sites, routes).
  function routeButton() {
    saveButton("[data-sc-save-route]", ".sc-stoplist a[href]", "本线路");
    saveButton("[data-sc-save-plan]", ".sc-schedule a[href]", "本读书班");
  }

  function saveButton(boxSelector, linkSelector, what) {
    var box = document.querySelector(boxSelector);
    if (!box) return;
    var button = box.querySelector("button");
    var status = box.querySelector("[role=status]");
    var page = location.href.split("#")[0];
    var urls = [page];
    document.querySelectorAll(linkSelector).forEach(function (a) {
      var url = a.href.split("#")[0];
      // Only this site's pages: map apps and downloads are left to the visitor.
      if (url.indexOf(root) !== 0 || !/\/$/.test(url)) return;
      if (urls.indexOf(url) < 0) urls.push(url);
    });
    box.hidden = false;
    savedUrls().then(function (have) {
      if (urls.every(function (u) { return have[u]; })) {
        status.textContent = what + "已离线保存，共 " + urls.length + " 个页面。";
      }
    });
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = "正在保存 " + urls.length + " 个页面……";
      if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});
      ask({ type: "save", urls: urls }).then(function (result) {
        status.textContent = result.failed
          ? "已保存 " + result.saved + " 个页面，" + result.failed + " 个未能保存，请在网络较好时再试。"
          : "已离线保存" + what + "的 " + result.saved + " 个页面，没有网络时也能打开。";
        button.disabled = false;
      });
    });
  }

  // The offline page: list what can be read without a network.
  var list = document.getElementById("sc-offline-saved");
  if (list) {
    savedUrls().then(function (have) {
      var pages = Object.keys(have).filter(function (u) {
        return u.indexOf(root) === 0 && /\/$/.test(u) && u.indexOf(root + "offline/") !== 0;
      }).sort();
      return Promise.all(pages.map(function (u) {
        return caches.match(u).then(function (r) { return r ? r.text() : ""; }).then(function (html) {
          var m = /<title>([^<]*)<\/title>/i.exec(html);
          var title = document.createElement("textarea"); // decodes &amp; etc. without parsing markup
          title.innerHTML = m ? m[1] : u;
          return { url: u, title: title.value.replace(/ - 第二课堂$/, "") };
        });
      }));
    }).then(function (pages) {
      if (!pages.length) return;
      var ul = list.querySelector("ul");
      pages.forEach(function (p) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = p.url;
        var strong = document.createElement("strong");
        strong.textContent = p.title;
        a.appendChild(strong);
        li.appendChild(a);
        ul.appendChild(li);
      });
      list.hidden = false;
    });
  }
})();
