#!/usr/bin/env bash
# Check SARIF files against GitHub code scanning's ingestion rules with Microsoft's SARIF
# Multitool (the validator GitHub's "SARIF support for code scanning" page points to), run
# locally from its npm package. Too large (44 MB) for every test run; tests/report_sarif.rs
# validates against the official schema instead. Exits non-zero on any error or warning.
# Usage: scripts/check-sarif-github.sh FILE.sarif...
# Example: cargo run -q -- scan --offline --format sarif --output /tmp/l.sarif; scripts/check-sarif-github.sh /tmp/l.sarif
set -euo pipefail
[[ $# -gt 0 ]] || { echo "usage: $0 FILE.sarif..." >&2; exit 2; }

version=5.7.0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@microsoft/sarif-multitool-linux@$version" >/dev/null && tar xzf ./*.tgz)
chmod +x "$work/package/Sarif.Multitool"
files=()
for f in "$@"; do files+=("$(realpath "$f")"); done
"$work/package/Sarif.Multitool" validate --rule-kind "Gh;Sarif" -o "$work/out.sarif" "${files[@]}" | tee "$work/log"
if grep -Eq ': (error|warning) ' "$work/log"; then
    echo "check-sarif-github: problems found" >&2
    exit 1
fi
echo "check-sarif-github: ${#files[@]} file(s) pass GitHub's SARIF rules (SARIF Multitool $version)"
