#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/checkpatch.sh [fixes]: the tree's scripts/checkpatch.pl --strict over every
# exported patch (build/export/quilt/patches, as users get them; with 'fixes',
# build/export-fixes/quilt/patches).
#
# Every patch must come out with 0 errors, 0 warnings and 0 checks. An exception
# is written in scripts/checkpatch-exceptions as "patch-name TYPE reason..." and
# is passed to checkpatch as --ignore TYPE for that patch only; its reason is
# printed with the result. Run 'make export' first.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

case ${1:-all} in
all) P=$BUILD/export/quilt/patches target=export ;;
fixes) P=$BUILD/export-fixes/quilt/patches target=export-fixes ;;
*) die "usage: ${0##*/} [fixes]" ;;
esac
[ -f "$P/series" ] || die "no exported series: run 'make $target' first"
cp_pl=$TREE/scripts/checkpatch.pl
[ -x "$cp_pl" ] || die "no $cp_pl: run 'make tree' first"
exc=$REPO/scripts/checkpatch-exceptions
bad=0 n=0
for p in $(series_patches "$P/series"); do
	n=$((n + 1))
	ignore=()
	if [ -f "$exc" ]; then
		while read -r ep type reason; do
			[ "$ep" = "$p" ] || continue
			ignore+=(--ignore "$type")
			say "$p: $type accepted: $reason"
		done < <(grep -v '^[[:space:]]*\(#\|$\)' "$exc")
	fi
	# UNKNOWN_COMMIT_ID: the tree is Debian's source package, not a git clone, so checkpatch
	# cannot look a commit id up and flags every one; the ids in Fixes: tags and messages
	# were checked by hand (how: the commit that put them there)
	out=$(cd "$TREE" && perl "$cp_pl" --strict --no-color --show-types --root=. \
		--ignore UNKNOWN_COMMIT_ID ${ignore[@]+"${ignore[@]}"} "$P/$p" 2>&1 || true)
	total=$(printf '%s\n' "$out" | grep '^total:' || echo "total: (no result)")
	if printf '%s\n' "$total" | grep -q '^total: 0 errors, 0 warnings, 0 checks'; then
		say "ok   $p: $total"
	else
		printf '%s\n' "$out" | grep -E '^(ERROR|WARNING|CHECK|#|\+)' | head -n 40 >&2
		say "FAIL $p: $total"
		bad=$((bad + 1))
	fi
done
[ $bad = 0 ] || die "$bad of $n patches have checkpatch findings"
say "checkpatch --strict: $n patches clean"
