/* Second Classroom: personal progress in a 读书班 (study plan), kept only on this phone.
 *
 * Ticks are stored in localStorage and never sent anywhere. Each session on a plan page
 * carries a digest of its content (data-sc-session); its ticks are kept under
 * "sc-plan:<plan id>:<digest>", so a session the editors did not change keeps its ticks
 * after the plan is rebuilt, and a changed one starts empty. "sc-plan:<plan id>" remembers,
 * per session order, the digest that was ticked last: when it differs from the page's, the
 * session is flagged as changed instead of being silently ticked or silently cleared.
 * Reading pages show the same progress from data-sc-progress-keys ("digest:items …").
 * Without JavaScript (or storage) nothing here runs and the schedule reads as it is.
 */
(function () {
  "use strict";
  var store;
  try {
    store = window.localStorage;
    store.setItem("sc-plan-test", "1");
    store.removeItem("sc-plan-test");
  } catch (e) {
    return; // storage blocked (private mode in some browsers): no ticks, page unchanged
  }
  var PREFIX = "sc-plan:";

  function read(key) {
    try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
  }
  function write(key, value) {
    try { store.setItem(key, JSON.stringify(value)); } catch (e) { /* storage full */ }
  }
  function ticksKey(plan, digest) { return PREFIX + plan + ":" + digest; }

  // Done / total for a plan from "digest:count digest:count …" (reading pages, plan page).
  function progressOf(plan, keys) {
    var done = 0, total = 0;
    keys.split(" ").forEach(function (pair) {
      var parts = pair.split(":");
      var count = parseInt(parts[1], 10) || 0;
      var ticks = read(ticksKey(plan, parts[0]));
      total += count;
      done += Math.min(count, Array.isArray(ticks) ? ticks.length : 0);
    });
    return { done: done, total: total };
  }

  function showBar(box, progress) {
    var bar = box.querySelector("progress");
    var text = box.querySelector(".sc-progress__text");
    bar.max = Math.max(1, progress.total);
    bar.value = progress.done;
    text.textContent = "已完成 " + progress.done + " / " + progress.total + " 项";
    box.hidden = false;
  }

  function planPage(page) {
    var plan = page.getAttribute("data-sc-plan");
    var indexKey = PREFIX + plan;
    var index = read(indexKey) || {};
    var box = page.querySelector("[data-sc-progress]");
    var keys = box.getAttribute("data-sc-progress-keys");
    page.querySelectorAll("[data-sc-session]").forEach(function (session) {
      var digest = session.getAttribute("data-sc-session");
      var order = session.id.replace("session-", "");
      var ticks = read(ticksKey(plan, digest)) || [];
      var before = index[order];
      var notice = session.querySelector(".sc-changed");
      if (before && before !== digest && !ticks.length) {
        var old = read(ticksKey(plan, before));
        if (Array.isArray(old) && old.length) {
          notice.hidden = false;
          session.classList.add("sc-session--changed");
        }
      }
      session.querySelectorAll("input[data-sc-item]").forEach(function (input) {
        input.checked = ticks.indexOf(input.getAttribute("data-sc-item")) >= 0;
        input.parentNode.hidden = false;
        input.addEventListener("change", function () {
          var now = [];
          session.querySelectorAll("input[data-sc-item]").forEach(function (i) {
            if (i.checked) now.push(i.getAttribute("data-sc-item"));
          });
          var latest = read(indexKey) || {};
          if (latest[order] && latest[order] !== digest) store.removeItem(ticksKey(plan, latest[order]));
          latest[order] = digest;
          write(indexKey, latest);
          write(ticksKey(plan, digest), now);
          notice.hidden = true;
          session.classList.remove("sc-session--changed");
          showBar(box, progressOf(plan, keys));
        });
      });
    });
    showBar(box, progressOf(plan, keys));
  }

  var page = document.querySelector("[data-sc-plan]");
  if (page) planPage(page);
  // Other pages (a reading used by plans): one bar per plan, read only.
  document.querySelectorAll("[data-sc-plan-id]").forEach(function (box) {
    showBar(box, progressOf(box.getAttribute("data-sc-plan-id"),
                            box.getAttribute("data-sc-progress-keys")));
  });
  document.querySelectorAll(".sc-privacy[data-sc-progress]").forEach(function (note) {
    note.hidden = false;
  });
})();
