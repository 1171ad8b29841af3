#!/usr/bin/env bash
# Installs what building and testing need on a fresh machine; does nothing that is already
# there. The make targets call it.
#   scripts/setup.sh          Rust targets and components (make run)
#   scripts/setup.sh test     also the Debian packages the tests use (buildah; docker-registry,
#                             the CNCF distribution registry the OCI round trip runs against)
#                             and the fuzzing tools (make test runs a fuzz smoke test)
#   scripts/setup.sh fuzz     a nightly toolchain and cargo-fuzz (make fuzz, make fuzz-smoke)
#   scripts/setup.sh bench    hyperfine and Node.js with npm (make bench)
set -euo pipefail

rustup target add wasm32-wasip1 wasm32-unknown-unknown >/dev/null 2>&1 ||
	rustup target add wasm32-wasip1 wasm32-unknown-unknown
rustup component add rustfmt clippy >/dev/null 2>&1 || rustup component add rustfmt clippy

mode=${1:-}
[ -n "$mode" ] || exit 0

packages=()
need() { # need COMMAND DEBIAN-PACKAGE
	command -v "$1" >/dev/null || packages+=("$2")
}

fuzz_tools() {
	rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	cargo +nightly fuzz --version >/dev/null 2>&1 || cargo install --locked cargo-fuzz
}

case $mode in
test)
	need buildah buildah
	need docker-registry docker-registry
	fuzz_tools
	;;
fuzz) fuzz_tools ;;
bench)
	need hyperfine hyperfine
	need node nodejs
	need npm npm
	;;
*)
	echo "usage: scripts/setup.sh [test|fuzz|bench]" >&2
	exit 2
	;;
esac

if [ ${#packages[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "installing ${packages[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
