#!/usr/bin/env bash
# Installs everything the checks need on a fresh machine: pnpm (from npm; corepack is not relied on),
# the workspace dependencies (which bring Node 24 as the `node` package), and the Python virtualenv
# with moto and zizmor. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")
# npm's global bin is not on PATH on every machine: look there too (a pnpm installed by an earlier run).
PATH="$PATH:$(npm prefix -g)/bin"
export PATH
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  npm install -g "pnpm@$PNPM_VERSION" --no-fund --no-audit --loglevel=error
  # Put the pnpm just installed first, wherever npm put it.
  PATH="$(npm prefix -g)/bin:$PATH"
  export PATH
fi
pnpm install --frozen-lockfile --reporter=silent
bash scripts/setup.sh
# act (https://github.com/nektos/act), a runner nobody here wrote, runs the actions in CI too. It is a Go
# module: built from the Go module proxy into .tools/bin, pinned. Without Go, the act test fails and says why.
ACT_VERSION=0.2.89
if ! [ "$(.tools/bin/act --version 2>/dev/null)" = "act version $ACT_VERSION" ]; then
  if command -v go >/dev/null 2>&1; then
    GOBIN="$PWD/.tools/bin" GOFLAGS=-mod=mod go install "github.com/nektos/act@v$ACT_VERSION"
  else
    echo "bootstrap: Go is not installed, so act $ACT_VERSION was not built (test/e2e/act.test.ts will fail)." >&2
  fi
fi
echo "bootstrap: pnpm $(pnpm --version), Node $(node_modules/node/bin/node --version) for the actions, .venv ready, $(.tools/bin/act --version 2>/dev/null || echo "no act")."
