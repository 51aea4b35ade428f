"""Spreadsheets in and out: `classroom table` and `classroom import`, read back by openpyxl
and by LibreOffice, round trips, encodings, and nothing written on failure."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import REPO

from second_classroom.check import check_tree
from second_classroom.cli import main
from second_classroom.models import KINDS
from second_classroom.sheets import columns, off_sheet, read_records

TODAY = "2026-12-01"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        status = main(args)
    except SystemExit as exc:
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def data(tmp_path: Path) -> Path:
    root = tmp_path / "site_data"
    shutil.copytree(REPO / "site_data", root)
    return root


def records_of(root: Path, kind: str) -> dict[str, dict[str, Any]]:
    result = check_tree(root, dt.date(2026, 12, 1))
    assert result.errors == [], [p.format() for p in result.errors[:3]]
    return {r.id: r.data for r in result.records if r.kind == kind}


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.is_dir() else {}


@pytest.mark.parametrize("kind", ["tasks", "lectures", "sites"])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_table_then_import_gives_identical_records(kind: str, fmt: str, data: Path,
                                                   tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    before = records_of(data, kind)
    sheet = tmp_path / f"{kind}.{fmt}"
    assert run(["table", "--kind", kind, "--data", str(data), str(sheet)], capsys)[0] == 0
    shutil.rmtree(data / kind)
    status, out, err = run(["import", str(sheet), "--kind", kind, "--data", str(data),
                            "--today", TODAY], capsys)
    assert status == 0, err
    assert f"新增 {len(before)} 条" in out
    # What a sheet cannot hold (a site's quiz) is not in it: a new record comes without it.
    left_out = [f.name for f in off_sheet(KINDS[kind])]
    assert records_of(data, kind) == {i: {k: v for k, v in d.items() if k not in left_out}
                                      for i, d in before.items()}
    if kind != "sites":  # the sample's own files are written the way import writes them
        assert files(data / kind) == files(REPO / "site_data" / kind)
    # Imported again unchanged: nothing to do, even without --update.
    status, out, _ = run(["import", str(sheet), "--kind", kind, "--data", str(data),
                          "--today", TODAY], capsys)
    assert status == 0 and f"未变 {len(before)} 条" in out


def test_importing_over_a_site_keeps_its_quiz(data: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A site's quiz does not fit a cell: its sheet leaves it out and importing the sheet
    over the site keeps the quiz the file has, while the cells' changes are applied."""
    site = "xiangjiang-zhanyi-jinianyuan"
    before = records_of(data, "sites")[site]
    assert before["questions"] and "questions" not in [c.path[0] for c in
                                                        columns(KINDS["sites"]) if c.path]
    sheet = tmp_path / "sites.csv"
    assert run(["table", "--kind", "sites", "--format", "csv", "--data", str(data),
                str(sheet)], capsys)[0] == 0
    text = sheet.read_text("utf-8-sig")
    sheet.write_text(text.replace(before["summary"], before["summary"] + "（改）"), "utf-8-sig")
    status, out, err = run(["import", str(sheet), "--kind", "sites", "--data", str(data),
                            "--today", TODAY, "--update"], capsys)
    assert status == 0, err
    after = records_of(data, "sites")[site]
    assert after["summary"].endswith("（改）")
    assert after["questions"] == before["questions"]


def test_xlsx_reads_back_with_openpyxl(data: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tasks.xlsx"
    assert run(["table", "--kind", "tasks", "--format", "xlsx", "--data", str(data),
                str(out)], capsys)[0] == 0
    book = openpyxl.load_workbook(out)
    ws = book.active
    assert ws.title == "办实事台账"
    assert ws.freeze_panes == "B2"
    header = [c.value for c in ws[1]]
    assert header == [c.label for c in columns(KINDS["tasks"])]
    assert all(c.font.bold for c in ws[1])
    records, _ = read_records(data, "tasks")
    status_col = header.index("状态") + 1
    fills = set()
    for row, record in enumerate(records, 2):
        assert ws.cell(row, 1).value == record.id
        assert ws.cell(row, header.index("事项") + 1).value == record.data["title"]
        start = ws.cell(row, header.index("开始日期") + 1)
        assert start.value.date() == record.data["start"] and start.number_format == "yyyy-mm-dd"
        status = ws.cell(row, status_col)
        assert status.value == record.data["status"]
        fills.add((status.value, status.fill.fgColor.rgb))
    assert len({rgb for _, rgb in fills}) == len({s for s, _ in fills}) >= 3  # one per status
    widths = {k: d.width for k, d in ws.column_dimensions.items()}
    assert widths["A"] > 20 and widths[openpyxl.utils.get_column_letter(
        header.index("进展记录") + 1)] > widths[openpyxl.utils.get_column_letter(status_col)]


def test_libreoffice_converts_the_xlsx_to_the_same_rows(data: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is a test dependency: scripts/setup.sh installs libreoffice-calc"
    xlsx, ours = tmp_path / "tasks.xlsx", tmp_path / "ours.csv"
    for out in (xlsx, ours):
        assert run(["table", "--kind", "tasks", "--data", str(data), str(out)], capsys)[0] == 0
    outdir = tmp_path / "lo"
    done = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(outdir),
         str(xlsx)], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    converted = list(csv.reader(io.StringIO((outdir / "tasks.csv").read_text("utf-8-sig"))))
    written = list(csv.reader(io.StringIO(ours.read_text("utf-8-sig"))))
    assert converted == written
    assert len(converted) == 1 + len(records_of(data, "tasks"))


def test_csv_is_utf8_with_bom(data: Path, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tasks.csv"
    assert run(["table", "--kind", "tasks", "--data", str(data), str(out)], capsys)[0] == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf\xe7\xbc\x96\xe5\x8f\xb7")  # BOM, then 编号
    assert b"\r\n" in raw


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_any_encoding_wps_saves(encoding: str, data: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    text = ("编号,事项,责任单位,类别,开始日期,完成时限,状态,进展记录\n"
            "banshi-new-ludeng,示例村九安装路灯,示例镇一人民政府,基础设施,2026-09-01,2027-03-31,推进中,"
            '"2026-09-01 | 入户征求意见\n2026-10-01 | 完成招标"\n')
    sheet = tmp_path / "new.csv"
    sheet.write_bytes(text.encode(encoding))
    status, out, err = run(["import", str(sheet), "--kind", "tasks", "--data", str(data),
                            "--today", TODAY], capsys)
    assert status == 0, err
    record = records_of(data, "tasks")["banshi-new-ludeng"]
    assert record["title"] == "示例村九安装路灯"
    assert record["progress"] == [{"date": dt.date(2026, 9, 1), "text": "入户征求意见"},
                                  {"date": dt.date(2026, 10, 1), "text": "完成招标"}]


def _big_sheet(path: Path, rows: int, bad_row: int | None) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "台账"
    ws.append(["编号", "事项", "责任单位", "类别", "开始日期", "完成时限", "状态", "受益人数"])
    for i in range(rows):
        status = "进行中" if i == bad_row else "推进中"
        ws.append([f"task-{i:04d}", f"示例事项{i}", f"示例单位{i % 7}", "基础设施",
                   dt.date(2026, 9, 1), dt.date(2027, 6, 30), status, i])
    book.save(path)


def test_a_bad_row_among_a_thousand_writes_nothing(data: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "big.xlsx"
    _big_sheet(sheet, 1000, bad_row=500)
    before = files(data / "tasks")
    status, out, err = run(["import", str(sheet), "--kind", "tasks", "--data", str(data),
                            "--today", TODAY], capsys)
    assert status == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert lines[0] == (f"{sheet}:502:7: 工作表“台账”第 502 行“状态”列（G 列）："
                        "字段 status 只能是 未启动、推进中、已完成、已销号 之一，实际是“进行中”，是否指“推进中”？")
    assert lines[-1] == "导入未完成：发现 1 个错误，没有写入任何文件。"
    assert files(data / "tasks") == before
    # Fixed, the same sheet imports all 1,000 rows.
    _big_sheet(sheet, 1000, bad_row=None)
    status, out, err = run(["import", str(sheet), "--kind", "tasks", "--data", str(data),
                            "--today", TODAY], capsys)
    assert status == 0, err
    assert len(files(data / "tasks")) == len(before) + 1000


def test_problems_name_sheet_row_and_column(data: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "宣讲"
    ws.append(["编号", "宣讲题目", "日期", "省级行政区", "县（市、区、旗）", "乡镇（街道）", "宣讲对象",
               "宣讲形式", "宣讲人或宣讲团", "所用提纲", "状态", "参加人数", "宣讲人电话"])
    ws.append(["l-1", "送教下乡", "2026-13-01", "广西壮族自治区", "示例区", "示例镇一", "农村群众",
               "送教下乡", "示例区宣讲团", "no-such-outline", "已完成", -3, ""])
    sheet = tmp_path / "bad.xlsx"
    book.save(sheet)
    status, out, err = run(["import", str(sheet), "--kind", "lectures", "--data", str(data),
                            "--today", TODAY], capsys)
    assert status == 1
    assert err.splitlines() == [
        f"{sheet}:1:13: 工作表“宣讲”第 1 行“宣讲人电话”列（M 列）：未知列名“宣讲人电话”，是否指“宣讲人或宣讲团”？",
        "导入未完成：发现 1 个错误，没有写入任何文件。"]
    ws.delete_cols(13)
    book.save(sheet)
    status, out, err = run(["import", str(sheet), "--kind", "lectures", "--data", str(data),
                            "--today", TODAY], capsys)
    assert status == 1
    assert err.splitlines() == [
        f"{sheet}:2:3: 工作表“宣讲”第 2 行“日期”列（C 列）：字段 date 应为真实存在的日期，格式 YYYY-MM-DD，实际是“2026-13-01”",
        f"{sheet}:2:12: 工作表“宣讲”第 2 行“参加人数”列（L 列）：字段 attendance 不能为负数，实际是 -3",
        f"{sheet}:2:11: 工作表“宣讲”第 2 行“状态”列（K 列）：已完成的宣讲必须填写参加人数（attendance）",
        f"{sheet}:2:10: 工作表“宣讲”第 2 行“所用提纲”列（J 列）：找不到编号为“no-such-outline”的提纲（outlines/no-such-outline.yml）",
        "导入未完成：发现 4 个错误，没有写入任何文件。"]
    assert not (data / "lectures" / "l-1.yml").exists()


def test_missing_required_column(data: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "t.csv"
    sheet.write_text("编号,事项,责任单位\nx,y,z\n", "utf-8")
    status, _, err = run(["import", str(sheet), "--kind", "tasks", "--data", str(data)], capsys)
    assert status == 1
    assert "t.csv:1:1: 工作表“t”第 1 行：缺少必填列“类别”" in err


def test_update_is_needed_to_overwrite_and_lists_the_changes(
        data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "tasks.xlsx"
    assert run(["table", "--kind", "tasks", "--data", str(data), str(sheet)], capsys)[0] == 0
    book = openpyxl.load_workbook(sheet)
    ws = book.active
    header = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1)
               if ws.cell(r, 1).value == "banshi-zhenyi-hedao-qingli")
    ws.cell(row, header.index("状态") + 1).value = "已完成"
    ws.cell(row, header.index("完成日期") + 1).value = dt.date(2026, 11, 28)
    ws.cell(row, header.index("完成情况及佐证") + 1).value = "清淤完成，验收记录存档"
    book.save(sheet)
    target = data / "tasks" / "banshi-zhenyi-hedao-qingli.yml"
    before = target.read_bytes()

    status, out, err = run(["import", str(sheet), "--kind", "tasks", "--data", str(data),
                            "--today", TODAY], capsys)
    assert status == 1
    assert "已存在且内容不同；确认要覆盖请加 --update" in err and f":{row}:1: " in err
    assert target.read_bytes() == before

    status, out, err = run(["import", str(sheet), "--kind", "tasks", "--data", str(data),
                            "--today", TODAY, "--update", "--dry-run"], capsys)
    assert status == 0, err
    assert "  - 修改 状态（status）：由“推进中”改为“已完成”\n" in out
    assert "  - 新增 完成日期（completed）：“2026-11-28”\n" in out
    assert "试运行" in out and target.read_bytes() == before

    status, out, err = run(["import", str(sheet), "--kind", "tasks", "--data", str(data),
                            "--today", TODAY, "--update"], capsys)
    assert status == 0, err
    assert "修改 1 条" in out
    assert records_of(data, "tasks")["banshi-zhenyi-hedao-qingli"]["status"] == "已完成"


def test_not_a_sheet_is_a_usage_error(data: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"not a zip")
    status, _, err = run(["import", str(bad), "--kind", "tasks", "--data", str(data)], capsys)
    assert status == 2 and "不是有效的 xlsx 文件" in err
    status, _, err = run(["import", str(tmp_path / "x.ods"), "--kind", "tasks",
                          "--data", str(data)], capsys)
    assert status == 2 and "找不到文件" in err
