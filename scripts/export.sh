#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/export.sh: turn the repository's series into what users and lkml get.
#
# The series is replayed as git commits on a pristine import of Debian's
# linux-source-6.12 (build/export/git, branch xen-i386 on tag 'base'; only the
# files the series touches are imported, which gives the same diffs): each
# patch's quilt diff is applied with 'git apply', the new files it claims in
# 'series' are added, and the commit gets the patch's message with From: and
# Signed-off-by: from your git config. From those commits come:
#   build/export/patches-<ver>-xen-i386.tar.xz  a self-contained quilt series
#                                               (patches/series + patches) for
#                                               'quilt push -a' on a pristine tree
#   build/export/xen-i386-<ver>.mbox            the patches as a git format-patch
#                                               mbox, for plain 'git am'
#   build/export/mail/                          the same, one file per patch, and
#                                               0000-cover-letter.patch, the cover
#                                               letter (scripts/cover-letter.txt)
#                                               as git format-patch writes it
#   build/export/xen-i386-<ver>-thread.mbox     cover letter and patches as one
#                                               mailed thread (b4 am, mail readers)
# Dates are the repository HEAD's commit date, so an export is reproducible.
#
# scripts/export.sh fixes (make export-fixes) does the same for the series' first
# section alone, the fixes for bugs that mainline has without the series, into
# build/export-fixes/ (xen-i386-fixes-<ver>.mbox, ..., cover letter
# scripts/cover-letter-fixes.txt); each of them must also apply to the pristine
# tree on its own, so that it can be sent and taken alone.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$REPO/scripts/deps.sh" tree export
"$REPO/scripts/series-lint.sh"

mode=${1:-all}
case $mode in
all)
	SERIES=$REPO/series EXP=$BUILD/export tag=xen-i386 tmpl=$REPO/scripts/cover-letter.txt
	;;
fixes)
	EXP=$BUILD/export-fixes tag=xen-i386-fixes tmpl=$REPO/scripts/cover-letter-fixes.txt
	mkdir -p "$EXP"
	SERIES=$EXP/series.in
	series_section fixes "$REPO/series" >"$SERIES"
	[ -n "$(series_patches "$SERIES")" ] || die "series has no '# --- fixes' section"
	;;
*) die "usage: ${0##*/} [fixes]" ;;
esac

name=$(git -C "$REPO" config user.name || true)
email=$(git -C "$REPO" config user.email || true)
[ -n "$name" ] && [ -n "$email" ] ||
	die "no git identity for From:/Signed-off-by: set one with 'git config --global user.name \"Your Name\"' and 'git config --global user.email you@example.org'"
ident="$name <$email>"

pkgver=$(src_pkg_version)
[ -n "$pkgver" ] || die "package $LINUX_SRC_PKG is not installed"
G=$EXP/git
mkdir -p "$EXP"

# The pristine tree in git, sparse: the files the series' patches touch, at
# their pristine content, plus the Makefile. The diffs, their index lines and
# git am behave as on a full import, at a fraction of the cost.
touched=$(cd "$REPO/patches" && for p in $(series_patches "$SERIES"); do
	sed -n -e 's,^--- a/\([^[:space:]]*\).*,\1,p' -e 's,^+++ b/\([^[:space:]]*\).*,\1,p' "$p"
done | sort -u)
rm -rf "$G"
mkdir -p "$G"
# shellcheck disable=SC2086
tar -C "$G" -xJf "$LINUX_SRC_TARBALL" --strip-components=1 "$LINUX_SRC_PKG/Makefile" \
	$(printf "$LINUX_SRC_PKG/%s " $touched) 2>"$EXP/.err" || {
	cat "$EXP/.err" >&2
	die "a file the series patches is not in $LINUX_SRC_TARBALL"
}
(
	cd "$G"
	git init -q -b pristine
	git config core.autocrlf false
	git config gc.auto 0
	git add -f -A .
	GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email \
		GIT_AUTHOR_DATE=2000-01-01T00:00:00Z GIT_COMMITTER_DATE=2000-01-01T00:00:00Z \
		git commit -q -m "Linux $(tree_version .) (Debian $LINUX_SRC_PKG $pkgver), files the series touches"
	git tag -f base >/dev/null
)
ver=$(tree_version "$G")

date=$(git -C "$REPO" log -1 --format=%cI 2>/dev/null || date -Iseconds)
export GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email GIT_AUTHOR_DATE=$date
export GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email GIT_COMMITTER_DATE=$date

cd "$G"
git checkout -q -f -B xen-i386 base
git clean -q -fdx
n=0
for p in $(series_patches "$SERIES"); do
	n=$((n + 1))
	f=$REPO/patches/$p
	subject=$(sed -n '1s/^Subject: //p' "$f")
	# The message: the header after the Subject line, up to the diff.
	msg=$(awk 'NR > 2 && /^(--- |diff |Index: |---$)/ {exit} NR > 1 {print}' "$f")
	awk 'f || /^(--- [^ ]|diff |Index: )/ {f = 1; print}' "$f" >"$EXP/.diff"
	# A fix must apply to the pristine tree without the fixes before it.
	if [ "$mode" = fixes ] && [ -s "$EXP/.diff" ]; then
		GIT_INDEX_FILE=$EXP/.index git read-tree base
		GIT_INDEX_FILE=$EXP/.index git apply --cached --check --whitespace=nowarn \
			"$EXP/.diff" 2>"$EXP/.err" || {
			cat "$EXP/.err" >&2
			die "fix $p does not apply to pristine Linux $ver on its own"
		}
	fi
	if [ -s "$EXP/.diff" ]; then
		git apply --index --whitespace=nowarn "$EXP/.diff" 2>"$EXP/.err" || {
			cat "$EXP/.err" >&2
			die "patch $p does not apply to pristine Linux $ver with git apply"
		}
	fi
	while IFS=$'\t' read -r pp nf; do
		[ "$pp" = "$p" ] || continue
		mkdir -p "$(dirname "$nf")"
		cp "$REPO/$nf" "$nf"
		[ -x "$REPO/$nf" ] && chmod +x "$nf" || chmod -x "$nf"
		git add -f "$nf"
	done < <(series_newfiles "$SERIES")
	git diff --cached --quiet && die "patch $p changes nothing"
	{
		printf '%s\n' "$subject"
		printf '%s\n' "$msg" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
		printf '%s\n' "$msg" | grep -qxF "Signed-off-by: $ident" ||
			printf '\nSigned-off-by: %s\n' "$ident"
	} >"$EXP/.msg"
	git commit -q --no-verify -F "$EXP/.msg"
done
[ $n -gt 0 ] || die "the series is empty"

# mbox, one file per patch, with the cover letter filled in.
rm -rf "$EXP/mail"
git format-patch -q --cover-letter --thread=shallow -o "$EXP/mail" base..xen-i386 >/dev/null
cover=$EXP/mail/0000-cover-letter.patch
[ -f "$tmpl" ] || die "no cover letter template at $tmpl"
csubj=$(sed -n '1s/^Subject: //p' "$tmpl")
# @RESULTS@: the last 'make check' of this tree (build/check-results.txt); @BENCH@: the
# committed record of the whole-scale 'make bench' (scripts/bench.record, written by
# 'make bench RECORD=1'), so that every checkout exports the same figures, else this tree's
# last 'make bench' (build/bench/bench.json), else its last 'make bench-native'
# (build/bench/native.json); BENCH_JSON=FILE names another make bench result.
bench=${BENCH_JSON:-}
if [ -z "$bench" ] && [ -f "$REPO/scripts/bench.record" ]; then
	bench=$REPO/scripts/bench.record
	bench_commit=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["recorded"]["commit"])' "$bench") ||
		die "$bench is not a make bench record (make bench RECORD=1 writes it)"
	git -C "$REPO" diff --quiet "$bench_commit" HEAD -- "${KERNEL_PATHS[@]}" 2>/dev/null ||
		warn "the cover letter quotes make bench of $bench_commit (scripts/bench.record), not of this series (it changed since, or $bench_commit is not in this history): make bench RECORD=1 measures it again"
fi
[ -n "$bench" ] || bench=$BUILD/bench/bench.json
[ -z "${BENCH_JSON:-}" ] || [ -f "$bench" ] || die "BENCH_JSON $bench is not a file"
python3 - "$cover" "$tmpl" "$csubj" "$ver ($LINUX_SRC_PKG $pkgver)" "$BUILD/check-results.txt" \
	"$bench" "$BUILD/bench/native.json" <<'PY'
import json, os, sys, textwrap
cover, tmpl, subj, base, results, bench, native = sys.argv[1:8]
if os.path.exists(results):
    res = open(results).read().rstrip("\n")
else:
    res = "No 'make check' run is recorded in this tree yet."


def side_by_side(b):
    # make bench: i386 PV against mainline's x86_64 PV from the same tree, batching off,
    # and native; a table of cost ratios and hypercalls per operation
    r = b["ratios"]
    hc = b["hypercalls_per_op"]
    n = len(b["results"])
    x64 = r.get("i386 PV / x86_64 PV")
    nolazy = r.get("i386 nolazy / i386 PV")
    xxl = r.get("native XXL / native")
    rec = b.get("recorded")
    text = ("make bench (%sone boot of Xen in QEMU with -icount: guest time counts "
            "instructions, Xen's included, not real-hardware speed; 1 vCPU; the same "
            "32-bit binaries on both guests; geometric means over %d benchmarks): "
            "the i386 PV guest costs %.2fx what mainline's x86_64 PV guest built "
            "from the same tree costs" % (
                "the series of %s, %s; " % (rec["commit"], rec["date"]) if rec else "",
                n, x64["geomean"]))
    if nolazy:
        worst = max(nolazy["per_benchmark"], key=nolazy["per_benchmark"].get)
        text += ("; without lazy MMU/CPU batching (xen_nolazy) it costs %.2fx what it "
                 "costs with it (%s %.2fx)" % (nolazy["geomean"], worst,
                                               nolazy["per_benchmark"][worst]))
    bare = r.get("i386 PV / native XXL")
    if bare:
        text += ("; it costs %.2fx what an i386 kernel of the same tree with "
                 "PARAVIRT_XXL costs on bare metal (QEMU, -icount)" % bare["geomean"])
    if xxl:
        text += ("; on bare metal PARAVIRT_XXL costs %+.1f%%" % ((xxl["geomean"] - 1) * 100))
    lines = textwrap.wrap(text + ".", 72)
    lines.append("")
    lines.append("%-10s %9s %9s %13s %13s" % ("", "i386 PV /", "nolazy /", "hypercalls/op",
                                               "hypercalls/op"))
    lines.append("%-10s %9s %9s %13s %13s" % ("benchmark", "x86_64 PV", "i386 PV", "i386 PV",
                                               "x86_64 PV"))
    for name in b["results"]:
        ops = [hc.get(t, {}).get(name, {}).get("ops") for t in ("i386", "x86_64")]
        lines.append("%-10s %9.3f %9s %13s %13s" % (
            name, x64["per_benchmark"][name],
            "%.3f" % nolazy["per_benchmark"][name] if nolazy else "-",
            *("%.1f" % o if o is not None else "-" for o in ops)))
    return "\n".join(lines)


try:
    ben = side_by_side(json.load(open(bench)))
except (OSError, ValueError, KeyError, TypeError):
    try:
        b = json.load(open(native))
        per = ", ".join("%s %+.1f%%" % (r["name"], (r["ratio"] - 1) * 100) for r in b["results"])
        ben = ("make bench-native (the i386 kernel on bare metal in QEMU, -icount: guest time\n"
               "counts instructions): PARAVIRT_XXL costs %+.2f%% in the geometric mean\n"
               "of %d microbenchmarks (%s)." % (b["overhead_percent"], len(b["results"]), per))
        ben = textwrap.fill(ben, 72)
    except (OSError, ValueError, KeyError):
        ben = "No 'make bench' or 'make bench-native' run is recorded in this tree yet."
blurb = open(tmpl).read().split("\n", 2)[2].replace("@BASE@", base)
blurb = blurb.replace("@RESULTS@", res).replace("@BENCH@", ben).rstrip("\n")
text = open(cover).read()
text = text.replace("*** SUBJECT HERE ***", subj).replace("*** BLURB HERE ***", blurb)
open(cover, "w").write(text)
PY
# The mbox for 'git am' holds the patches alone: a cover letter has no diff, and
# plain 'git am' stops at it ("Patch is empty"). The thread, as mailed, has it first.
mbox=$EXP/$tag-$ver.mbox
thread=$EXP/$tag-$ver-thread.mbox
: >"$mbox"
for m in "$EXP"/mail/[0-9][0-9][0-9][0-9]-*.patch; do
	[ "$m" = "$cover" ] || cat "$m" >>"$mbox"
done
cat "$cover" "$mbox" >"$thread"

# The quilt series: the same commits, named as in the repository's series.
rm -rf "$EXP/quilt"
mkdir -p "$EXP/quilt/patches"
i=0
for p in $(series_patches "$SERIES"); do
	i=$((i + 1))
	git format-patch -q --no-numbered --no-signature -1 --stdout "xen-i386~$((n - i))" >"$EXP/quilt/patches/$p"
done
{
	if [ "$mode" = fixes ]; then
		echo "# xen-i386-fixes: fixes for bugs in Linux $ver, each on its own"
		echo "# Apply in a pristine tree: unpack this archive there, then 'quilt push -a'."
		echo
		grep -v '^[[:space:]]*#+' "$SERIES"
	else
		echo "# xen-i386: 32-bit (i386 PAE) Xen PV guests, for Linux $ver"
		echo "# Apply in a pristine tree: unpack this archive there, then 'quilt push -a'."
		awk 'f && !/^[[:space:]]*#\+/ {print} /^[[:space:]]*$/ {f = 1}' "$SERIES"
	fi
} >"$EXP/quilt/patches/series"
tarball=$EXP/patches-$ver-$tag.tar.xz
tar -C "$EXP/quilt" --sort=name --owner=0 --group=0 --numeric-owner --mtime="$date" \
	-cJf "$tarball" patches
rm -f "$EXP/.diff" "$EXP/.err" "$EXP/.msg" "$EXP/.index"
say "exported $n patches on Linux $ver as $ident"
say "quilt series: $tarball"
say "mbox:         $mbox (git am)"
say "thread:       $thread (cover letter first; b4 am, mail readers)"
say "mail:         $EXP/mail/ (git send-email)"
