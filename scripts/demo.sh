#!/usr/bin/env bash
# The main job on a fresh machine: install what is needed (Debian packages, npm packages,
# code-server), then start Loop Lens in a real VS Code on the kitchen demo and print its address.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/vscode/aptDeps.sh
npm ci --no-audit --no-fund
node scripts/vscode/installCodeServer.mjs
exec node scripts/vscodeDemo.mjs "$@"
