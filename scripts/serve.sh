#!/usr/bin/env bash
# Set up and serve the bundled sample site at http://127.0.0.1:8000/
# Usage: scripts/serve.sh [build]   ("build" writes the static site to site/ instead)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh site
export NO_MKDOCS_2_WARNING=1
.venv/bin/classroom check site_data
if [ "${1:-serve}" = build ]; then
  exec .venv/bin/mkdocs build
fi
exec .venv/bin/mkdocs serve -a 127.0.0.1:8000
