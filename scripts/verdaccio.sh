#!/usr/bin/env bash
# A real npm registry on 127.0.0.1 for the end-to-end test (tests/verdaccio.rs): Verdaccio,
# offline (no uplinks, so it serves only what the test publishes), users in an htpasswd file,
# `@e2e/*` readable only with a token.
#
#   scripts/verdaccio.sh install      install Verdaccio (once; cached outside the repository)
#   scripts/verdaccio.sh start DIR    install if needed, start with its state in DIR (created,
#                                     must not exist or be empty), print the registry URL
#   scripts/verdaccio.sh stop DIR     stop the server started with DIR and delete DIR
#
# Verdaccio's own dependencies are pinned by scripts/verdaccio/package-lock.json and installed
# with `npm ci` into ${LOCKGATE_TOOLS:-~/.cache/lockgate-tools}/verdaccio-<lockfile checksum>,
# so a second run (or a CI machine that keeps its home) starts in about a second. Needs only
# node and npm. After changing scripts/verdaccio/package.json, regenerate the lockfile with
#   (cd scripts/verdaccio && npm install --package-lock-only --omit-lockfile-registry-resolved=true)
# (no `resolved` URLs, so `npm ci` fetches from whatever registry the machine is configured for).
set -euo pipefail
# Without this, a failure inside $(...) would not stop the function that runs there.
shopt -s inherit_errexit

here="$(cd "$(dirname "$0")" && pwd)"
tools="${LOCKGATE_TOOLS:-${HOME:-/tmp}/.cache/lockgate-tools}"

die() {
    echo "scripts/verdaccio.sh: $*" >&2
    exit 1
}

command -v node >/dev/null || die "node is not on PATH"
command -v npm >/dev/null || die "npm is not on PATH"

# The install directory is keyed by the lockfile's content: a changed pin installs beside the
# old one instead of replacing files a running server may be using.
install_dir() {
    local sum
    sum="$(cksum <"$here/verdaccio/package-lock.json" | cut -d' ' -f1)"
    echo "$tools/verdaccio-$sum"
}

install() {
    local dir
    dir="$(install_dir)"
    if [[ -f "$dir/.installed" ]]; then
        echo "$dir"
        return
    fi
    mkdir -p "$tools" || die "cannot create $tools (set LOCKGATE_TOOLS to a writable directory)"
    # Build in a private directory and rename it into place, so concurrent runs never see a
    # half-installed tree (the loser of the rename race just discards its copy).
    local tmp
    tmp="$(mktemp -d "$tools/.verdaccio-install.XXXXXX")" || die "cannot create a directory in $tools"
    [[ -d "$tmp" ]] || die "cannot create a directory in $tools"
    cp "$here/verdaccio/package.json" "$here/verdaccio/package-lock.json" "$tmp/"
    echo "scripts/verdaccio.sh: installing Verdaccio into $dir (first run only)" >&2
    # --ignore-scripts: none of Verdaccio's dependencies needs one, and the test registry should
    # not run code at install. --prefix: npm would otherwise look for a package.json upwards.
    # The user's own npm configuration (registry, proxy) applies.
    if ! npm ci --prefix "$tmp" --ignore-scripts --no-audit --no-fund --loglevel=error >&2; then
        rm -rf "$tmp"
        die "npm ci of Verdaccio failed"
    fi
    touch "$tmp/.installed"
    if ! mv -T "$tmp" "$dir" 2>/dev/null; then
        rm -rf "$tmp"
        [[ -f "$dir/.installed" ]] || die "cannot move the install into $dir"
    fi
    echo "$dir"
}

# A free port on 127.0.0.1, as the kernel picks it.
free_port() {
    node -e 'const s = require("net").createServer();
        s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# Exit 0 once GET <url>-/ping answers 200, 1 after $2 seconds.
wait_ready() {
    node -e '
        const [url, seconds] = process.argv.slice(1);
        const deadline = Date.now() + Number(seconds) * 1000;
        (async () => {
            while (Date.now() < deadline) {
                try {
                    const r = await fetch(url + "-/ping", { signal: AbortSignal.timeout(2000) });
                    if (r.ok) process.exit(0);
                } catch {}
                await new Promise((ok) => setTimeout(ok, 100));
            }
            process.exit(1);
        })();' "$1" "$2"
}

write_config() {
    local state="$1" port="$2"
    cat >"$state/config.yaml" <<EOF
# Written by scripts/verdaccio.sh: an offline registry for lockgate's end-to-end test.
storage: $state/storage
auth:
  htpasswd:
    file: $state/htpasswd
    max_users: 1000
uplinks: {}
packages:
  '@e2e/*':
    access: \$authenticated
    publish: \$authenticated
    unpublish: \$authenticated
  '**':
    access: \$all
    publish: \$authenticated
    unpublish: \$authenticated
middlewares:
  audit:
    enabled: false
web:
  enable: false
listen: 127.0.0.1:$port
log: { type: stdout, format: pretty, level: warn }
EOF
}

start() {
    local state="$1"
    [[ -n "$state" ]] || die "usage: $0 start DIR"
    if [[ -e "$state" && -n "$(ls -A "$state")" ]]; then
        die "$state exists and is not empty"
    fi
    local dir
    dir="$(install)"
    mkdir -p "$state/storage"
    state="$(cd "$state" && pwd)"
    local attempt port pid url
    # Another process can take the port between free_port and Verdaccio's bind; try again.
    for attempt in 1 2 3; do
        port="$(free_port)"
        url="http://127.0.0.1:$port/"
        write_config "$state" "$port"
        node "$dir/node_modules/verdaccio/bin/verdaccio" --config "$state/config.yaml" \
            >"$state/verdaccio.log" 2>&1 </dev/null &
        pid=$!
        echo "$pid" >"$state/pid"
        if wait_ready "$url" 30; then
            echo "$url" >"$state/url"
            echo "$url"
            return
        fi
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        echo "scripts/verdaccio.sh: Verdaccio did not answer on $url (attempt $attempt):" >&2
        tail -n 20 "$state/verdaccio.log" >&2 || true
    done
    die "Verdaccio did not start; its log is $state/verdaccio.log"
}

# Whether $1 is the pid of a Verdaccio (it names itself so), and not a process that reused the
# pid of one that died. Without /proc, trust the pid file.
is_verdaccio() {
    [[ -d /proc ]] || return 0
    [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q verdaccio
}

stop() {
    local state="$1"
    [[ -n "$state" ]] || die "usage: $0 stop DIR"
    [[ -d "$state" ]] || return 0
    # Only ever delete a directory this script set up (or an empty one).
    if [[ ! -f "$state/config.yaml" && -n "$(ls -A "$state")" ]]; then
        die "$state was not set up by scripts/verdaccio.sh start; not touching it"
    fi
    if [[ -f "$state/pid" ]]; then
        local pid _
        pid="$(cat "$state/pid")"
        if is_verdaccio "$pid" && kill "$pid" 2>/dev/null; then
            for _ in $(seq 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -9 "$pid" 2>/dev/null || true
        fi
    fi
    rm -rf "$state"
}

case "${1:-}" in
install) install >/dev/null ;;
start) start "${2:-}" ;;
stop) stop "${2:-}" ;;
*) die "usage: $0 install | start DIR | stop DIR" ;;
esac
