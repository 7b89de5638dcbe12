# shellcheck shell=bash
# Shared by scripts/setup, scripts/test, scripts/synth and .ci/run. Source it; don't run it.
# Sets ROOT (the repository root) and VENV and cds to ROOT, defines pick_python, exports the Node/jsii
# settings every cdk8s run here needs, and defines `section` for readable logs.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

# shellcheck disable=SC2034  # used by the scripts that source this file
VENV="$ROOT/.venv"

# Node 20 is past its upstream end of life: jsii prints a warning on every start without this.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
# cdk8s-cli would otherwise ask the npm registry for a newer version on every synth.
export CDK8S_CHECK_UPGRADE=false

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
