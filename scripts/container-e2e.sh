#!/usr/bin/env bash
# Builds the action image the way CI can (no Docker engine, no registry to pull base images
# from) and runs the end-to-end action test inside it, as GitHub runs a docker action.
#
#   1. cargo builds the static musl binary (x86_64-unknown-linux-musl, release profile);
#   2. podman builds the Dockerfile's `prebuilt` stage (FROM scratch + that binary + the host's
#      CA bundle), the same layout as the published `runtime` stage;
#   3. tests/container.rs (ignored by plain `cargo test`) starts the fake registry and GitHub API
#      on 127.0.0.1, then `podman run`s the image with the workspace, event and file-command
#      files mounted where the runner mounts them.
#
# Installs what is missing (rustup target, musl-tools, podman + runc; apt through sudo when
# not root, as on GitHub's runners). Podman
# runs with a private containers.conf (ulimits, runc) and a private image store under the
# target dir, so it touches no system-wide container state.
# Usage: scripts/container-e2e.sh [extra cargo test args]
set -euo pipefail
cd "$(dirname "$0")/.."

target_triple=x86_64-unknown-linux-musl
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
image="localhost/lockgate:e2e"
step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)" >&2; }

step "tools"
missing=()
command -v podman >/dev/null || missing+=(podman)
command -v runc >/dev/null || missing+=(runc)
command -v musl-gcc >/dev/null || missing+=(musl-tools)
command -v file >/dev/null || missing+=(file)
command -v strip >/dev/null || missing+=(binutils)
if ((${#missing[@]})); then
    echo "installing ${missing[*]}" >&2
    sudo=()
    [[ "$(id -u)" == 0 ]] || sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" uidmap >/dev/null
fi
if ! rustup target list --installed | grep -qx "$target_triple"; then
    rustup target add "$target_triple"
fi

step "static musl binary"
started=$SECONDS
cargo build --release --locked --target "$target_triple"
binary="$target_dir/$target_triple/release/lockgate"
echo "built in $((SECONDS - started)) s" >&2
file "$binary"
# musl-gcc links statically by default; a dynamic section would mean a loader the image lacks.
if file "$binary" | grep -q 'dynamically linked'; then
    echo "scripts/container-e2e.sh: $binary is dynamically linked; the scratch image cannot run it" >&2
    exit 1
fi

step "image (Dockerfile target prebuilt)"
work="$target_dir/container-e2e"
mkdir -p "$work/context" "$work/storage" "$work/run"
# Symbols are of no use in the image; the Dockerfile's build stage strips the same way (cargo's
# strip setting there, binutils here, to keep this build's cache shared with plain release builds).
cp "$binary" "$work/context/lockgate"
strip "$work/context/lockgate"
cp /etc/ssl/certs/ca-certificates.crt "$work/context/ca-certificates.crt"
cat >"$work/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=1024:1024"]
[engine]
runtime = "runc"
CONF
cat >"$work/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$work/storage"
runroot = "$work/run"
CONF
export CONTAINERS_CONF="$work/containers.conf"
export CONTAINERS_STORAGE_CONF="$work/storage.conf"
started=$SECONDS
podman build --quiet --target prebuilt --file Dockerfile --tag "$image" "$work/context" >/dev/null
echo "built in $((SECONDS - started)) s" >&2
binary_bytes="$(stat -c %s "$work/context/lockgate")"
image_bytes="$(podman image inspect --format '{{.Size}}' "$image")"
echo "binary: $binary_bytes bytes; image: $image_bytes bytes" >&2
podman images "$image" >&2

step "end-to-end action test inside the image"
export LOCKGATE_CONTAINER_IMAGE="$image"
cargo test --locked --test container "$@" -- --ignored
