#!/usr/bin/env bash
# The webgl test leg runs in Debian's Chromium (driven by playwright-core, which never
# downloads a browser). Install it when missing and we are root; otherwise explain.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "[webgl] /usr/bin/chromium missing: installing Debian's chromium …"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "[webgl] /usr/bin/chromium is missing: install it with 'sudo apt-get install -y chromium'" >&2
exit 1
