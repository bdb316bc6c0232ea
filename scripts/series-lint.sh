#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/series-lint.sh: check that 'series', patches/ and the new-file directories
# agree, before anything is applied or exported.
#
#  - every patch named in 'series' exists, and every file in patches/ is named;
#  - every patch opens with "Subject: <subsystem>: <summary>", a blank line and a body;
#  - every file under arch/ drivers/ include/ Documentation/ is claimed by exactly
#    one patch ("#+ path" lines under the patch in 'series'), and every claimed file
#    exists;
#  - no patch in patches/ edits a file that the series adds (new files are edited
#    in place in the repository, never through quilt).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -f "$REPO/series" ] || die "no 'series' file in $REPO"
err=0
bad() { printf '[series-lint] %s\n' "$*" >&2; err=1; }

declare -A listed
for p in $(series_patches); do
	[ -n "${listed[$p]:-}" ] && bad "series names $p twice"
	listed[$p]=1
	f=$REPO/patches/$p
	if [ ! -f "$f" ]; then
		bad "series names $p, but patches/$p does not exist"
		continue
	fi
	head -n 1 "$f" | grep -q '^Subject: [a-zA-Z0-9_./-]\+: .' ||
		bad "$p: the first line must be 'Subject: <subsystem>: <summary>'"
	[ -z "$(sed -n 2p "$f")" ] || bad "$p: a blank line must follow the Subject line"
	body=$(awk 'NR > 2 && /^(---|diff |Index: )/ {exit} NR > 2 {print}' "$f" | grep -c '[^[:space:]]' || true)
	[ "$body" -ge 2 ] || bad "$p: the commit message needs a body (why, what, how)"
done
for f in "$REPO"/patches/*; do
	[ -e "$f" ] || continue
	n=${f##*/}
	[ -n "${listed[$n]:-}" ] || bad "patches/$n is not named in series"
done

declare -A claimed
while IFS=$'\t' read -r p f; do
	[ "$p" = orphan ] && { bad "new file $f is listed before any patch in series"; continue; }
	[ -n "${claimed[$f]:-}" ] && bad "new file $f is claimed by ${claimed[$f]} and $p"
	claimed[$f]=$p
	[ -f "$REPO/$f" ] || bad "series adds $f (in $p), but $f does not exist in the repository"
	case $f in
	arch/* | drivers/* | include/* | Documentation/*) ;;
	*) bad "new file $f is outside arch/ drivers/ include/ Documentation/" ;;
	esac
	if grep -q "^+++ b/$f\$" "$REPO"/patches/* 2>/dev/null; then
		bad "a patch in patches/ edits $f, which the series adds: edit it in place instead"
	fi
done < <(series_newfiles)

cd "$REPO"
while IFS= read -r f; do
	[ -n "${claimed[$f]:-}" ] || bad "$f is not claimed by any patch: add '#+ $f' under its patch in series"
done < <(find arch drivers include Documentation -type f 2>/dev/null | sort)

[ $err = 0 ] || die "series check failed"
exit 0
