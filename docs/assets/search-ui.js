// Second Classroom search: a dialog (or the 搜索 page) over the site's chunked index.
//
// Loaded only when the visitor opens search. The index (written by second_classroom/search.py;
// its docstring describes the files) is fetched piece by piece: a tiny manifest, the shard of
// each query term, one small file per result shown, and the facet columns only once 筛选 is
// opened or a filter is set.

const FACETS = ["栏目", "省份", "类型", "主题", "时期", "对象"];
const STEP = 10; // results shown at a time
const RERANK = 10; // first results whose names are compared with the query
const EXCERPT = 90; // characters of text around the first match
// The same character classes as search.py: Chinese runs, and runs of other letters/digits.
const CJK = "\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\u{20000}-\\u{3134f}";
const RUN = new RegExp(`([${CJK}]+)|((?:(?![${CJK}])[\\p{L}\\p{N}])+)`, "gu");
const SEPARATORS = /[\p{P}\p{S}\s]+/gu;
// Facet value numbers as characters in facets.json: search.py's _VALUE_CHARS.
const VALUE_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

/** Full-width letters and digits as ASCII, lower case: how search.py folds text. */
export function fold(text) {
  return text.replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .toLowerCase();
}

/**
 * Return the index terms of a query: Chinese character pairs and whole words, as search.py
 * makes them (遵义会议 → 遵义 义会 会议). Single Chinese characters count only when the query
 * has nothing longer: they are looked up in names and summaries.
 */
export function queryTerms(query) {
  const pairs = new Set();
  const singles = new Set();
  for (const m of fold(query).matchAll(RUN)) {
    if (m[2]) {
      pairs.add(Array.from(m[2]).slice(0, 30).join(""));
      continue;
    }
    const chars = Array.from(m[1]);
    if (chars.length === 1) singles.add(chars[0]);
    for (let i = 0; i + 1 < chars.length; i++) pairs.add(chars[i] + chars[i + 1]);
  }
  return [...(pairs.size ? pairs : singles)];
}

/** Return the shard holding `term`: the same hash as search.py's `shard_of`. */
export function shardOf(term, shards) {
  let h = 0;
  for (const ch of term) h = (Math.imul(h, 31) + ch.codePointAt(0)) >>> 0;
  return h % shards;
}

const cache = new Map(); // url -> Promise of the parsed file

function fetched(url, parse, init = undefined) {
  if (!cache.has(url)) {
    const loading = fetch(url, init).then((r) => {
      if (!r.ok) throw new Error(`${r.status} ${url}`);
      return parse(r);
    });
    loading.catch(() => cache.delete(url)); // a failed fetch is tried again next time
    cache.set(url, loading);
  }
  return cache.get(url);
}

/** Load the index manifest, once per page; `fresh`: again, past every cache. */
export function index(root, fresh = false) {
  const url = root + "searchindex/manifest.json";
  if (fresh) cache.delete(url);
  return fetched(url, async (r) => {
    const m = await r.json();
    return { ...m, base: `${root}searchindex/${m.dir}/` };
  }, fresh ? { cache: "no-cache" } : undefined);
}

function shard(idx, k) {
  return fetched(`${idx.base}t${k}.txt`, async (r) => {
    const lines = new Map();
    for (const line of (await r.text()).split("\n")) {
      const tab = line.indexOf("\t");
      if (tab > 0) lines.set(line.slice(0, tab), line.slice(tab + 1));
    }
    return lines;
  });
}

/** Decode a term's record lists: Map record number -> weight. */
export function decodePostings(line, total) {
  const found = new Map();
  if (!line) return found;
  for (const group of line.split("\t")) {
    const weight = Number(group[0]);
    const body = group.slice(2);
    if (group[1] === "#") {
      const bytes = atob(body);
      for (let i = 0; i < bytes.length; i++) {
        const byte = bytes.charCodeAt(i);
        for (let bit = 0; byte && bit < 8; bit++) {
          const n = i * 8 + bit;
          if (byte & (1 << bit) && n < total && !found.has(n)) found.set(n, weight);
        }
      }
    } else {
      let n = 0;
      for (const gap of body.split(",")) {
        n += parseInt(gap, 36);
        if (!found.has(n)) found.set(n, weight);
      }
    }
  }
  return found;
}

/**
 * Load the facet columns, once. Until then results carry no facet counts: the first query
 * stays light, and the filter lists are fetched when the visitor opens 筛选.
 */
let facetsWanted = false; // once the visitor has opened 筛选, every result carries counts

export async function loadFilters(root) {
  facetsWanted = true;
  const idx = await index(root);
  return fetched(idx.base + "facets.json", async (r) => {
    const data = await r.json();
    const columns = {};
    for (const facet of data.facets) {
      // Record i's values: one character per value, records separated by commas.
      columns[facet] = data.columns[facet].split(",").map(
        (cell) => Array.from(cell, (c) => data.values[facet][VALUE_CHARS.indexOf(c)]));
    }
    idx.facets = columns;
    return columns;
  });
}

function doc(idx, n) {
  return fetched(`${idx.base}d${n}.json`, (r) => r.json());
}

/** Return the query as words: punctuation (《》“”，) and spaces separate them. */
export function words(query) {
  return query.normalize("NFKC").toLowerCase().split(SEPARATORS).filter(Boolean);
}

function squash(text) {
  return words(text).join("");
}

/** How well a record's name matches the query: 0 is the name itself, 4 is no match. */
export function nameMatch(title, query) {
  const name = squash(title);
  const typed = words(query);
  const whole = typed.join("");
  if (!whole) return 4;
  if (name === whole) return 0;
  if (name.startsWith(whole)) return 1;
  if (name.includes(whole)) return 2;
  if (typed.every((w) => name.includes(w))) return 3;
  return 4;
}

/**
 * Order results so a record named by the query comes before records that mention it:
 * the name itself, then names starting with, containing, or containing every word of the
 * query (shorter names first: the query is more of them), then the index's order.
 */
export function rerank(items, query) {
  return items
    .map((item, index) => ({ item, index, match: nameMatch(item.title, query) }))
    .sort((a, b) => a.match - b.match
      || (a.match < 4 ? squash(a.item.title).length - squash(b.item.title).length : 0)
      || a.index - b.index)
    .map((x) => x.item);
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Return an HTML excerpt of `text` around the first place the query's terms occur, each
 * occurrence in <mark>; the text itself is escaped.
 */
export function excerpt(text, query, size = EXCERPT) {
  const chars = Array.from(text);
  const folded = chars.map(fold);
  const marked = new Uint8Array(chars.length);
  let first = -1;
  for (const term of queryTerms(query)) {
    const needle = Array.from(term);
    for (let i = 0; i + needle.length <= chars.length; i++) {
      if (needle.every((c, j) => folded[i + j] === c)) {
        marked.fill(1, i, i + needle.length);
        if (first < 0 || i < first) first = i;
      }
    }
  }
  const start = Math.max(0, Math.min(first - 20, chars.length - size));
  const end = Math.min(chars.length, start + size);
  let html = start > 0 ? "…" : "";
  for (let i = start; i < end;) {
    let j = i;
    while (j < end && marked[j] === marked[i]) j++;
    const piece = escapeHtml(chars.slice(i, j).join(""));
    html += marked[i] ? `<mark>${piece}</mark>` : piece;
    i = j;
  }
  return end < chars.length ? html + "…" : html;
}

async function details(idx, root, n, query) {
  const d = await doc(idx, n);
  return { url: new URL(d.u, root).href, title: d.t, kind: d.k, excerpt: excerpt(d.x, query) };
}

function passes(idx, n, filters, except) {
  for (const [facet, values] of Object.entries(filters)) {
    if (facet === except || !values.length) continue;
    const have = idx.facets[facet][n] || [];
    if (!values.some((v) => have.includes(v))) return false;
  }
  return true;
}

/** Count, per facet value, the results that would remain with that value ticked. */
function facetCounts(idx, matched, filters) {
  const counts = {};
  for (const facet of FACETS) {
    const tally = {};
    for (const n of matched) {
      if (!passes(idx, n, filters, facet)) continue;
      for (const v of idx.facets[facet][n] || []) tally[v] = (tally[v] || 0) + 1;
    }
    counts[facet] = tally;
  }
  return counts;
}

/**
 * Search: return {total, items, more(), filters} for `query` narrowed by `filters`
 * ({facet: [values]}: values of one facet are alternatives, facets combine).
 * `items` are the first results with url, title, excerpt (with <mark>) and kind;
 * `filters` has the facet counts once the facets are loaded (`loadFilters`); `partial` is
 * true when no record holds the whole query and records holding part of it are shown.
 */
export async function search(root, query, filters = {}) {
  try {
    return await searchIn(await index(root), root, query, filters);
  } catch {
    // The site may have been rebuilt since the manifest was read (it is cached for a few
    // minutes; the files it names are gone): read it again and retry once.
    return searchIn(await index(root, true), root, query, filters);
  }
}

async function searchIn(idx, root, query, filters) {
  const chosen = Object.fromEntries(Object.entries(filters).filter(([, v]) => v.length));
  const filtering = Object.keys(chosen).length > 0;
  if (filtering || facetsWanted) await loadFilters(root);
  const terms = queryTerms(query);
  if (!terms.length && !filtering) return { total: 0, items: [], more: async () => [], filters: {} };
  let scores;
  let partial = false;
  if (terms.length) {
    const shards = await Promise.all(terms.map((t) => shard(idx, shardOf(t, idx.shards))));
    const lists = terms.map((t, i) => decodePostings(shards[i].get(t), idx.docs));
    scores = rank(lists, idx.docs, lists.length);
    // Nothing holds every term (遵义会议纪念馆 when the record says 遵义会议会址): show
    // records holding at least half of them, most terms first, and say so.
    if (!scores.size && lists.length > 2) {
      scores = rank(lists, idx.docs, Math.ceil(lists.length / 2));
      partial = scores.size > 0;
    }
  } else {
    // No words but a facet ticked: list everything in it, in the index's order.
    scores = new Map(Array.from({ length: idx.docs }, (_, n) => [n, 0]));
  }
  let matched = [...scores.keys()];
  const counts = idx.facets ? facetCounts(idx, matched, chosen) : {};
  if (filtering) matched = matched.filter((n) => passes(idx, n, chosen, null));
  matched.sort((a, b) => scores.get(b) - scores.get(a) || a - b);
  const head = rerank(await Promise.all(
    matched.slice(0, RERANK).map((n) => details(idx, root, n, query))), query);
  let shown = 0;
  const more = async () => {
    let batch;
    if (shown < head.length) batch = head.slice(shown, shown + STEP);
    else batch = await Promise.all(matched.slice(shown, shown + STEP).map((n) => details(idx, root, n, query)));
    shown += batch.length;
    return batch;
  };
  const items = await more();
  return { total: matched.length, items, more, filters: counts, partial };
}

/**
 * Score the records holding at least `need` of the terms (`lists`: one Map record ->
 * weight per term). A record's score adds weight x rarity over the terms it holds; with
 * `need` below all of them, each term held counts first.
 */
function rank(lists, total, need) {
  const held = new Map();
  const sums = new Map();
  for (const postings of lists) {
    const rarity = Math.log(1 + total / Math.max(1, postings.size));
    for (const [n, weight] of postings) {
      held.set(n, (held.get(n) || 0) + 1);
      sums.set(n, (sums.get(n) || 0) + weight * rarity);
    }
  }
  const scores = new Map();
  const bonus = need < lists.length ? 1000 : 0;
  for (const [n, count] of held) if (count >= need) scores.set(n, sums.get(n) + bonus * count);
  return scores;
}

// ---- UI ------------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

let uid = 0;

/** Build the search form, filters and result list inside `container`; return its parts. */
function build(root, container, { onClose, syncUrl } = {}) {
  const id = `sc-search-${++uid}`;
  const input = el("input", {
    type: "search", id: `${id}-q`, class: "sc-search__input", name: "q",
    placeholder: "搜索地标、人物、文物、书目、提纲", autocomplete: "off",
    enterkeyhint: "search", "aria-label": "搜索关键词", "aria-controls": `${id}-results`,
  });
  const form = el("form", { class: "sc-search__form", role: "search", action: root + "search/" }, input);
  if (onClose) {
    const close = el("button", { type: "button", class: "sc-search__close", "aria-label": "关闭搜索", text: "关闭" });
    close.addEventListener("click", onClose);
    form.append(close);
  }
  const filterBox = el("details", { class: "sc-search__filters" },
    el("summary", { text: "筛选" }));
  let filtersLoaded = false;
  filterBox.addEventListener("toggle", async () => {
    if (!filterBox.open || filtersLoaded) return;
    filtersLoaded = true;
    await loadFilters(root);
    run();
  });
  const status = el("p", { class: "sc-search__status", role: "status", "aria-live": "polite" });
  const list = el("ol", { class: "sc-search__results", id: `${id}-results` });
  const moreButton = el("button", { type: "button", class: "sc-search__more", hidden: "", text: "显示更多结果" });
  container.append(form, filterBox, status, list, moreButton);

  const chosen = {}; // facet -> Set of values
  let current = null;
  let token = 0;

  function chosenFilters() {
    const out = {};
    for (const [facet, values] of Object.entries(chosen)) if (values.size) out[facet] = [...values];
    return out;
  }

  function renderFilters(counts) {
    filterBox.querySelectorAll("fieldset").forEach((f) => f.remove());
    let active = 0;
    for (const facet of FACETS) {
      const values = Object.entries(counts[facet] || {});
      const picked = chosen[facet] || new Set();
      active += picked.size;
      const shown = values.filter(([v, n]) => n > 0 || picked.has(v));
      if (!shown.length) continue;
      const fieldset = el("fieldset", { class: "sc-search__facet" }, el("legend", { text: facet }));
      for (const [value, count] of shown.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], "zh"))) {
        const box = el("input", { type: "checkbox", name: facet, value });
        box.checked = picked.has(value);
        box.addEventListener("change", () => {
          chosen[facet] = chosen[facet] || new Set();
          if (box.checked) chosen[facet].add(value);
          else chosen[facet].delete(value);
          run();
        });
        fieldset.append(el("label", {}, box, ` ${value}`, el("small", { text: ` ${count}` })));
      }
      filterBox.append(fieldset);
    }
    filterBox.querySelector("summary").textContent = active ? `筛选（已选 ${active} 项）` : "筛选";
  }

  function renderItems(items) {
    for (const item of items) {
      const link = el("a", { href: item.url, class: "sc-search__link" });
      if (item.kind) link.append(el("span", { class: "sc-search__kind", text: item.kind }));
      link.append(el("strong", { text: item.title }));
      const excerpt = el("p", { class: "sc-search__excerpt" });
      excerpt.innerHTML = item.excerpt; // escaped text with <mark> (see `excerpt`)
      list.append(el("li", {}, link, excerpt));
    }
  }

  async function run() {
    const query = input.value.trim();
    const mine = ++token;
    if (syncUrl) syncUrl(query);
    if (!query && !Object.keys(chosenFilters()).length) {
      list.replaceChildren();
      status.textContent = "";
      moreButton.hidden = true;
      return;
    }
    container.setAttribute("aria-busy", "true");
    let found;
    try {
      found = await search(root, query, chosenFilters());
    } catch {
      if (mine !== token) return;
      container.removeAttribute("aria-busy");
      status.textContent = "搜索暂时无法使用：请检查网络后再试";
      return;
    }
    if (mine !== token) return; // a newer query is running
    current = found;
    container.removeAttribute("aria-busy");
    list.replaceChildren();
    renderItems(found.items);
    renderFilters(found.filters);
    if (found.partial) {
      status.textContent = `没有同时含有“${query}”全部文字的记录，以下 ${found.total} 条含有其中一部分`;
    } else {
      status.textContent = found.total
        ? `找到 ${found.total} 条${query ? `与“${query}”相关的` : ""}结果`
        : `没有找到与“${query}”相关的结果，换个说法或减少筛选条件试试`;
    }
    moreButton.hidden = list.children.length >= found.total;
  }

  let timer = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 200);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    run();
  });
  moreButton.addEventListener("click", async () => {
    if (!current) return;
    const before = list.children.length;
    renderItems(await current.more());
    moreButton.hidden = list.children.length >= current.total;
    const first = list.children[before]?.querySelector("a");
    if (first) first.focus();
  });
  // Arrow keys move between the box and the results.
  container.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const links = [...list.querySelectorAll("a")];
    const at = links.indexOf(document.activeElement);
    if (document.activeElement === input && event.key === "ArrowDown" && links.length) {
      event.preventDefault();
      links[0].focus();
    } else if (at >= 0) {
      event.preventDefault();
      if (event.key === "ArrowDown" && at < links.length - 1) links[at + 1].focus();
      else if (event.key === "ArrowUp") (at > 0 ? links[at - 1] : input).focus();
    }
  });
  // Fetch the manifest while the visitor types.
  index(root).catch(() => {});
  return { input, run };
}

let dialog = null;

/** Open the search dialog (created on first use), optionally with a query. */
export function openDialog(root, query = "") {
  if (!dialog) {
    dialog = el("dialog", { class: "sc-search sc-search--dialog", "aria-label": "搜索" });
    document.body.append(dialog);
    const parts = build(root, dialog, { onClose: () => dialog.close() });
    dialog.sc = parts;
    // Esc closes at once (in a search box the browser would first only clear the text).
    dialog.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        dialog.close();
      }
    });
    // A tap on the backdrop (outside the panel) closes it too.
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) dialog.close();
    });
  }
  if (!dialog.open) dialog.showModal();
  const { input, run } = dialog.sc;
  if (query) {
    input.value = query;
    run();
  }
  input.focus();
  input.select();
  return dialog;
}

/** Mount the search UI inline on the 搜索 page; `?q=` fills the box. */
export function mountPage(root, container) {
  container.replaceChildren();
  const parts = build(root, container, {
    syncUrl: (query) => {
      const url = new URL(location.href);
      if (query) url.searchParams.set("q", query);
      else url.searchParams.delete("q");
      history.replaceState(null, "", url);
    },
  });
  const query = new URLSearchParams(location.search).get("q");
  if (query) {
    parts.input.value = query;
    parts.run();
  }
  parts.input.focus();
  return parts;
}
