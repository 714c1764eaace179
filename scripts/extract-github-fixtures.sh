#!/usr/bin/env bash
# Regenerates tests/fixtures/github/ (the REST description subset and webhook payloads the tests
# of the GitHub Action use) from pinned versions of GitHub's own npm packages. Needs node and npm.
#   scripts/extract-github-fixtures.sh
set -euo pipefail

OPENAPI_VERSION=23.0.2
WEBHOOKS_VERSION=7.6.1

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/tests/fixtures/github"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
# npm pack downloads the tarball without running any package script; only two files are unpacked
# (the openapi package is ~400 MB unpacked).
npm pack --silent "@octokit/openapi@$OPENAPI_VERSION" "@octokit/webhooks-examples@$WEBHOOKS_VERSION" >/dev/null
tar -xzf "octokit-openapi-$OPENAPI_VERSION.tgz" package/generated/api.github.com.json
tar -xzf "octokit-webhooks-examples-$WEBHOOKS_VERSION.tgz" package/api.github.com/index.json

rm -rf "$out/webhooks" "$out/openapi-subset.json"
node "$root/scripts/extract-github-fixtures.mjs" \
  package/generated/api.github.com.json package/api.github.com/index.json "$out"
