#!/usr/bin/env bash
# Regenerate src/signals/popular.txt, the popular npm package names the typosquat signal compares
# new names against. The list is npm's own "high-impact" set (>= 1M weekly downloads or >= 500
# dependents) as packaged by npm-high-impact, most popular first. lockgate never fetches it at run
# time: the file is committed and compiled in.
# Usage: scripts/update-popular-names.sh [npm-high-impact version]
set -euo pipefail
cd "$(dirname "$0")/.."

version="${1:-1.13.0}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "npm-high-impact@$version" >/dev/null && tar xzf npm-high-impact-*.tgz)
node --input-type=module -e "
import {npmHighImpact} from '$work/package/index.js'
const names = [...new Set(npmHighImpact)]
process.stdout.write('# npm-high-impact $version: ' + names.length + ' names, most popular first. Regenerate with scripts/update-popular-names.sh.\n')
process.stdout.write(names.join('\n') + '\n')
" > src/signals/popular.txt
echo "wrote src/signals/popular.txt ($(($(wc -l < src/signals/popular.txt) - 1)) names, npm-high-impact $version)"
