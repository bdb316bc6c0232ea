#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/build-kernel.sh KIND [SRC [OUT]]: configure and build a kernel with ccache.
#
#   xen     i386 PAE domU: i386 tinyconfig + Kconfig.xen           -> build/kernel-xen
#   xen-preempt  the same with CONFIG_PREEMPT and CONFIG_HIGHPTE
#           (+ scripts/configs/xen-preempt.config)                   -> build/kernel-xen-preempt
#   xen-debug  the same with the kernel's debugging checks
#           (+ scripts/configs/xen-debug.config)                     -> build/kernel-xen-debug
#   native  i386 baseline: + scripts/configs/native.config (no Xen) -> build/kernel-native
#   native-xxl  the baseline with PARAVIRT_XXL: Kconfig.xen
#           + scripts/configs/native-xxl.config (no Xen)            -> build/kernel-native-xxl
#   deb     the routine distribution-style kernel of make deb: the same
#           as xen with modules, initramfs and native virtio support
#           (+ scripts/configs/deb.config)                         -> build/deb/kernel
#   x86_64  x86_64 PV guest: x86_64 tinyconfig + Kconfig.xen
#           + scripts/configs/x86_64.config                         -> build/kernel64
#
# SRC defaults to the patched tree (make tree), OUT to the directory above. The
# configuration is regenerated when a fragment changes, and every option the
# fragments ask for is checked in the result: an option that Kconfig dropped is
# an error that names it. Builds take a machine-wide lock (one build at a time).
# Log: build/logs/kernel-KIND.log.
#
# LINT=FILE.c... (check-bisect): no configuration or build; those of these C
# files that the configured build in OUT compiles are compiled again with
# sparse (C=2) and W=1, and the warnings are printed, sorted, without their line
# and column numbers, after a line "== OBJECTS" (a diff of the runs before and
# after a patch is then the warnings it added).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kind=${1:?usage: build-kernel.sh xen|xen-preempt|xen-debug|deb|native|native-xxl|x86_64 [SRC [OUT]]}
src=${2:-$TREE}
mkdir -p "$BUILD"
case $kind in
xen) arch=i386 out=$BUILD/kernel-xen frags=("$REPO/Kconfig.xen") check=("$REPO/Kconfig.xen") ;;
native) arch=i386 out=$BUILD/kernel-native
	frags=("$REPO/Kconfig.xen" "$REPO/scripts/configs/native.config")
	# Options that depend on XEN disappear with it: check the others.
	grep -v '^\(# \)\?CONFIG_[A-Z0-9_]*XEN' "$REPO/Kconfig.xen" >"$BUILD/.native-check.config"
	check=("$BUILD/.native-check.config" "$REPO/scripts/configs/native.config") ;;
native-xxl) arch=i386 out=$BUILD/kernel-native-xxl
	frags=("$REPO/Kconfig.xen" "$REPO/scripts/configs/native-xxl.config")
	grep -v '^\(# \)\?CONFIG_[A-Z0-9_]*XEN' "$REPO/Kconfig.xen" >"$BUILD/.native-xxl-check.config"
	check=("$BUILD/.native-xxl-check.config" "$REPO/scripts/configs/native-xxl.config") ;;
xen-preempt) arch=i386 out=$BUILD/kernel-xen-preempt
	frags=("$REPO/Kconfig.xen" "$REPO/scripts/configs/xen-preempt.config")
	grep -v '^CONFIG_PREEMPT_VOLUNTARY=' "$REPO/Kconfig.xen" >"$BUILD/.xen-preempt-check.config"
	check=("$BUILD/.xen-preempt-check.config" "$REPO/scripts/configs/xen-preempt.config") ;;
xen-debug) arch=i386 out=$BUILD/kernel-xen-debug
	frags=("$REPO/Kconfig.xen" "$REPO/scripts/configs/xen-debug.config")
	check=("$REPO/Kconfig.xen" "$REPO/scripts/configs/xen-debug.config") ;;
deb) arch=i386 out=$BUILD/deb/kernel
	frags=("$REPO/Kconfig.xen" "$REPO/scripts/configs/deb.config")
	check=("$REPO/Kconfig.xen" "$REPO/scripts/configs/deb.config") ;;
x86_64) arch=x86_64 out=$BUILD/kernel64
	frags=("$REPO/Kconfig.xen" "$REPO/scripts/configs/x86_64.config")
	check=("$REPO/scripts/configs/x86_64.config") ;;
*) die "unknown kind '$kind' (xen, xen-preempt, xen-debug, deb, native, native-xxl, x86_64)" ;;
esac
out=${3:-$out}
# what is built: the kernel image; and its modules where they are what the kind is for
targets=(bzImage)
[ "$kind" != deb ] || targets+=(modules)
"$REPO/scripts/deps.sh" build

[ -f "$src/Makefile" ] || die "no kernel tree at $src: run 'make tree' first"
mkdir -p "$out" "$BUILD/logs"
log=$BUILD/logs/kernel-$kind${3:+-$(basename "$out")}.log
jobs=$(nproc)
mk() {
	make -C "$src" O="$out" ARCH=$arch -j"$jobs" CC="ccache gcc" HOSTCC="ccache gcc" \
		KBUILD_BUILD_USER=xen-i386 KBUILD_BUILD_HOST=build "$@"
}

if [ -n "${LINT:-}" ]; then
	[ -f "$out/.config" ] || die "LINT: $out is not configured"
	"$REPO/scripts/deps.sh" check
	# Only what this configuration builds: the objects that the last build
	# linked (vmlinux.a and the lib.a archives list them; no modules are
	# built). A .o lying in $out is not enough: one left by a build of
	# another configuration (check-bisect before a patch that enables
	# XEN_PV, after a run that went further) would be compiled without the
	# options it needs.
	# vmlinux.a and lib.a are thin archives: listing one fails when a member
	# is gone, and a partial list would skip files silently.
	linked=$(cd "$out" && for a in vmlinux.a lib/lib.a arch/*/lib/lib.a; do
		[ ! -f "$a" ] || ar t "$a" || exit 1; done) ||
		die "LINT: cannot list the objects linked in $out (a member is missing: build it again)"
	[ -n "$linked" ] || die "LINT: $out has no vmlinux.a (build it first)"
	objs=()
	for f in $LINT; do
		case $f in *.c) ;; *) die "LINT: $f is not a C file" ;; esac
		! grep -qxF "${f%.c}.o" <<<"$linked" || objs+=("${f%.c}.o")
	done
	echo "== ${objs[*]:-(none of them built here)}"
	[ ${#objs[@]} -gt 0 ] || exit 0
	# -j1: kbuild reaches an object of arch/x86/lib twice (lib.a and the
	# single target), and two jobs building the same object at once made
	# the run fail now and then, make deleting the object.  A run that
	# fails is an error, not a list of warnings: the same failure before
	# and after a patch would otherwise read as "no new warnings".
	rc=0
	lines=$( (flock 9; mk -j1 C=2 W=1 "${objs[@]}" 2>&1) 9>"$BUILD_LOCK") || rc=$?
	printf '%s\n' "$lines" | { grep -E '(warning|error):' || true; } |
		sed -E "s|^$src/||; s|^\.\./||; s/:[0-9]+:[0-9]+: /: /; s/:[0-9]+: /: /" | LC_ALL=C sort -u
	[ $rc = 0 ] || { printf '%s\n' "$lines" | tail -n 15 >&2; die "LINT: the sparse/W=1 build failed in $out (its last lines above)"; }
	exit 0
fi

# Configure when the fragments (or the tree's Kconfig files) changed.
cfghash=$(cat "${frags[@]}" | sha256sum | cut -d' ' -f1)
if [ ! -f "$out/.config" ] || [ "$(cat "$out/.xen-i386-cfg" 2>/dev/null)" != "$cfghash" ]; then
	say "configuring $kind ($arch) in $out"
	{
		mk tinyconfig
		(cd "$src" && ARCH=$arch scripts/kconfig/merge_config.sh -m -O "$out" "$out/.config" "${frags[@]}")
		mk olddefconfig
	} >"$log" 2>&1 || { tail -n 20 "$log" >&2; die "configuring $kind failed (log: $log)"; }
fi

# Every option asked for must be in the result, or the fragment is out of date.
# With KCONFIG_LENIENT set (check-bisect, before the series' last patch), an
# option asked for that is absent from the .config altogether (Kconfig does
# not offer it yet) is a note, "not available yet: SYM", and the configuration
# is not recorded as good, so that the next build configures again; an option
# that Kconfig offers with another value is still an error.
bad=0 notyet=()
while IFS= read -r line; do
	case $line in
	CONFIG_*=*) sym=${line%%=*} want=$line ;;
	"# CONFIG_"*" is not set") sym=${line#\# } sym=${sym%% *} want= ;;
	*) continue ;;
	esac
	have=$(grep -E "^$sym=" "$out/.config" || true)
	[ "$have" != "$want" ] || continue
	if [ -n "${KCONFIG_LENIENT:-}" ] && ! grep -qE "^(# )?$sym[= ]" "$out/.config"; then
		notyet+=("${sym#CONFIG_}")
		continue
	fi
	warn "$kind: asked for '${want:-# $sym is not set}', got '${have:-not set}'"
	bad=1
done < <(cat "${check[@]}" | awk '/^CONFIG_|^# CONFIG_.* is not set/ {
	s = $0; sub(/^# /, "", s); sub(/[= ].*/, "", s); last[s] = $0; if (!(s in seen)) { seen[s] = 1; order[++n] = s } }
	END { for (i = 1; i <= n; i++) print last[order[i]] }')
if [ $bad != 0 ]; then
	rm -f "$out/.xen-i386-cfg"
	die "$kind: the configuration lacks options its fragments ask for (see above; config: $out/.config)"
fi
if [ ${#notyet[@]} -gt 0 ]; then
	rm -f "$out/.xen-i386-cfg"
	say "$kind: not available yet: ${notyet[*]}"
else
	echo "$cfghash" >"$out/.xen-i386-cfg"
fi

say "building $kind ($arch) in $out (log: $log)"
t0=$SECONDS
# the log is appended to: on failure show the errors of this build, not of an earlier one
logsize=$(stat -c %s "$log" 2>/dev/null || echo 0)
(
	flock 9
	mk "${targets[@]}" >>"$log" 2>&1
) 9>"$BUILD_LOCK" || {
	tail -c +$((logsize + 1)) "$log" | grep -E 'error|Error' | head -n 20 >&2
	tail -n 10 "$log" >&2
	die "building $kind failed (log: $log)"
}
say "built $kind in $((SECONDS - t0))s: $out/arch/x86/boot/bzImage, $out/vmlinux"
