#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/rig/selftests-native.sh [XXL_BZIMAGE [BASELINE_BZIMAGE]]
#        STX_MODE=xen scripts/rig/selftests-native.sh [XXL_BZIMAGE]   (selftests-xen.sh)
#   Runs the tree's tools/testing/selftests/x86 32-bit tests (*_32) on two i386 kernels booted
#   natively in qemu-system-i386 (TCG) and compares the results test by test:
#     XXL       default build/kernel-xen/arch/x86/boot/bzImage     (PARAVIRT_XXL)
#     baseline  default build/kernel-native/arch/x86/boot/bzImage  (no PARAVIRT_XXL)
#   STX_MODE=xen: the same XXL kernel (its vmlinux beside the bzImage) as a 32-bit PV guest of
#   Xen in the rig (boot-xen.sh i386selftests) against its native boot: a test that passes
#   native must pass under Xen, unless XEN_DIFFERS below says why it cannot apply to a PV
#   guest (such a difference is shown, with its reason, and not counted).
#   The initramfs ($RIG/out/selftests.cpio.gz, from mk-selftests-initramfs.sh, rebuilt when
#   stale) has scripts/guest/selftest-runner.c as /init: it runs each test with a time limit
#   and prints "SELFTEST name: PASS|FAIL|SKIP rc=N (T s)[: reason]", then "SELFTESTS-DONE",
#   and powers off. Each boot runs under `timeout` (run_qemu in lib.sh).
#   Prints a table (test, XXL result, baseline result, same?) with each test's guest time and
#   its sub-results ([OK]/[SKIP]/[FAIL] lines), the pass/fail/skip counts per kernel, the tests
#   that fail on both kernels with their reason, the kernel's console messages while the tests
#   ran (a different number of WARNING/BUG/Oops lines counts as a difference), and a last line
#     VERDICT: PASS selftests-native (...) (log: DIR)     every test has the same result
#     VERDICT: FAIL selftests-native: <what differs or which run did not finish> (log: DIR)
#   Env:  SMP (2)  MEM (MiB, 1024)  TIMEOUT (s, per native boot, 300)  STX_TIMEOUT (s, per test
#         in guest time, 60; STX_MODE=xen 300)  QCPU (QEMU -cpu, default max,vendor=GenuineIntel: NX, SMEP, SMAP,
#         UMIP, FSGSBASE, ... so that more of the kernel's paths run; the vendor because with
#         max's own (AMD, family 6) a 32-bit SMP kernel WARNs "This combination of AMD
#         processors is not suitable for SMP" and taints itself; QCPU= for QEMU's qemu32)
#         XEN_QCPU (STX_MODE=xen: the rig's CPU model for the Xen boot, lib.sh's qcpu(); amd)
#         APPEND (extra command line)  STX_EXCLUDE (names to skip, comma-separated; default:
#         the EXCLUDE list below)
#   Exit: 0 same results, 1 a difference or a run that did not finish, 64 bad usage.
#   Log:  $RIG/logs/selftests-native-<time>/{xxl,baseline}.serial.log (STX_MODE=xen:
#         selftests-xen-<time>/{xen,xxl}.serial.log, xen: the guest's console) and table.txt (host
#         timestamps), also as $RIG/logs/selftests-native-latest.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

MODE=${STX_MODE:-native}
case $MODE in
native)
	[ $# -le 2 ] || usage_error "usage: selftests-native.sh [XXL_BZIMAGE [BASELINE_BZIMAGE]]"
	# the two runs compared (A against B), their names in the table
	A=xxl B=baseline LA="XXL (kernel-xen)" LB="baseline (kernel-native)" NAME=selftests-native
	SAME="same result on both kernels"
	;;
xen)
	[ $# -le 1 ] || usage_error "usage: selftests-xen.sh [XXL_BZIMAGE]"
	A=xen B=xxl LA="Xen PV guest (kernel-xen)" LB="native (kernel-xen)" NAME=selftests-xen
	SAME="same result under Xen as native"
	;;
*) usage_error "STX_MODE must be native or xen, not '$MODE'" ;;
esac
XXL=${1:-$REPO/build/kernel-xen/arch/x86/boot/bzImage}
BASE=${2:-$REPO/build/kernel-native/arch/x86/boot/bzImage}
[ "$MODE" = native ] || BASE=$XXL
SMP=${SMP:-2}
MEM=${MEM:-1024}
TIMEOUT=${TIMEOUT:-300}
# (under Xen guest time is not instruction-counted, and ldt_gdt_32 alone took 18 s on a quiet
# host, over 60 s on a loaded one: every LDT change is a page made read-only and handed to Xen)
if [ "$MODE" = xen ]; then STX_TIMEOUT=${STX_TIMEOUT:-300}; else STX_TIMEOUT=${STX_TIMEOUT:-60}; fi
QCPU=${QCPU-max,vendor=GenuineIntel}
XEN_QCPU=${XEN_QCPU:-$QCPU_DEFAULT}

# Tests not run, each with the reason ("name: reason"). Measured under TCG on 2 cores (QEMU
# 7.2, tinyconfig-based kernels): all 24 *_32 tests together take 5-6 s of guest time per
# kernel (a boot 12-20 s wall), the slowest, sysret_ss_attrs_32, 0.5-4 s; none hangs, so none
# is excluded. Add here, with the reason, a test that hangs or takes minutes under TCG.
EXCLUDE=(
)
# STX_MODE=xen: tests whose result under Xen may differ from native, each with the reason it
# cannot apply to a 32-bit PV guest ("name: reason"). Only listed differences are accepted.
# None today: all 24 pass under Xen as natively. Sub-results that differ (shown, not failed):
#   sigreturn_32: skips its 16-bit CS/SS cases: the kernel refuses 16-bit LDT segments in a
#     Xen PV guest (write_ldt(): Xen has no ESPFIX for them), as on 64-bit PV
#   syscall_arg_fault_32: "SYSENTER/SYSCALL with invalid state: AX had the wrong value:
#     0xffffffff" (4 [FAIL] lines, exit 0): the i386 PV guest registers no SYSENTER/SYSCALL
#     callback with Xen (xen_enable_sysenter()/xen_enable_syscall() are empty on 32-bit;
#     system calls come in through int $0x80, which the vDSO then uses), so Xen turns a
#     user's SYSENTER/SYSCALL into a #GP at the instruction: SIGSEGV with AX untouched (-1),
#     where the native kernel enters the system call and fails its argument read (-EFAULT)
XEN_DIFFERS=(
)
if [ -z "${STX_EXCLUDE+set}" ]; then
	STX_EXCLUDE=$(printf '%s\n' "${EXCLUDE[@]}" | sed -n 's/:.*//p' | paste -sd, -)
fi

for k in "$XXL" "$BASE"; do
	[ -f "$k" ] || usage_error "kernel $k does not exist (make kernel / make kernel-native)"
	[ "$(dd if="$k" bs=1 skip=514 count=4 2>/dev/null)" = HdrS ] ||
		usage_error "$k is not a bzImage (no HdrS boot header)"
done
[[ $SMP =~ ^[0-9]+$ && $MEM =~ ^[0-9]+$ && $TIMEOUT =~ ^[0-9]+$ && $STX_TIMEOUT =~ ^[0-9]+$ ]] ||
	usage_error "SMP, MEM, TIMEOUT and STX_TIMEOUT must be numbers"
[[ $STX_EXCLUDE =~ ^[A-Za-z0-9_,]*$ ]] || usage_error "STX_EXCLUDE: names separated by commas"

T0=$(date +%s)
"$RIG_SCRIPTS/mk-selftests-initramfs.sh"
new_logdir $NAME
if [ "$MODE" = xen ]; then
	echo "$NAME: $XXL under Xen and native; logs in $LOGDIR"
else
	echo "$NAME: XXL $XXL, baseline $BASE; logs in $LOGDIR"
fi
[ -z "$STX_EXCLUDE" ] || echo "$NAME: excluded: $STX_EXCLUDE"

# boot_xen KERNEL: the boot as a PV guest (boot-xen.sh i386selftests); its log is the guest's
# console; FINISHED_xen as for boot
boot_xen() {
	local log=$LOGDIR/xen.serial.log rc=0 t out dir
	t=$(date +%s)
	echo "$NAME: booting xen ($1 as a PV guest, boot-xen.sh i386selftests)"
	out=$(QCPU=$XEN_QCPU STX_TIMEOUT=$STX_TIMEOUT STX_EXCLUDE=$STX_EXCLUDE \
		"$RIG_SCRIPTS/boot-xen.sh" i386selftests "$1" 2>&1) || rc=$?
	dir=$(sed -n 's/^boot-xen: .*log in \(.*\)\/serial\.log$/\1/p' <<<"$out" | head -n 1)
	[ -n "$dir" ] && cp "$dir/guest-console.log" "$log" 2>/dev/null || : > "$log"
	echo "$NAME: xen: boot-xen.sh ran $(( $(date +%s) - t ))s (exit $rc): $(grep '^VERDICT' <<<"$out" | cut -c1-300)"
	if grep -qx 'SELFTESTS-DONE' "$log"; then
		FINISHED_xen=1 WHY_xen=
	else
		FINISHED_xen=0 WHY_xen="no SELFTESTS-DONE: $(grep '^VERDICT' <<<"$out" | cut -c1-200)"
	fi
}

# boot KIND KERNEL: one boot; sets FINISHED_<KIND> (1 when SELFTESTS-DONE was seen)
boot() {
	local kind=$1 kernel=$2 log=$LOGDIR/$1.serial.log rc=0 t
	[ "$kind" != xen ] || { boot_xen "$kernel"; return; }
	t=$(date +%s)
	echo "$NAME: booting $kind ($kernel); serial log $log"
	run_qemu "$log" "$TIMEOUT" '^SELFTESTS-DONE' \
		qemu-system-i386 -machine pc -accel tcg ${QCPU:+-cpu "$QCPU"} -smp "$SMP" -m "$MEM" \
		-display none -monitor none -serial stdio -nic none -no-reboot \
		-kernel "$kernel" -initrd "$OUT/selftests.cpio.gz" \
		-append "console=ttyS0 panic=-1 stx_timeout=$STX_TIMEOUT${STX_EXCLUDE:+ stx_exclude=$STX_EXCLUDE} ${APPEND:-}" ||
		rc=$?
	echo "$NAME: $kind: QEMU ran $(( $(date +%s) - t ))s"
	qemu_outcome "$rc" "$log" 'Kernel panic' "SELFTESTS-DONE"
	if [ -n "$REASON" ]; then
		eval "FINISHED_$kind=0 WHY_$kind=\$REASON"
	else
		eval "FINISHED_$kind=1 WHY_$kind="
	fi
}
boot $A "$XXL"
boot $B "$BASE"

# --- parse: RES_<kind>[test] = "PASS|FAIL|SKIP", INFO_<kind>[test] = "time, sub-results" --------
declare -A RES_xxl RES_baseline RES_xen INFO_xxl INFO_baseline INFO_xen CMP_xxl CMP_baseline \
	CMP_xen WHYT_xxl WHYT_baseline WHYT_xen SEEN
# shellcheck disable=SC2034,SC2004  # (namerefs to associative arrays)
parse() {  # parse KIND
	local kind=$1 lines name res rc secs why sub
	local -n res_a=RES_$kind info_a=INFO_$kind cmp_a=CMP_$kind why_a=WHYT_$kind
	lines=$(check_lines "$LOGDIR/$kind.serial.log")
	while IFS= read -r l; do
		[[ $l =~ ^SELFTEST\ ([^:]+):\ (PASS|FAIL|SKIP)\ rc=(-?[0-9]+)\ \(([0-9.]+)\ s\)(:\ (.*))?$ ]] || continue
		name=${BASH_REMATCH[1]} res=${BASH_REMATCH[2]} rc=${BASH_REMATCH[3]}
		secs=${BASH_REMATCH[4]} why=${BASH_REMATCH[6]}
		# the test's own sub-results: its "[OK]"/"[PASS]", "[SKIP]", "[FAIL]" lines
		# (or its TAP lines: "ok N", "ok N # SKIP", "not ok N")
		sub=$({ grep -F "[$name] " <<<"$lines" || true; } | sed "s/^\[$name\] *//" | awk '
			/^\[(OK|PASS)\]/ { ok++; next } /^\[SKIP\]/ { sk++; next }
			/^(\[FAIL\]|FAIL[ \t])/ { f++; next }
			/^ok [0-9]+ .*# *SKIP/ { sk++; next } /^ok [0-9]+/ { ok++; next }
			/^not ok [0-9]+/ { f++; next }
			END { s = ""; if (ok) s = s " ok" ok; if (sk) s = s " skip" sk; if (f) s = s " fail" f; print s }')
		res_a[$name]=$res
		info_a[$name]="rc=$rc ${secs}s$sub"
		cmp_a[$name]="rc=$rc$sub"
		if [ "$res" = FAIL ] && [ -z "$why" ]; then
			# the test's own words: its first FAIL lines
			why=$({ grep -F "[$name] " <<<"$lines" || true; } | sed "s/^\[$name\] //" |
				{ grep -E '^\[FAIL\]|^FAIL|^not ok' || true; } | head -n 2 | tr '\t' ' ' |
				paste -sd';' -)
		fi
		why_a[$name]=$why
		SEEN[$name]=1
	done <<<"$lines"
}
parse $A
parse $B
declare -n RA=RES_$A RB=RES_$B IA=INFO_$A IB=INFO_$B CA=CMP_$A CB=CMP_$B WA=WHYT_$A WB=WHYT_$B
# STX_MODE=xen: the accepted differences, name -> reason
declare -A XDIFF
for x in "${XEN_DIFFERS[@]}"; do XDIFF[${x%%:*}]=${x#*: }; done

# --- the table ---------------------------------------------------------------------------------
TABLE=$LOGDIR/table.txt
diffs=() both_fail=() subdiff=() accepted=()
{
	printf '%-26s %-30s %-30s %s\n' test "$LA" "$LB" same?
	for t in $(printf '%s\n' "${!SEEN[@]}" | LC_ALL=C sort); do
		rx=${RA[$t]:-} rb=${RB[$t]:-}
		same=yes
		if [ "$rx" != "$rb" ] && [ "$MODE" = xen ] && [ -n "${XDIFF[$t]:-}" ]; then
			same="no (accepted)"
			accepted+=("$t ($A ${rx:-no result}, $B ${rb:-no result}): ${XDIFF[$t]}")
		elif [ "$rx" != "$rb" ]; then
			same=NO
			diffs+=("$t ($A ${rx:-no result}, $B ${rb:-no result})")
		elif [ "${CA[$t]}" != "${CB[$t]}" ]; then
			# same result, different sub-results (or exit code): shown, not a failure
			same="yes*"
			subdiff+=("$t")
		fi
		[ "$rx" = FAIL ] && [ "$rb" = FAIL ] &&
			both_fail+=("$t: $A: ${WA[$t]:-exit status only}; $B: ${WB[$t]:-exit status only}")
		printf '%-26s %-30s %-30s %s\n' "$t" "${rx:--} ${IA[$t]:-}" "${rb:--} ${IB[$t]:-}" "$same"
	done
} > "$TABLE"
cat "$TABLE"
echo "(time: guest seconds; okN/skipN/failN: the test's own [OK]/[SKIP]/[FAIL] or TAP lines;" \
	"yes*: same result, different sub-results or exit code)"

count() {  # count KIND: "N pass, N fail, N skip"
	local -n a=RES_$1
	local p=0 f=0 s=0 v
	for v in "${a[@]}"; do
		case $v in PASS) p=$((p + 1)) ;; FAIL) f=$((f + 1)) ;; SKIP) s=$((s + 1)) ;; esac
	done
	echo "$p pass, $f fail, $s skip"
}
if [ "$MODE" = xen ]; then
	echo "under Xen ($XXL): $(count xen)"
	echo "native    ($XXL): $(count xxl)"
	[ ${#accepted[@]} -eq 0 ] || { echo "different under Xen, with the reason (accepted):"; printf '  %s\n' "${accepted[@]}"; }
else
	echo "XXL      ($XXL): $(count xxl)"
	echo "baseline ($BASE): $(count baseline)"
fi
[ ${#EXCLUDE[@]} -eq 0 ] || { echo "excluded (SKIP on both, not run):"; printf '  %s\n' "${EXCLUDE[@]}"; }
[ ${#both_fail[@]} -eq 0 ] || { echo "failing on both kernels (not a difference):"; printf '  %s\n' "${both_fail[@]}"; }
[ ${#subdiff[@]} -eq 0 ] || echo "same result but different sub-results: ${subdiff[*]} (compare the logs)"
# The kernel's own console lines while the tests ran (warning level and up: the runner sets
# the console loglevel to 5), e.g. a WARN or an oops a test provoked.
declare -A KMSG KBAD
for kind in $A $B; do
	KMSG[$kind]=$(check_lines "$LOGDIR/$kind.serial.log" | sed -n '/^SELFTESTS: start/,/^SELFTESTS-DONE/p' |
		grep -vE '^(SELFTEST|\[[A-Za-z0-9_.-]+\] )' || true)
	KBAD[$kind]=$(grep -cE 'WARNING|BUG|Oops|general protection|Call Trace' <<<"${KMSG[$kind]}" || true)
	if [ -n "${KMSG[$kind]}" ]; then
		echo "kernel messages during the tests, $kind:"
		head -n 10 <<<"${KMSG[$kind]}" | sed 's/^/  /'
	fi
done
echo "$NAME: $(( $(date +%s) - T0 ))s in all"

REASON=
for kind in $A $B; do
	eval "fin=\$FINISHED_$kind why=\$WHY_$kind"
	# shellcheck disable=SC2154
	[ "$fin" = 1 ] || REASON="${REASON:+$REASON; }the $kind run did not finish ($why)"
done
if [ ${#diffs[@]} -gt 0 ]; then
	d=$(printf '%s, ' "${diffs[@]:0:5}")
	d=${d%, }
	[ ${#diffs[@]} -le 5 ] || d="$d and $(( ${#diffs[@]} - 5 )) more"
	REASON="${REASON:+$REASON; }${#diffs[@]} different: $d"
fi
[ ${#SEEN[@]} -gt 0 ] || REASON="${REASON:+$REASON; }no SELFTEST lines at all"
[ "${KBAD[$A]}" = "${KBAD[$B]}" ] ||
	REASON="${REASON:+$REASON; }kernel WARNING/BUG/Oops lines during the tests: $A ${KBAD[$A]}, $B ${KBAD[$B]}"
if [ -z "$REASON" ]; then
	echo "VERDICT: PASS $NAME (${#SEEN[@]} tests, $SAME${accepted:+, ${#accepted[@]} accepted differences};" \
		"$A $(count $A); $B $(count $B)) (log: $LOGDIR)"
	exit $EX_PASS
fi
echo "VERDICT: FAIL $NAME: $REASON (log: $LOGDIR)"
exit $EX_FAIL
