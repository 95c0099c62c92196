#!/usr/bin/env bash
# Debian packages the tests need, installed only when missing (safe to run again):
#   chromium     - the browser that opens code-server's workbench (driven by playwright-core)
#   libkrb5-dev  - headers for code-server's native `kerberos` module, built during its post-install
#   ripgrep      - /usr/bin/rg, seeded into @vscode/ripgrep's download cache (GitHub is unreachable)
#   python3, make, g++ - node-gyp's toolchain for code-server's native modules
#   postgresql, redis-server - real databases behind the real-server tests and `npm run bench:tracer`
#                  (the tests start private instances of their own; no system service is used)
#   mariadb-server - the MySQL-protocol database behind the mysql2 real-server tests (a private
#                  instance too; about 27 s and 25 MB of downloads more on a fresh machine)
#   python3-fastapi, python3-uvicorn - the FastAPI kitchen the Python tracer's tests run
#   python3-uvloop - the same kitchen on uvloop's loop (uvicorn's default where it is installed)
# Needs root (CI and the dev machines run as root); uses sudo when it is not root and sudo exists.
set -euo pipefail

packages=(chromium libkrb5-dev ripgrep python3 make g++ ca-certificates postgresql redis-server mariadb-server python3-fastapi python3-uvicorn python3-uvloop python3-aiohttp)

missing=()
for pkg in "${packages[@]}"; do
  # "install ok installed" is the only state that means the package is really there.
  if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" != "install ok installed" ]; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "aptDeps: all present (${packages[*]})"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    echo "aptDeps: missing ${missing[*]} and not root; install them by hand" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
install() {
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

echo "aptDeps: installing ${missing[*]}"
started=$(date +%s)
# Skip `apt-get update` when the package lists already know every missing package (saves ~10 s);
# on a fresh machine the lists are empty, so update first.
need_update=0
for pkg in "${missing[@]}"; do
  if ! apt-cache show "$pkg" >/dev/null 2>&1; then need_update=1; break; fi
done
if [ "$need_update" -eq 1 ]; then
  "${SUDO[@]}" apt-get update -q
fi
# An install from stale lists can 404 on a superseded .deb: refresh once and retry.
if ! install; then
  echo "aptDeps: install failed, refreshing package lists and retrying" >&2
  "${SUDO[@]}" apt-get update -q
  install
fi
echo "aptDeps: done in $(( $(date +%s) - started )) s"
