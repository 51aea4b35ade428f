#!/usr/bin/env bash
# Set up everything the project needs on a fresh Debian machine: system packages
# (Chromium for browser tests, CJK fonts for PDFs and screenshots, poppler for reading
# PDFs back, nginx and wrk for the serving tests, npm for axe-core) and a virtualenv in .venv.
# Usage: scripts/setup.sh [site|test]   (default: test)
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-test}"

packages=(fonts-noto-cjk fonts-hanazono)
if [ "$extra" = test ]; then
  packages+=(chromium poppler-utils nginx-light libnginx-mod-http-brotli-filter
             libnginx-mod-http-brotli-static wrk)
fi
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# npm (for axe-core in the browser tests): Debian's package, unless some nodejs already
# brings the command (NodeSource's nodejs package does, and conflicts with Debian's npm).
if [ "$extra" = test ] && ! command -v npm >/dev/null; then
  missing+=(npm)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> 安装系统软件包：${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> 创建 Python 虚拟环境 .venv"
  python3 -m venv .venv
fi
echo "==> 安装 Python 依赖（.[$extra]）"
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$extra]"

if [ "$extra" = test ]; then
  # axe-core (accessibility checks injected into pages by the browser tests), at the exact
  # version pinned in tests/package-lock.json.
  echo "==> 安装测试用 npm 包（tests/package-lock.json）"
  npm ci --prefix tests --no-audit --no-fund --loglevel=error
fi
