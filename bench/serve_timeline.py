"""`mkdocs serve` with a timeline: every log line carries the wall clock (epoch seconds),
and the steps of a quick rebuild and of its search child log when they begin and end.

    python bench/serve_timeline.py serve -f mkdocs.yml -a 127.0.0.1:8000

Used by `edit_bench.py --timeline`, which prints, per save, these lines relative to the
moment it saved. Only wraps functions (nothing of the build changes): the check's file
listing and cross-check, the catalog update, the fork of the search child, the record
pages, the child's state update, files and in-place write, the manifest swap; and
when the server begins and ends answering each request.
"""

from __future__ import annotations

import functools
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("mkdocs.timeline")


def _timed(owner: Any, name: str, label: str | None = None) -> None:
    """Replace `owner.name` by a wrapper that logs when it begins and ends."""
    original: Callable[..., Any] = getattr(owner, name)
    label = label or name

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        log.info("[tl] %s begin", label)
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            log.info("[tl] %s end (%.3f s)", label, time.perf_counter() - start)

    setattr(owner, name, wrapper)


def install() -> None:
    from second_classroom import build, check, incremental, preview, search

    format_line = logging.Handler.format  # whichever formatter MkDocs' handler has

    def stamped(self: logging.Handler, record: logging.LogRecord) -> str:
        return f"{record.created:.3f} [{record.process}] " + format_line(self, record)

    logging.Handler.format = stamped  # type: ignore[method-assign]
    _timed(preview, "quick_rebuild")
    _timed(preview, "settle")
    _timed(incremental, "stamps")
    _timed(incremental, "check_tree")
    _timed(check, "record_files")
    _timed(check, "cross_check")
    _timed(incremental, "update_catalog")
    _timed(preview, "start_search")
    _timed(build.SiteBuild, "write_record_pages")
    _timed(incremental, "write_rest")
    _timed(build.SiteBuild, "write_data", "child: open data")
    _timed(preview, "quick_done")
    _timed(search.IndexState, "update", "child: state update")
    _timed(search.IndexState, "files", "child: files")
    _timed(search, "_write_in_place", "child: write in place")
    _timed(search, "_changes", "child: changes planned")
    _timed(search.IndexState, "_write_beside", "child: write beside")
    replace = search._replace

    def swapped(name: str, *args: Any, **kwargs: Any) -> None:
        replace(name, *args, **kwargs)
        if name == "manifest.json":
            log.info("[tl] child: manifest swapped")

    search._replace = swapped
    _requests_logged()


def _requests_logged() -> None:
    """Log when the server begins and ends answering each request (but the live-reload
    polls): where a page's load waits, on the server or in the browser."""
    from mkdocs import livereload

    serve = livereload.LiveReloadServer._serve_request

    def logged(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/livereload/"):
            return serve(self, environ, start_response)
        log.info("[req] %s begin", path[-60:])
        try:
            return serve(self, environ, start_response)
        finally:
            log.info("[req] %s end", path[-60:])

    livereload.LiveReloadServer._serve_request = logged  # type: ignore[method-assign]


def main() -> None:
    install()
    from mkdocs.__main__ import cli

    sys.argv = ["mkdocs", *sys.argv[1:]]
    cli()


if __name__ == "__main__":
    main()
