#!/usr/bin/env bash
# Installs what building and testing need on a fresh machine; does nothing that is already
# there. `make run` and `make test` call it.
#   scripts/setup.sh          Rust targets and components
#   scripts/setup.sh test     also the Debian packages the tests use (buildah; docker-registry,
#                             the CNCF distribution registry the OCI round trip runs against)
set -euo pipefail

rustup target add wasm32-wasip1 wasm32-unknown-unknown >/dev/null 2>&1 ||
	rustup target add wasm32-wasip1 wasm32-unknown-unknown
rustup component add rustfmt clippy >/dev/null 2>&1 || rustup component add rustfmt clippy

[ "${1:-}" = test ] || exit 0

packages=()
command -v buildah >/dev/null || packages+=(buildah)
command -v docker-registry >/dev/null || packages+=(docker-registry)
if [ ${#packages[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "installing ${packages[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
