# lockgate's GitHub Action image: one static musl binary and a CA bundle, nothing else.
#
# Stages:
#   xx, build   compile `lockgate` for the target platform (cross-compiled with tonistiigi/xx,
#               so the arm64 image builds natively on an amd64 runner, without QEMU)
#   prebuilt    the same final image from a binary built outside (scripts/container-e2e.sh:
#               cargo builds the musl binary, `podman build --target prebuilt` packs it). It
#               exists because machines without a registry cannot pull the base images below.
#   runtime     the published image (last, so `docker build .` and GitHub's build of an action
#               Dockerfile produce it)
#
# Base images are pinned by the digest of their multi-platform index; the tag next to each is
# for the reader. The digests were taken from public Dockerfiles that pin the same tags (they
# could not be pulled and re-checked from the machine this was written on); the release
# workflow's build fails if a digest does not exist, and `docker buildx imagetools inspect
# <image>:<tag>` prints the current one when bumping.
#
# User: the image starts as root and lockgate drops to 65532:65532 (LOCKGATE_RUN_AS) before it
# reads any untrusted input. GitHub runs a docker action with the image's USER and creates
# $GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY and the workspace as the runner's user (uid 1001, mode
# 0644/0755), so an image whose USER is not root cannot write the action's outputs; GitHub's
# "Dockerfile support for GitHub Actions" says docker actions must use the default (root) user.
# `lockgate action` therefore opens those files and its report directory while root, then
# switches user (src/github/privileges.rs) and fails closed if it cannot. The container holds no
# shell and no other program; lockgate never runs package code.

FROM --platform=$BUILDPLATFORM tonistiigi/xx:1.7.0@sha256:010d4b66aed389848b0694f91c7aaee9df59a6f20be7f5d12e53663a37bd14e2 AS xx

FROM --platform=$BUILDPLATFORM rust:1.95.0-alpine3.23@sha256:606fd313a0f49743ee2a7bd49a0914bab7deedb12791f3a846a34a4711db7ed2 AS build
# xx is a handful of helper scripts (xx-apk, xx-cargo, xx-verify) meant to be copied over the
# build image's root; nothing of it reaches the final image.
# hadolint ignore=DL3067
COPY --from=xx / /
# clang/lld cross-link for the target; ring (rustls' crypto) compiles C, hence a C toolchain.
# hadolint ignore=DL3018
RUN apk add --no-cache clang lld
WORKDIR /src
COPY . .
ARG TARGETPLATFORM
# The target's musl sysroot (crt files, libc.a) for ring's C code and the final link.
# hadolint ignore=DL3018
RUN xx-apk add --no-cache musl-dev gcc
# No symbols in the image (scripts/container-e2e.sh strips its binary the same way).
ENV CARGO_PROFILE_RELEASE_STRIP=symbols
RUN xx-cargo build --release --locked \
    && cp "target/$(xx-cargo --print-target-triple)/release/lockgate" /lockgate \
    && xx-verify --static /lockgate

FROM scratch AS prebuilt
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY lockgate /lockgate
WORKDIR /github/workspace
ENV LOCKGATE_RUN_AS=65532:65532
ENTRYPOINT ["/lockgate", "action"]

FROM scratch AS runtime
# Alpine's CA bundle (ca-certificates-bundle is part of the base image); rustls reads it through
# the platform verifier, and it is needed even for plain-http registries.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /lockgate /lockgate
WORKDIR /github/workspace
ENV LOCKGATE_RUN_AS=65532:65532
ENTRYPOINT ["/lockgate", "action"]
