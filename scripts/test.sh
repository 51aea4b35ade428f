#!/usr/bin/env bash
# Set up and run the whole test suite: lint, type check, then pytest (real MkDocs builds,
# real Chromium at 390x844, exports read back, nginx on loopback).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export NO_MKDOCS_2_WARNING=1
echo "==> ruff"
.venv/bin/ruff check src hooks tests bench
echo "==> mypy"
.venv/bin/mypy
echo "==> pytest"
.venv/bin/python -m pytest "$@"
