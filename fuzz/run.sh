#!/usr/bin/env bash
# Runs the fuzz targets. Needs a nightly toolchain and cargo-fuzz (scripts/setup.sh fuzz).
#   fuzz/run.sh SECONDS [TARGET...]   fuzz each target (default: all) for SECONDS; corpora
#                                     grow in fuzz/corpus, seeded from the project's inputs
#                                     (examples, fixtures, the real-world corpus)
#   fuzz/run.sh --smoke [SECONDS]     build every target, replay the inputs that once failed
#                                     (fuzz/regressions/TARGET), then fuzz each target briefly
#                                     from an empty corpus (default 10 s): what make test runs
# wasm_differential runs policy.wasm ($POLICY_WASM, else the repository's, built first) in
# e2e-tests' wasm-oracle ($WASM_ORACLE, else built first into target/debug).
set -euo pipefail
cd "$(dirname "$0")"
all=(shell policy_json policy_structured settings yaml wasm_differential)
opts=(-rss_limit_mb=2048 -timeout=10)

if [ -z "${POLICY_WASM:-}" ]; then
	make -C .. -s policy.wasm
	POLICY_WASM=$(cd .. && pwd)/policy.wasm
fi
if [ -z "${WASM_ORACLE:-}" ]; then
	cargo build --locked -q --manifest-path ../Cargo.toml -p e2e-tests --bin wasm-oracle
	WASM_ORACLE=$(cd .. && pwd)/target/debug/wasm-oracle
fi
export POLICY_WASM WASM_ORACLE

# The inputs a target replays: its own, and for wasm_differential those of policy_structured
# (the same generator reads them).
regressions() {
	local t=$1
	[ "$t" != wasm_differential ] || set -- "$t" policy_structured
	for d in "$@"; do
		[ ! -d "regressions/$d" ] || ls -d "regressions/$d"/*
	done
}

# Extra corpora a target starts from: wasm_differential reads policy_structured's inputs and
# the admission payloads of policy_json too.
seeds() {
	[ "$1" != wasm_differential ] || echo corpus/policy_structured corpus/policy_json
}

if [ "${1:-}" = --smoke ]; then
	seconds=${2:-10}
	cargo +nightly fuzz build
	scratch=$(mktemp -d)
	trap 'rm -rf "$scratch"' EXIT
	for t in "${all[@]}"; do
		mapfile -t inputs < <(regressions "$t")
		if [ ${#inputs[@]} -gt 0 ]; then
			echo "== $t: replaying ${#inputs[@]} input(s) of fuzz/regressions"
			if ! cargo +nightly fuzz run "$t" "${inputs[@]}" -- "${opts[@]}" -runs=1 \
				>"$scratch/$t-replay.log" 2>&1; then
				cat "$scratch/$t-replay.log"
				exit 1
			fi
		fi
		# libFuzzer's time counts from the start of the process, and wasm_differential
		# first waits for its oracle to compile policy.wasm (about 10 s): it gets a number
		# of runs instead, about its share of time, with a ceiling on the time.
		budget=(-max_total_time="$seconds")
		[ "$t" != wasm_differential ] || budget=(-runs=$((seconds * 100)) -max_total_time=$((seconds * 12)))
		echo "== $t: fuzzing for ${seconds}s"
		mkdir -p "$scratch/$t"
		if ! cargo +nightly fuzz run "$t" "$scratch/$t" -- "${opts[@]}" \
			"${budget[@]}" -artifact_prefix="$scratch/" -print_final_stats=1 \
			>"$scratch/$t.log" 2>&1; then
			cat "$scratch/$t.log"
			echo "fuzz target $t failed: keep the input above in fuzz/regressions/$t" >&2
			exit 1
		fi
		grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units)' "$scratch/$t.log" || true
	done
	exit 0
fi

seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
if [ ! -d corpus/shell ] || [ -z "$(ls -A corpus/shell 2>/dev/null)" ]; then
	cargo run --locked --release -q --manifest-path ../Cargo.toml -p e2e-tests --bin fuzz-seeds -- corpus
fi
cargo +nightly fuzz build
for t in "${targets[@]}"; do
	echo "== fuzzing $t for ${seconds}s"
	mkdir -p "corpus/$t"
	# shellcheck disable=SC2046
	cargo +nightly fuzz run "$t" "corpus/$t" $(seeds "$t") -- "${opts[@]}" \
		-max_total_time="$seconds" -print_final_stats=1
done
