#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/check-distro.sh [--budget SECONDS] [--status] [VARIANT...]: 'make check-distro'
# (issue 22). The distribution's kernel, built whole: Debian 12's 686-pae configuration
# (scripts/distro-config.sh) with 'make olddefconfig', every built-in object and every module,
# on two trees:
#
#   pristine  Debian's linux-source-6.12 as it is (XEN_PV cannot be set on it for 32-bit)
#   xen       the same with the series, and CONFIG_XEN_PV=y
#
# The xen build must have no error and no warning that the pristine build lacks. Both have
# DEBUG_INFO off (Debian builds with it for its -dbg package; it makes no diagnostics of its
# own and adds about half to a build of hours). A configuration that cannot have XEN_PV is
# refused with the option that blocks it.
#
# A whole build takes hours on 2 cores, so it is done in pieces that are recorded as they
# finish and can be spread over sessions: the source directories, grouped into chunks of
# about the same number of C files, each built with 'make DIR/...' (objects and modules, -k),
# and last 'make all' (vmlinux, bzImage, modules and modpost, which needs every chunk built in
# this output directory; on a new machine it builds whatever is missing itself). The chunks
# are those of the xen tree for both variants (its new files can move a chunk's border). A
# new key starts from an empty output directory, so that every piece's log has all the
# diagnostics of its files (with the ccache warm, mostly replayed from it).
#
# xen is built first and whole. pristine is built only where it can matter: the pieces in
# which xen's build gave a diagnostic (a warning of xen is new unless pristine gives it for
# the same configuration; a piece where xen is silent has nothing to compare). When xen's
# 'all' has one, pristine builds 'all', which is everything. So the comparison costs pristine
# nothing while the series adds no warning, and the whole run is xen's build.
#
# Its own ccache directory ($XEN_I386_CACHE/ccache-distro, 12 GiB at most): a build of
# this size must not push the rig's kernels out of ~/.cache/ccache (5 GiB), which would
# leave 'make check' a cold build. Records:
# scripts/check-distro.record (commit it), "KEY VARIANT PIECE RESULT WARNINGS SECONDS DATE",
# RESULT ok or errors:N; the warnings and errors themselves, without line numbers, in
# scripts/check-distro.warnings as "KEY VARIANT PIECE | text". KEY is a hash of the Debian
# configuration, the linux-source version, the compiler's version and, for xen, the
# series' diffs and new files: a record is valid while none of them changes.
#
#   --budget SECONDS  stop starting pieces after SECONDS; a piece still running then is cut
#                     off and not recorded (make resumes it next time); exit 0
#   --status          what is recorded for the current keys, the new warnings of xen over
#                     pristine so far; exit 0 only when xen is complete and pristine has
#                     every piece that xen's diagnostics need, with no new one
#   --configure       only prepare the xen tree and configure its output directory; print
#                     "KEY DIRECTORY" (make deb-distro packages the kernel built there)
# Env: DISTRO_CONFIG=FILE takes that configuration instead of Debian's (another
# distribution's, a guest's /boot/config-*): its own key; the output directories are the
# same, so a change of configuration empties them.
# Trees: build/distro/pristine/linux-source-6.12 (unpacked here) and the patched tree
# (make tree); output in build/distro/kernel-VARIANT; logs in build/distro/logs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
export LC_ALL=C

budget='' status='' configure_only=''
variants=()
while [ $# -gt 0 ]; do
	case $1 in
	--status) status=1 ;;
	--configure) configure_only=1 ;;
	--budget)
		[[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--budget needs a number of seconds"
		budget=$2
		shift
		;;
	pristine | xen) variants+=("$1") ;;
	*) die "usage: check-distro.sh [--budget SECONDS] [--status] [--configure] [pristine|xen...] (not '$1')" ;;
	esac
	shift
done
[ ${#variants[@]} -gt 0 ] || variants=(xen pristine)

RECORD=$REPO/scripts/check-distro.record
WARNINGS=$REPO/scripts/check-distro.warnings
D=$BUILD/distro
if [ -n "${DISTRO_CONFIG:-}" ]; then
	[ -f "$DISTRO_CONFIG" ] || die "DISTRO_CONFIG $DISTRO_CONFIG is not a file"
	CFG=$(readlink -f "$DISTRO_CONFIG") CFG_NAME="the configuration $DISTRO_CONFIG"
else
	CFG=$BUILD/configs/debian-686-pae.config CFG_NAME="Debian's configuration"
fi
CHUNK_FILES=${CHUNK_FILES:-1200}	# C files per chunk: about 20 minutes on 2 cores
distro_ccache
T0=$SECONDS

"$REPO/scripts/deps.sh" tree build
[ -n "${DISTRO_CONFIG:-}" ] || "$REPO/scripts/distro-config.sh" "$CFG" >/dev/null
pkgver=$(src_pkg_version)
[ -n "$pkgver" ] || die "package $LINUX_SRC_PKG is not installed"
mkdir -p "$D/logs"
touch "$RECORD" "$WARNINGS"

# what is set on top of Debian's configuration, per variant
adjust() {
	echo "# CONFIG_DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT is not set"
	echo "# CONFIG_DEBUG_INFO_DWARF4 is not set"
	echo "# CONFIG_DEBUG_INFO_DWARF5 is not set"
	echo "CONFIG_DEBUG_INFO_NONE=y"
	[ "$1" = pristine ] || echo "CONFIG_XEN_PV=y"
}

tree_of() { if [ "$1" = pristine ]; then echo "$D/pristine/$LINUX_SRC_PKG"; else echo "$TREE"; fi; }

key_of() {
	{
		echo "$pkgver"
		gcc --version | head -n 1
		cat "$CFG"
		adjust "$1"
		if [ "$1" = xen ]; then
			for p in $(series_patches "$REPO/series"); do
				sed -n '/^--- /,$p' "$REPO/patches/$p"
			done
			series_newfiles "$REPO/series" | cut -f2 | while read -r f; do cat "$REPO/$f"; done
		fi
	} | sha256sum | cut -c1-16
}

# the trees
prepare_tree() {
	local t stamp tmp
	if [ "$1" = xen ]; then
		"$REPO/scripts/tree.sh" >"$D/logs/tree.log" 2>&1 || die "make tree failed: $D/logs/tree.log"
		return
	fi
	t=$(tree_of pristine)
	stamp=$t/.xen-i386-pkgver
	if [ "$(cat "$stamp" 2>/dev/null)" != "$pkgver" ]; then
		say "unpacking the pristine $LINUX_SRC_PKG ($pkgver) in $t"
		rm -rf "$D/pristine" && mkdir -p "$D/pristine"
		tmp=$D/pristine/.unpack
		mkdir -p "$tmp"
		tar -C "$tmp" -xJf "$LINUX_SRC_TARBALL" || die "cannot unpack $LINUX_SRC_TARBALL"
		mv "$tmp"/* "$t" && rmdir "$tmp"
		echo "$pkgver" >"$stamp"
	fi
}

# why XEN_PV is not in a configuration: the first of its dependencies (arch/x86/xen/Kconfig,
# XEN and XEN_PV) that is not met
xen_pv_blocker() {
	local c=$1
	on() { grep -q "^CONFIG_$1=y" "$c"; }
	on X86_PAE || { echo "CONFIG_X86_PAE is not set (64-bit Xen runs 32-bit PV guests in PAE mode only)"; return; }
	on PARAVIRT || { echo "CONFIG_PARAVIRT is not set (CONFIG_XEN depends on it)"; return; }
	on X86_GENERIC || on MPENTIUM4 || on MCORE2 || on MATOM || on MK8 ||
		{ echo "the processor family: CONFIG_XEN needs X86_GENERIC=y or one of MPENTIUM4, MCORE2, MATOM, MK8"; return; }
	on X86_LOCAL_APIC || { echo "CONFIG_X86_LOCAL_APIC is not set (CONFIG_XEN depends on it)"; return; }
	on X86_TSC || { echo "CONFIG_X86_TSC is not set (CONFIG_XEN depends on it)"; return; }
	on XEN || { echo "CONFIG_XEN is not set in the configuration (XEN_PV depends on it)"; return; }
	on VMSPLIT_3G || { echo "CONFIG_VMSPLIT_3G is not set (the guest's MMU code handles the 3G/1G split only)"; return; }
	on X86_LEGACY_VM86 && { echo "CONFIG_X86_LEGACY_VM86=y (vm86 mode is not available to a PV guest)"; return; }
	echo "an unmet dependency of XEN_PV (see arch/x86/xen/Kconfig)"
}

configure() {
	local v=$1 t out want have
	t=$(tree_of "$v") out=$D/kernel-$v
	want=$(key_of "$v")
	have=$(cat "$out/.xen-i386-config-key" 2>/dev/null || true)
	[ "$have" = "$want" ] && [ -f "$out/.config" ] && return 0
	# objects of another key would not be rebuilt, and a piece's log would then miss the
	# diagnostics of every file the change did not touch: start empty (ccache replays them)
	if [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
		say "$v: key ${have:-unknown} -> $want: emptying $out"
		rm -rf "$out"
	fi
	mkdir -p "$out"
	{ cat "$CFG"; adjust "$v"; } >"$out/.config"
	make -C "$t" O="$out" ARCH=i386 olddefconfig >"$D/logs/$v-config.log" 2>&1 ||
		die "olddefconfig failed for $v: $D/logs/$v-config.log"
	if [ "$v" = xen ] && ! grep -q '^CONFIG_XEN_PV=y' "$out/.config"; then
		die "$CFG_NAME cannot have XEN_PV on this tree: $(xen_pv_blocker "$out/.config")"
	fi
	grep -q '^CONFIG_DEBUG_INFO_NONE=y' "$out/.config" || die "$v: DEBUG_INFO could not be turned off"
	echo "$want" >"$out/.xen-i386-config-key"
}

# the pieces: chunks of source directories, each about CHUNK_FILES C files of the xen
# tree (a directory of the chunk that pristine lacks is left out of pristine's make), then
# "all"
pieces_of() {
	local t
	t=$(tree_of xen)
	(
		cd "$t"
		for d in init kernel mm fs ipc security crypto block io_uring certs lib virt arch/x86 sound usr; do
			[ -d "$d" ] && echo "$(find "$d" -name '*.c' | wc -l) $d"
		done
		for top in drivers net; do
			for d in "$top"/*/; do
				[ -f "$d/Makefile" ] && echo "$(find "$d" -name '*.c' | wc -l) ${d%/}"
			done
		done
	) | sort -k2 | awk -v max="$CHUNK_FILES" '
		# (the few files right in net/ are built by "all")
		{ if (n > 0 && sum + $1 > max) { print line; line = ""; sum = 0; n = 0 }
		  line = line (n ? " " : "") $2 "/"; sum += $1; n++ }
		END { if (n) print line }'
}

recorded() {  # recorded KEY VARIANT PIECE: its RESULT, or nothing
	awk -v k="$1" -v v="$2" -v p="$3" '$1 == k && $2 == v && $3 == p { r = $4 } END { if (r != "") print r }' "$RECORD"
}

# needed VARIANT PIECE: whether the piece must be built for the current keys: every piece
# of xen; of pristine, those where xen's record has a warning or an error (or, while xen's
# is not recorded yet, not yet: "later")
needed() {
	local r
	[ "$1" = xen ] && { echo yes; return; }
	r=$(awk -v k="$(key_of xen)" -v p="$2" '$1 == k && $2 == "xen" && $3 == p { r = $4 " " $5 } END { print r }' "$RECORD")
	case $r in
	"") echo later ;;
	"ok 0") echo no ;;
	*) echo yes ;;
	esac
}

# normalized diagnostics of a log: "file: warning: text" without line, column and tree path
# (make prints the source tree's files by a path relative to the output directory, one for
# each variant: ../../linux-source-6.12/ for xen, ../pristine/linux-source-6.12/ for pristine)
TREE_PATH_RE='[^: ]*linux-source-[^/: ]*/'
diagnostics() {
	sed -n -E -e "s,^($TREE_PATH_RE)?([^: ]+)"':[0-9]+(:[0-9]+)?: (warning|error): (.*),\2: \4: \5,p' \
		-e 's,^(WARNING|ERROR): (modpost: .*),modpost: \L\1\E: \2,p' \
		-e 's,^(ld|objtool): (warning|error): (.*),\1: \2: \3,p' "$1" | sort -u
}

# recorded diagnostics of one key and variant, without the tree's path (records written
# before diagnostics() dropped a relative one still have it)
recorded_diagnostics() {
	awk -v k="$1" -v v="$2" '$1 == k && $2 == v { sub(/^[^|]*\| /, ""); print }' "$WARNINGS" |
		sed -E "s,^$TREE_PATH_RE,," | sort -u
}

new_warnings() {  # the xen diagnostics that pristine has not, for the current keys
	comm -13 <(recorded_diagnostics "$1" pristine) <(recorded_diagnostics "$2" xen)
}

status_report() {
	local v k n need done_ rc=0 kp kx new later
	kp=$(key_of pristine) kx=$(key_of xen)
	[ -d "$(tree_of xen)" ] || { say "xen: no tree yet (make tree; key $kx)"; return 1; }
	mapfile -t pcs < <(pieces_of)
	for v in xen pristine; do
		[ "$v" = pristine ] && k=$kp || k=$kx
		n=0 done_=0 later=0
		for i in $(seq 1 ${#pcs[@]}) all; do
			[ "$i" = all ] && p=all || p=chunk-$i
			need=$(needed "$v" "$p")
			[ "$need" = later ] && later=$((later + 1))
			[ "$need" = yes ] || continue
			n=$((n + 1))
			r=$(recorded "$k" "$v" "$p")
			[ -z "$r" ] || done_=$((done_ + 1))
			case $r in "" | ok) ;; *) say "$v $p: $r" ;; esac
		done
		say "$v: $done_ of $n pieces recorded$([ "$later" = 0 ] || echo ", $later more may be needed once xen has them") (key $k; $(awk -v k="$k" -v v="$v" '$1 == k && $2 == v { s += $6 } END { print s + 0 }' "$RECORD") s of building so far)"
		[ "$done_" = "$n" ] && [ "$later" = 0 ] || rc=1
	done
	new=$(new_warnings "$kp" "$kx")
	if [ -n "$new" ]; then
		say "new diagnostics of xen over pristine so far: $(printf '%s\n' "$new" | wc -l)"
		printf '%s\n' "$new" | sed 's/^/    /'
		rc=1
	else
		say "new diagnostics of xen over pristine so far: 0"
	fi
	return $rc
}

if [ -n "$status" ]; then
	status_report
	exit $?
fi

if [ -n "$configure_only" ]; then
	prepare_tree xen
	configure xen
	echo "$(key_of xen) $D/kernel-xen"
	exit 0
fi

left() { [ -z "$budget" ] && echo 999999 || echo $((budget - (SECONDS - T0))); }

for v in "${variants[@]}"; do
	prepare_tree "$v"
	configure "$v"
	t=$(tree_of "$v") out=$D/kernel-$v k=$(key_of "$v")
	mapfile -t pcs < <(pieces_of)
	say "$v: key $k, ${#pcs[@]} chunks of about $CHUNK_FILES C files and 'all', in $out"
	for i in $(seq 1 ${#pcs[@]}) all; do
		if [ "$i" = all ]; then p=all dirs=(all); else p=chunk-$i; read -r -a dirs <<<"${pcs[i - 1]}"; fi
		[ -z "$(recorded "$k" "$v" "$p")" ] || continue
		case $(needed "$v" "$p") in
		no) continue ;;
		later)
			say "$v $p: waits for xen's $p (pristine builds only where xen has a diagnostic)"
			continue
			;;
		esac
		if [ "$v" = pristine ] && [ "$p" != all ]; then
			mapfile -t dirs < <(for d in "${dirs[@]}"; do [ -d "$t/$d" ] && echo "$d"; done)
			[ ${#dirs[@]} -gt 0 ] || { echo "$k $v $p ok 0 0 $(date -u +%Y-%m-%d)" >>"$RECORD"; continue; }
		fi
		if [ "$(left)" -le 60 ]; then
			say "budget of $budget s used: stopping before $v $p (run again to go on)"
			exit 0
		fi
		log=$D/logs/$v-$p.log t1=$SECONDS rc=0
		say "$v $p: ${dirs[*]:0:6}$([ ${#dirs[@]} -gt 6 ] && echo " ... (${#dirs[@]} dirs)")"
		timeout --foreground "$(left)" make -C "$t" O="$out" ARCH=i386 CC="ccache gcc" -k -j"$(nproc)" "${dirs[@]}" >"$log" 2>&1 || rc=$?
		if [ $rc = 124 ]; then
			say "budget of $budget s used during $v $p: not recorded (make goes on from there next time)"
			exit 0
		fi
		diags=$(diagnostics "$log")
		nerr=$(printf '%s\n' "$diags" | grep -c ': error: ' || true)
		nwarn=$(printf '%s\n' "$diags" | grep -c ': warning: ' || true)
		if [ $rc != 0 ] && [ "$nerr" = 0 ]; then
			nerr=1 diags=$(printf '%s\n%s' "$diags" "make: exit $rc: $(grep -m1 -E 'Error [0-9]|\*\*\*' "$log")")
		fi
		result=ok
		[ "$nerr" = 0 ] || result=errors:$nerr
		[ -z "$diags" ] || printf '%s\n' "$diags" | sed "s,^,$k $v $p | ," >>"$WARNINGS"
		echo "$k $v $p $result $nwarn $((SECONDS - t1)) $(date -u +%Y-%m-%d)" >>"$RECORD"
		say "$v $p: $result, $nwarn warnings, $((SECONDS - t1)) s (log: $log)"
	done
done
status_report
