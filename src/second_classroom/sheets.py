"""Spreadsheets in and out: the 宣讲 schedule, the ledger and sites as WPS/Excel sheets.

Columns are the fields' Chinese labels from models.py (the labels `classroom schema` and
CONTRIBUTING document), with a first column 编号 for the record id:

- a plain field is one column (日期, 状态);
- a field with sub-fields that is not a list (所在地区) gives one column per sub-field
  (省级行政区, 市（地、州、盟）, 县（市、区、旗）);
- a list of values is one cell, one value a line (vocabulary terms and ids may also be
  separated by 、 or ，);
- a list of items with sub-fields (进展记录, 来源) is one cell, one item a line, its
  sub-fields in declared order separated by “|”: `2026-09-10 | 完成采购和安装`.

Reading turns every row into the same position-keeping tree the YAML loader makes (line =
row, column = column) and converts it with the kind's declaration, so a sheet is checked
exactly like a record file, and every problem names its sheet, row and column. Nothing is
written unless every row is valid; an existing record is only replaced when asked.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .check import display_path, load_vocab, read_record, record_files
from .load import Mapping, Node, Scalar, Sequence, parse_yaml
from .models import (
    KINDS,
    SLUG,
    Boolean,
    Context,
    Field,
    ListOf,
    Record,
    RecordKind,
    Ref,
    Struct,
    Term,
    Vocab,
)
from .problems import Findings, Mark, Problem

ID_LABEL = "编号"
ITEM_SEP = "|"
_LIST_SPLIT = re.compile(r"[、，,；;]+")
_ITEM_SPLIT = re.compile(r"\s*(?<!\\)\|\s*")  # an ASCII | not written as \|
_YES = {"true": "true", "false": "false", "是": "true", "否": "false", "TRUE": "true",
        "FALSE": "false"}
# Fill colours of a status cell in the written workbook (light, so black text reads).
STATUS_FILLS = {"未启动": "ECEFF1", "推进中": "BBDEFB", "已完成": "C8E6C9", "已销号": "81C784",
                "计划": "BBDEFB", "已取消": "E0E0E0"}


class SheetError(Exception):
    """The file cannot be read as a sheet at all (missing, wrong format); in Chinese."""


# --- Columns -------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One column of a kind's sheet: its label and the field (or sub-field) it holds."""

    label: str
    path: tuple[str, ...]  # ("status",) or ("region", "province")
    field: Field | None  # None for the 编号 column

    @property
    def shape(self) -> str:
        """"id", "scalar", "list" (of values) or "items" (of sub-field mappings)."""
        if self.field is None:
            return "id"
        kind = self.field.type
        if isinstance(kind, ListOf):
            return "items" if isinstance(kind.item, Struct) else "list"
        return "scalar"


def _flat(struct: Struct) -> bool:
    return not any(isinstance(f.type, Struct | ListOf) for f in struct.fields)


def fits(f: Field) -> bool:
    """Whether a field's value fits in a cell (outlines' nested sections do not)."""
    kind = f.type
    if isinstance(kind, ListOf) and isinstance(kind.item, Struct | ListOf):
        return isinstance(kind.item, Struct) and _flat(kind.item)
    return not (isinstance(kind, Struct) and not _flat(kind))


def off_sheet(spec: RecordKind) -> list[Field]:
    """Return the optional fields of a kind that do not fit in a cell (a site's quiz): its
    sheet leaves them out, and importing over a record keeps the values its file has."""
    return [f for f in spec.fields if not fits(f) and not f.required]


def importable(spec: RecordKind) -> bool:
    """Whether every required field of a kind fits in a cell."""
    return all(fits(f) for f in spec.fields if f.required)


def importable_kinds() -> list[str]:
    """Return the kinds whose records fit in a sheet (for `classroom import` and `table`)."""
    return [name for name, spec in KINDS.items() if importable(spec)]


def columns(spec: RecordKind) -> list[Column]:
    """Return the columns of a kind's sheet, in field order, 编号 first."""
    out = [Column(ID_LABEL, (), None)]
    left_out = off_sheet(spec)
    for f in spec.fields:
        if f in left_out:
            continue
        if isinstance(f.type, Struct):
            out += [Column(sub.label, (f.name, sub.name), sub) for sub in f.type.fields]
        else:
            out.append(Column(f.label, (f.name,), f))
    return out


def _column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --- Reading -------------------------------------------------------------------------

@dataclass
class Sheet:
    """The rows of one sheet as text cells, with the sheet's name for messages."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number in the sheet, cells)


def cell_text(value: Any) -> str:
    """Return a spreadsheet cell's value as the text an editor would type in YAML."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return f"{value.date().isoformat()} {value.hour}:{value.minute:02d}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return f"{value.hour}:{value.minute:02d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def decode_csv(raw: bytes) -> str:
    """Return CSV bytes as text: UTF-8 (with or without BOM), else GB18030 (WPS, Excel)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def read_sheet(file: Path) -> Sheet:
    """Read the first sheet of an .xlsx file, or a .csv file. Raises SheetError."""
    suffix = file.suffix.lower()
    if not file.is_file():
        raise SheetError(f"找不到文件 {file}")
    if suffix == ".csv":
        try:
            text = decode_csv(file.read_bytes())
        except UnicodeDecodeError as exc:
            raise SheetError(f"{file}：无法识别文件编码，请另存为 UTF-8 或 GB18030 编码的 CSV") \
                from exc
        rows = list(csv.reader(io.StringIO(text, newline="")))
        header = [cell_text(c) for c in rows[0]] if rows else []
        return Sheet(file.stem, header,
                     [(n, [cell_text(c) for c in row]) for n, row in enumerate(rows[1:], 2)])
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            book = openpyxl.load_workbook(file, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
            raise SheetError(f"{file}：不是有效的 xlsx 文件（{exc.__class__.__name__}）") from exc
        try:
            ws = book.worksheets[0]
            values = [[cell_text(c) for c in row] for row in ws.iter_rows(values_only=True)]
            name = ws.title
        finally:
            book.close()
        header = values[0] if values else []
        return Sheet(name, header, list(enumerate(values[1:], 2)))
    raise SheetError(f"{file}：只能导入 .xlsx 或 .csv 文件（WPS 表格请另存为其中一种）")


@dataclass
class Row:
    """One row converted to a record (or not), with its problems."""

    number: int
    id: str
    record: Record | None
    text: str  # the YAML file it becomes
    problems: list[Problem] = field(default_factory=list)


@dataclass
class ImportPlan(Findings):
    """What an import would do: the rows, every problem, and the files it would write."""

    kind: str
    sheet: str
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    added: list[Row] = field(default_factory=list)
    changed: list[tuple[Row, list[str]]] = field(default_factory=list)  # row, change lines
    unchanged: list[Row] = field(default_factory=list)


class _Where:
    """Turns a problem found at (row, column) into one naming the sheet, row and column."""

    def __init__(self, path: str, sheet: str, labels: dict[int, str]) -> None:
        self.path, self.sheet, self.labels = path, sheet, labels

    def problem(self, row: int, column: int, code: str, message: str,
                severity: str = "error") -> Problem:
        label = self.labels.get(column)
        where = f"工作表“{self.sheet}”第 {row} 行"
        if label:
            where += f"“{label}”列（{_column_letter(column)} 列）"
        return Problem(self.path, row, column, code, f"{where}：{message}",
                       "warning" if severity == "warning" else "error")


def _scalar(text: str, mark: Mark, spec: Field) -> Scalar:
    if isinstance(spec.type, Boolean):
        text = _YES.get(text, text)
    return Scalar(text, mark, plain=True, one_line="\n" not in text)


def _list_values(text: str, item: object, vocab: Vocab) -> list[str]:
    """Split a list cell: one value a line; terms and ids may also be separated by 、 or ，
    (a term that itself holds a 、, such as 国家级抗战纪念设施、遗址, stays whole)."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if not isinstance(item, Term | Ref):
        return lines
    terms = set(vocab.terms(item.vocabulary)) if isinstance(item, Term) else set()
    out: list[str] = []
    for line in lines:
        out += [line] if line in terms else [p.strip() for p in _LIST_SPLIT.split(line)
                                              if p.strip()]
    return out


def _cell_node(column: Column, text: str, mark: Mark, vocab: Vocab) -> Node:
    assert column.field is not None
    kind = column.field.type
    if column.shape == "scalar":
        return _scalar(text, mark, column.field)
    assert isinstance(kind, ListOf)
    if column.shape == "list":
        return Sequence([Scalar(v, mark) for v in _list_values(text, kind.item, vocab)], mark)
    assert isinstance(kind.item, Struct)
    subs = kind.item.fields
    items: list[Node] = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        values = _ITEM_SPLIT.split(line.strip(), maxsplit=len(subs) - 1)
        pairs: list[tuple[Scalar, Node]] = [
            (Scalar(sub.name, mark), _scalar(value.replace("\\|", "|"), mark, sub))
                 for sub, value in zip(subs, values, strict=False) if value.strip()]
        items.append(Mapping(pairs, mark))
    return Sequence(items, mark)


def _row_node(cols: list[tuple[int, Column]], cells: list[str], row: int,
              vocab: Vocab) -> tuple[Mapping, str]:
    """Return a row as a record mapping (empty cells left out) and its 编号 cell."""
    top: list[tuple[Scalar, Node]] = []
    nested: dict[str, list[tuple[Scalar, Node]]] = {}
    nested_mark: dict[str, Mark] = {}
    record_id = ""
    for index, column in cols:
        text = cells[index - 1].strip() if index - 1 < len(cells) else ""
        mark = Mark(row, index)
        if column.shape == "id":
            record_id = text
            continue
        if not text:
            continue
        node = _cell_node(column, text, mark, vocab)
        if len(column.path) == 2:
            parent = column.path[0]
            nested.setdefault(parent, []).append((Scalar(column.path[1], mark), node))
            nested_mark.setdefault(parent, mark)
        else:
            top.append((Scalar(column.path[0], mark), node))
    for parent, pairs in nested.items():
        top.append((Scalar(parent, nested_mark[parent]), Mapping(pairs, nested_mark[parent])))
    return Mapping(top, Mark(row, 1)), record_id


def _generated_id(spec: RecordKind, data: dict[str, Any]) -> str:
    """An id for a row without 编号: stable for the same title and dates."""
    key = "|".join(str(data.get(f.name, "")) for f in spec.fields[:4])
    return f"{spec.name}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:10]}"


class _Dumper(yaml.SafeDumper):
    """Block YAML with list items indented under their key, as the sample records are."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def choose_scalar_style(self) -> str:
        style: str = super().choose_scalar_style()
        return '"' if style == "'" else style  # time: "9:30", as CONTRIBUTING writes it


def record_yaml(spec: RecordKind, data: dict[str, Any]) -> str:
    """Return a record's data as YAML, fields in declared order, the way editors write."""
    ordered = _ordered(spec.schema, data)
    return yaml.dump(ordered, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     width=10**6, default_flow_style=False)


def _ordered(struct: Struct, data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in struct.fields:
        if f.name not in data:
            continue
        value = data[f.name]
        inner = f.type.item if isinstance(f.type, ListOf) else f.type
        if isinstance(inner, Struct):
            value = [_ordered(inner, v) for v in value] if isinstance(f.type, ListOf) \
                else _ordered(inner, value)
        out[f.name] = value
    return out


def plan_import(file: Path, kind: str, root: Path, today: dt.date | None = None,
                update: bool = False) -> ImportPlan:
    """Read `file` as records of `kind` for data folder `root` and say what would change.

    Raises SheetError when the file is not a readable sheet.
    """
    from .diff import change_lines, compare, plain

    today = today or dt.date.today()
    spec = KINDS[kind]
    sheet = read_sheet(file)
    plan = ImportPlan(kind, sheet.name)
    path = display_path(file)
    declared = {c.label: c for c in columns(spec)}
    header_labels = {i: label for i, label in enumerate(sheet.header, 1) if label}
    where = _Where(path, sheet.name, header_labels)
    cols: list[tuple[int, Column]] = []
    seen: dict[str, int] = {}
    for index, label in header_labels.items():
        if label in seen:
            plan.problems.append(where.problem(1, index, "duplicate-column",
                                               f"列名“{label}”与第 {seen[label]} 列重复"))
            continue
        seen[label] = index
        column = declared.get(label)
        if column is None:
            close = difflib.get_close_matches(label, list(declared), n=1, cutoff=0.5)
            hint = f"，是否指“{close[0]}”？" if close else "，可用列名：" + "、".join(declared)
            plan.problems.append(where.problem(1, index, "unknown-column",
                                               f"未知列名“{label}”{hint}"))
            continue
        cols.append((index, column))
    for column in declared.values():
        if column.field is None or column.label in seen or not column.field.required:
            continue
        if len(column.path) == 2 and not spec.field(column.path[0]).required:
            continue  # a sub-field is required only where its parent is
        plan.problems.append(Problem(path, 1, 1, "missing-column",
                                     f"工作表“{sheet.name}”第 1 行：缺少必填列“{column.label}”"))
    if plan.errors:
        return plan

    vocab, vocab_problems = load_vocab(root)
    plan.problems += [p for p in vocab_problems if p.severity == "error"]
    existing: dict[str, tuple[str, Path]] = {}
    files, _ = record_files(root)
    for other_kind, other in files:
        existing.setdefault(other.stem, (other_kind, other))
    batch: dict[str, int] = {}
    for number, cells in sheet.rows:
        if not any(c.strip() for c in cells):
            continue  # blank rows between or after the data
        row = _convert_row(spec, cols, cells, number, root, vocab, where, today)
        plan.rows.append(row)
        id_column = next((i for i, c in cols if c.shape == "id"), 1)
        if row.id in batch:
            row.problems.append(where.problem(number, id_column, "duplicate-id",
                                              f"编号“{row.id}”与第 {batch[row.id]} 行重复"))
        batch.setdefault(row.id, number)
        if row.record is not None:
            for ref in row.record.refs:
                found = existing.get(ref.id)
                if (found is None or found[0] != ref.kind) and not (
                        ref.kind == kind and ref.id in batch):
                    row.problems.append(where.problem(
                        ref.mark.line, ref.mark.column, "unknown-ref",
                        f"找不到编号为“{ref.id}”的{KINDS[ref.kind].noun}（{ref.kind}/{ref.id}.yml）"))
        taken = existing.get(row.id)
        if taken is not None and taken[0] != kind:
            row.problems.append(where.problem(
                number, id_column, "duplicate-id",
                f"编号“{row.id}”已被 {display_path(taken[1])} 使用，编号在全部记录中必须唯一"))
        plan.problems += row.problems
    if plan.errors:
        return plan
    for row in plan.rows:
        target = root / kind / f"{row.id}.yml"
        if not target.exists():
            plan.added.append(row)
            continue
        if row.record is not None and (kept := _kept_values(spec, target, root, vocab)):
            row.record.data.update(kept)  # a site's quiz is not in the sheet: keep the file's
            row.text = record_yaml(spec, row.record.data)
        old_text = target.read_text("utf-8-sig")
        old_node, _ = parse_yaml(old_text, display_path(target))
        new_node, _ = parse_yaml(row.text, display_path(target))
        old = plain(old_node) if old_node is not None else {}
        new = plain(new_node) if new_node is not None else {}
        changes = compare(spec.schema, old if isinstance(old, dict) else {},
                          new if isinstance(new, dict) else {})
        if not changes:
            plan.unchanged.append(row)
            continue
        if not update:
            id_column = next((i for i, c in cols if c.shape == "id"), 1)
            plan.problems.append(where.problem(
                row.number, id_column, "exists",
                f"记录 {display_path(target)} 已存在且内容不同；确认要覆盖请加 --update"))
            continue
        plan.changed.append((row, [line for c in changes for line in change_lines(c)]))
    return plan


def _convert_row(spec: RecordKind, cols: list[tuple[int, Column]], cells: list[str],
                 number: int, root: Path, vocab: Vocab, where: _Where,
                 today: dt.date) -> Row:
    node, record_id = _row_node(cols, cells, number, vocab)
    ctx = Context(path=where.path, vocab=vocab, data_root=root)
    data = spec.schema.convert(node, ctx, "")
    problems = [where.problem(p.line, p.column, p.code, p.message, p.severity)
                for p in ctx.problems]
    id_column = next((i for i, c in cols if c.shape == "id"), 1)
    if not isinstance(data, dict):
        return Row(number, record_id, None, "", problems)
    if not record_id:
        record_id = _generated_id(spec, data)
    elif not SLUG.match(record_id):
        problems.append(where.problem(number, id_column, "bad-id",
                                      f"编号“{record_id}”只能用小写字母、数字和连字符"))
    record = Record(spec.name, record_id, where.path, data, ctx.marks, ctx.refs)
    for name, code, message, severity in spec.rules(data, today):
        mark = record.mark(name) if name in ctx.marks else Mark(number, id_column)
        problems.append(where.problem(mark.line, mark.column, code, message, severity))
    return Row(number, record_id, record, record_yaml(spec, data), problems)


def _kept_values(spec: RecordKind, target: Path, root: Path, vocab: Vocab) -> dict[str, Any]:
    """Return the values of the fields a sheet leaves out, as the existing file has them."""
    names = [f.name for f in off_sheet(spec)]
    if not names:
        return {}
    record, _ = read_record(target, spec.name, vocab, root)
    if record is None:
        return {}
    return {name: record.data[name] for name in names if name in record.data}


def write_import(plan: ImportPlan, root: Path) -> int:
    """Write the added and changed records of a valid plan; return how many were written.

    Each file is written to a temporary name and renamed into place, so a record is never
    left half written.
    """
    assert not plan.errors
    folder = root / plan.kind
    folder.mkdir(parents=True, exist_ok=True)
    rows = plan.added + [row for row, _ in plan.changed]
    for row in rows:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{row.id}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(row.text)
        os.replace(tmp, folder / f"{row.id}.yml")
    return len(rows)


# --- Writing -------------------------------------------------------------------------

def read_records(root: Path, kind: str) -> tuple[list[Record], list[Problem]]:
    """Return every record of `kind` under `root` (drafts too), sorted by id, and the
    problems of those files (errors mean the table would not be faithful)."""
    vocab, problems = load_vocab(root)
    records: list[Record] = []
    folder = root / kind
    for file in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        record, found = read_record(file, kind, vocab, root)
        problems += found
        if record is not None:
            records.append(record)
    return records, [p for p in problems if p.severity == "error"]


def cell_value(column: Column, data: dict[str, Any]) -> Any:
    """Return what a column holds for a record: a date, a number or text."""
    value: Any = data
    for part in column.path:
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return None
    if column.shape == "list":
        return "\n".join(str(v) for v in value)
    if column.shape == "items":
        assert column.field is not None and isinstance(column.field.type, ListOf)
        item = column.field.type.item
        assert isinstance(item, Struct)
        lines = []
        for entry in value:
            parts = [str(entry.get(sub.name, "")).replace(ITEM_SEP, "\\" + ITEM_SEP)
                     for sub in item.fields]
            while parts and not parts[-1]:
                parts.pop()
            lines.append(f" {ITEM_SEP} ".join(parts))
        return "\n".join(lines)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def table_rows(spec: RecordKind, records: list[Record]) -> Iterator[list[Any]]:
    """Yield a header row, then one row per record."""
    cols = columns(spec)
    yield [c.label for c in cols]
    for record in records:
        yield [record.id if c.shape == "id" else cell_value(c, record.data) for c in cols]


def write_csv(spec: RecordKind, records: list[Record], out: Path) -> None:
    """Write records as CSV, UTF-8 with BOM (so Excel on Chinese Windows reads it)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in table_rows(spec, records):
        writer.writerow(["" if v is None else (v.isoformat() if isinstance(v, dt.date)
                                               else str(v)) for v in row])
    out.write_text(buffer.getvalue(), encoding="utf-8-sig", newline="")


def _width(text: str) -> int:
    """Display width of a cell's longest line: a Chinese character counts as two."""
    lines = str(text).split("\n") or [""]
    return max(sum(2 if ord(ch) > 0x2E7F else 1 for ch in line) for line in lines)


def write_xlsx(spec: RecordKind, records: list[Record], out: Path,
               created: dt.date | None = None) -> None:
    """Write records as an .xlsx workbook: bold frozen header, fitted column widths, real
    date and number cells, wrapped multi-line cells and a colour per status."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = spec.label
    cols = columns(spec)
    widths = [_width(c.label) for c in cols]
    header_fill = PatternFill("solid", fgColor="B71C1C")
    for row_index, row in enumerate(table_rows(spec, records), 1):
        for col_index, value in enumerate(row, 1):
            cell = ws.cell(row=row_index, column=col_index, value=value)
            if row_index == 1:
                cell.font = Font(bold=True, color="FFFFFF")
                cell.fill = header_fill
                cell.alignment = Alignment(vertical="center", wrap_text=True)
                continue
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
                widths[col_index - 1] = max(widths[col_index - 1], 10)
            elif value is not None:
                widths[col_index - 1] = max(widths[col_index - 1], _width(str(value)))
            if isinstance(value, str) and "\n" in value:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            else:
                cell.alignment = Alignment(vertical="top")
            fill = STATUS_FILLS.get(value) if isinstance(value, str) else None
            if fill and cols[col_index - 1].path == ("status",):
                cell.fill = PatternFill("solid", fgColor=fill)
    for index, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(index)].width = min(60, max(8, width + 2))
    ws.freeze_panes = "B2"  # header row and 编号 column stay in view
    ws.auto_filter.ref = ws.dimensions
    if created is not None:  # the data's date, so the same data gives the same metadata
        stamp = dt.datetime.combine(created, dt.time(0, 0))
        book.properties.created = stamp
        book.properties.modified = stamp
    book.properties.creator = "第二课堂"
    book.save(out)
