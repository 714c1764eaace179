#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need, then runs them.
# Usage: scripts/test.sh [extra cargo test args]
#
# Starts a Verdaccio registry on 127.0.0.1 for the end-to-end test (tests/verdaccio.rs) and
# stops it on exit. Set LOCKGATE_VERDACCIO_URL to use a registry you started yourself instead
# (scripts/verdaccio.sh start DIR).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v git >/dev/null || { echo "scripts/test.sh: the tests need git on PATH" >&2; exit 2; }

if [[ -z "${LOCKGATE_VERDACCIO_URL:-}" ]]; then
    verdaccio_state="$(mktemp -d "${TMPDIR:-/tmp}/lockgate-verdaccio.XXXXXX")"
    stop_verdaccio() { scripts/verdaccio.sh stop "$verdaccio_state" || true; }
    trap stop_verdaccio EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    started=$SECONDS
    if url="$(scripts/verdaccio.sh start "$verdaccio_state")"; then
        export LOCKGATE_VERDACCIO_URL="$url"
        echo "scripts/test.sh: Verdaccio at $url (ready in $((SECONDS - started)) s)" >&2
    else
        # Not fatal here: tests/verdaccio.rs then skips locally and fails under CI=true, with
        # the reason above.
        echo "scripts/test.sh: Verdaccio did not start; the end-to-end registry test cannot run" >&2
    fi
fi

cargo test --all-targets --locked "$@"
