#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine for vncd, then runs the demo or the tests.
#
#   scripts/quickstart.sh demo    system packages + npm packages, build, run the demo
#   scripts/quickstart.sh test    system packages + npm packages, type-check, build, all tests
#
# System packages are installed with apt-get when running as root; otherwise the
# exact command is printed and the script stops, so nothing is done behind your back.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=${1:-}
case "$mode" in
  demo|test) ;;
  *) echo "usage: $0 demo|test" >&2; exit 2 ;;
esac

# What building `canvas` from source needs (it draws the demo desktop and renders test
# images; the library itself never loads it). The tests also need openssl (secrets) and
# the real VNC clients they drive: TigerVNC's viewer under Xvfb (typed into with xdotool,
# its clipboard read with xclip), gtk-vnc's gvnccapture, and noVNC in Debian's Chromium
# (certutil from libnss3-tools trusts the test CA for wss).
build_packages=(build-essential python3 pkg-config libcairo2-dev libpango1.0-dev libjpeg-dev
                libgif-dev librsvg2-dev libpixman-1-dev)
test_packages=(openssl xvfb x11-apps x11-utils tigervnc-viewer gvncviewer xdotool xclip chromium libnss3-tools)

need_node() {
  if ! command -v node >/dev/null; then
    echo "vncd needs Node.js 20.19 or newer (node was not found)." >&2; exit 1
  fi
  local version; version=$(node -p 'process.versions.node')
  if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
    echo "vncd needs Node.js 20.19 or newer (found $version)." >&2; exit 1
  fi
}

install_system_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "Missing system packages. Install them, then run this again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "==> apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# A clean install from the lock file, as `npm ci` would do. `npm ci` itself refuses
# the lock here: the registry this project is built against has no builds of the
# native packages for other platforms (@swc/core, jest's resolver), so the lock has
# no entries for them, which `npm ci` counts as out of sync. `npm install` keeps to the
# same lock. Skipped when node_modules already matches it (canvas builds for ~40 s).
install_npm_packages() {
  local stamp=node_modules/.vncd-lock-sha256 want
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
    echo "==> npm packages up to date"
    return 0
  fi
  echo "==> npm install (clean, from package-lock.json)"
  rm -rf node_modules
  npm install --no-audit --no-fund
  if [[ $(sha256sum package-lock.json | cut -d' ' -f1) != "$want" ]]; then
    echo "warning: npm changed package-lock.json; commit it if the change is intended" >&2
  fi
  echo "$want" > "$stamp"
}

need_node
if [[ $mode == test ]]; then
  install_system_packages "${build_packages[@]}" "${test_packages[@]}"
else
  install_system_packages "${build_packages[@]}"
fi
install_npm_packages

if [[ $mode == test ]]; then
  exec npm test
else
  exec npm run demo
fi
