"""The preview's builds (second_classroom.preview), without a browser: drafts in, and a
data error never leaves the preview without a site."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import REPO

from second_classroom import preview
from second_classroom.build import BuildOptions
from second_classroom.problems import Problem

DRAFTS = Path(__file__).parent / "fixtures" / "drafts"


def _project(tmp_path: Path) -> tuple[Path, BuildOptions]:
    shutil.copytree(DRAFTS, tmp_path / "site_data")
    return tmp_path, BuildOptions(search=False, downloads=False)


def test_preview_shows_drafts(tmp_path: Path) -> None:
    project, options = _project(tmp_path)
    build, problems, stale = preview.preview_build(project, options)
    assert problems == [] and not stale
    assert {"caogao-jiuzhi", "caogao-renwu", "yida-huizhi"} <= set(build.catalog.records)
    page = build.record_page("sites/caogao-jiuzhi.md")
    assert 'class="sc-draft"' in page.html and "草稿" in page.html
    assert "sc-draft" not in build.record_page("sites/yida-huizhi.md").html


def test_broken_data_keeps_the_last_build_or_the_records_that_pass(tmp_path: Path) -> None:
    project, options = _project(tmp_path)
    reading = project / "site_data" / "readings" / "jianshi.yml"
    original = reading.read_text(encoding="utf-8")
    reading.write_text("name：中国共产党简史\n" + original, encoding="utf-8")
    # No earlier build of this folder: the records that pass, without the broken reading
    # and without the records that cite it.
    build, problems, stale = preview.preview_build(project, options)
    assert not stale and problems and problems[0].code == "fullwidth-colon"
    assert "jianshi" not in build.catalog.records
    assert "yida-huizhi" not in build.catalog.records  # it cites the broken reading

    reading.write_text(original, encoding="utf-8")
    good, problems, stale = preview.preview_build(project, options)
    assert problems == [] and "yida-huizhi" in good.catalog.records
    reading.write_text("name：x\n" + original, encoding="utf-8")
    again, problems, stale = preview.preview_build(project, options)
    assert again is good and stale and problems  # the last build that passed


def test_panel_is_escaped_and_goes_into_the_content() -> None:
    problem = Problem("site_data/sites/a.yml", 3, 1, "unknown-field", "未知字段“<script>x</script>”")
    panel = preview.problems_panel([problem], stale=True)
    assert "<script>" not in panel and "&lt;script&gt;" in panel
    assert "site_data/sites/a.yml:3:1:" in panel and "上次通过检查" in panel
    page = '<html><body><article class="md-content__inner md-typeset"><h1>T</h1></article></body></html>'
    marked = preview.with_panel(page, panel)
    assert marked.index("sc-preview-errors") < marked.index("<h1>")


def test_sample_page_and_export_have_no_gap_between_chinese_lines(catalog: object) -> None:
    """The 百色 record's body is written over several lines; its page and its Markdown
    download read 集会，宣告 with no space where the line broke."""
    from second_classroom.export import export_outline
    from second_classroom.render import RenderOptions, record_page

    record = catalog.records["baise-qiyi-jinianguan"]  # type: ignore[attr-defined]
    html = record_page(catalog, record, RenderOptions()).html  # type: ignore[arg-type]
    assert "集会，宣告成立中国工农红军第七军" in html
    assert "集会， 宣告" not in html and "集会，\n宣告" not in html
    pack = export_outline(catalog, "nongcun-qunzhong-youjiang-hongqi", "md",  # type: ignore[arg-type]
                          pack=True).data.decode("utf-8")
    assert "集会，宣告成立" in pack


def test_the_404_page_of_a_broken_preview_lists_the_errors(tmp_path: Path) -> None:
    """Started while a record is broken, the preview leaves that record's page out; the
    404 page it gets instead says why (a real `mkdocs serve` build, read from its files)."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    from conftest import site_config

    shutil.copytree(DRAFTS, tmp_path / "site_data")
    site = tmp_path / "site_data" / "sites" / "yida-huizhi.yml"
    site.write_text("name：已发布的一大会址\n" + site.read_text(encoding="utf-8"), "utf-8")
    site_config(tmp_path, tmp_path / "site_data", search=False, downloads=False,
                local_province="上海市")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-f",
                             str(tmp_path / "mkdocs.yml"), "-a", f"127.0.0.1:{port}"],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/sites/yida-huizhi/", timeout=5)
                raise AssertionError("the broken record's page should be left out")
            except urllib.error.HTTPError as exc:
                body = exc.read().decode("utf-8")
                assert exc.code == 404
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.5)
        assert "sc-preview-errors" in body and "yida-huizhi.yml:1:5:" in body
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_the_preview_hears_of_a_save_from_the_kernel_at_once(tmp_path: Path) -> None:
    """The hook swaps MkDocs' polling observer (a scan of every file twice a second) for
    inotify: the same watched folders, a save is heard well within a polling interval, and
    a file read (as every build reads every data file) is not a change."""
    import importlib.util
    import time

    from mkdocs.livereload import LiveReloadServer
    from watchdog.observers.inotify import InotifyObserver

    spec = importlib.util.spec_from_file_location("hooks_watch", REPO / "hooks" / "site_hooks.py")
    assert spec and spec.loader
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    data = tmp_path / "site_data"
    (data / "sites").mkdir(parents=True)
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0,
                              root=str(tmp_path))
    server.watch(str(data))
    server.watch(str(data))  # watched twice (by MkDocs and a plugin): kept twice
    hooks._watch_by_notification(server)
    assert isinstance(server.observer, InotifyObserver)
    assert server._watched_paths == {str(data): 2}
    assert server.build_delay < 0.1  # MkDocs' wait for more changes: told at once, shorter
    server.observer.start()
    record = data / "sites" / "old.yml"
    record.write_text("name: 旧\n", "utf-8")
    try:
        time.sleep(0.3)
        with server._rebuild_cond:
            server._want_rebuild = False
        record.read_text("utf-8")  # every build reads every file: no rebuild for that
        time.sleep(0.3)
        assert not server._want_rebuild
        saved = time.perf_counter()
        (data / "sites" / "new.yml").write_text("name: 新\n", "utf-8")
        with server._rebuild_cond:
            heard = server._rebuild_cond.wait_for(lambda: server._want_rebuild, timeout=5)
        assert heard and time.perf_counter() - saved < 0.5
    finally:
        server.observer.stop()
        server.observer.join()


def test_a_search_manifest_request_waits_for_the_index_being_written(tmp_path: Path) -> None:
    """A quick rebuild returns once its pages are written (the browsers reload then): a
    search page asking for the index's manifest meanwhile waits until the search child
    has swapped the new index in; other requests, and the manifest when nothing is being
    written, are answered at once."""
    import importlib.util
    import time

    from mkdocs.livereload import LiveReloadServer

    from second_classroom.forked import ForkedJob

    spec = importlib.util.spec_from_file_location("hooks_wait", REPO / "hooks" / "site_hooks.py")
    assert spec and spec.loader
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    (tmp_path / "searchindex").mkdir()
    (tmp_path / "searchindex" / "manifest.json").write_text('{"docs": 1}', "utf-8")
    (tmp_path / "extra.css").write_text("p{}", "utf-8")
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0,
                              root=str(tmp_path))
    hooks._manifest_waits_for_search(server)
    app = server.get_app()

    def get(path: str) -> tuple[str, bytes, float]:
        start, statuses = time.monotonic(), []
        body = b"".join(app({"PATH_INFO": path, "REQUEST_METHOD": "GET"},
                            lambda status, headers: statuses.append(status)))
        return statuses[0], body, time.monotonic() - start

    writing = ForkedJob(lambda: time.sleep(1.5) or "swapped")
    preview.session.search_swapped = writing.handed_event(timeout=30)
    try:
        status, body, waited = get("/extra.css")
        assert status.startswith("200") and body == b"p{}" and waited < 0.7
        status, body, waited = get("/searchindex/manifest.json")
        assert status.startswith("200") and body == b'{"docs": 1}' and waited >= 0.7
        assert writing.result() == "swapped"
        status, _, waited = get("/searchindex/manifest.json")
        assert status.startswith("200") and waited < 0.7
    finally:
        preview.session.search_swapped.set()
