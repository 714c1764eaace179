#!/usr/bin/env python3
"""Write the regression cases under tests/regression/<case>/.

Each case is a real incident (or a benign look-alike) reconstructed from public write-ups:
  case.json                  description, sources, the instant the PR is judged at, expected verdict
  base/package-lock.json     the lockfile before the update (npm lockfileVersion 3)
  head/package-lock.json     the lockfile after it
  registry/<name>.json       full packuments (GET /<name>, application/json) in the npmjs shape,
                             as the registry would have served them at `now`: versions published
                             later are left out.

What is real and what is a stand-in: names, versions, publish times (to the day; to the minute
where write-ups give it; creation dates and earlier releases approximate), publishing accounts where the write-ups name them, scripts, added
dependencies and provenance state follow the write-ups. Integrity hashes, shasums, signatures
and the `oidcConfigId` are stand-ins computed from name@version (no signal verifies them
cryptographically; lockfile and registry agree as they did in reality). Where a write-up does not
say (who published the version before a compromise, whether it had provenance), the case takes
the assumption that makes detection *harder*, and says so in `notes`.

Run: python3 tests/regression/generate.py   (rewrites every case directory)
"""

import base64
import datetime
import hashlib
import json
import os
import shutil

ROOT = os.path.dirname(os.path.abspath(__file__))
REGISTRY = "https://registry.npmjs.org"
KEY_OLD = "SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA"  # npm's ECDSA key until 2025-01
KEY_NEW = "SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U"  # and after
TRUSTED = {"name": "GitHub Actions", "email": "npm-oidc-no-reply@github.com"}


def sri(name, version):
    return "sha512-" + base64.b64encode(hashlib.sha512(f"{name}@{version}".encode()).digest()).decode()


def shasum(name, version):
    return hashlib.sha1(f"{name}@{version}".encode()).hexdigest()


def tarball(name, version):
    return f"{REGISTRY}/{name}/-/{name.split('/')[-1]}-{version}.tgz"


def user(name, email):
    return {"name": name, "email": email}


class V:
    """One published version."""

    def __init__(self, version, time, publisher, scripts=None, deps=None, optional=None, peer=None,
                 provenance=False, trusted=False, gypfile=False, maintainers=None, deprecated=None):
        self.version = version
        self.time = time
        self.publisher = publisher
        self.scripts = scripts or {}
        self.deps = deps or {}
        self.optional = optional or {}
        self.peer = peer or {}
        self.provenance = provenance
        self.trusted = trusted
        self.gypfile = gypfile
        self.maintainers = maintainers
        self.deprecated = deprecated


def manifest(name, v, maintainers, description):
    dist = {
        "integrity": sri(name, v.version),
        "shasum": shasum(name, v.version),
        "tarball": tarball(name, v.version),
        "fileCount": 12,
        "unpackedSize": 48213,
    }
    if v.time >= "2023-01-01":
        key = KEY_NEW if v.time >= "2025-01-15" else KEY_OLD
        sig = base64.b64encode(hashlib.sha256(f"sig:{name}@{v.version}".encode()).digest()).decode()
        dist["signatures"] = [{"keyid": key, "sig": "MEUCIQ" + sig}]
    elif v.time >= "2018-04-01":
        dist["npm-signature"] = "-----BEGIN PGP SIGNATURE-----\r\nVersion: OpenPGP.js v3.0.4\r\n\r\n(stand-in)\r\n-----END PGP SIGNATURE-----\r\n"
    if v.provenance:
        dist["attestations"] = {
            "url": f"{REGISTRY}/-/npm/v1/attestations/{name}@{v.version}",
            "provenance": {"predicateType": "https://slsa.dev/provenance/v1"},
        }
    m = {
        "name": name,
        "version": v.version,
        "description": description,
        "license": "MIT",
        "main": "index.js",
        "_id": f"{name}@{v.version}",
        "scripts": dict(v.scripts, test=v.scripts.get("test", "node test.js")),
    }
    if v.deps:
        m["dependencies"] = v.deps
    if v.optional:
        m["optionalDependencies"] = v.optional
    if v.peer:
        m["peerDependencies"] = v.peer
    if v.gypfile:
        m["gypfile"] = True
    if v.deprecated:
        m["deprecated"] = v.deprecated
    if v.trusted:
        oidc = hashlib.md5(f"oidc:{name}".encode()).hexdigest()
        m["_npmUser"] = dict(TRUSTED, trustedPublisher={"id": "github", "oidcConfigId": f"oidc:{oidc[:8]}-{oidc[8:12]}-{oidc[12:16]}-{oidc[16:20]}-{oidc[20:]}"})
    else:
        m["_npmUser"] = v.publisher
    m["maintainers"] = v.maintainers if v.maintainers is not None else maintainers
    m["dist"] = dist
    m["_npmVersion"] = "10.8.2" if v.time >= "2023" else "6.4.1"
    m["_nodeVersion"] = "22.11.0" if v.time >= "2023" else "10.9.0"
    m["directories"] = {}
    m["_hasShrinkwrap"] = False
    return m


def packument(name, versions, maintainers, now, description="", latest=None):
    live = [v for v in versions if v.time <= now]
    live.sort(key=lambda v: v.time)
    doc = {
        "_id": name,
        "_rev": f"{len(live)}-{hashlib.md5(name.encode()).hexdigest()}",
        "name": name,
        "dist-tags": {"latest": latest or live[-1].version},
        "versions": {v.version: manifest(name, v, maintainers, description) for v in live},
        "time": {"created": live[0].time, "modified": live[-1].time},
        "maintainers": live[-1].maintainers if live[-1].maintainers is not None else maintainers,
        "description": description,
        "license": "MIT",
        "readme": "",
        "readmeFilename": "README.md",
    }
    for v in live:
        doc["time"][v.version] = v.time
    return doc


class Pkg:
    def __init__(self, name, versions, maintainers, description="", removed=(), latest=None, created=None):
        self.name = name
        # When the package first appeared (the cases carry only recent history).
        self.created = created
        self.versions = versions
        self.maintainers = maintainers
        self.description = description
        # Versions the registry had taken down by `now` (served without them).
        self.removed = set(removed)
        self.latest = latest

    def get(self, version):
        return next(v for v in self.versions if v.version == version)

    def doc(self, now):
        kept = [v for v in self.versions if v.version not in self.removed]
        doc = packument(self.name, kept, self.maintainers, now, self.description, self.latest)
        if self.created:
            doc["time"]["created"] = self.created
        return doc


def lockfile(pkgs, locked, root_deps):
    """A package-lock.json v3 for `locked`: [(Pkg, version)], top-level installs."""
    packages = {"": {"name": "app", "version": "1.0.0", "dependencies": root_deps}}
    for pkg, version in locked:
        v = pkg.get(version)
        entry = {"version": version, "resolved": tarball(pkg.name, version), "integrity": sri(pkg.name, version), "license": "MIT"}
        if v.deps:
            entry["dependencies"] = v.deps
        if v.optional:
            entry["optionalDependencies"] = v.optional
        if v.peer:
            entry["peerDependencies"] = v.peer
        if any(k in v.scripts for k in ("preinstall", "install", "postinstall")) or v.gypfile:
            entry["hasInstallScript"] = True
        packages[f"node_modules/{pkg.name}"] = entry
    return {"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": True, "packages": packages}


def write_case(case, description, sources, now, expected, pkgs, base, head, root_deps, notes=""):
    out = os.path.join(ROOT, case)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.join(out, "registry"))
    os.makedirs(os.path.join(out, "base"))
    os.makedirs(os.path.join(out, "head"))
    meta = {"description": description, "sources": sources, "now": now, "expected": expected, "notes": notes}
    dump(os.path.join(out, "case.json"), meta)
    dump(os.path.join(out, "base", "package-lock.json"), lockfile(pkgs, base, root_deps))
    dump(os.path.join(out, "head", "package-lock.json"), lockfile(pkgs, head, root_deps))
    for p in pkgs:
        dump(os.path.join(out, "registry", p.name.replace("/", "__") + ".json"), p.doc(now))


def dump(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


def history(versions, start, publisher, step_days=30, **kw):
    """Plain earlier releases, one every `step_days` from `start` (YYYY-MM-DD)."""
    day = datetime.date.fromisoformat(start)
    out = []
    for v in versions:
        out.append(V(v, f"{day.isoformat()}T12:00:00.000Z", publisher, **kw))
        day += datetime.timedelta(days=step_days)
    return out


# ---------------------------------------------------------------------------------------------
# Compromises
# ---------------------------------------------------------------------------------------------

dominictarr = user("dominictarr", "dominic.tarr@gmail.com")
right9ctrl = user("right9ctrl", "right9ctrl@outlook.com")
es_deps = {"duplexer": "~0.1.1", "from": "~0", "map-stream": "~0.1.0", "pause-stream": "0.0.11", "split": "0.3", "stream-combiner": "~0.0.4", "through": "~2.3.1"}
event_stream = Pkg("event-stream",
    history(["3.3.0", "3.3.1", "3.3.2", "3.3.3"], "2014-11-01", dominictarr, 60, deps=es_deps)
    + [V("3.3.4", "2015-09-11T10:20:00.000Z", dominictarr, deps=es_deps),
       V("3.3.5", "2018-09-05T16:35:00.000Z", right9ctrl, deps=es_deps, maintainers=[dominictarr, right9ctrl]),
       V("3.3.6", "2018-09-09T07:25:00.000Z", right9ctrl, deps=dict(es_deps, **{"flatmap-stream": "^0.1.0"}), maintainers=[dominictarr, right9ctrl])],
    [dominictarr], "construct pipes of streams of events", created="2011-06-17T00:00:00.000Z")
flatmap_stream = Pkg("flatmap-stream", [
    V("0.1.0", "2018-09-09T07:22:00.000Z", right9ctrl),
    V("0.1.1", "2018-10-05T09:10:00.000Z", right9ctrl)], [right9ctrl], "flat map for streams")
write_case("event-stream-3.3.6",
    "event-stream 3.3.4 -> 3.3.6 (2018): a new maintainer, right9ctrl, added the brand-new flatmap-stream, whose 0.1.1 carried the payload",
    ["https://github.com/dominictarr/event-stream/issues/116", "https://snyk.io/blog/a-post-mortem-of-the-malicious-event-stream-backdoor/"],
    "2018-10-06T12:00:00Z", "fail", [event_stream, flatmap_stream],
    [(event_stream, "3.3.4")], [(event_stream, "3.3.6"), (flatmap_stream, "0.1.1")], {"event-stream": "^3.3.4"},
    "right9ctrl is assumed to have published 3.3.5 as well (so new-publisher stays quiet and the case rests on "
    "maintainers-changed plus a dependency 27 days old). Caught by trust-drop-with-stranger-dependency; flatmap-stream "
    "0.1.1 itself only warns (new package, a day old, no install script): its payload ran on require, not at install.")

faisalman = user("faisalman", "f@faisalman.com")
ua_hist = history(["0.7.24", "0.7.25", "0.7.26", "0.7.27"], "2020-09-01", faisalman)
ua_preinstall = {"preinstall": "start /B node preinstall.js & node preinstall.js"}
ua_parser = lambda removed=(): Pkg("ua-parser-js",
    ua_hist + [V("0.7.28", "2021-04-11T09:21:00.000Z", faisalman),
               V("0.7.29", "2021-10-22T12:15:00.000Z", faisalman, scripts=ua_preinstall),
               V("0.8.0", "2021-10-22T12:16:00.000Z", faisalman, scripts=ua_preinstall),
               V("1.0.0", "2021-10-22T12:17:00.000Z", faisalman, scripts=ua_preinstall),
               V("0.7.30", "2021-10-22T16:20:00.000Z", faisalman)],
    [faisalman], "Detect Browser, Engine, OS, CPU, and Device type/model from User-Agent data", removed=removed, created="2012-06-02T00:00:00.000Z",
    latest="0.7.30" if removed else "0.7.29")
write_case("ua-parser-js-0.7.29",
    "ua-parser-js 0.7.28 -> 0.7.29 (2021-10-22): the author's hijacked account published a preinstall that fetched a miner and a password stealer",
    ["https://github.com/advisories/GHSA-pjwm-rvh2-c87w", "https://github.com/faisalman/ua-parser-js/issues/536"],
    "2021-10-22T14:00:00Z", "fail", [ua_parser()], [(ua_parser(), "0.7.28")], [(ua_parser(), "0.7.29")], {"ua-parser-js": "^0.7.28"},
    "Same account as every earlier release (the write-ups say the account itself was hijacked). Caught by fresh-install-code.")
write_case("ua-parser-js-0.7.29-after-takedown",
    "The same lockfile update judged a day later, after npm removed 0.7.29, 0.8.0 and 1.0.0",
    ["https://github.com/advisories/GHSA-pjwm-rvh2-c87w"],
    "2021-10-23T14:00:00Z", "fail", [ua_parser(removed={"0.7.29", "0.8.0", "1.0.0"})],
    [(ua_parser(), "0.7.28")], [(ua_parser(), "0.7.29")], {"ua-parser-js": "^0.7.28"},
    "Caught by unpublished (critical): the locked version is gone from the registry.")

eslint_maint = user("eslintbot", "nicholas+eslint@nczconsulting.com")
platinumazure = user("platinumazure", "platinumazure@gmail.com")
eslint_scope = Pkg("eslint-scope",
    history(["3.6.0", "3.7.0"], "2016-12-01", eslint_maint, deps={"esrecurse": "^4.1.0", "estraverse": "^4.1.1"})
    + [V("3.7.1", "2017-04-10T21:00:00.000Z", eslint_maint, deps={"esrecurse": "^4.1.0", "estraverse": "^4.1.1"}),
       V("3.7.2", "2018-07-12T10:40:00.000Z", eslint_maint, deps={"esrecurse": "^4.1.0", "estraverse": "^4.1.1"},
         scripts={"postinstall": "node ./lib/build.js"})],
    [eslint_maint, platinumazure], "ECMAScript scope analyzer for ESLint", created="2015-12-01T00:00:00.000Z")
write_case("eslint-scope-3.7.2",
    "eslint-scope 3.7.1 -> 3.7.2 (2018-07-12): a maintainer's leaked npm token published a postinstall that sent ~/.npmrc tokens away",
    ["https://eslint.org/blog/2018/07/postmortem-for-malicious-package-publishes/"],
    "2018-07-12T11:30:00Z", "fail", [eslint_scope], [(eslint_scope, "3.7.1")], [(eslint_scope, "3.7.2")], {"eslint-scope": "^3.7.1"},
    "The publishing account is assumed to be the one that published 3.7.1 (the postmortem names a maintainer's account; "
    "assuming the same one makes detection harder). Caught by fresh-install-code.")

qfox = user("qfox", "qfox@ya.ru")
coa = Pkg("coa",
    history(["1.0.4", "2.0.0", "2.0.1"], "2017-01-10", qfox, 90, deps={"@types/q": "^1.5.1", "chalk": "^2.4.1", "q": "^1.1.2"})
    + [V("2.0.2", "2018-12-05T10:00:00.000Z", qfox, deps={"@types/q": "^1.5.1", "chalk": "^2.4.1", "q": "^1.1.2"}),
       V("2.0.3", "2021-11-04T14:30:00.000Z", qfox, deps={"@types/q": "^1.5.1", "chalk": "^2.4.1", "q": "^1.1.2"},
         scripts={"preinstall": "start /B node compile.js & node compile.js"})],
    [qfox], "Command-Option-Argument: Yet another parser for command line options", created="2012-03-12T00:00:00.000Z")
dominic_rc = user("dominictarr", "dominic.tarr@gmail.com")
rc_deps = {"deep-extend": "^0.6.0", "ini": "~1.3.0", "minimist": "^1.2.0", "strip-json-comments": "~2.0.1"}
rc = Pkg("rc",
    history(["1.2.5", "1.2.6", "1.2.7"], "2017-01-10", dominic_rc, 90, deps=rc_deps)
    + [V("1.2.8", "2018-05-25T15:00:00.000Z", dominic_rc, deps=rc_deps),
       V("1.2.9", "2021-11-04T16:10:00.000Z", dominic_rc, deps=rc_deps, scripts={"preinstall": "start /B node compile.js & node compile.js"})],
    [dominic_rc], "hardwired configuration loader", created="2012-10-22T00:00:00.000Z")
write_case("coa-2.0.3-rc-1.2.9",
    "coa 2.0.2 -> 2.0.3 and rc 1.2.8 -> 1.2.9 (2021-11-04): hijacked accounts published a preinstall dropping the same password stealer as ua-parser-js",
    ["https://github.com/advisories/GHSA-73qr-pfmq-6rp8", "https://github.com/advisories/GHSA-g2q5-5433-rhrf"],
    "2021-11-04T18:00:00Z", "fail", [coa, rc], [(coa, "2.0.2"), (rc, "1.2.8")], [(coa, "2.0.3"), (rc, "1.2.9")], {"coa": "^2.0.2", "rc": "^1.2.8"},
    "Same accounts as the earlier releases (assumed). Both caught by fresh-install-code.")

solana_pub = user("solana-devs", "devs@solana.foundation")
solana = Pkg("@solana/web3.js",
    history(["1.95.0", "1.95.1", "1.95.2", "1.95.3"], "2024-06-01", solana_pub, deps={"@babel/runtime": "^7.25.0", "bs58": "^4.0.1"})
    + [V("1.95.4", "2024-10-08T18:00:00.000Z", solana_pub, deps={"@babel/runtime": "^7.25.0", "bs58": "^4.0.1"}),
       V("1.95.5", "2024-11-14T18:00:00.000Z", solana_pub, deps={"@babel/runtime": "^7.25.0", "bs58": "^4.0.1"}),
       V("1.95.6", "2024-12-03T15:20:00.000Z", solana_pub, deps={"@babel/runtime": "^7.25.0", "bs58": "^4.0.1"})],
    [solana_pub], "Solana Javascript API", created="2020-06-11T00:00:00.000Z")
write_case("solana-web3js-1.95.6",
    "@solana/web3.js 1.95.5 -> 1.95.6 (2024-12-03): a phished publish-access account shipped an addToQueue backdoor inside the library code",
    ["https://github.com/advisories/GHSA-2mhj-9w2r-qx2h", "https://www.mend.io/blog/the-solana-web3-js-incident-another-wake-up-call-for-supply-chain-security/"],
    "2024-12-03T17:00:00Z", "warn", [solana], [(solana, "1.95.5")], [(solana, "1.95.6")], {"@solana/web3.js": "^1.95.5"},
    "A known limit: the payload ran when the library was used, with no install script, no new dependency, and "
    "(assumed) the same account and the same absence of provenance as earlier releases. Metadata shows only a "
    "release two hours old, so the gate warns (recent-release, high) and does not fail.")

nx_bot = user("nrwl-bot", "nrwl-bot@nrwl.io")
nx_deps = {"axios": "^1.8.3", "chalk": "^4.1.0", "yargs": "^17.6.2"}
nx = Pkg("nx",
    history(["21.3.7", "21.3.8", "21.3.9", "21.3.10"], "2025-07-25", nx_bot, 5, deps=nx_deps, provenance=True)
    + [V("21.4.0", "2025-08-18T16:00:00.000Z", nx_bot, deps=nx_deps, provenance=True),
       V("21.4.1", "2025-08-21T16:00:00.000Z", nx_bot, deps=nx_deps, provenance=True),
       V("21.5.0", "2025-08-26T22:32:00.000Z", nx_bot, deps=nx_deps, scripts={"postinstall": "node telemetry.js"})],
    [nx_bot], "The core Nx plugin contains the core functionality of Nx", created="2017-08-25T00:00:00.000Z")
write_case("nx-21.5.0",
    "nx 21.4.1 -> 21.5.0 (2025-08-26, s1ngularity): a token stolen through a pull_request_target workflow published a postinstall that had local AI CLIs hunt for secrets",
    ["https://github.com/nrwl/nx/security/advisories/GHSA-cxm3-wv7p-598c"],
    "2025-08-27T01:00:00Z", "fail", [nx], [(nx, "21.4.1")], [(nx, "21.5.0")], {"nx": "^21.4.1"},
    "Earlier releases were published from CI with provenance; the malicious ones lacked it (GHSA). The publishing "
    "account is assumed unchanged (a stolen token of the usual one). Caught by trust-drop-with-install-code and fresh-install-code.")

sindre = user("sindresorhus", "sindresorhus@gmail.com")
qix = user("qix", "josh@junon.me")
chalk = Pkg("chalk",
    [V("5.3.0", "2023-06-29T12:00:00.000Z", qix), V("5.4.0", "2024-12-16T12:00:00.000Z", sindre),
     V("5.4.1", "2024-12-21T12:00:00.000Z", sindre), V("5.5.0", "2025-08-02T12:00:00.000Z", sindre),
     V("5.6.0", "2025-08-15T12:00:00.000Z", sindre), V("5.6.1", "2025-09-08T13:16:00.000Z", qix)],
    [sindre, qix], "Terminal string styling done right", created="2013-08-03T00:00:00.000Z")
debug = Pkg("debug",
    history(["4.3.5", "4.3.6", "4.3.7", "4.4.0"], "2024-05-30", qix, 60, deps={"ms": "^2.1.3"})
    + [V("4.4.1", "2025-05-13T12:00:00.000Z", qix, deps={"ms": "^2.1.3"}),
       V("4.4.2", "2025-09-08T13:18:00.000Z", qix, deps={"ms": "^2.1.3"})],
    [qix, user("thebigredgeek", "rhyneandrew@gmail.com")], "Lightweight debugging utility for Node.js and the browser", created="2011-11-29T00:00:00.000Z")
write_case("chalk-debug-2025-09",
    "chalk 5.6.0 -> 5.6.1 and debug 4.4.1 -> 4.4.2 (2025-09-08): a phished maintainer account (npmjs.help) shipped a browser crypto-wallet drainer",
    ["https://github.com/debug-js/debug/issues/1005", "https://github.com/chalk/chalk/issues/656"],
    "2025-09-08T15:00:00Z", "warn", [chalk, debug], [(chalk, "5.6.0"), (debug, "4.4.1")], [(chalk, "5.6.1"), (debug, "4.4.2")],
    {"chalk": "^5.6.0", "debug": "^4.4.1"},
    "A known limit: the real maintainer's account, same e-mail, no provenance before or after, payload in the "
    "library code with no install script and no new dependency. Only the release age shows (hours old): warn.")

scttcper = user("scttcper", "scttcper@gmail.com")
tinycolor = Pkg("@ctrl/tinycolor",
    history(["3.6.0", "3.6.1", "4.0.0", "4.0.1"], "2023-01-10", scttcper, 60, provenance=True)
    + [V("4.0.2", "2023-10-20T12:00:00.000Z", scttcper, provenance=True),
       V("4.0.3", "2024-01-26T12:00:00.000Z", scttcper, provenance=True),
       V("4.0.4", "2024-04-12T12:00:00.000Z", scttcper, provenance=True),
       V("4.1.0", "2024-04-21T12:00:00.000Z", scttcper, provenance=True),
       V("4.1.1", "2025-09-15T19:50:00.000Z", scttcper, scripts={"postinstall": "node bundle.js"})],
    [scttcper], "Fast, small color manipulation and conversion for JavaScript", created="2017-10-11T00:00:00.000Z")
write_case("shai-hulud-tinycolor-4.1.1",
    "@ctrl/tinycolor 4.1.0 -> 4.1.1 (2025-09-15, Shai-Hulud): the worm republished packages of every maintainer whose token it stole, with a postinstall bundle.js that ran TruffleHog and spread itself",
    ["https://socket.dev/blog/tinycolor-supply-chain-attack-affects-40-packages", "https://www.stepsecurity.io/blog/ctrl-tinycolor-and-40-npm-packages-compromised"],
    "2025-09-15T23:00:00Z", "fail", [tinycolor], [(tinycolor, "4.1.0")], [(tinycolor, "4.1.1")], {"@ctrl/tinycolor": "^4.1.0"},
    "Same account as before (the worm uses the victim's own token). Earlier releases are assumed to carry provenance "
    "from CI. Caught by fresh-install-code (and trust-drop-with-install-code through the provenance drop).")

jason = user("jasonsaayman", "jasonsaayman@gmail.com")
jason_proton = user("jasonsaayman", "ifstap@proton.me")
axios_deps = {"follow-redirects": "^1.15.6", "form-data": "^4.0.4", "proxy-from-env": "^1.1.0"}
axios = Pkg("axios",
    history(["1.10.0", "1.11.0"], "2025-06-20", jason, 40, deps=axios_deps)
    + [V(v, t, None, deps=axios_deps, provenance=True, trusted=True) for v, t in [
        ("1.12.0", "2025-09-11T12:00:00.000Z"), ("1.12.1", "2025-09-12T12:00:00.000Z"), ("1.12.2", "2025-09-14T12:00:00.000Z"),
        ("1.13.0", "2025-10-27T12:00:00.000Z"), ("1.13.1", "2025-10-28T12:00:00.000Z"), ("1.13.2", "2025-11-04T12:00:00.000Z"),
        ("1.13.3", "2026-01-10T12:00:00.000Z"), ("1.13.4", "2026-02-02T12:00:00.000Z"), ("1.13.5", "2026-02-20T12:00:00.000Z"),
        ("1.14.0", "2026-03-27T12:00:00.000Z")]]
    + [V("1.14.1", "2026-03-31T00:21:00.000Z", jason_proton, deps=dict(axios_deps, **{"plain-crypto-js": "^4.2.1"}))],
    [jason], "Promise based HTTP client for the browser and node.js", created="2014-08-29T00:00:00.000Z")
nrwise = user("nrwise", "nrwise@proton.me")
plain_crypto = Pkg("plain-crypto-js", [
    V("4.2.0", "2026-03-30T05:57:00.000Z", nrwise),
    V("4.2.1", "2026-03-30T23:59:00.000Z", nrwise, scripts={"postinstall": "node setup.js"})],
    [nrwise], "JavaScript library of crypto standards.")
follow = Pkg("follow-redirects", [V("1.15.9", "2024-09-12T12:00:00.000Z", user("rubenverborgh", "ruben@verborgh.org"))],
    [user("rubenverborgh", "ruben@verborgh.org")], "HTTP and HTTPS modules that follow redirects.", created="2015-04-25T00:00:00.000Z")
write_case("axios-1.14.1",
    "axios 1.14.0 -> 1.14.1 (2026-03-31): the lead maintainer's hijacked account (e-mail changed to a Proton address) published without the usual trusted publishing and added plain-crypto-js, a day-old package whose postinstall dropped a RAT",
    ["https://github.com/axios/axios/issues/10604", "https://www.stepsecurity.io/blog/axios-compromised-on-npm-malicious-versions-drop-remote-access-trojan"],
    "2026-03-31T01:00:00Z", "fail", [axios, plain_crypto, follow],
    [(axios, "1.14.0"), (follow, "1.15.9")], [(axios, "1.14.1"), (follow, "1.15.9"), (plain_crypto, "4.2.1")], {"axios": "^1.14.0"},
    "Release history before 1.14.0 is simplified (dates approximate). axios fails on "
    "trust-drop-with-stranger-dependency; plain-crypto-js on fresh-install-code and new-package-with-install-script.")

# ---------------------------------------------------------------------------------------------
# Benign look-alikes
# ---------------------------------------------------------------------------------------------

evanw = user("evanw", "evan.wallace@gmail.com")
esb_opt = lambda v: {f"@esbuild/{p}": v for p in ("darwin-arm64", "linux-x64", "win32-x64")}
esb_versions = ["0.25.5", "0.25.6", "0.25.7", "0.25.8", "0.25.9", "0.25.10"]
esb_times = ["2025-05-27", "2025-07-07", "2025-07-19", "2025-07-23", "2025-08-15", "2025-09-17"]
esbuild = Pkg("esbuild", [V(v, f"{t}T03:00:00.000Z", evanw, scripts={"postinstall": "node install.js"}, optional=esb_opt(v))
                          for v, t in zip(esb_versions, esb_times)], [evanw], "An extremely fast JavaScript and CSS bundler and minifier.", created="2020-01-02T00:00:00.000Z")
esb_linux = Pkg("@esbuild/linux-x64", [V(v, f"{t}T03:00:00.000Z", evanw) for v, t in zip(esb_versions, esb_times)],
                [evanw], "The Linux 64-bit binary for esbuild", created="2022-11-20T00:00:00.000Z")
write_case("esbuild-patch",
    "esbuild 0.25.9 -> 0.25.10: a routine patch of a package whose postinstall has been the same for years",
    ["https://github.com/evanw/esbuild/releases"],
    "2025-09-27T12:00:00Z", "warn", [esbuild, esb_linux], [(esbuild, "0.25.9"), (esb_linux, "0.25.9")],
    [(esbuild, "0.25.10"), (esb_linux, "0.25.10")], {"esbuild": "^0.25.9"},
    "Warns for the unchanged install script (low); the platform package passes.")

lovell = user("lovell", "npm@lovell.info")
sharp_deps = {"color": "^4.2.3", "detect-libc": "^2.0.4", "semver": "^7.7.2"}
sharp = Pkg("sharp", [V(v, t, lovell, scripts={"install": "node install/check.js"}, deps=sharp_deps, provenance=True,
                        optional={"@img/sharp-linux-x64": v})
                      for v, t in [("0.34.1", "2025-04-07T12:00:00.000Z"), ("0.34.2", "2025-05-20T12:00:00.000Z"),
                                   ("0.34.3", "2025-07-10T12:00:00.000Z"), ("0.34.4", "2025-09-16T12:00:00.000Z")]],
    [lovell], "High performance Node.js image processing", created="2013-08-15T00:00:00.000Z")
write_case("sharp-patch",
    "sharp 0.34.3 -> 0.34.4: same install script, same publisher, provenance kept",
    ["https://sharp.pixelplumbing.com/changelog"],
    "2025-09-19T12:00:00Z", "warn", [sharp], [(sharp, "0.34.3")], [(sharp, "0.34.4")], {"sharp": "^0.34.3"},
    "Warns for the unchanged install script and a three-day-old release (both low).")

recrsn = user("recrsn", "amitosh.swain@gmail.com")
bcrypt_deps = {"@mapbox/node-pre-gyp": "^1.0.11", "node-addon-api": "^5.0.0"}
bcrypt = Pkg("bcrypt", [V(v, t, recrsn, scripts={"install": "node-pre-gyp install --fallback-to-build"}, deps=bcrypt_deps, gypfile=True)
                        for v, t in [("5.0.1", "2021-02-27T12:00:00.000Z"), ("5.1.0", "2022-10-06T12:00:00.000Z"),
                                     ("5.1.1", "2023-08-16T12:00:00.000Z")]],
    [recrsn], "A bcrypt library for NodeJS.", created="2011-02-03T00:00:00.000Z")
write_case("bcrypt-patch",
    "bcrypt 5.1.0 -> 5.1.1: a native addon with binding.gyp and the same node-pre-gyp install script",
    ["https://github.com/kelektiv/node.bcrypt.js/releases"],
    "2023-09-01T12:00:00Z", "warn", [bcrypt], [(bcrypt, "5.1.0")], [(bcrypt, "5.1.1")], {"bcrypt": "^5.1.0"},
    "Warns for the unchanged install script (low).")

react_bot = user("react-bot", "react-core@meta.com")
react = Pkg("react", [V(v, t, react_bot) for v, t in [("19.0.0", "2024-12-05T18:00:00.000Z"), ("19.1.0", "2025-03-28T19:00:00.000Z"),
                                                       ("19.1.1", "2025-07-28T19:35:00.000Z")]],
    [react_bot], "React is a JavaScript library for building user interfaces.", created="2011-10-26T00:00:00.000Z")
react_dom = Pkg("react-dom", [V(v, t, react_bot, deps={"scheduler": "^0.26.0"}, peer={"react": f"^{v}"})
                              for v, t in [("19.0.0", "2024-12-05T18:00:00.000Z"), ("19.1.0", "2025-03-28T19:00:00.000Z"),
                                           ("19.1.1", "2025-07-28T19:36:00.000Z")]],
    [react_bot], "React package for working with the DOM.", created="2014-06-20T00:00:00.000Z")
write_case("react-same-day-patch",
    "react and react-dom 19.1.0 -> 19.1.1, judged three hours after the release",
    ["https://github.com/facebook/react/releases/tag/v19.1.1"],
    "2025-07-28T22:40:00Z", "warn", [react, react_dom], [(react, "19.1.0"), (react_dom, "19.1.0")],
    [(react, "19.1.1"), (react_dom, "19.1.1")], {"react": "^19.1.0", "react-dom": "^19.1.0"},
    "A fresh patch of a top package: recent-release is high, alone it warns.")

ts_bot = user("typescript-bot", "typescript@microsoft.com")
typescript = Pkg("typescript", [V(v, t, ts_bot, provenance=True) for v, t in [
    ("5.8.3", "2025-04-04T17:00:00.000Z"), ("5.9.2", "2025-07-31T17:00:00.000Z"), ("5.9.3", "2025-09-30T21:19:00.000Z")]],
    [ts_bot], "TypeScript is a language for application scale JavaScript development", created="2012-10-01T00:00:00.000Z")
write_case("typescript-same-day-patch",
    "typescript 5.9.2 -> 5.9.3, judged the same day",
    ["https://github.com/microsoft/TypeScript/releases/tag/v5.9.3"],
    "2025-09-30T23:00:00Z", "warn", [typescript], [(typescript, "5.9.2")], [(typescript, "5.9.3")], {"typescript": "^5.9.2"},
    "Same publisher, provenance kept, no scripts: only recent-release, which warns.")

substack = user("substack", "substack@gmail.com")
ljharb = user("ljharb", "ljharb@gmail.com")
minimist = Pkg("minimist",
    history(["1.2.0", "1.2.1", "1.2.2", "1.2.3"], "2015-08-24", substack, 200)
    + [V("1.2.4", "2020-03-11T12:00:00.000Z", substack), V("1.2.5", "2020-03-12T12:00:00.000Z", substack),
       V("1.2.6", "2022-03-21T12:00:00.000Z", ljharb, maintainers=[substack, ljharb])],
    [substack], "parse argument options", created="2013-06-25T00:00:00.000Z")
write_case("minimist-maintainer-handover",
    "minimist 1.2.5 -> 1.2.6 (2022-03): a legitimate handover, the new maintainer's first release fixes a prototype pollution",
    ["https://github.com/advisories/GHSA-xvch-5gv4-984h", "https://github.com/minimistjs/minimist"],
    "2022-03-25T12:00:00Z", "warn", [minimist], [(minimist, "1.2.5")], [(minimist, "1.2.6")], {"minimist": "^1.2.5"},
    "new-publisher (high) and maintainers-changed (medium) with nothing else: warn, not fail.")

danielroe = user("danielroe", "daniel@roe.dev")
atinux = user("atinux", "atinux@gmail.com")
nuxt_maint = [user("nuxtbot", "nuxtbot@roe.dev"), atinux, danielroe, user("pi0", "pyapar@gmail.com")]
nuxt_deps = {"@nuxt/kit": "^3.17.0", "vue": "^3.5.13", "h3": "^1.15.1"}
nuxt = Pkg("nuxt", [
    V("3.17.2", "2025-05-05T08:57:00.000Z", danielroe, deps=nuxt_deps, provenance=True),
    V("3.17.3", "2025-05-12T14:12:00.000Z", danielroe, deps=nuxt_deps, provenance=True),
    V("4.0.0-0", "2025-05-15T10:04:00.000Z", danielroe, deps=nuxt_deps, provenance=True),
    V("3.17.4", "2025-05-20T19:59:00.000Z", danielroe, deps=nuxt_deps, provenance=True),
    V("4.0.0-alpha.1", "2025-06-02T19:47:00.000Z", danielroe, deps=nuxt_deps),
    V("3.17.5", "2025-06-03T21:40:00.000Z", danielroe, deps=nuxt_deps, provenance=True)],
    nuxt_maint, "Nuxt is a free and open-source framework", created="2016-10-26T11:41:36.169Z")
write_case("nuxt-manual-prerelease-no-provenance",
    "nuxt 4.0.0-0 -> 4.0.0-alpha.1 (2025-06-02): the maintainer published a prerelease by hand, without the provenance the release before it had",
    ["https://www.npmjs.com/package/nuxt?activeTab=versions"],
    "2025-06-02T22:00:00Z", "warn", [nuxt], [(nuxt, "4.0.0-0")], [(nuxt, "4.0.0-alpha.1")], {"nuxt": "4.0.0-0"},
    "Real provenance gap in nuxt's registry history. provenance-regression (high) and a fresh release: warn.")

nuxt_tp = Pkg("nuxt", [
    V("4.0.2", "2025-07-29T00:08:00.000Z", danielroe, deps=nuxt_deps, provenance=True),
    V("4.0.3", "2025-08-05T08:34:00.000Z", danielroe, deps=nuxt_deps, provenance=True),
    V("4.1.0", "2025-09-02T22:18:00.000Z", None, deps=nuxt_deps, provenance=True, trusted=True, maintainers=nuxt_maint[:3])],
    nuxt_maint, "Nuxt is a free and open-source framework", created="2016-10-26T11:41:36.169Z")
write_case("nuxt-adopts-trusted-publishing",
    "nuxt 4.0.3 -> 4.1.0 (2025-09-02): releases move from a maintainer's account to npm trusted publishing, and a maintainer leaves",
    ["https://www.npmjs.com/package/nuxt?activeTab=versions"],
    "2025-09-20T12:00:00Z", "warn", [nuxt_tp], [(nuxt_tp, "4.0.3")], [(nuxt_tp, "4.1.0")], {"nuxt": "^4.0.3"},
    "A stronger trust level is not a new publisher; the removed maintainer is a low finding: warn.")

bnjmnt4n = user("bnjmnt4n", "benjamin@dev.ofcr.se")
lodash = Pkg("lodash", [V("4.17.19", "2020-07-08T17:00:00.000Z", bnjmnt4n), V("4.17.20", "2020-08-13T16:53:00.000Z", bnjmnt4n),
                        V("4.17.21", "2021-02-20T15:42:00.000Z", bnjmnt4n)],
    [bnjmnt4n, user("jdalton", "john.david.dalton@gmail.com")], "Lodash modular utilities.", created="2012-04-23T00:00:00.000Z")
write_case("lodash-settled-patch",
    "lodash 4.17.20 -> 4.17.21, merged months after the release",
    ["https://github.com/lodash/lodash/releases/tag/4.17.21"],
    "2021-06-01T12:00:00Z", "pass", [lodash], [(lodash, "4.17.20")], [(lodash, "4.17.21")], {"lodash": "^4.17.20"},
    "Nothing but the informational no-provenance: pass.")
