/* Second Classroom: 离我最近 (the sites nearest to the visitor), computed on the phone.
 *
 * Loaded by the home page and the 红色地标 landing page. Nothing is fetched until the visitor
 * asks. The position comes from the browser (navigator.geolocation, with the visitor's
 * permission; it needs HTTPS) and is used here only: this script sends no request that
 * carries it. It fetches the site's own nearme/ files (written by
 * second_classroom/render/nearme.py, which documents the format) and computes
 * great-circle distances locally. When permission is refused or the browser cannot tell,
 * the visitor picks a province, then a city.
 *
 * Browsers report WGS-84, as the records hold. The 导航 buttons convert to GCJ-02 (高德,
 * 腾讯) and BD-09 (百度) exactly as second_classroom/render/maps.py does for site pages.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  // This file lives at <site root>/assets/nearme.js; everything else is found from there.
  var root = new URL("../", script && script.src ? script.src : location.href).href;
  var section = document.querySelector("[data-sc-near]");
  if (!section || !window.fetch || !window.JSON) return;

  var PAGE = 10; // sites per step of the distance list
  var R = 6371.0; // km, as second_classroom.catalog.distance_km
  var $ = function (name) { return section.querySelector("[data-sc-near-" + name + "]"); };
  var status = $("status"), list = $("list"), more = $("more"), picker = $("picker");
  var locate = $("locate"), pick = $("pick"), provinceSelect = $("province"), citySelect = $("city");
  var manifest = null, files = {}, shown = 0, here = null, kinds = [], scale = 10000, base = "";

  $("nojs").hidden = true;
  $("actions").hidden = false;
  var canLocate = "geolocation" in navigator && window.isSecureContext;
  if (!canLocate) {
    locate.hidden = true;
    say("此浏览器无法获取位置（需要 HTTPS 网址和定位权限），请按省、市选择。");
  }

  function say(text) { status.textContent = text; }

  function getJSON(path) {
    return fetch(root + "nearme/" + path).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    });
  }

  function loadManifest() {
    if (!manifest) {
      manifest = getJSON("index.json").then(function (m) {
        kinds = m.kinds; scale = m.q; base = m.base; return m;
      }, function (error) { manifest = null; throw error; });
    }
    return manifest;
  }

  function loadProvince(entry) {
    if (!files[entry.file]) {
      files[entry.file] = getJSON(entry.file).catch(function (error) {
        delete files[entry.file]; throw error;
      });
    }
    return files[entry.file];
  }

  // --- Distances -------------------------------------------------------------------------

  function rad(d) { return d * Math.PI / 180; }

  function haversine(lat1, lng1, lat2, lng2) {
    var p1 = rad(lat1), p2 = rad(lat2), dp = p2 - p1, dl = rad(lng2 - lng1);
    var a = Math.pow(Math.sin(dp / 2), 2) + Math.cos(p1) * Math.cos(p2) * Math.pow(Math.sin(dl / 2), 2);
    return R * 2 * Math.asin(Math.sqrt(Math.min(1, a)));
  }

  // A distance no site inside `box` ([south, west, north, east] in degrees) can be nearer
  // than: haversine grows with both the latitude and the longitude difference, and cos of
  // a latitude in the box is at least its smaller value at the box's edges.
  function lowerBound(lat, lng, box) {
    var dlat = lat < box[0] ? box[0] - lat : lat > box[2] ? lat - box[2] : 0;
    var dlng = lng < box[1] ? box[1] - lng : lng > box[3] ? lng - box[3] : 0;
    if (dlng > 180) dlng = 360 - dlng;
    var cmin = Math.max(0, Math.min(Math.cos(rad(box[0])), Math.cos(rad(box[2]))));
    var h = Math.pow(Math.sin(rad(dlat) / 2), 2) +
      Math.max(0, Math.cos(rad(lat))) * cmin * Math.pow(Math.sin(rad(dlng) / 2), 2);
    return R * 2 * Math.asin(Math.sqrt(Math.min(1, h)));
  }

  // The `count` located sites nearest to (lat, lng), nearest first. Provinces are read in
  // order of how near their box can be; reading stops once no unread province can hold
  // anything nearer than the count-th site found.
  function nearest(lat, lng, count) {
    return loadManifest().then(function (m) {
      var q = m.q;
      var order = m.provinces.filter(function (p) { return p.box; }).map(function (p) {
        return { entry: p, bound: lowerBound(lat, lng, p.box.map(function (v) { return v / q; })) };
      }).sort(function (a, b) { return a.bound - b.bound; });
      var found = [], next = 0;

      function take(data) {
        data.sites.forEach(function (s) {
          if (s.length < 6) return; // no verified coordinates: never in the distance list
          var slat = s[4] / q, slng = s[5] / q;
          found.push({ site: s, data: data, lat: slat, lng: slng,
                       km: haversine(lat, lng, slat, slng) });
        });
      }

      function step() {
        found.sort(function (a, b) { return a.km - b.km || (a.site[0] < b.site[0] ? -1 : 1); });
        var batch = [];
        if (found.length >= count) {
          // Read, at once, every province that could still hold a nearer site.
          var limit = found[count - 1].km;
          while (next < order.length && order[next].bound <= limit) batch.push(order[next++].entry);
        } else {
          // Too few yet: the nearest provinces (by bound) that together hold enough sites,
          // read at once; a second round reads any others that could still be nearer.
          var more = 0;
          while (next < order.length && found.length + more < count) {
            more += order[next].entry.located;
            batch.push(order[next++].entry);
          }
        }
        if (!batch.length) return Promise.resolve(found.slice(0, count));
        return Promise.all(batch.map(loadProvince)).then(function (loaded) {
          loaded.forEach(take);
          return step();
        });
      }
      return step();
    });
  }

  // --- Map links (the same as render/maps.py) --------------------------------------------

  var SOURCE = "second-classroom";
  var A = 6378245.0, EE = 0.00669342162296594323;

  function outsideChina(lat, lng) {
    return !(0.8293 <= lat && lat <= 55.8271 && 72.004 <= lng && lng <= 137.8347);
  }

  function transformLat(x, y) {
    var ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    ret += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    ret += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
    ret += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
    return ret;
  }

  function transformLng(x, y) {
    var ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    ret += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    ret += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
    ret += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
    return ret;
  }

  function toGcj02(lat, lng) {
    if (outsideChina(lat, lng)) return [lat, lng];
    var dlat = transformLat(lng - 105.0, lat - 35.0);
    var dlng = transformLng(lng - 105.0, lat - 35.0);
    var radlat = lat / 180.0 * Math.PI;
    var magic = 1 - EE * Math.pow(Math.sin(radlat), 2);
    var sqrtmagic = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrtmagic) * Math.PI);
    dlng = (dlng * 180.0) / (A / sqrtmagic * Math.cos(radlat) * Math.PI);
    return [lat + dlat, lng + dlng];
  }

  function toBd09(lat, lng) {
    var xPi = Math.PI * 3000.0 / 180.0;
    var z = Math.sqrt(lng * lng + lat * lat) + 0.00002 * Math.sin(lat * xPi);
    var theta = Math.atan2(lat, lng) + 0.000003 * Math.cos(lng * xPi);
    return [z * Math.sin(theta) + 0.006, z * Math.cos(theta) + 0.0065];
  }

  function hex(c) { return "%" + c.charCodeAt(0).toString(16).toUpperCase(); }
  // Python's urllib.parse.quote_plus and quote(safe=":,;"), which maps.py uses.
  function quotePlus(s) { return encodeURIComponent(s).replace(/[!'()*]/g, hex).replace(/%20/g, "+"); }
  function quoteKeep(s) {
    return encodeURIComponent(s).replace(/[!'()*]/g, hex).replace(/%3A/g, ":").replace(/%2C/g, ",").replace(/%3B/g, ";");
  }
  function urlencode(pairs) {
    return pairs.map(function (p) { return quotePlus(p[0]) + "=" + quotePlus(p[1]); }).join("&");
  }

  function mapLinks(name, lat, lng) {
    var g = toGcj02(lat, lng), b = toBd09(g[0], g[1]);
    var glat = g[0].toFixed(6), glng = g[1].toFixed(6);
    return [
      ["高德地图", "https://uri.amap.com/marker?" + urlencode([
        ["position", glng + "," + glat], ["name", name], ["src", SOURCE],
        ["coordinate", "gaode"], ["callnative", "1"]])],
      ["百度地图", "https://api.map.baidu.com/marker?" + urlencode([
        ["location", b[0].toFixed(6) + "," + b[1].toFixed(6)], ["title", name], ["content", name],
        ["output", "html"], ["coord_type", "bd09ll"], ["src", SOURCE]])],
      ["腾讯地图", "https://apis.map.qq.com/uri/v1/marker?marker=" +
        quoteKeep("coord:" + glat + "," + glng + ";title:" + name + ";addr:" + name) +
        "&referer=" + SOURCE],
    ];
  }

  // --- Showing sites ---------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function distanceText(km) {
    if (km < 1) return Math.max(10, Math.round(km * 100) * 10) + " 米";
    if (km < 100) return km.toFixed(1) + " 公里";
    return Math.round(km) + " 公里";
  }

  // One site: its name and note link to its page; located sites get the 导航 buttons.
  function item(s, data, km) {
    var li = el("li", "sc-near__item");
    var a = el("a");
    // An id (its page under the index's base), or a page URL relative to the site root.
    a.href = root + (s[0].indexOf("/") >= 0 ? s[0] : base + s[0] + "/");
    a.appendChild(el("strong", "", s[1]));
    var note = el("span", "sc-note");
    var city = s[3] >= 0 ? data.cities[s[3]] : "";
    var place = data.province + (city === data.province ? "" : city); // 北京市, not 北京市北京市
    note.appendChild(document.createTextNode([kinds[s[2]], place].filter(Boolean).join(" · ")));
    if (km !== undefined) {
      note.appendChild(document.createTextNode(" · 约 "));
      var value = el("data", "sc-near__km", distanceText(km));
      value.value = km.toFixed(3);
      note.appendChild(value);
    } else if (s.length < 6) {
      note.appendChild(document.createTextNode(" · 暂无核实坐标"));
    }
    a.appendChild(note);
    li.appendChild(a);
    if (s.length >= 6) {
      var nav = el("p", "sc-nav sc-near__nav");
      mapLinks(s[1], s[4] / scale, s[5] / scale).forEach(function (link) {
        var button = el("a", "sc-button", link[0]);
        button.href = link[1];
        button.rel = "noopener noreferrer nofollow";
        button.setAttribute("data-map", link[0]);
        button.setAttribute("aria-label", link[0] + "导航到" + s[1]);
        nav.appendChild(button);
      });
      li.appendChild(nav);
    }
    return li;
  }

  function showNearest(count) {
    return nearest(here.lat, here.lng, count).then(function (found) {
      list.textContent = "";
      found.forEach(function (f) { list.appendChild(item(f.site, f.data, f.km)); });
      list.hidden = false;
      shown = found.length;
      more.hidden = found.length < count;
      say(found.length ? "离你最近的 " + found.length + " 处红色地标（直线距离，由近到远）：" :
        "还没有收录带核实坐标的红色地标。");
      list.setAttribute("aria-label", "离你最近的红色地标");
    });
  }

  function failed() {
    say("读取地标数据失败，请检查网络后重试。");
  }

  locate.addEventListener("click", function () {
    locate.disabled = true;
    say("正在获取你的位置……");
    loadManifest().catch(function () {}); // meanwhile: the index says nothing about the visitor
    navigator.geolocation.getCurrentPosition(function (position) {
      here = { lat: position.coords.latitude, lng: position.coords.longitude };
      say("正在计算距离……");
      loadManifest().then(function () { return showNearest(PAGE); })
        .catch(failed).then(function () { locate.disabled = false; });
    }, function (error) {
      locate.disabled = false;
      say(error.code === 1 ? "没有获得位置权限。可以按省、市选择：" :
        "暂时无法获取你的位置。可以按省、市选择：");
      openPicker(true);
    }, { enableHighAccuracy: false, timeout: 20000, maximumAge: 300000 });
  });

  more.addEventListener("click", function () {
    more.disabled = true;
    showNearest(shown + PAGE).catch(failed).then(function () { more.disabled = false; });
  });

  // --- Province → city picker ------------------------------------------------------------

  function openPicker(focus) {
    pick.setAttribute("aria-expanded", "true");
    picker.hidden = false;
    return loadManifest().then(function (m) {
      if (provinceSelect.options.length <= 1) {
        m.provinces.forEach(function (p) {
          var option = el("option", "", p.name + "（" + p.n + "）");
          option.value = p.file;
          provinceSelect.appendChild(option);
        });
      }
      if (focus) provinceSelect.focus();
    }).catch(failed);
  }

  pick.addEventListener("click", function () {
    if (picker.hidden) openPicker(true);
    else { picker.hidden = true; pick.setAttribute("aria-expanded", "false"); }
  });

  function showPicked() {
    var file = provinceSelect.value;
    if (!file) { list.hidden = true; return Promise.resolve(); }
    return loadManifest().then(function (m) {
      return loadProvince(m.provinces.filter(function (p) { return p.file === file; })[0]);
    }).then(function (data) {
      var city = citySelect.value === "" ? null : Number(citySelect.value);
      var sites = data.sites.filter(function (s) { return city === null || s[3] === city; });
      list.textContent = "";
      sites.forEach(function (s) { list.appendChild(item(s, data)); });
      list.hidden = false;
      more.hidden = true;
      var place = data.province + (city === null ? "" : (city >= 0 ? data.cities[city] : "（未注明城市）"));
      say(place + "共 " + sites.length + " 处红色地标：");
      list.setAttribute("aria-label", place + "的红色地标");
    }).catch(failed);
  }

  provinceSelect.addEventListener("change", function () {
    citySelect.textContent = "";
    citySelect.appendChild(el("option", "", "全部城市")).value = "";
    citySelect.disabled = true;
    if (!provinceSelect.value) { list.hidden = true; say(""); return; }
    loadManifest().then(function (m) {
      var entry = m.provinces.filter(function (p) { return p.file === provinceSelect.value; })[0];
      return loadProvince(entry);
    }).then(function (data) {
      var counts = {};
      data.sites.forEach(function (s) { counts[s[3]] = (counts[s[3]] || 0) + 1; });
      data.cities.forEach(function (name, i) {
        citySelect.appendChild(el("option", "", name + "（" + (counts[i] || 0) + "）")).value = String(i);
      });
      if (counts[-1]) citySelect.appendChild(el("option", "", "未注明城市（" + counts[-1] + "）")).value = "-1";
      citySelect.disabled = false;
      return showPicked();
    }).catch(failed);
  });

  citySelect.addEventListener("change", showPicked);
})();
