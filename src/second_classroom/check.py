"""Read every record under a data folder and find every problem in one pass."""

from __future__ import annotations

import datetime as dt
import difflib
import gc
import os
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Mapping as MappingOf
from dataclasses import dataclass, field
from pathlib import Path

from .forked import ForkedJob
from .load import Mapping, Node, Scalar, Sequence, load_yaml_file
from .models import (
    HOST_LISTS,
    KINDS,
    OPTIONAL_VOCABULARIES,
    SLUG,
    VOCABULARIES,
    Context,
    ListOf,
    Record,
    Ref,
    RefUse,
    Text,
    Vocab,
    field_values,
    in_china,
)
from .problems import Findings, Mark, Problem
from .quotes import unregistered_quotes
from .sources import citations, host_of, mislabelled_publisher, source_type

STALE_AFTER_DAYS = 730  # `verified` older than two years earns a warning
# Record files to read from which `check_tree(parallel=True)` has a forked copy of this
# process read half of them on the second core (below, the fork and the hand-back of its
# records cost more than they save).
PARALLEL_MIN = 1000


@dataclass(frozen=True)
class FileCheck:
    """One record file's own findings: its record (if usable) and its problems."""

    record: Record | None
    problems: list[Problem]


@dataclass
class CheckResult(Findings):
    """All records that converted, the vocabularies, and every problem found."""

    records: list[Record] = field(default_factory=list)
    vocab: Vocab = field(default_factory=Vocab)
    problems: list[Problem] = field(default_factory=list)
    by_file: dict[Path, FileCheck] = field(default_factory=dict)  # what each file gave
    # What `cross_check` found per record (file -> the record, its findings) on `today`,
    # for the next check of the same tree (`check_tree(earlier=)`).
    crossed: dict[str, tuple[Record, list[Problem]]] = field(default_factory=dict,
                                                             repr=False)
    today: dt.date | None = None

    @property
    def notes(self) -> list[Problem]:
        """Return what an editor should know that is no problem: which records are drafts
        (checked, never published; shown with a 草稿 banner in the `mkdocs serve` preview)."""
        return sorted(Problem(r.path, r.mark("draft").line, r.mark("draft").column, "draft",
                              "这是草稿（draft: true）：只检查、不发布，mkdocs build 生成的网站里"
                              "没有它的页面；mkdocs serve 预览中显示并标有“草稿”。发布时删去这一行"
                              "或改为 draft: false", "note")
                      for r in self.records if r.draft)


def by_severity(problems: Iterable[Problem]) -> list[Problem]:
    """Return problems errors first, then warnings, then notes; by place within each."""
    order = {"error": 0, "warning": 1, "note": 2}
    return sorted(problems, key=lambda p: (order.get(p.severity, 3), p))


def display_path(file: Path) -> str:
    """Return the path as the editor would type it: relative to the working folder."""
    if ".." not in file.parts:  # what relpath gives, without normalizing both paths again
        if not file.is_absolute():
            return file.as_posix()
        cwd = os.getcwd()
        text = file.as_posix()
        if text.startswith(cwd + "/"):
            return text[len(cwd) + 1:]
    try:
        rel = os.path.relpath(file)
    except ValueError:  # pragma: no cover - other drive on Windows
        return file.as_posix()
    return Path(rel).as_posix() if not rel.startswith("..") else file.as_posix()


def load_vocab(root: Path) -> tuple[Vocab, list[Problem]]:
    """Read vocab.yml: lists of terms, and provinces grouped by region."""
    file = root / "vocab.yml"
    path = display_path(file)
    if not file.is_file():
        return Vocab(), [Problem(path, 1, 1, "missing-vocab", "找不到词表文件 vocab.yml")]
    node, problems = load_yaml_file(file, path)
    vocab = Vocab()
    if node is None:
        return vocab, problems
    if not isinstance(node, Mapping):
        return vocab, [*problems, Problem(path, 1, 1, "wrong-type", "词表应为映射（名称: 列表）")]

    def strings(seq: Node, where: str) -> list[str]:
        if not isinstance(seq, Sequence) or not all(isinstance(i, Scalar) for i in seq.items):
            problems.append(Problem(path, seq.mark.line, seq.mark.column, "wrong-type",
                                    f"词表 {where} 应为文字列表"))
            return []
        return [i.text.strip() for i in seq.items if isinstance(i, Scalar)]

    for key, value in node.items:
        if key.text == "provinces":
            if not isinstance(value, Mapping):
                problems.append(Problem(path, value.mark.line, value.mark.column, "wrong-type",
                                        "provinces 应按地区分组：地区: [省份, …]"))
                continue
            vocab.regions = {k.text: strings(v, f"provinces.{k.text}") for k, v in value.items}
        elif key.text == BOUNDS:
            vocab.province_bounds = _bounds(value, path, problems)
        elif key.text in VOCABULARIES or key.text in OPTIONAL_VOCABULARIES:
            vocab.lists[key.text] = strings(value, key.text)
        elif key.text in HOST_LISTS:
            if not isinstance(value, Mapping):
                problems.append(Problem(path, value.mark.line, value.mark.column, "wrong-type",
                                        f"{key.text} 应为映射：名称: [域名, …]"))
                continue
            setattr(vocab, key.text,
                    {k.text: strings(v, f"{key.text}.{k.text}") for k, v in value.items})
        else:
            problems.append(Problem(path, key.mark.line, key.mark.column, "unknown-field",
                                    f"未知词表“{key.text}”，可用："
                                    + "、".join(VOCABULARIES + OPTIONAL_VOCABULARIES
                                               + HOST_LISTS + (BOUNDS,))))
    for name in VOCABULARIES:
        if not vocab.terms(name) and name not in OPTIONAL_VOCABULARIES:
            problems.append(Problem(path, 1, 1, "missing-vocab", f"词表缺少 {name}"))
    provinces = set(vocab.terms("provinces"))
    for name in vocab.province_bounds:
        if provinces and name not in provinces:
            problems.append(Problem(path, 1, 1, "unknown-term",
                                    f"{BOUNDS} 中的“{name}”不在 provinces 中"))
    return vocab, problems


BOUNDS = "province_bounds"  # vocab.yml: province -> [南, 西, 北, 东]


def _bounds(node: Node, path: str, problems: list[Problem]) -> dict[
        str, tuple[float, float, float, float]]:
    """Read `province_bounds`: each province's rectangle as [south, west, north, east]."""
    found: dict[str, tuple[float, float, float, float]] = {}
    if not isinstance(node, Mapping):
        problems.append(Problem(path, node.mark.line, node.mark.column, "wrong-type",
                                f"{BOUNDS} 应为映射：省份: [南, 西, 北, 东]"))
        return found
    for key, value in node.items:
        numbers: list[float] = []
        if isinstance(value, Sequence) and len(value.items) == 4:
            try:
                numbers = [float(i.text) for i in value.items if isinstance(i, Scalar)]
            except ValueError:
                numbers = []
        if len(numbers) != 4 or not (numbers[0] < numbers[2] and numbers[1] < numbers[3]):
            problems.append(Problem(path, value.mark.line, value.mark.column, "wrong-type",
                                    f"{BOUNDS}.{key.text} 应为 [南纬度, 西经度, 北纬度, 东经度]"
                                    "四个数，南小于北、西小于东"))
            continue
        found[key.text] = (numbers[0], numbers[1], numbers[2], numbers[3])
    return found


def read_record(file: Path, kind: str, vocab: Vocab, root: Path) -> tuple[Record | None,
                                                                          list[Problem]]:
    """Load and convert one record file; return it (if usable) and its own problems."""
    path = display_path(file)
    node, problems = load_yaml_file(file, path)
    record_id = file.stem
    if not SLUG.match(record_id):
        problems.append(Problem(path, 1, 1, "bad-id",
                                f"文件名“{file.name}”不能作为编号：只能用小写字母、数字和连字符，"
                                "如 zunyi-huiyi-huizhi.yml"))
    if node is None:
        return None, problems
    ctx = Context(path=path, vocab=vocab, data_root=root)
    data = KINDS[kind].schema.convert(node, ctx, "")
    problems += ctx.problems
    if not isinstance(data, dict):
        return None, problems
    return Record(kind, record_id, path, data, ctx.marks, ctx.refs), problems


# What a data folder holds besides the kinds' folders.
DATA_EXTRAS = ("media", "vocab.yml")


def stray_entries(root: Path) -> list[Problem]:
    """Return a problem for each folder under `root` that is no kind (a typo such as
    `site/`: the records in it would be ignored) and each record file placed beside the
    kinds' folders instead of in one."""
    problems: list[Problem] = []
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return problems
    for entry in entries:
        name = entry.name
        if name.startswith(".") or name in KINDS or name in DATA_EXTRAS:
            continue
        if entry.is_dir():
            close = difflib.get_close_matches(name, list(KINDS) + ["media"], n=1, cutoff=0.6)
            hint = f"是否指“{close[0]}/”？" if close else "可用的目录：" + "、".join(
                f"{k}/" for k in (*KINDS, "media"))
            problems.append(Problem(display_path(entry), 1, 1, "unknown-folder",
                                    f"目录“{name}/”不是任何一类记录，其中的文件不会被读取；{hint}"))
        elif entry.suffix in (".yml", ".yaml"):
            problems.append(Problem(display_path(entry), 1, 1, "unknown-folder",
                                    "记录文件要放在它那一类的目录中（如 sites/、people/），"
                                    "放在这里不会被读取"))
    return problems


def kind_of(file: Path, root: Path) -> str | None:
    """Return the kind a record file belongs to by its folder, or None."""
    try:
        rel = file.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return rel.parts[0] if len(rel.parts) == 2 and rel.parts[0] in KINDS else None


def record_files(root: Path) -> tuple[list[tuple[str, Path]], list[Problem]]:
    """Return (kind, file) for every record file, and problems with misplaced files."""
    found: list[tuple[str, Path]] = []
    problems: list[Problem] = stray_entries(root)
    for kind in KINDS:
        folder = root / kind
        try:  # scandir knows which entries are folders without a stat per file
            with os.scandir(folder) as found_entries:
                entries = sorted((e.name, e.is_dir()) for e in found_entries)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for name, is_dir in entries:
            file = folder / name
            if name.startswith("."):
                continue
            if is_dir:
                problems.append(Problem(display_path(file), 1, 1, "nested-folder",
                                        f"{kind}/ 下不能再建子目录，其中的文件不会被读取；"
                                        "请把记录文件直接放在 " + kind + "/ 中"))
                continue
            if file.suffix == ".yml":
                found.append((kind, file))
            else:
                problems.append(Problem(display_path(file), 1, 1, "bad-extension",
                                        "记录文件的扩展名必须是 .yml，否则不会被读取"))
    return found, problems


@dataclass(frozen=True)
class Target:
    """What a reference needs of the record it names: enough to check it without the
    record itself (so `check_files` can take it from the index cache)."""

    kind: str
    id: str
    path: str
    draft: bool
    title: str  # as pages show it: 《书名》
    parts: tuple[str, ...] = ()  # ids of the parts a reference may name (a book's 篇目)
    filled: tuple[str, ...] = ()  # fields that say something (a quiz answer's basis)


def target_of(record: Record) -> Target:
    """Return what references to `record` are checked against."""
    spec = record.spec
    parts = tuple(str(p["id"]) for p in record.data.get(spec.parts, [])) if spec.parts else ()
    filled = tuple(k for k, v in record.data.items() if v not in (None, "", []))
    return Target(record.kind, record.id, record.path, record.draft,
                  spec.display_title(record.title), parts, filled)


def cross_check(records: list[Record], today: dt.date,
                earlier: CheckResult | None = None,
                crossed: dict[str, tuple[Record, list[Problem]]] | None = None
                ) -> list[Problem]:
    """Check what needs all records: unique ids, references, staleness. Each record's
    findings go into `crossed` (by its file). With `earlier`, a check of the same tree
    on the same day whose records that did not change are the same objects, the
    findings of a record that is the same object, names no changed record and had no
    error then (an error's hint names the nearest id, which a new record may change)
    are taken over: nothing they depend on changed."""
    problems: list[Problem] = []
    crossed = {} if crossed is None else crossed
    kept: dict[str, list[Problem]] = {}
    if earlier is not None and earlier.today == today and earlier.crossed:
        was = earlier.crossed
        same = {r.path for r in records if (was.get(r.path) or (None,))[0] is r}
        changed = {r.id for r in records if r.path not in same} | {
            r.id for path, (r, _) in was.items() if path not in same}
        kept = {path: found for path, (record, found) in was.items() if path in same
                and not any(p.severity == "error" for p in found)
                and not any(ref.id in changed for ref in record.refs)}
    by_id: dict[str, Record] = {}
    for record in records:
        if record.id in by_id:
            other = by_id[record.id]
            problems.append(Problem(record.path, 1, 1, "duplicate-id",
                                    f"编号“{record.id}”已被 {other.path} 使用，编号在全部记录中必须唯一"))
        else:
            by_id[record.id] = record
    ids_by_kind: dict[str, list[str]] = {k: [] for k in KINDS}
    for record in by_id.values():
        ids_by_kind[record.kind].append(record.id)
    targets = _Targets(by_id)
    for record in records:
        found = kept.get(record.path)
        if found is None:
            found = ref_problems(record, targets, ids_by_kind) + _warnings(record, today)
        crossed[record.path] = (record, found)
        problems += found
    return problems


class _Targets(MappingOf[str, Target]):
    """The targets of records by id, each made when a reference first asks for it."""

    def __init__(self, records: dict[str, Record]) -> None:
        self._records = records
        self._made: dict[str, Target] = {}

    def __getitem__(self, key: str) -> Target:
        target = self._made.get(key)
        if target is None:
            target = self._made[key] = target_of(self._records[key])
        return target

    def __iter__(self) -> Iterator[str]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)


def _ids_by_kind(targets: Iterable[Target]) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {k: [] for k in KINDS}
    for target in targets:
        ids[target.kind].append(target.id)
    return ids


def ref_problems(record: Record, targets: MappingOf[str, Target],
                 ids_by_kind: MappingOf[str, list[str]]) -> list[Problem]:
    """Return a problem for each reference of `record` that names no record of its kind,
    a draft (from a published record), or a part its target does not list."""
    problems: list[Problem] = []
    for ref in record.refs:
        target = targets.get(ref.id)
        noun = KINDS[ref.kind].noun
        if target is None or target.kind != ref.kind:
            close = difflib.get_close_matches(ref.id, ids_by_kind[ref.kind], n=1, cutoff=0.75)
            hint = f"，是否指“{close[0]}”？" if close else ""
            problems.append(_at(record, ref.mark, "unknown-ref",
                                f"字段 {ref.field}：找不到编号为“{ref.id}”的{noun}"
                                f"（{ref.kind}/{ref.id}.yml）{hint}"))
        elif target.draft and not record.draft:
            problems.append(_at(record, ref.mark, "ref-to-draft",
                                f"字段 {ref.field}：“{ref.id}”是草稿，已发布的记录不能引用草稿"))
        elif ref.part:
            problems += _part_problems(record, ref, target)
    return problems


def _part_problems(record: Record, ref: RefUse, target: Target) -> list[Problem]:
    """Check that the part a reference names (a chapter) is one its target lists."""
    mark = ref.part_mark or ref.mark
    where = ref.part_field or ref.field
    if ref.part_is_field:  # a quiz answer's basis: the field must say something
        if ref.part in target.filled:
            return []
        return [_at(record, mark, "empty-basis",
                    f"字段 {where}：{target.title}（{target.path}）没有填写字段“{ref.part}”，"
                    "答案的依据必须是记录中已有的内容")]
    parts = list(target.parts)
    if not parts:
        return [_at(record, mark, "unknown-part",
                    f"字段 {where}：{target.title}（{target.path}）没有列出篇目（contents），"
                    f"不能指定篇目“{ref.part}”；请指定整本，或先为它补上有来源的篇目")]
    if ref.part in parts:
        return []
    close = difflib.get_close_matches(ref.part, parts, n=1, cutoff=0.5)
    hint = f"，是否指“{close[0]}”？" if close else "，可用：" + "、".join(parts[:20])
    return [_at(record, mark, "unknown-part",
                f"字段 {where}：{target.title}中找不到编号为“{ref.part}”的篇目{hint}")]


def _at(record: Record, mark: Mark, code: str, message: str,
        severity: str = "error") -> Problem:
    return Problem(record.path, mark.line, mark.column, code, message,
                   "warning" if severity == "warning" else "error")


def _warnings(record: Record, today: dt.date) -> list[Problem]:
    found: list[Problem] = []
    verified = record.data.get("verified")
    if isinstance(verified, dt.date):
        if verified > today:
            found.append(_at(record, record.mark("verified"), "verified-in-future",
                             f"核实日期 {verified} 晚于今天，请填写实际核实的日期"))
        elif (today - verified).days > STALE_AFTER_DAYS:
            found.append(_at(record, record.mark("verified"), "stale",
                             f"核实日期 {verified} 已超过两年，请重新对照来源核实", "warning"))
    spec = record.spec
    for group in spec.one_of:  # e.g. a quotation's publication or its official address
        if not any(record.data.get(name) for name in group):
            found.append(_at(record, Mark(1, 1), "missing-one-of",
                             "至少填写其中一项：" + "、".join(
                                 f"{name}（{spec.field(name).label}）" for name in group)))
    for name in spec.suggested:  # e.g. a site with no reading yet
        if not record.data.get(name):
            target = spec.field(name).type
            what = KINDS[target.item.kind].label if isinstance(target, ListOf) and \
                isinstance(target.item, Ref) else spec.field(name).label
            found.append(_at(record, Mark(1, 1), f"no-{name}",
                             f"这处{spec.noun}还没有关联{what}（{name}）", "warning"))
    for name, code, message, severity in spec.rules(record.data, today):
        found.append(_at(record, record.mark(name), code, message, severity))
    location = record.data.get("location", {})
    if ("lat" in location and "lng" in location  # both converted; else already an error
            and not in_china(location["lat"], location["lng"])):
        found.append(_at(record, record.mark("location"), "outside-china",
                         "坐标不在中国境内，请对照来源核对 lat（纬度）和 lng（经度）", "warning"))
    return found


BOUNDS_MARGIN = 0.1  # degrees (~11 km) of slack around a province's rectangle


def place_problems(record: Record, vocab: Vocab) -> list[Problem]:
    """Return a warning when a record's coordinates lie outside its province's rectangle
    (vocab.yml `province_bounds`): a typo in a digit, or the wrong province."""
    location = record.data.get("location", {})
    province = record.data.get("region", {}).get("province")
    box = vocab.province_bounds.get(province) if isinstance(province, str) else None
    if box is None or "lat" not in location or "lng" not in location:
        return []
    lat, lng = location["lat"], location["lng"]
    if not in_china(lat, lng):
        return []  # warned about already
    south, west, north, east = box
    if south - BOUNDS_MARGIN <= lat <= north + BOUNDS_MARGIN and \
            west - BOUNDS_MARGIN <= lng <= east + BOUNDS_MARGIN:
        return []
    return [_at(record, record.mark("location"), "outside-province",
                f"坐标（纬度 {lat}，经度 {lng}）不在{province}范围内（纬度 {south}–{north}，"
                f"经度 {west}–{east}）：请核对坐标，或所在地区是否写错", "warning")]


def source_problems(record: Record, vocab: Vocab) -> list[Problem]:
    """Give each source its type (inferred from the address where the editor gave none);
    return warnings for labels that name another publisher than the address, and for a
    record whose sources are all copies or encyclopaedias."""
    found: list[Problem] = []
    sources = record.data.get("sources", [])
    for i, source in enumerate(sources, start=1):
        if not source.get("type") and (kind := source_type(source, vocab)):
            source["type"] = kind  # pages show it as it is: inferred once, here
        if name := mislabelled_publisher(source, vocab):
            found.append(_at(record, record.mark(f"sources[{i}].publisher"), "mislabelled-source",
                             f"来源 {i} 的发布者写作“{source['publisher']}”，但网址在 "
                             f"{host_of(source['url'])}，不是{name}的网站：请写实际刊载它的网站，"
                             f"或改引{name}的原文", "warning"))
    cited = citations(record)  # a quotation's publication counts too
    if cited and all(source_type(s, vocab) in ("转载", "百科") for s in cited):
        found.append(_at(record, record.mark("sources"), "only-reposts",
                         "这条记录的来源都是转载页或百科，请补充官方网站或出版物来源", "warning"))
    return found


def _texts(record: Record) -> Iterator[tuple[str, str]]:
    """Yield (field path, text) of every text value of a record but its sources."""
    for f in record.spec.fields:
        if f.name in record.data and f.name != "sources":
            for path, kind, value in field_values(f.type, record.data[f.name], f.name):
                if isinstance(kind, Text) and isinstance(value, str) and path:
                    yield path, value


def quote_problems(record: Record) -> list[Problem]:
    """Return a problem for every quotation typed into the record's text instead of being
    registered as a `quotes` record and referred to as [[quote:ID]]."""
    severity = record.spec.quote_check
    if not severity:
        return []
    found = []
    for path, text in _texts(record):
        for _, words in unregistered_quotes(text):
            shown = words if len(words) <= 24 else words[:23] + "…"
            found.append(_at(record, record.mark(path), "unregistered-quote",
                             f"字段 {path} 直接引用了“{shown}”：引文须登记为 quotes 记录"
                             "（原文逐字、注明出处），正文中写 [[quote:编号]]", severity))
    return found


def check_file(file: Path, kind: str, vocab: Vocab, root: Path) -> tuple[Record | None,
                                                                         list[Problem]]:
    """Read one record file and find the problems it has on its own (every check but
    those that need the other records: `cross_check`)."""
    record, problems = read_record(file, kind, vocab, root)
    if record is not None:
        problems += source_problems(record, vocab) + quote_problems(record) \
            + place_problems(record, vocab)
    return record, problems


def check_tree(root: Path, today: dt.date | None = None,
               unchanged: MappingOf[Path, FileCheck] | None = None,
               parallel: bool = False, earlier: CheckResult | None = None,
               read: Callable[[list[Record]], None] | None = None) -> CheckResult:
    """Check every record under `root` (the site_data folder) and return all findings.

    `unchanged`: files known not to have changed since an earlier check of the same
    vocabulary, with that check's findings (`CheckResult.by_file`), taken instead of
    reading them again (the preview's rebuilds). References are checked afresh, but for
    the records of `unchanged` that name no changed record, whose findings are taken from
    `earlier`, the check that `unchanged` comes from (see `cross_check`).

    `parallel`: with two cores and at least PARALLEL_MIN files to read, a forked copy of
    this process reads and checks the second half of them meanwhile and hands back their
    `FileCheck`s (pickled: about a tenth of the time reading them takes). The findings are
    the same either way. Only where forking is safe: no other thread of this process may
    hold a lock the child would need.

    `read`, if given, is given the records this process has read and checked on its own
    as soon as it has (before the forked half's and the checks across records), to start
    work on them that is wasted, not wrong, if the check then fails.
    """
    unchanged = unchanged or {}
    today = today or dt.date.today()
    result = CheckResult()
    if not root.is_dir():
        result.problems.append(Problem(display_path(root), 1, 1, "missing-folder",
                                       "找不到数据目录"))
        return result
    result.vocab, problems = load_vocab(root)
    files, misplaced = record_files(root)
    problems += misplaced
    # The records are trees without cycles; pausing the cycle collector while thousands of
    # them pile up saves it from rescanning them all again and again (~15% of the check).
    collecting = gc.isenabled()
    gc.disable()
    half = None
    try:
        half = _forked_half(files, unchanged, result.vocab, root) if parallel else None
        skip = half[1] if half is not None else frozenset()
        mine = {file: FileCheck(*check_file(file, kind, result.vocab, root))
                for kind, file in files if file not in unchanged and file not in skip}
        if read is not None:
            read([checked.record for checked in mine.values() if checked.record is not None])
        theirs: dict[Path, FileCheck] = {}
        if half is not None:  # this half done: take the other
            theirs, half = dict(half[0].result()), None
        for _, file in files:  # in order
            checked = unchanged.get(file) or mine.get(file) or theirs[file]
            result.by_file[file] = checked
            problems += checked.problems
            if checked.record is not None:
                result.records.append(checked.record)
        problems += cross_check(result.records, today, earlier, result.crossed)
        result.today = today
    finally:
        if half is not None:  # left early (an exception): the child's work is not wanted
            half[0].cancel()
        if collecting:
            gc.enable()
    result.problems = sorted(set(problems))
    return result


def _forked_half(files: list[tuple[str, Path]], unchanged: MappingOf[Path, FileCheck],
                 vocab: Vocab, root: Path
                 ) -> tuple[ForkedJob[list[tuple[Path, FileCheck]]], frozenset[Path]] | None:
    """Start a forked child checking about half of the `files` to read (those not
    `unchanged`): every other one, so that each half has as many of each kind (whose
    files differ in size: a count's first half, mostly sites, took a quarter longer than
    its second), but every twelfth of those, which this process keeps: the child starts
    later and pickles what it found at the end (at 10,000 records this process waited
    ~0.2 s for it with even halves). Return it and its files, or None when there are too
    few files or one core."""
    todo = [(kind, file) for kind, file in files if file not in unchanged]
    if len(todo) < PARALLEL_MIN or (os.cpu_count() or 1) < 2:
        return None
    theirs = [item for n, item in enumerate(todo[1::2]) if n % 12 != 11]

    def work() -> list[tuple[Path, FileCheck]]:
        return [(file, FileCheck(*check_file(file, kind, vocab, root))) for kind, file in theirs]

    return ForkedJob(work), frozenset(file for _, file in theirs)
