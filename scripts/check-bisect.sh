#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/check-bisect.sh [--resume] [--budget SECONDS] [--status] [KIND...]:
# build the tree after every patch of the exported series and name the first
# patch that breaks a build.
#
# KIND is xen, native, x86_64 (default: all three). A pristine tree is unpacked
# in build/bisect/linux-source-6.12 (the same name as the main tree, so that
# the paths kbuild hands the compiler match and ccache hits); the exported
# quilt series (make export) is pushed onto
# it one patch at a time with plain quilt, and after each patch every KIND is
# built incrementally, with ccache, in build/bisect/kernel-KIND. Before the last
# patch, an option of the fragments that the series has not made available yet
# (PARAVIRT_XXL before its Kconfig patch) is a note, not an error; after the
# last patch every option must be there, as in 'make kernel'.
#
# Every KIND is first built on the pristine tree. Around each patch, the C files
# it touches (and adds) that a KIND builds are compiled with sparse (C=2) and
# W=1 before and after it (build-kernel.sh's LINT): a warning after that was not
# there before is the patch's. A build that breaks stops the run at once; new
# warnings are listed as they come and fail the run at its end. Headers are
# checked through the C files that include them.
#
# Records: every patch checked in a KIND is recorded in scripts/check-bisect.record
# (commit it) as "KEY I/N KIND RESULT PATCH DATE", RESULT "ok" or "warnings:N".
# KEY is a hash of the base version, the diffs of patches 1..I (not their
# messages), the KIND's config fragments and the compiler's and sparse's
# versions: a record stays valid while nothing that patch I's build depends on
# changes, so a series that grows or changes at its end keeps the records of the
# patches before. (build-kernel.sh is not in the key: a change to how it
# configures or builds calls for a run without --resume.) A full run takes hours on 2 cores (every header
# patch rebuilds most of the tree), so it can be done in pieces:
#   --resume           skip the patches recorded for every KIND: push the series
#                      up to the first unrecorded patch, build the state before it
#                      (the base of its incremental build and of its "before" lint)
#                      and go on from there
#   --budget SECONDS   after a patch, stop when SECONDS have passed (exit 0, the
#                      patches done are recorded; run again with --resume)
#   --status           print which patches are recorded for the current series
#                      and KINDs and exit: 0 when all are, and without warnings
# Log: build/bisect/check-bisect.log (also on the terminal); the warnings of
# patch N in KIND: build/bisect/lint/N-KIND.{before,after}.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

resume='' budget='' status=''
kinds=()
while [ $# -gt 0 ]; do
	case $1 in
	--resume) resume=1 ;;
	--status) status=1 ;;
	--keys) status=keys ;;
	--budget)
		[[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--budget needs a number of seconds"
		budget=$2
		shift
		;;
	xen | native | x86_64) kinds+=("$1") ;;
	*) die "usage: check-bisect.sh [--resume] [--budget SECONDS] [--status] [xen|native|x86_64...] (not '$1')" ;;
	esac
	shift
done
[ ${#kinds[@]} -gt 0 ] || kinds=(xen native x86_64)
# every tool the run (and the record keys, --status too) needs: quilt and the source
# package, the compilers, sparse; a missing one is named with its package (installed as root)
"$REPO/scripts/deps.sh" tree build check
RECORD=$REPO/scripts/check-bisect.record
EXP=$BUILD/export
W=$BUILD/bisect/$LINUX_SRC_PKG
pkgver=$(src_pkg_version)
tarball=$(compgen -G "$EXP/patches-*-xen-i386.tar.xz" | head -n 1 || true)
[ -n "$tarball" ] || die "no export: run 'make export' first"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
# the exported patches, for their names and record keys (the bisect tree is not touched yet)
mkdir -p "$home/x"
tar -C "$home/x" -xJf "$tarball"
mapfile -t patches < <(series_patches "$home/x/patches/series")
n=${#patches[@]}

# the record keys: key_of I KIND (I = 0: the pristine tree)
declare -A envhash
for k in "${kinds[@]}"; do
	case $k in
	xen) frag=("$REPO/Kconfig.xen") ;;
	native) frag=("$REPO/Kconfig.xen" "$REPO/scripts/configs/native.config") ;;
	x86_64) frag=("$REPO/Kconfig.xen" "$REPO/scripts/configs/x86_64.config") ;;
	esac
	envhash[$k]=$( { cat "${frag[@]}"; gcc --version | head -n 1
		sparse --version 2>/dev/null; } | sha256sum | cut -c1-16)
done
prefix=()
h=$(echo "$pkgver" | sha256sum | cut -c1-16)
prefix[0]=$h
for ((i = 1; i <= n; i++)); do
	# the patch's diff only: its message and git's trailer do not change what is built
	h=$( { echo "$h"; sed -n '/^diff --git /,$p' "$home/x/patches/${patches[i - 1]}" | sed '/^-- $/,$d'; } |
		sha256sum | cut -c1-16)
	prefix[i]=$h
done
key_of() { echo "${prefix[$1]}${envhash[$2]}" | sha256sum | cut -c1-16; }
recorded() {  # recorded I KIND: the RESULT recorded for patch I in KIND, or nothing
	[ -f "$RECORD" ] || return 0
	awk -v k="$(key_of "$1" "$2")" '$1 == k { r = $4 } END { if (r != "") print r }' "$RECORD"
}
record() {  # record I KIND RESULT
	local name="(pristine)"
	[ "$1" = 0 ] || name=${patches[$1 - 1]}
	echo "$(key_of "$1" "$2") $1/$n $2 $3 $name $(date -u +%Y-%m-%d)" >>"$RECORD"
}

if [ "$status" = keys ]; then
	# the key of every patch and KIND (to re-key records after a change that does not
	# affect the builds)
	for ((i = 0; i <= n; i++)); do
		for k in "${kinds[@]}"; do echo "$i $k $(key_of "$i" "$k")"; done
	done
	exit 0
fi
if [ -n "$status" ]; then
	missing=0 bad=0
	for ((i = 0; i <= n; i++)); do
		line=""
		for k in "${kinds[@]}"; do
			r=$(recorded "$i" "$k")
			[ -n "$r" ] || { r="-"; missing=$((missing + 1)); }
			case $r in warnings*) bad=$((bad + 1)) ;; esac
			line="$line $k=$r"
		done
		name="(pristine)"
		[ "$i" = 0 ] || name=${patches[i - 1]}
		printf '%2d/%d %-44s%s\n' "$i" "$n" "$name" "$line"
	done
	say "$(( (n + 1) * ${#kinds[@]} - missing )) of $(( (n + 1) * ${#kinds[@]} )) builds recorded for this series (${kinds[*]}); $bad with new warnings"
	[ $missing = 0 ] && [ $bad = 0 ]
	exit
fi

# the bisect tree: pristine, with the exported series in patches/ and nothing applied
mkdir -p "$BUILD/bisect"
if [ "$(cat "$W/.xen-i386-base" 2>/dev/null)" != "$pkgver" ]; then
	rm -rf "$W"
	mkdir -p "$W"
	tar -C "$W" -xJf "$LINUX_SRC_TARBALL" --strip-components=1
	echo "$pkgver" >"$W/.xen-i386-base"
fi
q() { (cd "$W" && env -u QUILTRC -u QUILT_PATCHES -u QUILT_SERIES -u QUILT_PC HOME="$home" quilt "$@"); }
if [ -d "$W/.pc" ]; then
	q pop -a -f -q >/dev/null 2>&1 || true
fi
rm -rf "$W/.pc" "$W/patches"
tar -C "$W" -xJf "$tarball"
L=$BUILD/bisect/lint
rm -rf "$L"
mkdir -p "$L"
exec > >(tee "$BUILD/bisect/check-bisect.log") 2>&1

# build I P K: the tree as it is after patch I (0: pristine) in KIND K
build() {
	local i=$1 p=$2 k=$3 t0=$SECONDS lenient=1 notyet
	[ "$i" = "$n" ] && lenient=
	if ! KCONFIG_LENIENT=$lenient "$REPO/scripts/build-kernel.sh" "$k" "$W" "$BUILD/bisect/kernel-$k" >"$BUILD/bisect/last.log" 2>&1; then
		tail -n 30 "$BUILD/bisect/last.log" >&2
		die "patch $i/$n $p breaks the $k build (log: $BUILD/bisect/last.log)"
	fi
	notyet=$(sed -n 's/.*not available yet: //p' "$BUILD/bisect/last.log" | paste -sd' ' -)
	say "patch $i/$n $k: ok ($((SECONDS - t0))s) $p${notyet:+ (not available yet: $notyet)}"
}
# lint K OUTFILE FILES: the sparse and W=1 warnings of FILES in KIND K
lint() {
	local k=$1 f=$2
	shift 2
	LINT="$*" "$REPO/scripts/build-kernel.sh" "$k" "$W" "$BUILD/bisect/kernel-$k" >"$f" 2>&1 ||
		die "the sparse/W=1 run for $k failed: $(tail -n 5 "$f")"
}

# --resume: the first patch not recorded in every KIND (n + 1: all are)
start=1
if [ -n "$resume" ]; then
	start=0
	while [ $start -le $n ]; do
		for k in "${kinds[@]}"; do
			[ -n "$(recorded "$start" "$k")" ] || break 2
		done
		start=$((start + 1))
	done
	if [ $start -gt $n ]; then
		say "every patch of this series is recorded for ${kinds[*]} (scripts/check-bisect.record)"
		exec "$0" --status "${kinds[@]}"
	fi
	[ $start -gt 0 ] || start=1
	say "resuming at patch $start/$n: pushing the series up to patch $((start - 1)) and building that state"
fi
for ((i = 1; i < start; i++)); do
	q push -q >"$BUILD/bisect/last.log" 2>&1 || {
		cat "$BUILD/bisect/last.log" >&2
		die "patch $i/$n ${patches[i - 1]} does not apply"
	}
done
for k in "${kinds[@]}"; do
	if [ $start = 1 ]; then
		build 0 "(pristine $LINUX_SRC_PKG $pkgver)" "$k"
		[ -n "$(recorded 0 "$k")" ] || record 0 "$k" ok
	else
		build $((start - 1)) "${patches[start - 2]} (the base of patch $start)" "$k"
	fi
done
i=$((start - 1)) warned=0
for p in "${patches[@]:start-1}"; do
	i=$((i + 1))
	if [ -n "$budget" ] && [ "$i" -gt "$start" ] && [ "$SECONDS" -ge "$budget" ]; then
		say "time budget of ${budget}s spent: stopping before patch $i/$n (run again with --resume)"
		[ $warned = 0 ] || die "$warned patch builds added sparse or W=1 warnings (listed above; build/bisect/lint/)"
		exit 0
	fi
	# the C files the patch changes or adds
	mapfile -t cfiles < <(sed -n 's|^+++ b/\(.*\.c\)$|\1|p' "$W/patches/$p" | sort -u)
	for k in "${kinds[@]}"; do
		[ ${#cfiles[@]} = 0 ] || lint "$k" "$L/$i-$k.before" "${cfiles[@]}"
	done
	q push -q >"$BUILD/bisect/last.log" 2>&1 || {
		cat "$BUILD/bisect/last.log" >&2
		die "patch $i/$n $p does not apply"
	}
	for k in "${kinds[@]}"; do
		build "$i" "$p" "$k"
		if [ ${#cfiles[@]} = 0 ]; then
			record "$i" "$k" ok
			continue
		fi
		lint "$k" "$L/$i-$k.after" "${cfiles[@]}"
		new=$(grep -v '^== ' "$L/$i-$k.after" | grep -vxF -f <(grep -v '^== ' "$L/$i-$k.before") || true)
		if [ -n "$new" ]; then
			warned=$((warned + 1))
			say "patch $i/$n $k: NEW sparse/W=1 warnings in ${cfiles[*]}:"
			printf '%s\n' "$new" | sed 's/^/    /'
			record "$i" "$k" "warnings:$(printf '%s\n' "$new" | wc -l)"
		else
			say "patch $i/$n $k: no new sparse/W=1 warnings ($(sed -n 's/^== //p' "$L/$i-$k.after"))"
			record "$i" "$k" ok
		fi
	done
done
say "all $n patches build on their own in: ${kinds[*]}"
[ $warned = 0 ] || die "$warned patch builds added sparse or W=1 warnings (listed above; build/bisect/lint/)"
say "no patch adds a sparse or W=1 warning to the C files it touches"
