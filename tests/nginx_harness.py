"""Run the project's nginx configuration (deploy/nginx.conf) on a built site, locally.

A test harness, not part of the package: tests/test_nginx.py imports it, and so does
bench/load_bench.py (which puts tests/ on sys.path). For tests and benchmarks: nginx runs in the foreground as a child process with its own
prefix (pid file, logs and temp dirs in a scratch folder), on a loopback port, serving
exactly the `server` block a real deployment uses.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MODULES = Path("/usr/lib/nginx/modules")
BROTLI_MODULES = ("ngx_http_brotli_filter_module.so", "ngx_http_brotli_static_module.so")
MIME_TYPES = Path("/etc/nginx/mime.types")


def render_server_config(template: Path, listen: str, root: Path) -> str:
    """Return deploy/nginx.conf with its `@LISTEN@` and `@SITE_ROOT@` placeholders filled."""
    text = template.read_text(encoding="utf-8")
    for placeholder in ("@LISTEN@", "@SITE_ROOT@"):
        if placeholder not in text:
            raise ValueError(f"{template}: placeholder {placeholder} missing")
    return text.replace("@LISTEN@", listen).replace("@SITE_ROOT@", str(Path(root).absolute()))


def brotli_available() -> bool:
    """Return whether Debian's brotli_static module for nginx is installed."""
    return (MODULES / "ngx_http_brotli_static_module.so").is_file()


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main_config(prefix: Path, server_conf: Path, *, workers: int = 2,
                connections: int = 4096, access_log: bool = False) -> str:
    """Return a minimal nginx.conf around `server_conf`, with every path under `prefix`."""
    modules = "".join(f"load_module {MODULES / m};\n" for m in BROTLI_MODULES
                      if (MODULES / m).is_file())
    temp = "".join(f"    {kind}_temp_path {prefix / 'tmp' / kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # Run as root, workers would drop to "nobody", which cannot read a pytest tmp dir.
    user = "user root;\n" if os.geteuid() == 0 else ""
    log = f"access_log {prefix / 'access.log'};" if access_log else "access_log off;"
    return (
        f"{modules}{user}daemon off;\nworker_processes {workers};\n"
        f"pid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'} warn;\n"
        f"events {{ worker_connections {connections}; }}\n"
        f"http {{\n    include {MIME_TYPES};\n    default_type application/octet-stream;\n"
        f"    {log}\n{temp}    include {server_conf};\n}}\n"
    )


class Nginx:
    """nginx serving `site` with `template` (deploy/nginx.conf) on 127.0.0.1:`port`.

    Use as a context manager; the process is stopped and waited for on exit.
    """

    def __init__(self, template: Path, site: Path, prefix: Path, port: int | None = None,
                 *, workers: int = 2, access_log: bool = False) -> None:
        self.template, self.site, self.prefix = template, site, prefix
        self.port = port or free_port()
        self.workers, self.access_log = workers, access_log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Return the base URL, ending in `/`."""
        return f"http://127.0.0.1:{self.port}/"

    def write_config(self) -> Path:
        """Write the server block and the main config under the prefix; return the latter."""
        (self.prefix / "tmp").mkdir(parents=True, exist_ok=True)
        server = self.prefix / "second-classroom.conf"
        server.write_text(render_server_config(self.template, f"127.0.0.1:{self.port}",
                                               self.site), encoding="utf-8")
        main = self.prefix / "nginx.conf"
        main.write_text(main_config(self.prefix, server, workers=self.workers,
                                    access_log=self.access_log), encoding="utf-8")
        return main

    def test_config(self) -> subprocess.CompletedProcess[str]:
        """Run `nginx -t` on the written configuration."""
        main = self.write_config()
        return subprocess.run([NGINX, "-t", "-p", str(self.prefix), "-c", str(main)],
                              capture_output=True, text=True, timeout=30)

    def start(self, timeout: float = 10.0) -> None:
        """Start nginx and wait until it accepts connections."""
        main = self.write_config()
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.prefix), "-c", str(main)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"nginx exited: {err}{self.error_log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"nginx did not listen on {self.port}: {self.error_log()}")

    def error_log(self) -> str:
        """Return nginx's error log so far."""
        log = self.prefix / "error.log"
        return log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""

    def stop(self) -> None:
        """Stop nginx (SIGTERM to the master, which stops its workers)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def __enter__(self) -> Nginx:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
