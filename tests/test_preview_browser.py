"""The preview tells the truth: a real `mkdocs serve` of a small copy of the sample data,
driven by Chromium at 390x844.

Edit a record and the open page reloads with the change; break it and an error panel
(`file:line:col: 消息`, escaped) is on the page within 5 s while the server keeps
answering; fix it and the page returns; a draft shows 草稿. And `mkdocs build` of the same
data carries neither the preview's policy nor its live-reload script, nor the draft.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PHONE_CONTEXT, REPO, build_site, site_config

RECORDS = ("sites/hongqiqu-jinianguan.yml", "sites/jiuyiba-lishi-bowuguan.yml",
           "sites/longhua-lieshi-lingyuan.yml")  # records that refer to no other record
PAGE = "sites/hongqiqu-jinianguan/"
DRAFT = "sites/caogao-yulan-ceshi"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder with a small copy of the sample data and a draft."""
    folder = tmp_path_factory.mktemp("preview")
    data = folder / "site_data"
    (data / "sites").mkdir(parents=True)
    shutil.copy(REPO / "site_data" / "vocab.yml", data / "vocab.yml")
    for rel in RECORDS:
        shutil.copy(REPO / "site_data" / rel, data / rel)
    text = (REPO / "site_data" / RECORDS[2]).read_text(encoding="utf-8")
    text = re.sub(r"(?m)^name: .*$", "name: 预览草稿测试旧址", text, count=1)
    (data / f"{DRAFT}.yml").write_text(text + "draft: true\n", encoding="utf-8")
    site_config(folder, data, search=False, downloads=False, local_province="上海市")
    return folder


def _get(url: str, timeout: float = 10) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
        return response.status, response.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[str]:
    """`mkdocs serve` of the project on a free loopback port; yields its base URL."""
    port = _free_port()
    log = (project / "serve.log").open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "-f", str(project / "mkdocs.yml"),
         "-a", f"127.0.0.1:{port}"],
        cwd=project, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if _get(base + PAGE, timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, (project / "serve.log").read_text("utf-8")
            assert time.monotonic() < deadline, (project / "serve.log").read_text("utf-8")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _wait_text(page: Any, selector: str, text: str, timeout: float) -> str:
    """Wait until the element at `selector` holds `text` (across reloads); return its text."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            shown = page.locator(selector).first.inner_text(timeout=1_000)
            if text in shown:
                return str(shown)
        except Exception:  # noqa: BLE001 - navigating: the element is gone for a moment
            shown = ""
        assert time.monotonic() < deadline, f"{text!r} not in {selector}: {shown!r}"
        page.wait_for_timeout(200)


def _edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_preview_reloads_shows_errors_and_recovers(project: Path, server: str,
                                                   browser: Any, artifacts: Path) -> None:
    record = project / "site_data" / RECORDS[0]
    original = record.read_text(encoding="utf-8")
    context = browser.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    try:
        page.goto(server + PAGE)
        # The preview's policy lets MkDocs' live-reload script run (it logs this line).
        page.wait_for_function("() => true")
        deadline = time.monotonic() + 10
        while "Enabled live reload" not in console and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        assert "Enabled live reload" in console, console
        assert not [m for m in console if "Content Security Policy" in m], console

        # Edit: the open page reloads by itself and shows the change.
        _edit(record, "summary: ", "summary: 预览自动刷新甲乙。")
        page.wait_for_selector("text=预览自动刷新甲乙", timeout=60_000)

        # Break: the panel is there within 5 s, escaped; the server keeps answering.
        broken = original.replace("name:", "name：", 1) + '"<img src=x onerror=alert(1)>": 1\n'
        start = time.monotonic()
        record.write_text(broken, encoding="utf-8")
        page.wait_for_selector("#sc-preview-errors", timeout=5_000)
        seconds = time.monotonic() - start
        panel = page.inner_text("#sc-preview-errors")
        assert "site_data/sites/hongqiqu-jinianguan.yml:1:5:" in panel
        assert "全角冒号" in panel
        assert page.locator("#sc-preview-errors img").count() == 0
        # The page shown is the last that passed: with the edit (made by a quick rebuild).
        assert "预览自动刷新甲乙" in page.inner_text("article")
        page.screenshot(path=str(artifacts / "preview-error-panel.png"), full_page=True)
        status, body = _get(server, timeout=10)  # another page, still served, also marked
        assert status == 200 and "sc-preview-errors" in body
        print(f"error panel shown {seconds:.1f} s after the save")

        # An escaped unknown key in the panel (the file parses once the colon is fixed).
        record.write_text(original + '"<img src=x onerror=alert(1)>": 1\n', encoding="utf-8")
        panel = _wait_text(page, "#sc-preview-errors", "未知字段“<img src=x onerror=alert(1)>”",
                           30)
        assert page.locator("#sc-preview-errors img").count() == 0

        # Fix: the page returns to normal.
        record.write_text(original, encoding="utf-8")
        page.wait_for_selector("#sc-preview-errors", state="detached", timeout=30_000)
        assert page.locator("h1").first.inner_text()
        try:  # no service worker in the preview: it would show saved (stale) pages
            _get(server + "sw.js")
            served = True
        except urllib.error.HTTPError as exc:
            served = exc.code != 404
        assert not served
    finally:
        record.write_text(original, encoding="utf-8")
        context.close()


def test_a_draft_is_shown_in_the_preview_with_a_banner(server: str, browser: Any) -> None:
    context = browser.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    try:
        page.goto(server + DRAFT + "/")
        # (a rebuild started by the previous test may reload the page once more)
        assert "草稿" in _wait_text(page, ".sc-draft", "草稿", 30)
        assert "预览草稿测试旧址" in _wait_text(page, "h1", "预览草稿测试旧址", 30)
        meta = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
        assert meta is not None and "'unsafe-inline'" in meta.split("script-src", 1)[1].split(";")[0]
    finally:
        context.close()


def test_build_output_has_no_preview_policy_livereload_or_draft(project: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "site"
    done = build_site(project / "mkdocs.yml", out, cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    pages = list(out.rglob("*.html"))
    assert len(pages) > 10
    for file in pages:
        text = file.read_text(encoding="utf-8")
        assert "livereload" not in text, file
        assert "sc-preview-errors" not in text and "sc-draft" not in text, file
        policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text)
        if policy:
            script_src = policy.group(1).split("script-src", 1)[1].split(";")[0]
            assert "'unsafe-inline'" not in script_src, file
            assert "'sha256-" in script_src, file
    assert not (out / DRAFT).exists()
    assert "预览草稿测试旧址" not in "".join(p.read_text(encoding="utf-8") for p in pages)
