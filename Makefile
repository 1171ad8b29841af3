# tekton-buildah-policy
#   make run     lint examples/ with the CLI, show what --fix would change in one bad
#                example, then evaluate the same files through policy.wasm (policy-run)
#   make test    everything CI runs: format, lint, unit, fixture, corpus and e2e tests, the
#                unsafe code under Miri, the playground's tests in Node.js and headless
#                Chromium, and a fuzz smoke test
#   make bench   latency of policy.wasm against the runtime's floor, native throughput, CLI
#                files per second against tekton-lint (docs/performance.md)
#   make fuzz    the long fuzzing campaign (FUZZ_SECONDS per target, default 1800)
#   make web     the rules for browsers and Node.js (web/pkg, an npm package) and the
#                playground page (web/index.html: serve web/ with any static server)

CARGO ?= cargo
SOURCES := $(shell find src crates -name '*.rs' -o -name Cargo.toml) Cargo.toml Cargo.lock .cargo/config.toml build.rs \
	$(wildcard docs/rules/*.md)

.PHONY: all run run-cli run-policy test setup setup-test fmt lint unit e2e check-wasm-targets clean
.PHONY: push pull print-push-ref fuzz fuzz-smoke setup-fuzz bench setup-bench miri setup-miri
.PHONY: web web-test setup-web setup-web-test workflows scripts-test pre-commit-test print-version

all: policy.wasm

setup:
	@scripts/setup.sh

# The Python tools of make test (actionlint, zizmor, pre-commit) live in a virtual
# environment of their own, made by scripts/setup.sh test.
PY_TOOLS ?= $(HOME)/.cache/tekton-buildah-policy/py
export PY_TOOLS

setup-test:
	@scripts/setup.sh test

# The Kubewarden policy: release build for wasm32-wasip1, copied to the repository root.
policy.wasm: $(SOURCES) | setup
	$(CARGO) build --locked --release --target wasm32-wasip1 -p tekton-buildah-policy
	cp target/wasm32-wasip1/release/tekton_buildah_policy.wasm policy.wasm

# The main job: the CLI over every bundled example (it exits 1 when it finds problems, which
# the bad examples are there to show), then the same files through policy.wasm behind a waPC
# host: what a cluster answers for each.
run: run-cli run-policy

run-cli: setup
	$(CARGO) build --locked --release -q -p tekton-buildah-lint
	@echo "== tekton-buildah-lint examples/"
	@target/release/tekton-buildah-lint --snippet examples/ || [ $$? -eq 1 ]
	@echo "== tekton-buildah-lint --diff examples/bad/buildah-root-missing.yaml (what --fix would change)"
	@target/release/tekton-buildah-lint --diff examples/bad/buildah-root-missing.yaml || [ $$? -eq 1 ]

# policy-run (crates/policy-run) runs policy.wasm in the wasmi interpreter, which builds in
# seconds where wasmtime takes minutes; make test checks that it answers exactly as wasmtime
# through the waPC crates, policy-server's runtime, does (e2e-tests/tests/engines.rs). Like
# the other host-side tools it uses the `tools` profile (Cargo.toml says why).
run-policy: policy.wasm
	@echo "== policy.wasm, as a cluster answers (policy-run: wasmi, same answers as wasmtime)"
	@$(CARGO) run --locked --profile tools -q -p policy-run -- examples/

fmt:
	$(CARGO) fmt --all -- --check

lint:
	$(CARGO) clippy --locked --workspace --all-targets --all-features -- -D warnings

# The rules library must also build for the browser target.
check-wasm-targets:
	$(CARGO) build --locked -q -p tekton-buildah-core --target wasm32-unknown-unknown

# The web crate's Rust tests run natively (no browser): web-test covers the built package.
unit:
	$(CARGO) test --locked -p tekton-buildah-core -p tekton-buildah-lint -p tekton-buildah-web \
		--all-features

# The registry round trip (e2e-tests/tests/registry.rs) pushes annotated-policy.wasm.
e2e: policy.wasm annotated-policy.wasm
	$(CARGO) test --locked --profile tools -p e2e-tests -p tekton-buildah-policy -p kwtool

test: setup-test fmt lint workflows scripts-test check-wasm-targets unit miri e2e \
	pre-commit-test web-test fuzz-smoke

setup-miri:
	@scripts/setup.sh miri

# The unsafe code under Miri (nightly), which checks every access against the allocation it
# belongs to: the request arena of policy.wasm (its tests over a test region, and a program
# whose global allocator it is: tests/arena_global.rs) and how the CLI's allocator picks
# mimalloc's entry points (over a model of mimalloc: Miri cannot run C).
miri: setup-miri
	MIRIFLAGS=-Zmiri-strict-provenance $(CARGO) +nightly miri test --locked \
		-p tekton-buildah-policy --lib --test arena_global -- arena::
	MIRIFLAGS=-Zmiri-strict-provenance $(CARGO) +nightly miri test --locked \
		-p tekton-buildah-lint --lib -- alloc::

# The GitHub workflows (.github/workflows): actionlint, which runs shellcheck on their
# scripts, and zizmor's pedantic audits, offline.
workflows: setup-test
	$(PY_TOOLS)/venv/bin/actionlint
	$(PY_TOOLS)/venv/bin/zizmor --offline --persona pedantic .github/workflows/

# The release notes script (scripts/changelog-notes.sh).
scripts-test:
	scripts/tests/changelog-notes.sh

# The pre-commit hook (.pre-commit-hooks.yaml), installed from HEAD into a scratch repository.
pre-commit-test: setup-test
	scripts/tests/pre-commit.sh

setup-web:
	@scripts/setup.sh web

setup-web-test:
	@scripts/setup.sh web-test

# crates/web through wasm-bindgen (the version it pins, installed by setup) into web/pkg/, the
# npm package @tekton-buildah-policy/web; the examples the page offers into web/examples/.
WEB_WASM := target/wasm32-unknown-unknown/web/tekton_buildah_web.wasm
web: setup-web
	$(CARGO) build --locked --profile web -p tekton-buildah-web --target wasm32-unknown-unknown
	rm -rf web/pkg web/examples
	wasm-bindgen --target web --out-dir web/pkg --out-name tekton_buildah_web $(WEB_WASM)
	cp crates/web/npm/node.js crates/web/npm/README.md web/pkg/
	sed 's/"version": "0.0.0"/"version": "$(VERSION)"/' crates/web/npm/package.json > web/pkg/package.json
	mkdir -p web/examples/good web/examples/bad
	cp examples/good/*.yaml web/examples/good/
	cp examples/bad/*.yaml web/examples/bad/
	cd web && { ls examples/good/*.yaml; ls examples/bad/*.yaml; } | sed 's/.*/"&"/' | paste -sd, - | \
		sed 's/^/[/; s/$$/]/' > examples/index.json
	@echo "web/pkg: $$(wc -c < web/pkg/tekton_buildah_web_bg.wasm) bytes of Wasm," \
		"$$(gzip -9c web/pkg/tekton_buildah_web_bg.wasm | wc -c) gzipped"

# The package's API under Node.js and the page in headless Chromium, both compared with the
# CLI's JSON output on every example (web/tests/).
web-test: web setup-web-test
	$(CARGO) build --locked -q -p tekton-buildah-lint
	cd web && node --test tests/

setup-fuzz:
	@scripts/setup.sh fuzz

# Every fuzz target builds, replays the inputs that once failed, and runs 10 s (CI).
fuzz-smoke: setup-fuzz
	fuzz/run.sh --smoke 10

FUZZ_SECONDS ?= 1800
fuzz: setup-fuzz
	fuzz/run.sh $(FUZZ_SECONDS)

setup-bench:
	@scripts/setup.sh bench

# The no-op waPC policy: the runtime's floor the benchmark compares against, built with the
# toolchain's defaults like most policies (an empty RUSTFLAGS overrides the Wasm flags of
# .cargo/config.toml; built with them too, its floor moves by nothing measurable).
NOOP_WASM := target/noop/wasm32-wasip1/release/noop_policy.wasm
$(NOOP_WASM): bench/noop-policy/src/lib.rs bench/noop-policy/Cargo.toml bench/noop-policy/Cargo.lock | setup
	cd bench/noop-policy && RUSTFLAGS= $(CARGO) build --locked --release --target wasm32-wasip1 \
		--target-dir ../../target/noop

# Prints Markdown tables: docs/performance.md is a copy of one run (with the machine).
bench: policy.wasm annotated-policy.wasm $(NOOP_WASM) setup-bench
	$(CARGO) build --locked --profile tools -q -p e2e-tests --bin policy-bench
	$(CARGO) build --locked --release -q -p tekton-buildah-lint
	target/tools/policy-bench
	cd bench/core-bench && $(CARGO) bench --locked --bench core
	bench/cli.sh

clean:
	$(CARGO) clean
	rm -f policy.wasm annotated-policy.wasm pulled-policy.wasm
	rm -rf web/pkg web/examples

# Shipping, as kwctl does it (kwtool: crates/kwtool). One version for everything: the
# workspace's, repeated in metadata.yml, artifacthub-pkg.yml and policy.yaml (a test checks).
#   make push REGISTRY=host:port/repository [TAG=v0.1.0] [PUSH_FLAGS='--insecure']
#   make pull REGISTRY=host:port/repository [TAG=v0.1.0] [PULL_FLAGS='--ca-cert ca.pem']
# REGISTRY defaults to metadata.yml's io.kubewarden.policy.ociUrl, TAG to v<version>.
# Credentials: --username with --password-stdin in the flags, or the docker config.json.
VERSION := $(shell sed -n 's/^version = "\(.*\)"$$/\1/p' Cargo.toml | head -n 1)
REGISTRY ?= $(shell sed -n 's/^ *io\.kubewarden\.policy\.ociUrl: *//p' metadata.yml)
TAG ?= v$(VERSION)
KWTOOL := target/tools/kwtool

$(KWTOOL): $(SOURCES)
	$(CARGO) build --locked --profile tools -q -p kwtool

# policy.wasm with metadata.yml and README.md embedded (custom section io.kubewarden.metadata).
annotated-policy.wasm: policy.wasm metadata.yml README.md $(KWTOOL)
	$(KWTOOL) annotate --metadata metadata.yml --usage README.md --output $@ policy.wasm

# Prints the immutable reference (…@sha256:…) to use in policy.yaml on other clusters.
push: annotated-policy.wasm
	$(KWTOOL) push $(PUSH_FLAGS) annotated-policy.wasm $(REGISTRY):$(TAG)

pull: $(KWTOOL)
	$(KWTOOL) pull $(PULL_FLAGS) --output pulled-policy.wasm $(REGISTRY):$(TAG)

# The committed Artifact Hub package, regenerated from its sources.
artifacthub-pkg.yml: metadata.yml questions-ui.yml CHANGELOG.md $(KWTOOL)
	$(KWTOOL) artifacthub --output $@

print-push-ref:
	@echo $(REGISTRY):$(TAG)

print-version:
	@echo $(VERSION)
