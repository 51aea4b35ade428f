"""A class of 500 scans the QR code at once: deploy/nginx.conf under bounded load on loopback.

    python bench/load_bench.py                       # builds the sample site first
    python bench/load_bench.py --site /tmp/site      # or serves a site already built
    python bench/load_bench.py --connections 200 --duration 30

Starts Debian's nginx with the project's server block (tests/nginx_harness.py) on a
127.0.0.1 port and runs wrk against it: 200 open connections for 30 s by default, each
request taking the next address of what a phone fetches after scanning a site's QR code
(the record page and the CSS/JS it loads, plus the home page and the sites listing).
Two runs in the same session, same mix:
  - phones:   Accept-Encoding "br, gzip", as a phone browser sends;
  - baseline: no Accept-Encoding (nginx sends files as they are, no compression work).
Prints requests/s, p50/p99 latency, errors (socket errors + non-2xx/3xx) and MB/s for
each, and the ratio phones/baseline. Only loopback is ever addressed; wrk stops by itself.
Results also go to bench/out/load_bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
CONF = REPO / "deploy" / "nginx.conf"
sys.path.insert(0, str(REPO / "tests"))  # the nginx harness is shared with tests/test_nginx.py

from nginx_harness import Nginx  # noqa: E402

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def build_sample(target: Path) -> Path:
    """Build the sample site (the project's own mkdocs.yml) into `target`."""
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(REPO / "mkdocs.yml"),
         "-d", str(target)],
        cwd=REPO, capture_output=True, text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"build failed:\n{done.stdout}\n{done.stderr}")
    return target


def request_mix(site: Path) -> list[str]:
    """Return the addresses a phone fetches after a QR scan, and two more pages."""
    record = sorted(site.glob("sites/*/index.html"))[0].parent.relative_to(site).as_posix()
    page = (site / record / "index.html").read_text("utf-8")
    assets = re.findall(r'(?:href|src)="((?:\.\./)*assets/[^"]+\.(?:css|js))"', page)
    paths = [f"/{record}/"]
    for asset in dict.fromkeys(assets):
        paths.append("/" + asset.replace("../", ""))
    paths += ["/", "/sites/"]
    return paths


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> dict[str, float]:
    """Pick requests/s, latency percentiles, errors and throughput out of wrk's report."""
    result: dict[str, float] = {}
    result["requests_per_s"] = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])  # type: ignore[index]
    for pct in ("50", "99"):
        match = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", output, re.M)
        result[f"p{pct}_ms"] = _ms(match[1]) if match else float("nan")
    result["requests"] = float(re.search(r"(\d+) requests in", output)[1])  # type: ignore[index]
    errors = 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                     output)
    if sock:
        errors += sum(int(x) for x in sock.groups())
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if bad:
        errors += int(bad[1])
    result["errors"] = float(errors)
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", output)
    scale = {"B": 1e-6, "KB": 1e-3, "MB": 1.0, "GB": 1e3}
    result["mb_per_s"] = float(transfer[1]) * scale.get(transfer[2], 1.0) if transfer else 0.0
    return result


def run_wrk(url: str, paths: list[str], encoding: str | None, connections: int,
            duration: int, threads: int, scratch: Path) -> dict[str, float]:
    """Run wrk once over the request mix; return the parsed figures."""
    header = f'["Accept-Encoding"] = "{encoding}"' if encoding else ""
    script = scratch / f"mix-{encoding or 'identity'}.lua".replace(" ", "").replace(",", "-")
    script.write_text(
        "local paths = {" + ", ".join(json.dumps(p, ensure_ascii=False) for p in paths) + "}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        f"  return wrk.format('GET', paths[i], {{{header}}})\n"
        "end\n", encoding="utf-8")
    done = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "5s",
         "--latency", "-s", str(script), url],
        capture_output=True, text=True, timeout=duration + 60)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed: {done.stderr}")
    figures = parse_wrk(done.stdout)
    (scratch / f"{script.stem}.txt").write_text(done.stdout, encoding="utf-8")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build the sample)")
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--duration", type=int, default=30, help="seconds per run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="nginx worker processes")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian package: wrk)")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="load-bench-") as tmp:
        scratch = Path(tmp)
        site = args.site or build_sample(scratch / "site")
        paths = request_mix(site)
        with Nginx(CONF, site, scratch / "nginx", workers=args.workers) as nginx:
            for path in paths:  # every address of the mix must exist
                with urllib.request.urlopen(nginx.url.rstrip("/") + path) as response:
                    assert response.status == 200, path
            print(f"nginx {nginx.url} serving {site}")
            print(f"mix ({len(paths)} addresses): {' '.join(paths)}")
            print(f"{args.connections} connections, {args.duration} s per run, "
                  f"{args.threads} wrk threads, {args.workers} nginx workers, loopback only")
            results = {}
            for name, encoding in (("phones (br, gzip)", "br, gzip"), ("baseline (identity)", None)):
                figures = run_wrk(nginx.url, paths, encoding, args.connections, args.duration,
                                  args.threads, scratch)
                results[name] = figures
                print(f"{name:22} {figures['requests_per_s']:10.0f} req/s   "
                      f"p50 {figures['p50_ms']:7.2f} ms   p99 {figures['p99_ms']:7.2f} ms   "
                      f"errors {int(figures['errors'])}   {figures['mb_per_s']:8.1f} MB/s   "
                      f"({int(figures['requests'])} requests)")
            phones, base = results["phones (br, gzip)"], results["baseline (identity)"]
            print(f"ratio phones/baseline: {phones['requests_per_s'] / base['requests_per_s']:.2f}"
                  f" x requests/s, {phones['mb_per_s'] / base['mb_per_s']:.2f} x bytes/s")
            error_log = nginx.error_log().strip()
        (OUT / "load_bench.json").write_text(json.dumps(
            {"connections": args.connections, "duration_s": args.duration, "paths": paths,
             "results": results}, ensure_ascii=False, indent=2), encoding="utf-8")
        if error_log:
            print("nginx error log:\n" + error_log[-2000:])


if __name__ == "__main__":
    main()
