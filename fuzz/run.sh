#!/usr/bin/env bash
# Runs the fuzz targets: fuzz/run.sh SECONDS [TARGET...] (default: every target).
# Needs a nightly toolchain and cargo-fuzz (scripts/setup.sh fuzz installs both). The
# corpora start from the project's own inputs (examples, fixtures, the real-world corpus).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(shell policy_json policy_structured settings yaml)

if [ ! -d corpus/shell ] || [ -z "$(ls -A corpus/shell 2>/dev/null)" ]; then
	cargo run --locked --release -q --manifest-path ../Cargo.toml -p e2e-tests --bin fuzz-seeds -- corpus
fi
cargo +nightly fuzz build
for t in "${targets[@]}"; do
	echo "== fuzzing $t for ${seconds}s"
	mkdir -p "corpus/$t"
	cargo +nightly fuzz run "$t" "corpus/$t" -- \
		-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
done
