// Second Classroom search: a dialog (or the 搜索 page) over the site's chunked index.
//
// Loaded only when the visitor opens search. The index (written by second_classroom/search.py;
// its docstring describes the files) is fetched piece by piece: a tiny manifest, the shard of
// each query term, one small file per result shown, and the facet columns only once 筛选 is
// opened or a filter is set.
//
// Queries forgive (issue 17): `fold.txt` (second_classroom/spelling.py) folds traditional
// characters to the index's simplified ones, `sound.txt` gives every character's readings
// (fetched only for letters or a query that finds no name); a query
// of letters is read as pinyin (zunyi huiyi, zunyihuiyi) or initials (zyhy); a Chinese query
// that finds nothing, or only part, is tried against names within one character, homophones
// first (井岗山 → 您是不是要找：井冈山).

const FACETS = ["栏目", "省份", "类型", "主题", "时期", "对象"];
const STEP = 10; // results shown at a time
const RERANK = 10; // first results whose names are compared with the query
const NAME_WEIGHT = 6; // the lowest weight of a name's terms (search.py NAME_WEIGHTS)
const SEGMENTATIONS = 3; // ways of cutting letters into syllables that are tried
const NEAR_CANDIDATES = 12; // records whose names are compared with a mistyped query
const CLOSEST = 5; // names offered when nothing is found
const VOWEL = /[aeiouv]/; // a syllable to cut a query into has a vowel (not 嗯 n, 呒 m)
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

/**
 * Parse fold.txt or sound.txt: {simple: Map traditional -> simplified, readings: Map
 * character -> [readings, most common first], syllables: Set of every reading}.
 */
export function parseFold(text) {
  const simple = new Map();
  const readings = new Map();
  const syllables = new Set();
  for (const line of text.split("\n")) {
    const tab = line.indexOf("\t");
    if (tab < 0) continue;
    const key = line.slice(0, tab);
    const chars = Array.from(line.slice(tab + 1));
    if (key === "t") {
      for (let i = 0; i + 1 < chars.length; i += 2) simple.set(chars[i], chars[i + 1]);
      continue;
    }
    const syllable = key.replace(/^\+/, "");
    syllables.add(syllable);
    for (const c of chars) {
      if (!readings.has(c)) readings.set(c, []);
      readings.get(c).push(syllable); // first readings' lines come before the others
    }
  }
  return { simple, readings, syllables };
}

/** Traditional characters as the index's simplified ones (spelling.fold_chinese). */
export function foldChinese(text, table) {
  return Array.from(text, (c) => table.simple.get(c) || c).join("");
}

/** The readings of one character, most common first ([] when unknown). */
export function readingsOf(char, table) {
  return table.readings.get(char) || [];
}

/** Each character's most common reading ("" when unknown): what tests compare. */
export function syllablesOf(text, table) {
  return Array.from(text, (c) => readingsOf(c, table)[0] || "");
}

/**
 * Return up to `limit` ways to cut letters into pinyin syllables, the likeliest first.
 * `chunks` are what spaces or apostrophes separated: a syllable never spans two of them.
 * Written pinyin puts an apostrophe before a syllable starting with a, o or e (xi'an), so a
 * cut that starts one inside a chunk is less likely (hongyan geming, not hongyang eming),
 * though people type yanan for yan'an; then fewer syllables are likelier.
 */
export function segment(chunks, syllables, limit = SEGMENTATIONS) {
  const text = chunks.join("");
  const starts = new Set([0]);
  let at = 0;
  for (const c of chunks) starts.add((at += c.length));
  const found = [];
  let steps = 0;
  const walk = (pos, path) => {
    if (found.length >= 32 || ++steps > 5000) return;
    if (pos === text.length) {
      found.push([...path]);
      return;
    }
    for (let len = Math.min(6, text.length - pos); len >= 1; len--) {
      const piece = text.slice(pos, pos + len);
      let crosses = false;
      for (let k = pos + 1; k < pos + len; k++) if (starts.has(k)) crosses = true;
      if (crosses || !syllables.has(piece) || !VOWEL.test(piece)) continue;
      path.push({ piece, bare: !starts.has(pos) && /^[aoe]/.test(piece) });
      walk(pos + len, path);
      path.pop();
    }
  };
  walk(0, []);
  const cost = (cut) => cut.filter((s) => s.bare).length;
  return found
    .map((cut, i) => ({ cut, i, bare: cost(cut) }))
    .sort((a, b) => a.bare - b.bare || a.cut.length - b.cut.length || a.i - b.i)
    .slice(0, limit)
    .map((x) => x.cut.map((s) => s.piece));
}

/** Return the query's letter chunks when it is only letters (pinyin or initials), else null. */
export function letterChunks(query) {
  const text = query.normalize("NFKC").toLowerCase().trim();
  if (!/^[a-zü' ]+$/.test(text)) return null;
  const chunks = text.replace(/ü/g, "v").split(/[' ]+/).filter(Boolean);
  return chunks.length ? chunks : null;
}

/** The index terms a pinyin query needs: one per pair of adjacent syllables (`zun yi`). */
export function pinyinTerms(syllables) {
  const out = [];
  for (let i = 0; i + 1 < syllables.length; i++) out.push(`${syllables[i]} ${syllables[i + 1]}`);
  return out;
}

/** The index terms of an initials query: the whole (two letters) or its triples. */
export function initialsTerms(letters) {
  if (letters.length < 2) return [];
  if (letters.length === 2) return ["=" + letters];
  const out = [];
  for (let i = 0; i + 3 <= letters.length; i++) out.push(">" + letters.slice(i, i + 3));
  return out;
}

/**
 * Compare a mistyped query with a name: return the stretch of the name within one
 * character of it ({text, homophone, substituted}), the best one, or null. A same-length
 * stretch differing in one character is a substitution; for queries of three characters or
 * more one missing or extra character counts too. Two-character queries need a homophone.
 */
export function nearMatch(query, name, table) {
  const q = Array.from(query);
  const chars = Array.from(name);
  let best = null;
  const better = (m) => !best || (m.homophone && !best.homophone)
    || (m.homophone === best.homophone && m.substituted && !best.substituted);
  for (let i = 0; i + q.length <= chars.length; i++) {
    let wrong = -1;
    let diffs = 0;
    for (let j = 0; j < q.length && diffs < 2; j++) {
      if (chars[i + j] !== q[j]) {
        diffs++;
        wrong = j;
      }
    }
    if (diffs !== 1) continue;
    const typed = readingsOf(q[wrong], table);
    const right = readingsOf(chars[i + wrong], table);
    const homophone = typed.some((r) => right.includes(r));
    if (q.length < 3 && !homophone) continue;
    const m = { text: chars.slice(i, i + q.length).join(""), homophone, substituted: true };
    if (better(m)) best = m;
  }
  if (q.length >= 3) {
    for (const len of [q.length - 1, q.length + 1]) {
      for (let i = 0; i + len <= chars.length; i++) {
        const w = chars.slice(i, i + len);
        const [short, long] = len < q.length ? [w, q] : [q, w];
        let ok = false;
        for (let k = 0; k < long.length && !ok; k++) {
          ok = long.slice(0, k).concat(long.slice(k + 1)).join("") === short.join("");
        }
        const m = { text: w.join(""), homophone: false, substituted: false };
        if (ok && better(m)) best = m;
      }
    }
  }
  return best;
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

/** Load fold.txt (traditional characters), once per index. */
export function foldTable(idx) {
  return fetched(idx.base + "fold.txt", async (r) => parseFold(await r.text()));
}

/** Load sound.txt (readings), once per index: for letters and mistyped queries only. */
export function soundTable(idx) {
  return fetched(idx.base + "sound.txt", async (r) => parseFold(await r.text()));
}

/** Load dense.txt, once per index: common terms, each in a file of its own (w<line>.txt). */
function denseTerms(idx) {
  if (!idx.dense) return Promise.resolve(new Map());
  return fetched(idx.base + "dense.txt", async (r) => new Map(
    (await r.text()).split("\n").filter(Boolean).map((term, j) => [term, j])));
}

/** The file holding `term`'s line: its own for a common term (binary), else its shard. */
async function termFile(idx, term) {
  const dense = await denseTerms(idx);
  if (!dense.has(term)) return shard(idx, shardOf(term, idx.shards));
  return fetched(`${idx.base}w${dense.get(term)}.bin`,
    async (r) => new Map([[term, new Uint8Array(await r.arrayBuffer())]]));
}

function shard(idx, k) {
  return lines(`${idx.base}t${k}.txt`);
}

/** Load a file of term lines: Map term -> its record lists. */
function lines(url) {
  return fetched(url, async (r) => {
    const byTerm = new Map();
    for (const line of (await r.text()).split("\n")) {
      const tab = line.indexOf("\t");
      if (tab > 0) byTerm.set(line.slice(0, tab), line.slice(tab + 1));
    }
    return byTerm;
  });
}

/** Base64 text as bytes. */
function unbase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** Add the records of a bitset (bit n & 7 of byte n >> 3 is record n) at `weight`. */
function addBits(found, bytes, weight, total) {
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    for (let bit = 0; byte && bit < 8; bit++) {
      const n = i * 8 + bit;
      if (byte & (1 << bit) && n < total && !found.has(n)) found.set(n, weight);
    }
  }
}

/**
 * Add the records of weight codes (search.py pack_codes): one code per record, 0 = not
 * held, i = the i-th of `weights`; `per` codes a byte, as base-`radix` digits, least
 * significant first.
 */
function addCodes(found, bytes, weights, total) {
  const radix = weights.length + 1;
  let per = 1;
  while (radix ** (per + 1) <= 256) per++;
  for (let n = 0; n < total; n++) {
    const code = Math.floor(bytes[Math.floor(n / per)] / radix ** (n % per)) % radix;
    if (code && !found.has(n)) found.set(n, weights[code - 1]);
  }
}

/** Decode a common term's own file (search.py encode_binary) into `found`. */
function decodeBinary(bytes, total, found) {
  let p = 0;
  const varint = () => { // LEB128
    let value = 0;
    for (let shift = 1; ; shift *= 128) {
      const byte = bytes[p++];
      value += (byte & 127) * shift;
      if (byte < 128) return value;
    }
  };
  while (p < bytes.length) {
    const kind = bytes[p++];
    if (kind === 2) { // weight codes
      const count = bytes[p++];
      const weights = Array.from(bytes.subarray(p, p + count));
      p += count;
      const size = varint();
      addCodes(found, bytes.subarray(p, p + size), weights, total);
      p += size;
      continue;
    }
    const weight = bytes[p++];
    const size = varint();
    const end = p + size;
    if (kind === 1) {
      addBits(found, bytes.subarray(p, end), weight, total);
      p = end;
    } else { // gaps
      let n = 0;
      while (p < end) {
        n += varint();
        if (!found.has(n)) found.set(n, weight);
      }
    }
  }
  return found;
}

/**
 * Decode a term's record lists: Map record number -> weight. `line` is a shard line's
 * groups (text), or the bytes of a common term's own file.
 */
export function decodePostings(line, total) {
  const found = new Map();
  if (!line) return found;
  if (line instanceof Uint8Array) return decodeBinary(line, total, found);
  for (const group of line.split("\t")) {
    const weight = Number(group[0]);
    const body = group.slice(2);
    if (group[1] === "#") {
      addBits(found, unbase64(body), weight, total);
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
    .map((item, index) => {
      // A name or an alias (item.names, when given) may be what the query names.
      const names = item.names || [item.title];
      let match = 4;
      let size = 0;
      for (const name of names) {
        const m = nameMatch(name, query);
        const length = squash(name).length;
        if (m < match || (m === match && length < size)) [match, size] = [m, length];
      }
      return { item, index, match, size };
    })
    .sort((a, b) => a.match - b.match || (a.match < 4 ? a.size - b.size : 0) || a.index - b.index)
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

/**
 * Which of a record's names the query matched, when it is an alias: the alias, else "".
 * `d` is its result file; `forms` the query as Chinese text, pinyin and initials.
 */
export function matchedAlias(d, forms) {
  const aliases = d.a || [];
  if (!aliases.length) return "";
  const spellings = d.p || [];
  const hits = (name, i) => {
    const text = squash(name);
    if (forms.text && text.includes(forms.text)) return true;
    const runs = (spellings[i] || "").split("/");
    if (forms.pinyin && runs.some((r) => ` ${r} `.includes(` ${forms.pinyin} `))) return true;
    return Boolean(forms.initials) && runs.some(
      (r) => r.split(" ").map((x) => x[0]).join("").includes(forms.initials));
  };
  if (hits(d.t, 0)) return "";
  return aliases.find((a, i) => hits(a, i + 1)) || "";
}

async function details(idx, root, n, query, forms) {
  const d = await doc(idx, n);
  return { url: new URL(d.u, root).href, title: d.t, kind: d.k, excerpt: excerpt(d.x, query),
    alias: matchedAlias(d, forms), names: [d.t, ...(d.a || [])] };
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

/** Fetch the postings of groups of alternative terms: one Map record -> weight per group. */
async function postings(idx, groups) {
  const all = [...new Set(groups.flat())];
  const shards = await Promise.all(all.map((t) => termFile(idx, t)));
  const byTerm = new Map(all.map((t, i) => [t, decodePostings(shards[i].get(t), idx.docs)]));
  return groups.map((alternatives) => {
    if (alternatives.length === 1) return byTerm.get(alternatives[0]);
    const merged = new Map();
    for (const t of alternatives) {
      for (const [n, w] of byTerm.get(t)) if (!(merged.get(n) >= w)) merged.set(n, w);
    }
    return merged;
  });
}

/** Records whose names hold every pair of syllables of one of the query's segmentations. */
async function byPinyin(idx, table, chunks) {
  for (const syllables of segment(chunks, table.syllables)) {
    if (syllables.length < 2) continue; // one syllable (an, zhong) would match half the site
    const scores = rank(await postings(idx, pinyinTerms(syllables).map((t) => [t])), idx.docs, syllables.length - 1);
    if (scores.size) return { scores, pinyin: syllables.join(" ") };
  }
  return null;
}

async function byInitials(idx, chunks) {
  if (chunks.length !== 1) return null;
  const terms = initialsTerms(chunks[0]);
  if (!terms.length) return null;
  const scores = rank(await postings(idx, terms.map((t) => [t])), idx.docs, terms.length);
  return scores.size ? { scores, initials: chunks[0] } : null;
}

/**
 * A Chinese query that found nothing or only part: find names within one character of it.
 * First names that sound like it: a pair of its characters that some name holds is looked
 * up as it is, and only the pairs no name holds (where the slip is) by their readings, so
 * a long query costs a shard or two more, not one per reading. Then, failing that, names
 * holding all its characters but one (韦拨群 → 韦、群). `known`: postings the direct search
 * fetched, by term. `homophonesOnly`: accept only a homophone.
 * Return {suggestion, record, closest: [{title, url}]}.
 */
async function nearNames(idx, root, table, text, homophonesOnly = false, known = new Map()) {
  const chars = Array.from(text);
  const none = { suggestion: "", record: -1, closest: [] };
  if (chars.length < 2 || chars.length > 12) return none;
  const named = (m) => new Map([...m].filter(([, w]) => w >= NAME_WEIGHT));
  const ordered = (scores) => [...scores.keys()].sort((a, b) => scores.get(b) - scores.get(a) || a - b);
  let seen = [];
  const verify = async (order) => {
    const candidates = [...new Set(order)].slice(0, NEAR_CANDIDATES);
    const files = await Promise.all(candidates.map((n) => doc(idx, n)));
    if (!seen.length) seen = files;
    let best = null;
    files.forEach((d, at) => {
      for (const name of [d.t, ...(d.a || [])]) {
        const m = nearMatch(text, squash(name), table);
        if (!m || (homophonesOnly && !m.homophone)) continue;
        // Homophones first, then a changed (not a missing or extra) character, then rank.
        const key = (m.homophone ? 0 : 2) + (m.substituted ? 0 : 1);
        if (!best || key < best.key) best = { key, text: m.text, record: candidates[at] };
      }
    });
    return best;
  };
  const closest = () => seen.slice(0, CLOSEST).map((d) => ({ title: d.t, url: new URL(d.u, root).href }));
  const found = (best) => ({ suggestion: best.text, record: best.record, closest: closest() });
  const readings = chars.map((c) => readingsOf(c, table).slice(0, 3));
  if (readings.every((r) => r.length)) {
    const sounds = (keepHeld) => {
      const groups = [];
      for (let i = 0; i + 1 < chars.length; i++) {
        const pair = chars[i] + chars[i + 1];
        const held = known.get(pair);
        if (keepHeld && held && [...held.values()].some((w) => w >= NAME_WEIGHT)) groups.push([pair]);
        else groups.push(readings[i].flatMap((a) => readings[i + 1].map((b) => `${a} ${b}`)));
      }
      return groups;
    };
    let best = await verify(ordered(rank((await postings(idx, sounds(true))).map(named), idx.docs, chars.length - 1)));
    // The slip may have made a pair some other name holds (井岗山: 岗山): short queries are
    // tried again by sound alone.
    if (!best && chars.length <= 4) {
      best = await verify(ordered(rank((await postings(idx, sounds(false))).map(named), idx.docs, chars.length - 1)));
    }
    if (best) return found(best);
  }
  const distinct = [...new Set(chars)];
  if (distinct.length >= 2 && !homophonesOnly) {
    const lists = (await postings(idx, distinct.map((c) => [c]))).map(named);
    const best = await verify(ordered(rank(lists, idx.docs, Math.max(1, distinct.length - 1))));
    if (best) return found(best);
    if (!seen.length) {
      // Nothing is one character off: offer the names sharing most of its characters.
      const some = ordered(rank(lists, idx.docs, 1)).slice(0, CLOSEST);
      seen = await Promise.all(some.map((n) => doc(idx, n)));
    }
  }
  return { ...none, closest: closest() };
}

/** Score records holding every term of `text` (or, failing that, half of them). */
async function direct(idx, terms) {
  const lists = await postings(idx, terms.map((t) => [t]));
  let scores = rank(lists, idx.docs, lists.length);
  let partial = false;
  // Nothing holds every term (遵义会议纪念馆 when the record says 遵义会议会址): show
  // records holding at least half of them, most terms first, and say so.
  if (!scores.size && lists.length > 2) {
    scores = rank(lists, idx.docs, Math.ceil(lists.length / 2));
    partial = scores.size > 0;
  }
  const named = new Set([...scores.keys()].filter(
    (n) => lists.every((m) => !m.has(n) || m.get(n) >= NAME_WEIGHT)));
  return { scores, partial, named, byTerm: new Map(terms.map((t, i) => [t, lists[i]])) };
}

async function searchIn(idx, root, query, filters) {
  const chosen = Object.fromEntries(Object.entries(filters).filter(([, v]) => v.length));
  const filtering = Object.keys(chosen).length > 0;
  if (filtering || facetsWanted) await loadFilters(root);
  denseTerms(idx); // fetched alongside fold.txt: which terms have files of their own
  const table = await foldTable(idx);
  const folded = foldChinese(query, table);
  const terms = queryTerms(folded);
  const chunks = letterChunks(folded);
  const empty = { total: 0, items: [], more: async () => [], filters: {}, partial: false,
    suggestion: "", closest: [], lists: idx.lists || [] };
  if (!terms.length && !filtering) return empty;
  const forms = { text: squash(folded), pinyin: "", initials: "" };
  // Each record's tier, then its score: a lower tier always comes first.
  const tiers = new Map();
  const scores = new Map();
  const add = (found, tier) => {
    for (const [n, score] of found) {
      if (tiers.has(n) && tiers.get(n) <= tier) continue;
      tiers.set(n, tier);
      scores.set(n, score);
    }
  };
  let partial = false;
  let suggestion = "";
  let closest = [];
  if (terms.length) {
    const sounding = chunks ? soundTable(idx) : null; // fetched alongside the shards
    const found = await direct(idx, terms);
    partial = found.partial;
    if (chunks) {
      // Letters: a name typed as letters first, then pinyin, then initials, then mentions.
      add(new Map([...found.scores].filter(([n]) => found.named.has(n))), 0);
      const spelled = await byPinyin(idx, await sounding, chunks);
      if (spelled) {
        forms.pinyin = spelled.pinyin;
        add(spelled.scores, 1);
      }
      const initials = spelled ? null : await byInitials(idx, chunks);
      if (initials) {
        forms.initials = initials.initials;
        add(initials.scores, 2);
      }
      add(found.scores, 3);
    } else {
      add(found.scores, 0);
      const chinese = /^[\u3400-\u9fff\uf900-\ufaff]+$/u.test(forms.text) ? forms.text : "";
      // Nothing, only part, or only mentions in text (李大召): a name may be one character off.
      // When the query was found in text, only a homophone counts as a likely slip.
      const weak = found.scores.size > 0 && !partial;
      if ((!found.scores.size || partial || !found.named.size) && chinese) {
        const near = await nearNames(idx, root, await soundTable(idx), chinese, weak, found.byTerm);
        closest = near.closest;
        if (near.suggestion) {
          suggestion = near.suggestion;
          const better = await direct(idx, queryTerms(suggestion));
          add(better.scores, -1);
          add(new Map([[near.record, 0]]), -2);
        }
      }
    }
  } else {
    // No words but a facet ticked: list everything in it, in the index's order.
    add(new Map(Array.from({ length: idx.docs }, (_, n) => [n, 0])), 0);
  }
  let matched = [...tiers.keys()];
  const counts = idx.facets ? facetCounts(idx, matched, chosen) : {};
  if (filtering) matched = matched.filter((n) => passes(idx, n, chosen, null));
  matched.sort((a, b) => tiers.get(a) - tiers.get(b) || scores.get(b) - scores.get(a) || a - b);
  const shownQuery = suggestion || folded;
  const detail = (n) => details(idx, root, n, shownQuery, forms);
  // The record a correction points at stays first; the rest of the head is reranked by name.
  const pinned = suggestion && matched[0] !== undefined && tiers.get(matched[0]) === -2 ? 1 : 0;
  const headItems = await Promise.all(matched.slice(0, RERANK).map(detail));
  const head = [...headItems.slice(0, pinned),
    ...(chunks ? headItems.slice(pinned) : rerank(headItems.slice(pinned), shownQuery))];
  let shown = 0;
  const more = async () => {
    let batch;
    if (shown < head.length) batch = head.slice(shown, shown + STEP);
    else batch = await Promise.all(matched.slice(shown, shown + STEP).map(detail));
    shown += batch.length;
    return batch;
  };
  const items = await more();
  return { total: matched.length, items, more, filters: counts, partial, suggestion, closest,
    lists: idx.lists || [] };
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
  // "您是不是要找" and, when nothing is found, the closest names and the listing pages.
  const hint = el("div", { class: "sc-search__hint", hidden: "" });
  const list = el("ol", { class: "sc-search__results", id: `${id}-results` });
  const moreButton = el("button", { type: "button", class: "sc-search__more", hidden: "", text: "显示更多结果" });
  container.append(form, filterBox, status, hint, list, moreButton);

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
      if (item.alias) link.append(el("span", { class: "sc-search__alias", text: `又称：${item.alias}` }));
      const excerpt = el("p", { class: "sc-search__excerpt" });
      excerpt.innerHTML = item.excerpt; // escaped text with <mark> (see `excerpt`)
      list.append(el("li", {}, link, excerpt));
    }
  }

  function searchLink(text) {
    const link = el("a", { href: `${root}search/?q=${encodeURIComponent(text)}`, text });
    link.addEventListener("click", (event) => {
      event.preventDefault();
      input.value = text;
      run();
    });
    return link;
  }

  function renderHint(found, query) {
    hint.replaceChildren();
    hint.hidden = true;
    if (found.suggestion) {
      hint.append(el("p", { class: "sc-search__suggest" }, "您是不是要找：", searchLink(found.suggestion)));
    } else if (!found.total && query) {
      if (found.closest.length) {
        const names = el("ul", { class: "sc-search__closest" });
        for (const c of found.closest) names.append(el("li", {}, el("a", { href: c.url, text: c.title })));
        hint.append(el("p", { text: "名称最接近的记录：" }), names);
      }
      const lists = el("p", { class: "sc-search__lists" }, "也可以浏览：");
      found.lists.forEach(([label, url], i) => {
        if (i) lists.append("、");
        lists.append(el("a", { href: root + url, text: label }));
      });
      hint.append(lists);
    }
    hint.hidden = !hint.children.length;
  }

  async function run() {
    const query = input.value.trim();
    const mine = ++token;
    if (syncUrl) syncUrl(query);
    if (!query && !Object.keys(chosenFilters()).length) {
      list.replaceChildren();
      hint.replaceChildren();
      hint.hidden = true;
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
    renderHint(found, query);
    if (found.suggestion) {
      status.textContent = `没有找到与“${query}”完全相符的结果，先列出“${found.suggestion}”的结果`;
    } else if (found.partial) {
      status.textContent = `没有同时含有“${query}”全部文字的记录，以下 ${found.total} 条含有其中一部分`;
    } else {
      status.textContent = found.total
        ? `找到 ${found.total} 条${query ? `与“${query}”相关的` : ""}结果`
        : `没有找到与“${query}”相关的结果。换个说法、减少筛选条件，或从下面的名称和栏目找起`;
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
  // Fetch the manifest and the folding table while the visitor types.
  index(root).then(foldTable).catch(() => {});
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
