#!/usr/bin/env bash
# What the browser suite (`cargo test -p dyad --test e2e`) needs, installed idempotently:
# Debian's `chromium` and `chromium-driver` (never a browser download), and axe-core vendored
# from the npm registry into crates/dyad/tests/e2e/fixtures/axe.min.js.
# axe-core is MPL-2.0; it is used only in tests and is not part of the dyad binary.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "== installing chromium and chromium-driver (Debian packages)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver >/dev/null
fi
chromedriver --version

AXE=crates/dyad/tests/e2e/fixtures/axe.min.js
if [ ! -s "$AXE" ]; then
  echo "== vendoring axe-core@4 from the npm registry"
  command -v npm >/dev/null 2>&1 || { as_root apt-get update -qq; DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq npm >/dev/null; }
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent axe-core@4 >/dev/null && tar -xzf axe-core-*.tgz)
  mkdir -p "$(dirname "$AXE")"
  cp "$tmp/package/axe.min.js" "$AXE"
  cp "$tmp/package/LICENSE" "$(dirname "$AXE")/axe-core.LICENSE" 2>/dev/null || true
  echo "axe-core $(node -e "console.log(require('$tmp/package/package.json').version)" 2>/dev/null || echo '4.x') -> $AXE"
fi
