"""What sources are: types inferred from reviewed host lists, mislabelled publishers, and
the `classroom sources` report."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO

from second_classroom.check import check_tree
from second_classroom.cli import main
from second_classroom.models import Vocab
from second_classroom.sources import (
    host_of,
    inferred_type,
    mislabelled_publisher,
    source_report,
    source_type,
)

VOCAB = Vocab(source_hosts={"官方": ["gov.cn", "people.com.cn"], "媒体": ["xinhuanet.com"],
                            "转载": ["360doc.com"], "百科": ["wikipedia.org"]},
              publisher_hosts={"新华网": ["xinhuanet.com", "news.cn"],
                               "人民日报": ["people.com.cn"]})
LABELS = REPO / "tests" / "fixtures" / "check" / "source-labels"


@pytest.mark.parametrize(("source", "kind"), [
    ({"title": "x", "url": "https://www.gov.cn/a.htm"}, "官方"),
    ({"title": "x", "url": "http://jhsgwh.jinhua.gov.cn/art/1.html"}, "官方"),  # subdomain
    ({"title": "x", "url": "https://notgov.cn/a"}, ""),  # a suffix is not a subdomain
    ({"title": "x", "url": "http://www.360doc.com/content/1.shtml"}, "转载"),
    ({"title": "x", "url": "https://zh.wikipedia.org./wiki/x"}, "百科"),  # trailing dot
    ({"title": "x", "url": "https://www.360doc.com/1", "type": "官方"}, "官方"),  # as written
    ({"title": "毛泽东选集", "publisher": "人民出版社"}, "出版物"),  # printed, no address
    ({"title": "人民日报 2021-06-04 第1版", "publisher": "人民日报"}, "官方"),
    ({"title": "某书"}, ""),
])
def test_source_type(source: dict[str, str], kind: str) -> None:
    assert source_type(source, VOCAB) == kind


def test_inferred_type_takes_the_first_type_in_vocabulary_order() -> None:
    # A host under domains of two types: the type listed first wins, whichever domain is
    # the nearer parent (as scanning the lists in order found it).
    vocab = Vocab(source_hosts={"官方": ["example.cn"], "转载": ["blog.example.cn"]})
    assert inferred_type("https://a.blog.example.cn/x", vocab) == "官方"
    vocab = Vocab(source_hosts={"转载": ["blog.example.cn"], "官方": ["example.cn"]})
    assert inferred_type("https://a.blog.example.cn/x", vocab) == "转载"
    assert inferred_type("https://example.cn/x", vocab) == "官方"


def test_inferred_type_sees_a_changed_host_list() -> None:
    vocab = Vocab(source_hosts={"官方": ["gov.cn"]})
    assert inferred_type("https://www.moe.gov.cn/", vocab) == "官方"
    vocab.source_hosts["官方"].remove("gov.cn")
    vocab.source_hosts["媒体"] = ["moe.gov.cn"]
    assert inferred_type("https://www.moe.gov.cn/", vocab) == "媒体"


@pytest.mark.parametrize(("source", "named"), [
    ({"title": "x", "publisher": "新华网", "url": "https://www.utahskigirl.com/x"}, "新华网"),
    ({"title": "x", "publisher": "新华网", "url": "http://www.news.cn/politics/x.htm"}, ""),
    ({"title": "x", "publisher": "转载自人民日报", "url": "https://a.example/x"}, "人民日报"),
    ({"title": "x", "publisher": "人民日报"}, ""),  # no address: nothing to compare
    ({"title": "x", "publisher": "美篇", "url": "https://www.meipian.cn/1"}, ""),
])
def test_mislabelled_publisher(source: dict[str, str], named: str) -> None:
    assert mislabelled_publisher(source, VOCAB) == named


def test_host_of_ignores_case_port_and_trailing_dot() -> None:
    assert host_of("HTTPS://Www.Gov.CN.:443/x") == "www.gov.cn"
    assert host_of("not a url") == ""


def test_report_counts_trusted_records_duplicates_and_hosts() -> None:
    result = check_tree(LABELS)
    report = source_report(result.records, result.vocab)
    sites = next(k for k in report.kinds if k.kind == "sites")
    assert (sites.records, sites.trusted) == (2, 1)  # yida cites gov.cn; nanhu only copies
    assert [Path(p).name for p in sites.untrusted] == ["nanhu.yml"]
    assert report.mislabelled == [(next(r.path for r in result.records if r.id == "yida"),
                                   "新华网", "www.example-copies.com")]
    assert dict(report.hosts)["www.gov.cn"] == 1
    assert report.by_type["官方"] == 1 and report.by_type["转载"] == 1


def test_report_finds_a_source_cited_twice(tmp_path: Path) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(LABELS, data)
    site = data / "sites" / "yida.yml"
    text = site.read_text("utf-8")
    site.write_text(text.replace("verified:", "  - title: 中共一大纪念馆（政府网页）\n"
                                 "    url: https://www.gov.cn/xinwen/1.htm\nverified:"), "utf-8")
    result = check_tree(data)
    assert [key for _, key in source_report(result.records, result.vocab).duplicates] == [
        "https://www.gov.cn/xinwen/1.htm"]


def test_sources_command_prints_the_share_per_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sources", "--data", str(LABELS)]) == 0
    out = capsys.readouterr().out
    assert "有官方或出版物来源的记录：1/3（33%）" in out
    assert "红色地标：1/2（50%）" in out
    assert "写作“新华网”，网址在 www.example-copies.com" in out


def test_record_pages_show_each_sources_type(built_site: Path) -> None:
    html = (built_site / "quotes" / "zhao-yiman-gei-ninger-yishu" / "index.html").read_text(
        "utf-8")
    assert '<span class="sc-source-type">官方</span>' in html


def test_report_leaves_out_kinds_that_cite_nothing() -> None:
    from second_classroom.models import KINDS, Record

    uncited = [k for k, spec in KINDS.items() if "sources" not in spec.schema.by_name()]
    assert uncited  # the 宣讲 schedule and the ledger are operational records
    records = [Record(kind, f"x-{kind}", f"{kind}/x.yml", {"title": "x"}) for kind in uncited]
    records.append(Record("sites", "s", "sites/s.yml", {"sources": [{"title": "某书"}]}))
    # Optional sources: counted when given (a quotation's publication), else left out.
    records.append(Record("quotes", "q", "quotes/q.yml", {"publication": {"title": "某书"}}))
    records.append(Record("quotes", "r", "quotes/r.yml", {"title": "x"}))
    report = source_report(records, VOCAB)
    assert [k.kind for k in report.kinds] == ["sites", "quotes"] and report.records == 2
