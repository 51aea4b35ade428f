#!/usr/bin/env bash
# Set up and serve the bundled sample site at http://127.0.0.1:8000/
# Usage: scripts/serve.sh [build]   ("build" writes the static site to site/ instead)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh site
export NO_MKDOCS_2_WARNING=1
if [ "${1:-serve}" = build ]; then
  .venv/bin/classroom check site_data
  exec .venv/bin/mkdocs build
fi
# The preview starts even when the data has errors: every page then lists them, and the
# page reloads by itself once they are fixed and saved.
.venv/bin/classroom check site_data || true
exec .venv/bin/mkdocs serve -a 127.0.0.1:8000
