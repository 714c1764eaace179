#!/usr/bin/env bash
# End-to-end `lockgate diff` on a pull request that updates 500 packages, against a registry
# stand-in on 127.0.0.1 that adds 50 ms to every request. Prints the elapsed time against the
# floor ceil(500 / concurrency) * 50 ms, then reruns with a warm --offline-cache and prints how
# many responses were full (200) and how many were 304s. Target (issue 3): within 2x of the
# floor; the warm rerun makes no full downloads.
#
# Usage: scripts/bench-diff-500.sh [CONCURRENCY]   (default 16)
set -euo pipefail
cd "$(dirname "$0")/.."
concurrency=${1:-16}
count=500
latency_ms=50

cargo build --release --quiet
bin=$PWD/target/release/lockgate
work=$(mktemp -d)
server_pid=
cleanup() { [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

python3 scripts/bench/registry_server.py "0.$(printf '%03d' $latency_ms)" "$count" >"$work/port" &
server_pid=$!
for _ in $(seq 50); do [[ -s $work/port ]] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$work/port")/"

# A package-lock.json v3 with $count registry packages at one version.
lockfile() {
    python3 - "$count" "$1" <<'PY'
import json, sys
count, version = int(sys.argv[1]), sys.argv[2]
packages = {"": {"name": "bench", "version": "1.0.0",
                 "dependencies": {f"bench-pkg-{i}": version for i in range(count)}}}
for i in range(count):
    name = f"bench-pkg-{i}"
    packages[f"node_modules/{name}"] = {
        "version": version,
        "resolved": f"https://registry.npmjs.org/{name}/-/{name}-{version}.tgz",
        "integrity": f"sha512-{name}-{version}",
    }
print(json.dumps({"name": "bench", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
                  "packages": packages}, indent=2))
PY
}

repo=$work/repo
mkdir -p "$repo"
git -C "$repo" init -q -b main
lockfile 1.0.0 >"$repo/package-lock.json"
git -C "$repo" add -A
git -C "$repo" -c user.name=bench -c user.email=b@example.invalid commit -qm base
lockfile 1.0.1 >"$repo/package-lock.json"
git -C "$repo" -c user.name=bench -c user.email=b@example.invalid commit -qam head

run() {
    local start end
    start=$(date +%s%N)
    (cd "$repo" && npm_config_userconfig=/nonexistent "$bin" diff --base HEAD~1 --head HEAD \
        --registry "$url" --concurrency "$concurrency" --offline-cache "$work/cache" \
        --now 2026-01-01T00:00:00Z --format json >"$work/report.json") || true
    end=$(date +%s%N)
    echo $(( (end - start) / 1000000 ))
}

# Whole rounds of requests (a ceiling division) times the latency, in that order on purpose.
# shellcheck disable=SC2017
floor=$(( (count + concurrency - 1) / concurrency * latency_ms ))
cold=$(run)
changed=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(sum(1 for p in r['packages'] if p['change']=='updated'))" "$work/report.json")
stats_cold=$(curl -s "$url-/stats")
warm=$(run)
stats_all=$(curl -s "$url-/stats")
echo "lockgate diff, $changed packages updated, $latency_ms ms latency per request, concurrency $concurrency"
awk -v t="$cold" -v f="$floor" 'BEGIN { printf "cold cache: %d ms, floor %d ms, ratio %.2f\n", t, f, t / f }'
awk -v t="$warm" -v f="$floor" 'BEGIN { printf "warm cache: %d ms, floor %d ms, ratio %.2f\n", t, f, t / f }'
echo "responses after the cold run: $stats_cold; after both runs: $stats_all"
