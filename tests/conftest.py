"""Shared fixtures: the sample site built once per session, a local server and Chromium."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without these flags Debian's Chromium keeps trying to reach outside hosts.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
# A phone as Playwright's new_context() takes it: 390x844 CSS px, touch, Chinese locale.
PHONE_CONTEXT: dict[str, Any] = {"viewport": PHONE, "device_scale_factor": 2,
                                 "locale": "zh-CN", "is_mobile": True, "has_touch": True}


def open_recording(page: Any, url: str) -> list[str]:
    """Open `url`, wait for the network to settle and return every URL requested."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(url, wait_until="networkidle")
    return requested


def assert_fits_phone(page: Any, what: str = "the page") -> None:
    """Fail when the page is wider than the phone's screen (it would scroll sideways)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what} scrolls sideways: content is {width}px wide"


def requests_leaving(page: Any, base: str) -> list[str]:
    """Record, from now on, every request `page` makes outside `base`; return the list."""
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
    return outside


def wait_for_service_worker(page: Any) -> None:
    """Wait until the service worker controls `page` (it claims clients on activate)."""
    page.evaluate("""navigator.serviceWorker.controller ? true : new Promise(resolve =>
        navigator.serviceWorker.addEventListener('controllerchange', () => resolve(true)))""")


def build_site(config: Path, out: Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """Run a real `mkdocs build` of `config` into `out`; return the finished process."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-f", str(config), "-d", str(out)],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
    )


def site_config(folder: Path, data: Path, **options: object) -> Path:
    """Write `folder/mkdocs.yml`: the project's config for `data`, all paths absolute.

    `options` go to `extra.second_classroom` (e.g. `search=False, downloads=False`).
    """
    import yaml

    config = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))
    config["extra"]["second_classroom"].update(data=str(data), **options)
    config["docs_dir"] = str(REPO / "docs")
    config["theme"]["custom_dir"] = str(REPO / "overrides")
    config["hooks"] = [str(REPO / h) for h in config["hooks"]]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "mkdocs.yml"
    target.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    return target


@pytest.fixture(scope="session")
def small_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic data folder of 40 records (bench/synth.py), for the property tests of
    rebuilds; copy it before editing."""
    sys.path.insert(0, str(REPO / "bench"))
    from synth import write_synthetic

    data = tmp_path_factory.mktemp("small") / "site_data"
    write_synthetic(data, 40, seed=3)
    return data


@pytest.fixture(scope="session")
def catalog() -> Any:
    """The catalog of the bundled sample data (read-only: shared by every test)."""
    from second_classroom.catalog import load_catalog

    return load_catalog(REPO / "site_data")[0]


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for screenshots and files a person may want to look at after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample site, built once with the project's own mkdocs.yml."""
    out = tmp_path_factory.mktemp("sample") / "site"
    done = build_site(REPO / "mkdocs.yml", out)
    assert done.returncode == 0, f"mkdocs build failed:\n{done.stdout}\n{done.stderr}"
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve `root` on a free loopback port; return the server and its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """Base URL of the sample site served over HTTP on loopback."""
    server, url = serve(built_site)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser: object) -> Iterator[object]:
    """A fresh 390x844 phone page; closed after the test."""
    context = browser.new_context(**PHONE_CONTEXT)  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def axe_phone(browser: object) -> Iterator[object]:
    """A fresh 390x844 phone page with axe-core injected into every document (tests/a11y.py)."""
    from a11y import with_axe

    context = browser.new_context(**PHONE_CONTEXT)  # type: ignore[attr-defined]
    with_axe(context)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def gzip_site(built_site: Path) -> Iterator[Any]:
    """The sample site served like deploy/nginx.conf (gzip, cache headers, 304s) on loopback.

    The server (bench/gzip_server.py) counts the bytes it sends: `.bytes_sent`; `.url` is
    its base URL. Each Playwright context has its own service worker and caches.
    """
    sys.path.insert(0, str(REPO / "bench"))
    from gzip_server import start

    server = start(built_site)
    yield server
    server.shutdown()
