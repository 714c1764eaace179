#!/usr/bin/env bash
# Times `lockgate scan --offline` against npm's own lockfile loading
# (`npm ls --all --package-lock-only`) on the same large package-lock.json, in the same run,
# and prints the ratio. Target (issue 2): lockgate at least 20x faster.
#
# Usage: scripts/bench-vs-npm.sh [RUNS]   (default 10 runs each; reports the median)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
fixture=tests/fixtures/large

cargo build --release --quiet
bin=$PWD/target/release/lockgate

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$fixture/package-lock.json" "$fixture/package.json" "$work/"

# Median wall time in milliseconds of running "$@" in $work, $runs times.
median_ms() {
    local times=()
    for _ in $(seq "$runs"); do
        local start end
        start=$(date +%s%N)
        (cd "$work" && "$@" >/dev/null 2>&1) || true
        end=$(date +%s%N)
        times+=($(( (end - start) / 1000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}

# Make sure both really read the file (a broken run would look fast).
(cd "$work" && "$bin" scan --offline --format json | grep -q '"schema": 1')
(cd "$work" && npm ls --all --package-lock-only >/dev/null 2>&1) || true

size=$(wc -c <"$work/package-lock.json")
ours=$(median_ms "$bin" scan --offline --format json)
npms=$(median_ms npm ls --all --package-lock-only)
echo "package-lock.json: $size bytes"
echo "lockgate scan --offline:           ${ours} ms (median of $runs)"
echo "npm ls --all --package-lock-only:  ${npms} ms (median of $runs)"
awk -v a="$npms" -v b="$ours" 'BEGIN { printf "ratio: lockgate is %.1fx faster than npm\n", a / b }'
