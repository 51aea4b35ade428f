"""axe-core in the browser tests: the pinned npm package (tests/package.json), installed by
scripts/setup.sh with `npm ci --prefix tests`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"


def axe_source() -> str:
    """Return axe.min.js; fail (never skip) when setup has not installed it."""
    if not AXE.is_file():
        pytest.fail(f"找不到 {AXE}：请先运行 bash scripts/setup.sh（其中执行 npm ci --prefix tests）")
    return AXE.read_text("utf-8")


def with_axe(context: Any) -> None:
    """Make axe available in every page of a Playwright context.

    An init script, not a <script> tag: the site's Content-Security-Policy (rightly)
    refuses inline scripts, and init scripts run outside it, as a browser extension would.
    """
    context.add_init_script(script=axe_source())


def violations(page: Any, include: str | None = None) -> list[str]:
    """Run axe on the page (or the element matching `include`); return its violations as
    readable lines, empty when there are none."""
    result = page.evaluate(
        "(include) => axe.run(include ? { include: [include] } : document)", include)
    lines = []
    for v in result["violations"]:
        targets = [", ".join(n["target"]) for n in v["nodes"]][:5]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {targets}")
    return lines
