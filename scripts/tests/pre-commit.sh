#!/usr/bin/env bash
# Tests .pre-commit-hooks.yaml as a user meets it: a scratch repository with one good and one
# bad Task (and YAML that is not Tekton's) whose .pre-commit-config.yaml points at this
# repository at HEAD, `pre-commit run`, then the exit status and the output.
#
# Offline and quick enough for make test: pip finds maturin among the wheels setup.sh
# downloaded (no index); cargo builds the hook's binary in target/pre-commit, kept from run
# to run (the dependencies are built once; this repository's crates again for each new
# clone pre-commit makes), instead of a fresh directory inside pre-commit's clone, and
# without the release profile's link-time optimisation, which the test does not need.
# Measured on the shared 2-core machine: the first build takes 82-85 s of CPU either way;
# rebuilding this repository's crates for a new clone 23 s instead of 43 s with it.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
PY_TOOLS=${PY_TOOLS:-$HOME/.cache/tekton-buildah-policy/py}
pre_commit=$PY_TOOLS/venv/bin/pre-commit
[ -x "$pre_commit" ] || { echo "no $pre_commit: run scripts/setup.sh test" >&2; exit 1; }
rev=$(git rev-parse HEAD)
if [ -n "$(git status --porcelain -- .pre-commit-hooks.yaml pyproject.toml crates)" ]; then
	echo "note: pre-commit installs the hook from HEAD ($rev); uncommitted changes are not in it" >&2
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export PRE_COMMIT_HOME=$scratch/pre-commit-home
export PIP_NO_INDEX=1 PIP_FIND_LINKS=$PY_TOOLS/wheels PIP_DISABLE_PIP_VERSION_CHECK=1
export CARGO_TARGET_DIR=$repo/target/pre-commit
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16

cd "$scratch"
mkdir work && cd work
git init -q
git config user.email test@example.com
git config user.name test
mkdir -p tasks deploy
cp "$repo/examples/good/buildah-build-modelcar.yaml" tasks/build.yaml
cp "$repo/examples/bad/buildah-root-missing.yaml" tasks/refactored.yaml
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: "1"\n' >deploy/configmap.yaml
echo 'not yaml, not checked' >README.txt
cat >.pre-commit-config.yaml <<YAML
repos:
  - repo: $repo
    rev: $rev
    hooks:
      - id: tekton-buildah-lint
YAML
git add -A

failures=0
passed=0
fail() {
	echo "FAIL $*" >&2
	failures=$((failures + 1))
}
run() { # run EXPECTED-STATUS ARGS... ; output in $out
	local status=0
	out=$("$pre_commit" run --color never "${@:2}" 2>&1) || status=$?
	if [ "$status" -ne "$1" ]; then
		fail "pre-commit run ${*:2}: exit status $status, expected $1"
		printf '%s\n' "$out" >&2
		return 1
	fi
	passed=$((passed + 1))
}
expect() { # expect WHAT PATTERN: the last output has a line matching PATTERN
	if grep -qE -- "$2" <<<"$out"; then passed=$((passed + 1)); else
		fail "$1: no line matching '$2' in:"
		printf '%s\n' "$out" >&2
	fi
}
absent() {
	if grep -qE -- "$2" <<<"$out"; then
		fail "$1: a line matches '$2' in:"
		printf '%s\n' "$out" >&2
	else passed=$((passed + 1)); fi
}

start=$(date +%s)
if "$pre_commit" install-hooks >"$scratch/install.log" 2>&1; then
	passed=$((passed + 1))
	echo "pre-commit: hook installed in $(($(date +%s) - start)) s"
else
	fail "pre-commit install-hooks"
	cat "$scratch/install.log" >&2
fi

# Every file: the refactored Task fails the hook, at the line of the push without --root.
if run 1 --all-files; then
	expect "the hook failed" '^tekton-buildah-lint\.+Failed$'
	expect "the bad Task's finding" '^tasks/refactored\.yaml:65:9: error\[buildah-root-missing\] \[\*\] step "build-and-push"'
	absent "the good Task" '^tasks/build\.yaml:'
	absent "the ConfigMap" '^deploy/configmap\.yaml:'
fi

# Only the good Task and the ConfigMap (a commit that touches just these): the hook passes.
if run 0 --files tasks/build.yaml deploy/configmap.yaml README.txt; then
	expect "the hook passed" '^tekton-buildah-lint\.+Passed$'
fi

# A file that is not YAML is never handed to the hook.
if run 0 --files README.txt; then
	expect "nothing to check" '^tekton-buildah-lint\.+\(no files to check\)Skipped$'
fi

echo "pre-commit: $passed passed, $failures failed"
[ "$failures" -eq 0 ]
