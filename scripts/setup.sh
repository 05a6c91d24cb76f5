#!/usr/bin/env bash
# Creates the project-local Python virtualenv (.venv at the repo root) with the pinned tools of
# test/requirements.txt (moto, later maybe zizmor). Idempotent: when .venv already holds exactly those
# requirements (same sha256 of requirements.txt, recorded in .venv/.requirements.sha256), pip is skipped.
# Quiet on success: prints one line saying what it did. Usage: `pnpm run setup` (not `pnpm setup`, which is pnpm's own command) or `bash scripts/setup.sh`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
requirements="$root/test/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

if ! command -v "$python" >/dev/null 2>&1; then
  echo "setup: $python not found; install Python 3.9+ (with the venv module) and retry" >&2
  exit 1
fi

hash_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

want="$(hash_of "$requirements")"
created=""

# A venv whose interpreter no longer runs (Python upgraded or removed) is rebuilt from scratch.
if [[ -d "$venv" ]] && ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  rm -rf "$venv"
fi

if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
  created="created .venv and "
fi

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "setup: .venv is up to date with test/requirements.txt ($("$venv/bin/python" --version 2>&1))"
  exit 0
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# The stamp is removed first so that an interrupted install is retried next time.
rm -f "$stamp"
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >"$log" 2>&1; then
  cat "$log" >&2
  echo "setup: pip install -r test/requirements.txt failed" >&2
  exit 1
fi
echo "$want" >"$stamp"
echo "setup: ${created}installed test/requirements.txt into .venv ($("$venv/bin/python" --version 2>&1))"
