"""Lighthouse 12 (mobile) on the built site: home, a site page, an outline page, a listing.

    cd bench && npm ci && cd ..      # once: installs lighthouse@12.2.3 into bench/node_modules
    python bench/lighthouse_bench.py [--site DIR] [--runs N]

Builds the sample site (unless --site names a built one), serves it gzip-compressed with
the deploy cache headers (bench/gzip_server.py), runs Lighthouse with its default mobile
settings (Moto G Power, simulated slow 4G, 4x CPU slowdown) in Debian's Chromium, saves
each JSON report under bench/out/lighthouse/ and prints the scores. With --runs N each page
is measured N times and the median performance score is kept (Lighthouse's own advice for
a noisy metric). Exit status 1 when a target is missed: performance ≥ 95,
accessibility 100, best practices ≥ 95.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out" / "lighthouse"
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
                "--disable-background-networking --disable-component-update --disable-sync")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 95}
sys.path.insert(0, str(HERE))

from gzip_server import start  # noqa: E402


def build(out: Path) -> Path:
    """Build the sample site into `out` with the project's mkdocs.yml."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(out)],
                   cwd=REPO, env=env, check=True)
    return out


def _first(site: Path, folder: str) -> str:
    pages = sorted(p.parent.name for p in (site / folder).glob("*/index.html")
                   if p.parent.name != "page")
    return f"{folder}/{pages[0]}/"


def pages(site: Path) -> dict[str, str]:
    """Return the pages to audit: name -> URL path relative to the site root."""
    return {"home": "", "site": _first(site, "sites"), "outline": _first(site, "outlines"),
            "listing": "people/"}


def lighthouse(url: str, report: Path) -> dict[str, float]:
    """Run Lighthouse on `url`, save the JSON report, return category scores (0–100)."""
    report.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(LIGHTHOUSE), url, "--output=json", f"--output-path={report}", "--quiet",
         f"--chrome-flags={CHROME_FLAGS}", f"--only-categories={','.join(CATEGORIES)}"],
        env={**os.environ, "CHROME_PATH": CHROME}, check=True, timeout=300)
    data = json.loads(report.read_text(encoding="utf-8"))
    return {k: round(100 * (c["score"] or 0)) for k, c in data["categories"].items()}


def failing_audits(report: Path) -> list[str]:
    """Return the audits that cost points in a saved report (id, score, value)."""
    data = json.loads(report.read_text(encoding="utf-8"))
    out = []
    for audit in data["audits"].values():
        score, mode = audit.get("score"), audit.get("scoreDisplayMode")
        if score is not None and score < 1 and mode in ("binary", "numeric", "metricSavings"):
            out.append(f"{audit['id']} ({score:.2f}) {audit.get('displayValue', '')}".rstrip())
    return out


def main() -> int:
    """Audit the four pages and print their scores; return 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="an already built site (default: build)")
    parser.add_argument("--runs", type=int, default=1, help="runs per page (median kept)")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        print("lighthouse is not installed: run `npm ci` in bench/", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or build(Path(tmp) / "site")
        server = start(site)
        missed = []
        try:
            print(f"{'page':<8} {'url':<48} " + " ".join(f"{c[:13]:>13}" for c in CATEGORIES))
            for name, path in pages(site).items():
                runs = []
                for i in range(args.runs):
                    report = OUT / (f"{name}.json" if i == 0 else f"{name}-{i + 1}.json")
                    runs.append((lighthouse(server.url + path, report), report))
                runs.sort(key=lambda r: r[0]["performance"])
                scores, report = runs[len(runs) // 2]
                if args.runs > 1:
                    scores["performance"] = round(statistics.median(
                        r[0]["performance"] for r in runs))
                print(f"{name:<8} /{path:<47} "
                      + " ".join(f"{scores.get(c, 0):>13}" for c in CATEGORIES))
                for category, target in TARGETS.items():
                    if scores.get(category, 0) < target:
                        missed.append(f"{name}: {category} {scores.get(category)} < {target}")
                        for line in failing_audits(report):
                            print(f"    {line}")
        finally:
            server.shutdown()
    print(f"reports: {OUT}")
    for line in missed:
        print("MISSED", line)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
