"""A small static server that compresses like deploy/nginx.conf: gzip and cache headers.

Used by bench/light_bench.py, bench/lighthouse_bench.py and the offline/transfer tests
where nginx is not wanted: text responses of 512 bytes or more are gzipped (level 5) when
the browser asks for it, and Cache-Control follows the same rules as the nginx `map`
(content-hashed theme assets, photos and the search index's hashed folder for a year, pictures and downloads
a day, pages and everything else 5 minutes, sw.js always revalidated). It counts the bytes it sends, so a benchmark can check what a phone
received.

    python bench/gzip_server.py SITE_DIR [PORT]
"""

from __future__ import annotations

import email.utils
import gzip
import http.server
import mimetypes
import re
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

GZIP_TYPES = ("text/", "application/javascript", "application/json", "application/xml",
              "image/svg+xml")
CACHE_RULES = (
    (re.compile(r"^/sw\.js$"), "no-cache"),
    (re.compile(r"^/assets/(stylesheets|javascripts)/.+\.[0-9a-f]{8}\.min\.(css|js)(\.map)?$"),
     "public, max-age=31536000, immutable"),
    (re.compile(r"^/searchindex/[0-9a-f]{12}/"), "public, max-age=31536000, immutable"),
    (re.compile(r"^/media/.+\.[0-9a-f]{10}-\d+w\.(webp|jpg)$"),
     "public, max-age=31536000, immutable"),
    (re.compile(r"\.(png|jpe?g|webp|gif|ico|pdf|docx)$"), "public, max-age=86400"),
)
DEFAULT_CACHE = "public, max-age=300"
mimetypes.add_type("application/javascript", ".js")
mimetypes.add_type("image/webp", ".webp")


def cache_control(path: str) -> str:
    """Return the Cache-Control header nginx would send for URL path `path`."""
    return next((value for rule, value in CACHE_RULES if rule.search(path)), DEFAULT_CACHE)


class GzipHandler(http.server.BaseHTTPRequestHandler):
    """Serve files under `server.root` with gzip, cache headers and 304s."""

    server: GzipServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm on, a second request on
    # a kept-alive connection then waits ~40 ms for the browser's delayed ACK, which nginx
    # (and any real server) does not. Timings (bench/near_bench.py) would measure that.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def setup(self) -> None:
        """Count every byte written to this connection."""
        super().setup()
        self.wfile = _CountingWriter(self.wfile, self.server)  # type: ignore[assignment]

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(body=False)

    def do_GET(self) -> None:  # noqa: N802
        self._serve(body=True)

    def _send(self, status: int, headers: dict[str, str], data: bytes, body: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _serve(self, body: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        root = self.server.root
        file = (root / path.lstrip("/")).resolve()
        if not file.is_relative_to(root):
            return self._send(404, {}, b"", body)
        if file.is_dir():
            if not path.endswith("/"):
                return self._send(301, {"Location": path + "/"}, b"", body)
            file = file / "index.html"
        status = 200
        if not file.is_file():
            status, file, path = 404, root / "404.html", "/404.html"
            if not file.is_file():
                return self._send(404, {}, b"", body)
        stat = file.stat()
        modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
            ctype += "; charset=utf-8"
        headers = {"Content-Type": ctype, "Cache-Control": cache_control(path),
                   "Last-Modified": modified, "ETag": etag}
        if status == 200 and self.headers.get("If-None-Match") == etag:
            return self._send(304, {k: headers[k] for k in ("Cache-Control", "ETag")}, b"", body)
        data = file.read_bytes()
        if ctype.startswith(GZIP_TYPES):
            headers["Vary"] = "Accept-Encoding"
            if len(data) >= 512 and "gzip" in self.headers.get("Accept-Encoding", ""):
                data = gzip.compress(data, compresslevel=5, mtime=0)
                headers["Content-Encoding"] = "gzip"
        self._send(status, headers, data, body)


class _CountingWriter:
    def __init__(self, raw: object, server: GzipServer) -> None:
        self._raw, self._server = raw, server

    def write(self, data: bytes) -> int:
        with self._server.lock:
            self._server.bytes_sent += len(data)
        return self._raw.write(data)  # type: ignore[attr-defined, no-any-return]

    def __getattr__(self, name: str) -> object:
        return getattr(self._raw, name)


class GzipServer(http.server.ThreadingHTTPServer):
    """A loopback server for a built site; `bytes_sent` counts every byte it wrote."""

    daemon_threads = True

    def __init__(self, root: Path, port: int = 0) -> None:
        self.root = root.resolve()
        self.bytes_sent = 0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", port), GzipHandler)

    @property
    def url(self) -> str:
        """Return the base URL, e.g. http://127.0.0.1:8000/."""
        return f"http://127.0.0.1:{self.server_address[1]}/"


def start(root: Path, port: int = 0) -> GzipServer:
    """Serve `root` in a background thread; stop it with `.shutdown()`."""
    server = GzipServer(root, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


if __name__ == "__main__":
    srv = GzipServer(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 8000)
    print(f"serving {srv.root} at {srv.url}")
    srv.serve_forever()
