#!/usr/bin/env bash
# CLI throughput: tekton-buildah-lint against tekton-lint (npm @ibm/tekton-lint, pinned in
# bench/node/package-lock.json) on the same files, the repository's corpus of real Tekton
# YAML. Wall time per whole run with hyperfine (process start included, as in CI), then
# files per second and the ratio.
#   bench/cli.sh [RUNS]   runs of tekton-lint (default 20); ours gets ten times as many
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
corpus=e2e-tests/corpus
files=$(find "$corpus" -name '*.yaml' -o -name '*.yml' | wc -l)
ours=target/release/tekton-buildah-lint
theirs=bench/node/node_modules/.bin/tekton-lint

[ -x "$ours" ] || cargo build --locked --release -q -p tekton-buildah-lint
if [ ! -x "$theirs" ]; then
	npm ci --prefix bench/node --no-audit --no-fund --loglevel=error
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Both exit non-zero when they find problems (the corpus has plenty): -i keeps measuring.
# Ours takes about 1% of tekton-lint's time, so it gets ten times the runs (a dozen
# milliseconds per run on a shared VM: a few slow runs move a mean of 20).
hyperfine -N -i --warmup 20 --runs "$((runs * 10))" --style basic --export-json "$out/ours.json" \
	-n tekton-buildah-lint "$ours --format json $corpus" >&2
hyperfine -N -i --warmup 3 --runs "$runs" --style basic --export-json "$out/theirs.json" \
	-n tekton-lint "$theirs --format json '$corpus/**/*.yaml' '$corpus/**/*.yml'" >&2

python3 - "$out/ours.json" "$out/theirs.json" "$files" <<'PY'
import json, sys
results = {r["command"]: r for f in sys.argv[1:3] for r in json.load(open(f))["results"]}
files = int(sys.argv[3])
ours, theirs = results["tekton-buildah-lint"], results["tekton-lint"]
print(f"\n## CLI on the corpus ({files} files)\n")
print("| tool | runs | mean ± σ | median | files/s |")
print("|---|---:|---:|---:|---:|")
for name, r in (("tekton-buildah-lint", ours), ("tekton-lint 1.1.0", theirs)):
    print(f"| {name} | {len(r['times'])} | {r['mean']*1e3:.1f} ± {r['stddev']*1e3:.1f} ms | {r['median']*1e3:.1f} ms | {files / r['mean']:,.0f} |")
print(f"\ntekton-buildah-lint reads {theirs['mean'] / ours['mean']:.0f}× as many files per second.")
PY
