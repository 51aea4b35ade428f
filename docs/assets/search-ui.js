// Second Classroom search: a dialog (or the 搜索 page) over Pagefind's chunked index.
//
// Loaded only when the visitor opens search. It fetches /pagefind/pagefind.js, which in turn
// fetches only the index chunks and result fragments a query needs.

const FACETS = ["栏目", "省份", "类型", "主题", "时期", "对象"];
const STEP = 10; // results shown at a time
const RERANK = 10; // first results whose names are compared with the query (one fetch each)
// Pagefind's title boost over-counts Chinese titles (each run of characters in a title is
// one more "matched term"), so it is kept low; `rerank` handles name matches instead.
const RANKING = { metaWeights: { title: 1 }, pageLength: 0.5 };
const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
const SEPARATORS = /[\p{P}\p{S}\s]+/gu;

let pagefindReady = null;

/** Load Pagefind once, for the site whose root URL is `root`. */
export function pagefind(root) {
  if (!pagefindReady) pagefindReady = load(root);
  return pagefindReady;
}

async function load(root) {
  const pf = await import(root + "pagefind/pagefind.js");
  // noWorker: a query takes milliseconds on the main thread, and the worker would be a
  // second copy of the engine to download (40 KB) before the first result.
  pf.options({
    basePath: root + "pagefind/", baseUrl: new URL(root).pathname, ranking: RANKING, noWorker: true,
  });
  // Pagefind re-segments Chinese queries with the browser's own dictionary (Intl.Segmenter),
  // which disagrees with the one that indexed the site: 西柏坡 becomes 西柏 + 坡 and finds
  // nothing (upstream issue #1237). Pagefind reads the page language once, when it starts;
  // started while it reads "zxx" (no linguistic content) it takes the terms from `queries`
  // as they are. The attribute is restored within the same task, before any rendering.
  const html = document.documentElement;
  const lang = html.getAttribute("lang");
  html.setAttribute("lang", "zxx");
  let started;
  try {
    started = pf.init();
  } finally {
    if (lang === null) html.removeAttribute("lang");
    else html.setAttribute("lang", lang);
  }
  await started;
  return pf;
}

/**
 * Load the facet lists, once. Until then results carry no facet counts: the first query
 * stays light, and the filter lists are fetched when the visitor opens 筛选.
 */
export async function loadFilters(root) {
  const pf = await pagefind(root);
  return pf.filters();
}

/** Return the query as words: punctuation (《》“”，) and spaces separate them. */
export function words(query) {
  return query.normalize("NFKC").toLowerCase().split(SEPARATORS).filter(Boolean);
}

function segment(word) {
  if (!CJK.test(word) || typeof Intl.Segmenter === "undefined") return [word];
  const segmenter = new Intl.Segmenter("zh", { granularity: "word" });
  return Array.from(segmenter.segment(word)).filter((s) => s.isWordLike).map((s) => s.segment);
}

/**
 * Return the Pagefind queries to run, most precise first.
 *
 * Pagefind matches each term as a word prefix. The index holds words as the indexer's
 * dictionary cut them (焦裕禄, 西柏坡, 遵义 + 会议), which the visitor cannot know, so:
 * 1. each typed word whole: finds names the indexer kept as one word (西柏坡, 赵一曼);
 * 2. each word cut by the browser's dictionary: finds phrases the indexer split
 *    (遵义会议 → 遵义 会议, 抗日战争纪念馆 → 抗日 战争 纪念 馆).
 */
export function queries(query) {
  const typed = words(query);
  if (!typed.length) return [];
  const whole = typed.join(" ");
  const split = typed.flatMap(segment).join(" ");
  return split === whole ? [whole] : [whole, split];
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
 * query (shorter names first: the query is more of them), then Pagefind's order.
 */
export function rerank(items, query) {
  return items
    .map((item, index) => ({ item, index, match: nameMatch(item.title, query) }))
    .sort((a, b) => a.match - b.match
      || (a.match < 4 ? squash(a.item.title).length - squash(b.item.title).length : 0)
      || a.index - b.index)
    .map((x) => x.item);
}

async function details(result) {
  const data = await result.data();
  const kind = (data.filters && data.filters["栏目"] && data.filters["栏目"][0]) || "";
  return { url: data.url, title: data.meta.title || data.url, excerpt: data.excerpt, kind };
}

/**
 * Search: return {total, items, more(), filters} for `query` narrowed by `filters`
 * ({facet: [values]}: values of one facet are alternatives, facets combine).
 * `items` are the first results with url, title, excerpt (with <mark>) and kind.
 */
export async function search(root, query, filters = {}) {
  const pf = await pagefind(root);
  const pfFilters = {};
  for (const [facet, values] of Object.entries(filters)) {
    if (values.length) pfFilters[facet] = { any: values };
  }
  // Run every query (see `queries`). Pagefind quietly falls back to the longest indexed
  // prefix of a term it does not know (中共一大 → 中共), so the whole-word results alone
  // can be far too broad: pages matched by both queries come first, in the order of the
  // more specific (split) query, then pages only one of them found.
  const runs = [];
  for (const q of queries(query)) runs.push(await pf.search(q, { filters: pfFilters }));
  // No words but a facet ticked: list everything in it (Pagefind's filter-only search).
  if (!runs.length && Object.keys(pfFilters).length) runs.push(await pf.search(null, { filters: pfFilters }));
  if (!runs.length) return { total: 0, items: [], more: async () => [], filters: {} };
  const whole = runs[0].results;
  const split = runs.at(-1).results;
  const inWhole = new Set(whole.map((r) => r.id));
  const inSplit = new Set(split.map((r) => r.id));
  const results = [
    ...split.filter((r) => inWhole.has(r.id)),
    ...whole.filter((r) => !inSplit.has(r.id)),
    ...split.filter((r) => !inWhole.has(r.id)),
  ];
  // Facet counts: those of the split query, unless it found nothing.
  const counts = (split.length ? runs.at(-1) : runs[0]).filters || {};
  const head = rerank(await Promise.all(results.slice(0, RERANK).map(details)), query);
  let shown = 0;
  const rest = results.slice(RERANK);
  const more = async () => {
    let batch;
    if (shown < head.length) batch = head.slice(shown, shown + STEP);
    else batch = await Promise.all(rest.slice(shown - head.length, shown - head.length + STEP).map(details));
    shown += batch.length;
    return batch;
  };
  const items = await more();
  return { total: results.length, items, more, filters: counts };
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
      excerpt.innerHTML = item.excerpt; // Pagefind's excerpt: escaped text with <mark>
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
    const found = await search(root, query, chosenFilters());
    if (mine !== token) return; // a newer query is running
    current = found;
    container.removeAttribute("aria-busy");
    list.replaceChildren();
    renderItems(found.items);
    renderFilters(found.filters);
    status.textContent = found.total
      ? `找到 ${found.total} 条${query ? `与“${query}”相关的` : ""}结果`
      : `没有找到与“${query}”相关的结果，换个说法或减少筛选条件试试`;
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
  // Start loading Pagefind while the visitor types.
  pagefind(root);
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
