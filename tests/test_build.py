"""The core build: two engines give the same pages, options are checked, pages and exports
format the same facts the same way."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from conftest import REPO, build_site, site_config

from second_classroom.build import BuildOptions, OptionsError, SiteBuild, write_site
from second_classroom.cnformat import lifespan
from second_classroom.export.document import outline_document
from second_classroom.models import KINDS

_ARTICLE = re.compile(r"<article class=\"md-content__inner md-typeset\">\s*(.*)\s*</article>",
                      re.S)


def _main_content(html: str) -> str:
    """Return the record content MkDocs placed inside Material's article."""
    found = _ARTICLE.search(html)
    assert found, "no Material article in the page"
    return found.group(1).strip()


@pytest.fixture(scope="module")
def engine_neutral(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample written by `write_site` (what `classroom pages` runs), like mkdocs.yml."""
    out = tmp_path_factory.mktemp("neutral") / "site"
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))
    options = BuildOptions.from_mapping(config["extra"]["second_classroom"], "mkdocs.yml")
    build = SiteBuild.start(REPO, options, config["site_url"], config["site_name"])
    write_site(build, out)
    return out


def test_two_engines_give_the_same_record_pages(built_site: Path, engine_neutral: Path,
                                                catalog: object) -> None:
    records = list(catalog.records.values())  # type: ignore[attr-defined]
    assert records
    for record in records:
        text = (engine_neutral / record.uri).read_text("utf-8")
        _, front, body = text.split("---\n", 2)
        assert yaml.safe_load(front)["title"] == record.title
        mkdocs_html = (built_site / record.url / "index.html").read_text("utf-8")
        assert _main_content(mkdocs_html) == body.strip(), record.uri


def test_two_engines_give_the_same_search_index_and_files(built_site: Path,
                                                          engine_neutral: Path) -> None:
    def files(root: Path, under: str) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes()
                for p in sorted((root / under).rglob("*")) if p.is_file()}

    index = files(built_site, "searchindex")
    assert any(name.endswith("manifest.json") for name in index)
    assert files(engine_neutral, "searchindex") == index
    # Downloads, posters and the feed are the same bytes too; sw.js exists in both.
    for name in ("feed.xml", "sw.js"):
        assert (engine_neutral / name).is_file()
    assert (engine_neutral / "feed.xml").read_bytes() == (built_site / "feed.xml").read_bytes()
    downloads = [p for p in (built_site / "outlines").rglob("*") if p.suffix in (".docx", ".pdf")]
    assert downloads
    for path in downloads:
        assert (engine_neutral / path.relative_to(built_site)).read_bytes() == path.read_bytes()
    for path in (built_site / "sites").glob("*/poster.html"):
        assert (engine_neutral / path.relative_to(built_site)).read_bytes() == path.read_bytes()
    # Open data and 党史上的今天's files come from the core build: same bytes in both.
    def written(root: Path, under: str) -> dict[str, bytes]:
        return {k: v for k, v in files(root, under).items()
                if k.endswith((".json", ".csv", ".geojson", ".ics"))}

    for under in ("data", "today"):
        mkdocs_files = written(built_site, under)
        assert len(mkdocs_files) > 100, under
        assert written(engine_neutral, under) == mkdocs_files


def test_engine_neutral_output_is_precompressed_but_not_its_page_sources(
        engine_neutral: Path) -> None:
    assert (engine_neutral / "feed.xml.gz").is_file()
    assert not list(engine_neutral.rglob("*.md.gz"))


@pytest.mark.parametrize(("values", "message"), [
    ({"downlods": False}, "未知选项“downlods”，是否指“downloads”？"),
    ({"serach": True}, "未知选项“serach”，是否指“search”？"),
    ({"zzz": 1}, "未知选项“zzz”，可用选项：data、local_province"),
    ({"search": "yes"}, "extra.second_classroom.search 应为true 或 false，实际是“yes”"),
    ({"local_province": 3}, "local_province 应为文字"),
])
def test_unknown_or_wrong_options_are_refused(values: dict[str, object], message: str) -> None:
    with pytest.raises(OptionsError) as caught:
        BuildOptions.from_mapping(values, "mkdocs.yml: extra.second_classroom")
    assert message in str(caught.value)
    assert str(caught.value).startswith("mkdocs.yml: extra.second_classroom")


def test_options_keep_declared_values() -> None:
    options = BuildOptions.from_mapping({"search": False, "local_province": "广西壮族自治区"},
                                        "x")
    assert options == BuildOptions(search=False, local_province="广西壮族自治区")


def test_misspelled_hook_option_fails_the_mkdocs_build(tmp_path: Path) -> None:
    config = site_config(tmp_path, REPO / "site_data", downlods=False)
    done = build_site(config, tmp_path / "site")
    assert done.returncode != 0
    assert "mkdocs.yml: extra.second_classroom：未知选项“downlods”，是否指“downloads”？" \
        in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_relic_pages_built_by_mkdocs_carry_their_description(built_site: Path,
                                                             catalog: object) -> None:
    relics = catalog.by_kind["relics"]  # type: ignore[attr-defined]
    assert relics
    for relic in relics:
        html = (built_site / relic.url / "index.html").read_text("utf-8")
        found = re.search(r'<meta name="description" content="([^"]*)"', html)
        assert found and found.group(1), relic.id
        assert found.group(1) == relic.description.replace("&", "&amp;").replace('"', "&#34;")
        assert found.group(1) != "红色教育资源学习指南与分众化宣讲提纲"  # the site's own


def test_lifespans_agree_between_pages_and_exports(catalog: object, built_site: Path) -> None:
    people = KINDS["people"]
    for outline in catalog.by_kind["outlines"]:  # type: ignore[attr-defined]
        doc = outline_document(catalog, outline.id, pack=True)  # type: ignore[arg-type]
        headings = doc.headings()
        for record in catalog.by_kind["people"]:  # type: ignore[attr-defined]
            d = record.data
            if f"（{lifespan(d.get('born'), d.get('died'), years_only=True)}）" not in \
                    "".join(headings):
                continue
            page = (built_site / record.url / "index.html").read_text("utf-8")
            # The page prints the full dates of the same two ends the document prints.
            assert f"<dd>{lifespan(d.get('born'), d.get('died'))}</dd>" in page
            assert people.heading(record.title, d) in "".join(headings)


@pytest.mark.parametrize(("born", "died", "page", "doc"), [
    ("1898-03-05", "1976-01-08", "1898年3月5日—1976年1月8日", "1898—1976"),
    (None, "1935", "？—1935年", "？—1935"),
    ("1935-06", None, "1935年6月生", "1935年生"),
    (None, None, "", ""),
])
def test_lifespan_is_one_rule_for_pages_and_exports(born: str | None, died: str | None,
                                                    page: str, doc: str) -> None:
    assert lifespan(born, died) == page
    assert lifespan(born, died, years_only=True) == doc
    data = {"born": born, "died": died}
    heading = KINDS["people"].heading("某人", data)
    assert heading == (f"某人（{doc}）" if doc else "某人")


def test_file_digests_go_once_sw_js_is_written(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The digests of every written file are sw.js's; a large build no longer holds them
    afterwards (nor pickles them into the warm build's snapshot)."""
    import second_classroom.build as build_module

    seen: list[int] = []
    real = build_module.write_service_worker

    def counting(site_dir: Path, digests: dict[str, bytes], *args: object) -> Path:
        seen.append(len(digests))
        return real(site_dir, digests, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(build_module, "write_service_worker", counting)
    build = SiteBuild.start(REPO, BuildOptions(downloads=False, search=False, open_data=False))
    write_site(build, tmp_path / "site")
    assert seen and seen[0] > 0  # sw.js had them
    assert build.written == {}


def test_a_build_s_catalog_is_left_alone_by_the_cycle_collector() -> None:
    """SiteBuild.start freezes what it made (the catalog: trees without cycles), so the
    collector's full collections no longer walk the records; a forked job keeps it so."""
    import gc

    from second_classroom import forked
    from second_classroom.forked import ForkedJob

    gc.unfreeze()
    was = forked._frozen
    try:
        build = SiteBuild.start(REPO, BuildOptions(downloads=False, search=False,
                                                   open_data=False))
        record = next(iter(build.catalog.records.values()))

        def collectable() -> bool:
            return any(o is record.data for o in gc.get_objects())

        assert not collectable()
        assert ForkedJob(lambda: 1).result() == 1
        assert not collectable()  # still frozen after the fork
    finally:
        gc.unfreeze()
        forked._frozen = was
    assert collectable()  # (the check can fail)


def test_a_forked_job_leaves_unfrozen_what_nothing_froze_for_good() -> None:
    """ForkedJob freezes everything for its fork (the child's collector leaves the
    inherited objects alone) and unfreezes it after in this process, unless `freeze`
    froze it for good."""
    import gc

    from second_classroom import forked
    from second_classroom.forked import ForkedJob

    gc.unfreeze()
    was = forked._frozen
    forked._frozen = False
    try:
        kept = [[1]]
        assert ForkedJob(lambda: 1).result() == 1
        assert any(o is kept for o in gc.get_objects())  # unfrozen again
        forked.freeze()
        assert ForkedJob(lambda: 1).result() == 1
        assert not any(o is kept for o in gc.get_objects())  # stays frozen
    finally:
        gc.unfreeze()
        forked._frozen = was


def test_open_data_rewrite_removes_what_a_killed_writer_left(tmp_path: Path) -> None:
    """A writer of the open data killed mid-way (the preview stops it when the editor saves
    again) leaves its scratch folder beside the site; the next rewrite removes it, and
    leaves alone a live writer's and other sites' folders."""
    import subprocess
    import sys

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    site = tmp_path / "site"
    site.mkdir()
    killed = tmp_path / f".site.data-{int(ended.stdout)}"
    live = tmp_path / f".site.data-{os.getppid()}"
    other = tmp_path / f".other.data-{int(ended.stdout)}"
    for folder in (killed, live, other):
        (folder / "data").mkdir(parents=True)
        (folder / "data" / "sites.json").write_text("[]")
    build = SiteBuild.start(REPO, BuildOptions(downloads=False, search=False))
    build.write_data(site)
    assert not killed.exists()
    assert live.exists() and other.exists()
    assert (site / "data" / "index.json").is_file()
