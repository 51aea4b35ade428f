"""Check a few record files against the whole catalog, fast: `classroom check FILES…`.

Checking the files a commit changes must still resolve their references to every other
record (ids, kinds, drafts, a book's chapters), but need not convert 10,000 records to do
so. What a reference needs of its target (`check.Target`) is kept in an index under
`.cache/` beside the data folder, one entry per record file, keyed by the BLAKE2 digest of
the file's bytes. Every entry's digest is checked against the file before the entry is
used; a file whose bytes changed (or that is new) is read and converted again. The index
is thrown away whole when the vocabulary or this program changes, since both decide
whether a record converts at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import __version__
from .cachefile import write_atomic
from .check import (
    CheckResult,
    Target,
    _ids_by_kind,
    _warnings,
    display_path,
    kind_of,
    load_vocab,
    place_problems,
    quote_problems,
    read_record,
    ref_problems,
    source_problems,
    target_of,
)
from .models import KINDS, Record, Vocab
from .problems import Problem

INDEX_VERSION = 3


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def index_path(root: Path) -> Path:
    """Return where the index of the data folder `root` is kept: `.cache/` beside it."""
    resolved = root.resolve()
    name = hashlib.blake2b(str(resolved).encode("utf-8"), digest_size=6).hexdigest()
    return resolved.parent / ".cache" / "check-index" / f"{resolved.name}-{name}.json"


def _program_digest() -> str:
    """Digest of what decides how a record converts: this package's version and sources."""
    here = Path(__file__).parent
    h = hashlib.blake2b(__version__.encode(), digest_size=16)
    for name in ("models.py", "check.py", "load.py", "checkindex.py"):
        with contextlib.suppress(OSError):  # installed without sources: version only
            h.update((here / name).read_bytes())
    return h.hexdigest()


def _read_index(file: Path, key: str) -> dict[str, Any]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("key") != key or \
            not isinstance(data.get("entries"), dict):
        return {}
    entries: dict[str, Any] = data["entries"]
    return entries


def _write_index(file: Path, key: str, entries: dict[str, Any]) -> None:
    """Write the index atomically; a cache that cannot be written is simply not kept."""
    data = json.dumps({"key": key, "entries": entries}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    with contextlib.suppress(OSError):
        write_atomic(file, data)


def _entry(target: Target | None, digest: str, refs: list[str]) -> dict[str, Any]:
    if target is None:
        return {"digest": digest, "target": None, "refs": refs}
    return {"digest": digest, "target": [target.kind, target.id, target.draft, target.title,
                                         list(target.parts), list(target.filled)],
            "refs": refs}


def _target(entry: Any, digest: str, path: str) -> tuple[bool, Target | None]:
    """Return (usable, target) of a cached entry: usable only if its digest matches the
    file's. `path` is how the file is named in messages from the working folder."""
    if not isinstance(entry, dict) or entry.get("digest") != digest:
        return False, None
    value = entry.get("target")
    if value is None:
        return True, None
    try:
        kind, rid, draft, title, parts, filled = value
        return True, Target(str(kind), str(rid), path, bool(draft), str(title),
                            tuple(str(p) for p in parts), tuple(str(f) for f in filled))
    except (TypeError, ValueError):
        return False, None


def _record_entries(root: Path) -> list[tuple[str, str]]:
    """Return (kind, file name) of every record file, as `check.record_files` finds them,
    from one directory listing per kind (no stat per file)."""
    found: list[tuple[str, str]] = []
    for kind in KINDS:
        try:
            with os.scandir(root / kind) as entries:
                names = sorted(e.name for e in entries
                               if e.name.endswith(".yml") and not e.name.startswith(".")
                               and e.is_file())
        except OSError:
            continue
        found += [(kind, name) for name in names]
    return found


@dataclass
class Catalog:
    """What the index says of every record file but the ones being checked."""

    targets: dict[str, list[Target]] = field(default_factory=dict)  # id -> records
    referrers: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # id -> files
    converted: int = 0  # files read and converted (the rest came from the index)


def catalog_targets(root: Path, vocab: Vocab, vocab_bytes: bytes,
                    skip: set[tuple[str, str]]) -> Catalog:
    """Return the targets of every record file under `root` but the (kind, file name)
    pairs in `skip`, which files refer to which ids, and how many files had to be read and
    converted (the rest came from the index, each after its digest matched the file's)."""
    key = f"{INDEX_VERSION}:{_program_digest()}:{_digest(vocab_bytes)}"
    cache_file = index_path(root)
    old = _read_index(cache_file, key)
    entries: dict[str, Any] = {}
    found = Catalog()
    shown_root, base = display_path(root), os.fspath(root)
    collecting = gc.isenabled()
    gc.disable()
    try:
        for kind, name in _record_entries(root):
            rel = f"{kind}/{name}"
            try:
                with open(f"{base}/{rel}", "rb") as handle:
                    raw = handle.read()
            except OSError:
                continue
            digest = _digest(raw)
            entry = old.get(rel)
            usable, target = _target(entry, digest, f"{shown_root}/{rel}")
            refs = entry.get("refs") if usable and isinstance(entry, dict) else None
            if not isinstance(refs, list):
                record, _ = read_record(root / kind / name, kind, vocab, root)
                target = target_of(record) if record is not None else None
                refs = sorted({r.id for r in record.refs}) if record is not None else []
                found.converted += 1
            entries[rel] = _entry(target, digest, refs)
            if (kind, name) in skip:
                continue
            if target is not None:
                found.targets.setdefault(target.id, []).append(target)
            for rid in refs:
                found.referrers.setdefault(str(rid), []).append((kind, name))
    finally:
        if collecting:
            gc.enable()
    if entries != old:
        _write_index(cache_file, key, entries)
    return found


def check_files(root: Path, files: Iterable[Path], today: dt.date | None = None,
                deleted: Iterable[Path] = ()) -> tuple[CheckResult, int]:
    """Check the record `files` (under the data folder `root`) against every record there;
    return their problems, and how many other records had to be converted.

    References from the files are resolved against all records, through the digest-checked
    index. A change can also break the records that refer to a file (it became a draft,
    lost a chapter, or was `deleted`): those references are checked too, and reported in
    the files that hold them. A file outside the kinds' folders is reported as such.
    """
    today = today or dt.date.today()
    result = CheckResult()
    vocab_file = root / "vocab.yml"
    result.vocab, vocab_problems = load_vocab(root)
    try:
        vocab_bytes = vocab_file.read_bytes()
    except OSError:
        vocab_bytes = b""
    given = list(dict.fromkeys(f.resolve() for f in files))
    gone = [f.resolve() for f in deleted]
    kinds = {f: kind_of(f, root) for f in given}
    index = catalog_targets(root, result.vocab, vocab_bytes,
                            {(k, f.name) for f, k in kinds.items() if k})
    problems = [p for p in vocab_problems if p.severity == "error"]
    records: list[Record] = []
    for file, kind in kinds.items():
        if kind is None:
            problems.append(Problem(display_path(file), 1, 1, "unknown-folder",
                                    "这个文件不在任何一类记录的目录中（如 sites/、people/），"
                                    "不会被读取"))
            continue
        if not file.is_file():
            continue  # deleted
        if file.suffix != ".yml":
            problems.append(Problem(display_path(file), 1, 1, "bad-extension",
                                    "记录文件的扩展名必须是 .yml，否则不会被读取"))
            continue
        record, found = read_record(file, kind, result.vocab, root)
        problems += found
        if record is not None:
            problems += source_problems(record, result.vocab) + quote_problems(record) \
                + place_problems(record, result.vocab)
            records.append(record)
    mine = {r.id: target_of(r) for r in records}
    everyone: dict[str, Target] = {i: ts[0] for i, ts in index.targets.items()}
    everyone.update(mine)
    ids_by_kind = _ids_by_kind(everyone.values())
    for record in records:
        for other in index.targets.get(record.id, []):
            problems.append(Problem(record.path, 1, 1, "duplicate-id",
                                    f"编号“{record.id}”已被 {other.path} 使用，编号在全部记录中必须唯一"))
        problems += ref_problems(record, everyone, ids_by_kind)
        problems += _warnings(record, today)
    # The records that refer to what changed: only those references are checked again.
    changed = {f.stem for f, k in kinds.items() if k} | {f.stem for f in gone}
    for kind, name in sorted({r for rid in changed for r in index.referrers.get(rid, [])}):
        referrer, _ = read_record(root / kind / name, kind, result.vocab, root)
        if referrer is not None:
            touched = replace(referrer, refs=[r for r in referrer.refs if r.id in changed])
            problems += ref_problems(touched, everyone, ids_by_kind)
    result.records = records
    result.problems = sorted(set(problems))
    return result, index.converted


def data_root_of(path: Path) -> Path | None:
    """Return the data folder a record file lies in (the folder holding vocab.yml above
    it), or None."""
    for folder in path.resolve().parents:
        if (folder / "vocab.yml").is_file():
            return folder
    return None

