#!/usr/bin/env bash
# Tests scripts/changelog-notes.sh (the release notes of release.yml) on a made-up changelog,
# then on CHANGELOG.md for the version the crates carry.
set -euo pipefail
cd "$(dirname "$0")/../.."
notes=scripts/changelog-notes.sh
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0
passed=0

check() { # check NAME EXPECTED-STATUS EXPECTED-OUTPUT ARGS...
	local name=$1 want_status=$2 want=$3 got status=0
	shift 3
	got=$("$notes" "$@" 2>"$dir/stderr") || status=$?
	if [ "$status" -ne "$want_status" ] || [ "$got" != "$want" ]; then
		echo "FAIL $name: status $status (want $want_status)" >&2
		diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") >&2 || true
		cat "$dir/stderr" >&2
		failures=$((failures + 1))
	else
		passed=$((passed + 1))
	fi
}

cat >"$dir/CHANGELOG.md" <<'MD'
# Changelog

## [Unreleased]

### Fixed

- Something not yet released.

## [0.10.0] - 2027-02-01

### Added

- A ten.

## [0.1.0] - 2026-11-24


First release.

### Added

- `policy.wasm`.
  Continued line.

## [0.0.9] - 2026-01-01

## [0.0.1] - 2025-12-01

- The oldest.

[Unreleased]: https://example.com/compare/v0.10.0...HEAD
[0.10.0]: https://example.com/compare/v0.1.0...v0.10.0
MD

check "entry between two others, blank lines trimmed" 0 "First release.

### Added

- \`policy.wasm\`.
  Continued line." v0.1.0 "$dir/CHANGELOG.md"
check "version without the tag's v" 0 "### Added

- A ten." 0.10.0 "$dir/CHANGELOG.md"
check "last entry stops at the link definitions" 0 "- The oldest." v0.0.1 "$dir/CHANGELOG.md"
check "an empty entry fails" 1 "" v0.0.9 "$dir/CHANGELOG.md"
check "a version without an entry fails" 1 "" v0.2.0 "$dir/CHANGELOG.md"
check "a prefix of a version is not that version" 1 "" v0.1 "$dir/CHANGELOG.md"
check "no version is a usage error" 2 ""
grep -q 'no entry `## \[0.2.0\]`' <("$notes" v0.2.0 "$dir/CHANGELOG.md" 2>&1) || {
	echo "FAIL the missing entry is not named in the error" >&2
	failures=$((failures + 1))
}

# The version the next release would be tagged with has its notes.
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
if "$notes" "v$version" >/dev/null; then passed=$((passed + 1)); else
	echo "FAIL CHANGELOG.md has no notes for v$version" >&2
	failures=$((failures + 1))
fi

echo "changelog-notes: $passed passed, $failures failed"
[ "$failures" -eq 0 ]
