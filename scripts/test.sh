#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need, then runs them.
# Usage: scripts/test.sh [extra cargo test args]
set -euo pipefail
cd "$(dirname "$0")/.."

command -v git >/dev/null || { echo "scripts/test.sh: the tests need git on PATH" >&2; exit 2; }

cargo test --all-targets --locked "$@"
