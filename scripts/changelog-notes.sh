#!/usr/bin/env bash
# Prints the CHANGELOG.md entry of one version, without its heading: the notes of that
# version's GitHub release (.github/workflows/release.yml).
#   scripts/changelog-notes.sh v0.2.0 [CHANGELOG.md]
# The version may be given with or without the tag's `v`. The entry is everything between
# `## [<version>]` and the next `## ` heading (or the link definitions at the end of the
# file), blank lines at either end removed. Fails when there is no such entry or it is empty.
set -euo pipefail

[ $# -ge 1 ] && [ $# -le 2 ] || {
	echo "usage: scripts/changelog-notes.sh VERSION [CHANGELOG]" >&2
	exit 2
}
version=${1#v}
file=${2:-CHANGELOG.md}
[ -n "$version" ] || { echo "changelog-notes: empty version" >&2; exit 2; }

notes=$(awk -v heading="## [$version]" '
	index($0, heading) == 1 { inside = 1; found = 1; next }
	inside && (/^## / || /^\[[^]]+\]: /) { exit }
	inside { lines[++n] = $0 }
	END {
		if (!found) exit 3
		first = 1; while (first <= n && lines[first] ~ /^[ \t]*$/) first++
		last = n; while (last >= first && lines[last] ~ /^[ \t]*$/) last--
		for (i = first; i <= last; i++) print lines[i]
	}
' "$file") || {
	status=$?
	[ "$status" -eq 3 ] && echo "changelog-notes: $file has no entry \`## [$version]\`" >&2
	exit 1
}
[ -n "$notes" ] || { echo "changelog-notes: the entry for $version in $file is empty" >&2; exit 1; }
printf '%s\n' "$notes"
