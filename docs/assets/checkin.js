/* Second Classroom: 打卡 (check-in) at a red site and the 我的足迹 page, kept only on this phone.
 *
 * A site's QR code opens its page with ?at=qr (check-in mode, render/interact.py); the
 * page then offers "打卡", otherwise "标记为已参观". Either stores the site id and today's
 * date in localStorage, with what the footprints page shows about the site (its name,
 * province, themes, the routes and 读书班 sessions that visit it: data-sc-checkin). No
 * position is read and nothing is sent anywhere. The footprints page lists the visits,
 * makes a share picture on the phone (canvas → PNG), exports and imports a small file,
 * and clears everything after a confirmation. Without JavaScript nothing here shows.
 */
(function () {
  "use strict";
  var KEY = "sc-footprints";
  var QUIZ = "sc-quiz:";
  var FORMAT = "第二课堂足迹";
  var store;
  try {
    store = window.localStorage;
    store.setItem("sc-footprints-test", "1");
    store.removeItem("sc-footprints-test");
  } catch (e) {
    return; // storage blocked: no check-in, pages unchanged
  }

  function empty() { return { version: 1, sites: {}, routes: {}, plans: {} }; }
  function load() {
    try {
      var data = JSON.parse(store.getItem(KEY) || "null");
      if (data && typeof data.sites === "object") {
        data.routes = data.routes || {};
        data.plans = data.plans || {};
        return data;
      }
    } catch (e) { /* unreadable: start again */ }
    return empty();
  }
  function save(data) {
    try { store.setItem(KEY, JSON.stringify(data)); return true; } catch (e) { return false; }
  }
  function today() {
    var d = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate());
  }
  function cnDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    return m ? m[1] + "年" + parseInt(m[2], 10) + "月" + parseInt(m[3], 10) + "日" : "";
  }
  // Stored and imported text is data: only site-relative page paths become links.
  var PATH = /^[a-z]+\/[a-z0-9]+(?:-[a-z0-9]+)*\/$/;
  function text(tag, value, cls) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (cls) el.className = cls;
    return el;
  }
  function link(root, path, label) {
    if (!PATH.test(String(path))) return text("span", label);
    var a = text("a", label);
    a.href = root + path;
    return a;
  }

  // --- a site page --------------------------------------------------------------------
  function sitePage(box) {
    var info;
    try { info = JSON.parse(box.getAttribute("data-sc-checkin")); } catch (e) { return; }
    var viaQr = /(?:^|[?&])at=qr(?:&|$)/.test(window.location.search);
    var button = box.querySelector(".sc-checkin__button");
    var status = box.querySelector(".sc-checkin__status");
    if (viaQr) {
      button.textContent = "打卡";
      box.querySelector(".sc-checkin__qr").hidden = false;
      box.classList.add("sc-checkin--qr");
    }
    function show(visit) {
      if (!visit) return;
      status.textContent = (visit.qr ? "已于" + cnDate(visit.date) + "在现场扫码打卡" :
        "已于" + cnDate(visit.date) + "标记为已参观") + "。";
    }
    var data = load();
    // Keep what the footprints page shows up to date with this build's page.
    function remember(data) {
      (info.routes || []).forEach(function (r) {
        data.routes[r.id] = { name: r.name, url: r.url, stops: r.stops };
      });
      (info.plans || []).forEach(function (p) {
        data.plans[p.id] = { title: p.title, url: p.url, sessions: p.sessions };
      });
    }
    var visit = data.sites[info.id];
    if (visit) {
      visit.name = info.name; visit.url = info.url;
      visit.province = info.province; visit.themes = info.themes;
      remember(data);
      save(data);
      show(visit);
    }
    button.addEventListener("click", function () {
      var data = load();
      var before = data.sites[info.id];
      data.sites[info.id] = {
        name: info.name, url: info.url, province: info.province, themes: info.themes || [],
        date: today(), qr: viaQr || Boolean(before && before.qr),
      };
      remember(data);
      if (save(data)) show(data.sites[info.id]);
      else status.textContent = "这部手机的存储已满或被禁用，未能保存。";
    });
    box.hidden = false;
  }

  // --- 我的足迹 --------------------------------------------------------------------------
  function groups(sites, keyOf) {
    var out = {};
    Object.keys(sites).forEach(function (id) {
      keyOf(sites[id]).forEach(function (k) { (out[k] = out[k] || []).push(id); });
    });
    return out;
  }

  function footprintsPage(page) {
    var root = page.getAttribute("data-sc-root") || "";
    function part(name) { return page.querySelector(".sc-footprints__" + name); }
    var status = part("status");

    function byName(sites) {
      return function (a, b) { return String(sites[a].name).localeCompare(String(sites[b].name), "zh-CN"); };
    }
    function siteList(sites, ids) {
      var ul = document.createElement("ul");
      ul.className = "sc-footprints__sites";
      ids.sort(byName(sites)).forEach(function (id) {
        var li = document.createElement("li");
        li.appendChild(link(root, sites[id].url, sites[id].name));
        li.appendChild(text("span", (sites[id].qr ? " 扫码打卡 " : " 已参观 ") + cnDate(sites[id].date), "sc-note"));
        ul.appendChild(li);
      });
      return ul;
    }
    function grouped(target, map) {
      target.textContent = "";
      Object.keys(map).sort(function (a, b) { return a.localeCompare(b, "zh-CN"); }).forEach(function (k) {
        var details = document.createElement("details");
        details.open = true;
        details.appendChild(text("summary", k + "（" + map[k].length + " 处）"));
        details.appendChild(siteList(data.sites, map[k]));
        target.appendChild(details);
      });
    }
    function progressItem(label, url, places, sites) {
      var done = places.filter(function (p) { return sites[p[0]]; });
      var li = document.createElement("li");
      li.appendChild(link(root, url, label));
      li.appendChild(text("span", "：已到 " + done.length + "/" + places.length + " 处", "sc-footprints__progress"));
      var bar = document.createElement("progress");
      bar.max = Math.max(1, places.length);
      bar.value = done.length;
      bar.setAttribute("aria-label", label + " 进度");
      li.appendChild(bar);
      var todo = places.filter(function (p) { return !sites[p[0]]; }).map(function (p) { return p[1]; });
      if (todo.length) li.appendChild(text("p", "还没到：" + todo.join("、"), "sc-note"));
      return li;
    }

    var data;
    function draw() {
      data = load();
      var ids = Object.keys(data.sites);
      var any = ids.length > 0;
      part("empty").hidden = any;
      ["summary", "share"].forEach(function (n) { part(n).hidden = !any; });
      part("clear").hidden = !any && !quizKeys().length;
      part("backup").hidden = false;
      part("export").disabled = !any && !quizKeys().length;
      part("picture").hidden = true;
      part("count").textContent = "已打卡 " + ids.length + " 处红色地标";
      grouped(part("provinces"), groups(data.sites, function (s) { return [s.province || "其他"]; }));
      grouped(part("themes"), groups(data.sites, function (s) {
        return s.themes && s.themes.length ? s.themes : ["未分主题"];
      }));
      var routes = part("routes"), plans = part("plans");
      var rl = routes.querySelector("ul"), pl = plans.querySelector("ul");
      rl.textContent = ""; pl.textContent = "";
      Object.keys(data.routes).forEach(function (id) {
        var r = data.routes[id];
        if (Array.isArray(r.stops) && r.stops.some(function (p) { return data.sites[p[0]]; })) {
          rl.appendChild(progressItem(r.name, r.url, r.stops, data.sites));
        }
      });
      Object.keys(data.plans).forEach(function (id) {
        var p = data.plans[id];
        var sessions = (Array.isArray(p.sessions) ? p.sessions : []).filter(function (s) {
          return Array.isArray(s.sites) && s.sites.length;
        });
        if (!sessions.some(function (s) { return s.sites.some(function (x) { return data.sites[x[0]]; }); })) return;
        var li = document.createElement("li");
        li.appendChild(link(root, p.url, p.title));
        var ol = document.createElement("ul");
        sessions.forEach(function (s) {
          ol.appendChild(progressItem("第" + s.order + "次 " + s.title, p.url, s.sites, data.sites));
        });
        li.appendChild(ol);
        pl.appendChild(li);
      });
      routes.hidden = !rl.children.length;
      plans.hidden = !pl.children.length;
      var quizzes = part("quizzes"), ql = quizzes.querySelector("ul");
      ql.textContent = "";
      quizKeys().sort().forEach(function (k) {
        var got;
        try { got = (JSON.parse(store.getItem(k)) || {})._; } catch (e) { got = null; }
        if (!got || typeof got.title !== "string") return;
        var li = document.createElement("li");
        li.appendChild(link(root, got.url, got.title));
        li.appendChild(text("span", "：答对 " + Number(got.right) + " 题，已答 " + Number(got.done) +
          " / " + Number(got.total) + " 题", "sc-footprints__progress"));
        ql.appendChild(li);
      });
      quizzes.hidden = !ql.children.length;
    }

    function quizKeys() {
      var keys = [];
      for (var i = 0; i < store.length; i++) {
        var k = store.key(i);
        if (k && k.indexOf(QUIZ) === 0) keys.push(k);
      }
      return keys;
    }

    // Share picture: drawn here, count and names only.
    part("make").addEventListener("click", function () {
      var sites = load().sites;
      var names = Object.keys(sites).sort(byName(sites)).map(function (id) { return String(sites[id].name); });
      var canvas = document.createElement("canvas");
      canvas.width = 1080; canvas.height = 1440;
      var c = canvas.getContext("2d");
      var font = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
      c.fillStyle = "#b71c1c"; c.fillRect(0, 0, 1080, 1440);
      c.fillStyle = "#fff8e1"; c.fillRect(40, 40, 1000, 1360);
      c.fillStyle = "#b71c1c"; c.textAlign = "center";
      c.font = "bold 76px " + font; c.fillText("我的红色足迹", 540, 170);
      c.font = "bold 120px " + font; c.fillText(String(names.length), 540, 330);
      c.fillStyle = "#212121"; c.font = "44px " + font; c.fillText("处红色地标已打卡", 540, 400);
      c.textAlign = "left"; c.font = "40px " + font;
      var y = 500, shown = 0;
      for (var i = 0; i < names.length && y <= 1240; i++, y += 62) {
        var name = names[i];
        while (c.measureText("· " + name).width > 920 && name.length > 2) name = name.slice(0, -2) + "…";
        c.fillText("· " + name, 100, y);
        shown++;
      }
      if (shown < names.length) { c.fillText("……等 " + names.length + " 处", 100, y); }
      c.textAlign = "center"; c.fillStyle = "#b71c1c"; c.font = "36px " + font;
      c.fillText("第二课堂 · 旧址遗迹是教室", 540, 1360);
      // A data: address: the Content-Security-Policy allows data: images, not blob:.
      var url = canvas.toDataURL("image/png");
      var figure = part("picture");
      figure.querySelector("img").src = url;
      figure.querySelector("a").href = url;
      figure.hidden = false;
    });

    part("export").addEventListener("click", function () {
      var quizzes = {};
      quizKeys().forEach(function (k) {
        try { quizzes[k.slice(QUIZ.length)] = JSON.parse(store.getItem(k)); } catch (e) { /* skip */ }
      });
      var file = { format: FORMAT, version: 1, exported: today(), footprints: load(), quizzes: quizzes };
      var blob = new Blob([JSON.stringify(file, null, 1)], { type: "application/json" });
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = "第二课堂足迹-" + today() + ".json";
      document.body.appendChild(a);
      a.click();
      a.remove();
      status.textContent = "已导出 " + Object.keys(file.footprints.sites).length + " 处足迹。";
    });

    part("import").querySelector("input").addEventListener("change", function (event) {
      var input = event.target;
      var file = input.files && input.files[0];
      if (!file) return;
      if (file.size > 2000000) { status.textContent = "文件太大，不是第二课堂导出的足迹文件。"; return; }
      var reader = new FileReader();
      reader.onload = function () {
        var got;
        try { got = JSON.parse(String(reader.result)); } catch (e) { got = null; }
        if (!got || got.format !== FORMAT || !got.footprints || typeof got.footprints.sites !== "object") {
          status.textContent = "无法导入：这不是第二课堂导出的足迹文件。";
          return;
        }
        var data = load(), added = 0;
        Object.keys(got.footprints.sites).forEach(function (id) {
          var s = got.footprints.sites[id];
          if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(id) || !s || typeof s.name !== "string") return;
          var mine = data.sites[id];
          if (!mine) added++;
          if (!mine || String(s.date) < String(mine.date)) { // keep the first visit
            data.sites[id] = { name: s.name, url: String(s.url || ""), province: String(s.province || ""),
              themes: Array.isArray(s.themes) ? s.themes.map(String) : [], date: String(s.date || ""),
              qr: Boolean(s.qr) || Boolean(mine && mine.qr) };
          }
        });
        ["routes", "plans"].forEach(function (k) {
          var from = got.footprints[k] || {};
          Object.keys(from).forEach(function (id) { if (!data[k][id]) data[k][id] = from[id]; });
        });
        Object.keys(got.quizzes || {}).forEach(function (id) {
          if (/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(id) && !store.getItem(QUIZ + id)) {
            try { store.setItem(QUIZ + id, JSON.stringify(got.quizzes[id])); } catch (e) { /* full */ }
          }
        });
        save(data);
        input.value = "";
        draw();
        status.textContent = "已导入，新增 " + added + " 处足迹。";
      };
      reader.readAsText(file);
    });

    var confirmBox = part("confirm");
    part("ask").addEventListener("click", function () {
      confirmBox.hidden = false;
      part("no").focus();
    });
    part("no").addEventListener("click", function () {
      confirmBox.hidden = true;
      part("ask").focus();
    });
    part("yes").addEventListener("click", function () {
      store.removeItem(KEY);
      quizKeys().forEach(function (k) { store.removeItem(k); });
      confirmBox.hidden = true;
      draw();
      status.textContent = "已清除这部手机上的全部足迹和测验成绩。";
    });
    draw();
  }

  var box = document.querySelector("[data-sc-checkin]");
  if (box) sitePage(box);
  var page = document.querySelector("[data-sc-footprints]");
  if (page) footprintsPage(page);
})();
