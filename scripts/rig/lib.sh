# Sourced by the rig's scripts: paths, kernel module closure, QEMU under a timeout with a
# timestamped log, the list of expected checks per guest kind, and the PASS/FAIL verdict.
# shellcheck shell=bash disable=SC2034

RIG_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$RIG_SCRIPTS/../.." && pwd)
RIG=${RIG:-$REPO/build/rig}
OUT=$RIG/out

# Exit codes
EX_PASS=0
EX_FAIL=1
EX_NOXEN=2      # the given kernel has no Xen PV support
EX_USAGE=64     # bad arguments, missing file, rig not set up

usage_error() {  # usage_error MESSAGE
	echo "$(basename "$0"): $*" >&2
	exit $EX_USAGE
}

need_rig() {  # need_rig FILE...: the artifacts setup.sh makes
	local f
	for f in "$@"; do
		[ -e "$f" ] || usage_error "$f is missing: run scripts/rig/setup.sh first"
	done
}

step() {  # step NAME FUNCTION: run one step of a setup script, print its time
	local s tag=${0##*/}
	tag=${tag%.sh}
	s=$(date +%s)
	echo "$tag: [$1] ..."
	"$2"
	echo "$tag: [$1] done in $(($(date +%s) - s))s"
}

new_logdir() {  # new_logdir NAME: sets LOGDIR to a fresh $RIG/logs/NAME-<time>, links NAME-latest
	LOGDIR=$RIG/logs/$1-$(date +%Y%m%d-%H%M%S)-$$
	mkdir -p "$LOGDIR"
	ln -sfn "$(basename "$LOGDIR")" "$RIG/logs/$1-latest"
}

# module_closure MODDIR NAME...: paths (relative to MODDIR) of the modules NAME and their
# dependencies, dependencies first, from MODDIR/modules.dep; built-in modules print nothing
module_closure() {
	local dir=$1 m p d
	shift
	for m in "$@"; do
		p=$(awk -F: -v m="${m//-/_}" '{ n = $1; sub(/.*\//, "", n); sub(/\.ko.*/, "", n);
			gsub(/-/, "_", n); if (n == m) { print $1; exit } }' "$dir/modules.dep")
		if [ -z "$p" ]; then
			grep -q "/${m//[-_]/[-_]}\.ko" "$dir/modules.builtin" 2>/dev/null && continue
			echo "module_closure: module $m not found in $dir" >&2
			return 1
		fi
		for d in $(awk -F: -v p="$p" '$1 == p { print $2 }' "$dir/modules.dep"); do
			d=${d##*/}
			module_closure "$dir" "${d%%.ko*}" || return 1
		done
		echo "$p"
	done
}

# stage_initrd DIR [MODULE...]: DIR/initrd.gz, the initramfs in which Debian's amd64 kernel
# ($OUT/vmlinuz-debian) runs a job in a root file system image natively in QEMU: testinit as
# /init with that kernel's virtio_blk and ext4 (+ MODULEs, + their dependencies), which
# mounts /dev/vda and switches to it (init= on the command line names the job)
stage_initrd() {
	local d=$1 n=10 p f kver md
	shift
	kver=$(cat "$OUT/kver") || return 1
	md=$RIG/x/lib/modules/$kver
	mkdir -p "$d/root"/{dev,proc,sys,tmp,lib/modules/xtest}
	cp "$OUT/testinit" "$d/root/init"
	mknod -m 600 "$d/root/dev/console" c 5 1
	echo "$kver" > "$d/root/lib/modules/xtest/release"
	for p in $(module_closure "$md" virtio_pci virtio_blk crc32c_generic ext4 "$@" | awk '!seen[$0]++'); do
		f=$d/root/lib/modules/xtest/$n-$(basename "${p%%.ko*}").ko
		case $p in
		*.ko) cp "$md/$p" "$f" ;;
		*.ko.xz) xz -dc "$md/$p" > "$f" ;;
		*.ko.zst) zstd -qdc "$md/$p" > "$f" ;;
		*) echo "stage_initrd: cannot unpack module $p" >&2; return 1 ;;
		esac
		n=$((n + 1))
	done
	(cd "$d/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1n > "$d/initrd.gz"
}

# image_job IMAGE INIT LOG DONE_RE: run the job INIT (a path in IMAGE) under Debian's amd64
# kernel in QEMU TCG with IMAGE as its virtio root, through stage_initrd's initramfs (in
# $WORK/initrd), once fewer than two QEMUs run; the console in LOG until DONE_RE or $TIMEOUT.
# Returns run_qemu's status (1: stage_initrd failed).
image_job() {
	stage_initrd "$WORK/initrd" || { echo "image_job: the job's initramfs could not be made" >&2; return 1; }
	while [ "$(pgrep -c qemu-system || true)" -ge 2 ]; do sleep 10; done
	run_qemu "$3" "$TIMEOUT" "$4" \
		qemu-system-x86_64 -machine pc -accel tcg -cpu max -smp 2 -m 1024 \
		-display none -monitor none -serial stdio -nic none -no-reboot \
		-drive "file=${1//,/,,},format=raw,if=virtio" \
		-kernel "$OUT/vmlinuz-debian" -initrd "$WORK/initrd/initrd.gz" \
		-append "console=ttyS0 root=/dev/vda rw init=$2 panic=1"
}

# The CPU models the rig's Xen runs on (boot-xen.sh QCPU=NAME; scripts/rig/README, "CPU models").
# QEMU sets the hypervisor bit (CPUID.1:ECX[31]) unless told not to; bare metal never does, and
# a PV guest kernel reads the real CPUID, so amd and intel look like the hosts users have.
#   amd    an AMD family 0x17 server (-monitor: Xen's idle loop would MWAIT, which TCG lacks)
#   intel  an Intel family 6 model 85 server; dom0 boots with vdso32=0: when a 32-bit process
#          of dom0 used SYSENTER (its vDSO does on Intel), Xen 4.17 double-faulted in
#          sysenter_entry (2 of 2 tries), its SYSENTER_ESP still the boot stack's address
#   max    QEMU's max (AMD family 0xf), with the hypervisor bit: the rig's CPU until 2026-12
# qcpu NAME-OR-SPEC: the -cpu argument for a model name; anything else is taken as it is
qcpu() {
	case $1 in
	amd) echo "max,-smap,-monitor,family=23,model=1,stepping=2,-hypervisor" ;;
	intel) echo "max,-smap,vendor=GenuineIntel,family=6,model=85,stepping=4,-hypervisor" ;;
	max) echo "max,-smap" ;;
	*) echo "$1" ;;
	esac
}
QCPU_MODELS="amd intel max"
QCPU_DEFAULT=amd
# qcpu_dom0 NAME: what dom0's kernel command line needs on that model
qcpu_dom0() {
	case $1 in
	intel) echo "vdso32=0" ;;
	esac
}
# qcpu_guest NAME: the xl.cfg lines a guest needs on that model. intel: the guest's vCPUs stay
# off physical CPU 0, whose SYSENTER_ESP Xen's boot left pointing at its boot stack in this rig
# (a SYSENTER there double-faults Xen: scripts/rig/README, "CPU models")
qcpu_guest() {
	case $1 in
	intel) echo 'cpus = "1"' ;;
	esac
}

# xen_cmdline DOM0_VCPUS [DOM0_MB]: the rig's Xen command line (boot-xen.sh, bench.sh): serial
# console, DOM0_MB (default 1024) MiB for dom0, every log level.
# spec-ctrl=eager-fpu: Xen restores a vCPU's FPU state when it schedules the vCPU, instead of
# leaving CR0.TS set and restoring on the first #NM. QEMU 7.2's TCG does not raise #NM for
# XSAVE/XSAVEOPT/XRSTOR under CR0.TS, so with Xen's lazy switching (its default on this AMD-like
# CPU) a guest kernel's XSAVE at a task switch saved another vCPU's registers (even dom0's)
# into its task: user processes in every domain ran on with foreign SSE registers now and then
# (scripts/rig/README, "Solved problems")
xen_cmdline() {
	echo "console=com1 com1=115200,8n1 dom0_mem=${2:-1024}M,max:${2:-1024}M dom0_max_vcpus=$1 spec-ctrl=eager-fpu loglvl=all guest_loglvl=all noreboot"
}

# run_qemu LOG TIMEOUT DONE_REGEX QEMU_BINARY ARGS...
#   Runs QEMU under `timeout`, writing its serial output to LOG with host timestamps (seconds
#   since start). Once a line matches DONE_REGEX (extended regex), or a crash line appears,
#   QEMU is stopped (by its own PID, 3 s later). Returns 0 when DONE_REGEX was seen, 3 on a
#   crash line, 124 on the timeout, 4 when QEMU ended with status 0 without either (a guest
#   that powered off early, or a QEMU stopped from outside), else QEMU's status.
run_qemu() {
	local log=$1 tmo=$2 done_re=$3 pidf mark rc
	shift 3
	pidf=$log.qemu.pid
	mark=$log.end
	rm -f "$pidf" "$mark"
	local t0=${EPOCHREALTIME/./}
	rc=0
	timeout "$tmo" "$@" -pidfile "$pidf" </dev/null 2>&1 |
	while IFS= read -r line; do
		line=${line//$'\r'/}
		local now=${EPOCHREALTIME/./} d
		d=$(( (now - t0) / 10000 ))
		printf '%4d.%02d %s\n' $((d / 100)) $((d % 100)) "$line"
		if [ ! -e "$mark" ]; then
			if [[ $line =~ $done_re ]]; then
				echo "done" > "$mark"
			elif [[ $line != "[guest]"* && $line =~ (Kernel\ panic|Panic\ on\ CPU|Dom0\ crashed|FATAL\ PAGE\ FAULT) ]]; then
				echo crash > "$mark"
			fi
			# stop QEMU 3 s later (by the PID it wrote), giving the last lines time to arrive
			[ -e "$mark" ] && { sleep 3; pid=$(cat "$pidf" 2>/dev/null) && [ -n "$pid" ] && kill "$pid" 2>/dev/null; } &
		fi
	done > "$log" || rc=${PIPESTATUS[0]}
	rm -f "$pidf"
	case $(cat "$mark" 2>/dev/null) in
	done) rc=0 ;;
	crash) rc=3 ;;
	*) [ "$rc" != 0 ] || rc=4 ;;
	esac
	rm -f "$mark"
	return "$rc"
}

# The xtest= group "full": every group (testinit.c's FULL says the same)
XTEST_FULL=kunit,basic,net,tcp,blk,fs,smp,clock,storm,ldt,meltdown,shutdown

# The lifecycle run's checks (XTEST=lifecycle, lifecycle.sh), in the order they come: the
# guest's (testinit) and dom0's (dom0-lifecycle, *-dom0); one line per item of LIFECYCLE_ITEMS,
# then the end of the run (reboot, shutdown, destroy), which every run has
LIFECYCLE_ITEMS="sysrq nmi save migrate balloon vcpu spinlock blk net"
LIFECYCLE_CHECKS="xl-sysrq
xl-nmi
save-dom0 save-clock save-timer save-tcp save-mem save-file
migrate-dom0 migrate-clock migrate-timer migrate-tcp migrate-mem migrate-file
balloon-dom0 balloon-down balloon-oom balloon-up
vcpu-down vcpu-up vcpu-clock vcpu-dom0
spinlock
blk-dom0 blk-detach blk-attach blk-idle blk-clock blk-timer blk-tcp blk-mem blk-file
net-dom0 net-detach net-attach vif-clock vif-timer vif-tcp vif-mem vif-file
xl-reboot-dom0 xl-reboot xl-shutdown xl-shutdown-dom0 xl-destroy-dom0"

# the balloon item's checks when the guest has a maxmem (MAXMEM): grown to it and back
LIFECYCLE_MAXMEM_CHECKS="balloon-max balloon-back"

# lifecycle_checks [ITEMS]: the checks of the items named (comma-separated, from
# LIFECYCLE_ITEMS; empty: all) and of the run's end, one per line; with MAXMEM set, the
# balloon item's LIFECYCLE_MAXMEM_CHECKS too
lifecycle_checks() {
	local want=",${1:-${LIFECYCLE_ITEMS// /,}},"
	paste -d' ' <(printf '%s\n' $LIFECYCLE_ITEMS end) <(printf '%s\n' "$LIFECYCLE_CHECKS") |
		while read -r it checks; do
			[ "$it" = end ] || [[ $want == *",$it,"* ]] || continue
			printf '%s\n' $checks
			[ "$it" != balloon ] || [ -z "${MAXMEM:-}" ] || printf '%s\n' $LIFECYCLE_MAXMEM_CHECKS
		done
}

# lifecycle_items_ok ITEMS: 0 when ITEMS is empty or a comma-separated list of LIFECYCLE_ITEMS
lifecycle_items_ok() {
	local it
	for it in ${1//,/ }; do
		[[ " $LIFECYCLE_ITEMS " == *" $it "* ]] || return 1
	done
}

# expected_checks KIND XTEST [SHIM]: the PASS names a guest kind must print (a "-dom0" name is
# printed by dom0-init). SHIM=1: a *rootfs guest boots through the guest initramfs, whose
# testinit runs the XTEST groups, then mounts the root file system (switch-root); without it
# (SHIM=0) no testinit runs, so XTEST adds nothing (boot-xen.sh refuses one).
expected_checks() {
	local kind=$1 t xtest=",$2,"
	xtest=${xtest//,full,/,$XTEST_FULL,}
	case $kind in
	pv32grub) echo "grub32-hello"; return ;;
	i386pvgrub)
		# xtest-rootfs on both boots, its xtest=pvgrub checks, and dom0's on the image, the
		# network stream and the shutdown
		printf '%s\n' rootfs-init rootfs-userspace rootfs-write rootfs-dom0 pvgrub-kernel \
			pvgrub-grub pvgrub-initramfs pvgrub-modules pvgrub-net net-tcp-dom0 pvgrub-persist \
			pvgrub-shutdown xl-shutdown-dom0
		return ;;
	i386selftests) echo "selftests-done"; return ;;
	*rootfs)
		if [ "${3:-0}" = 1 ]; then
			echo init
			[ "$kind" = pv64rootfs ] && echo modules
			echo switch-root
		else
			xtest=
		fi
		# the root file system's own /sbin/xtest-rootfs, and dom0's look at the image after
		printf '%s\n' rootfs-init rootfs-userspace rootfs-write rootfs-dom0
		;;
	*)
		echo init
		[ "$kind" = pv64 ] && echo modules
		;;
	esac
	for t in ${xtest//,/ }; do
		case $t in
		basic) printf '%s\n' basic-fork basic-exec basic-pthread basic-signal basic-mmap basic-vsyscall ;;
		kunit) echo kunit-boot ;;
		net) echo net-ping ;;
		tcp) echo net-tcp; [ "$kind" != native ] && echo net-tcp-dom0 ;;
		blk) echo blk-rw; [ "$kind" != native ] && echo blk-dom0 ;;
		fs) echo fs-file; [ "$kind" != native ] && echo fs-dom0 ;;
		smp) echo smp-load ;;
		clock) echo sleep-clock ;;
		storm) echo fork-exec-storm ;;
		vdso) echo vdso-pvclock ;;
		hostile) echo hostile-user ;;
		ldt) echo ldt-many ;;
		meltdown) echo meltdown-report ;;
		iretwin) if [ "$kind" = i386 ]; then echo iret-window; fi ;;
		shutdown) echo xl-shutdown; [ "$kind" != native ] && echo xl-shutdown-dom0 ;;
		lifecycle) lifecycle_checks "${LC_ITEMS:-}" ;;
		*) echo "$t" ;;
		esac
	done | awk '!seen[$0]++'
}

# build_insnprof SO: the QEMU plugin scripts/rig/insnprof.c, built as SO (bench-native.sh
# PROFILE=1 and its tooling test)
build_insnprof() {
	cc -O2 -Wall -Werror -shared -fPIC -fvisibility=hidden -o "$1" "$RIG_SCRIPTS/insnprof.c"
}

# insnprof_mark: builds the plugin as $OUT/insnprof.so and prints its marker, the address of
# bench's bench_mark() in $OUT/bench (bench.sh and bench-native.sh PROFILE=1); on a failure
# says why on stderr and returns 1
insnprof_mark() {
	local mark
	command -v cc >/dev/null || { echo "no C compiler (make deps)" >&2; return 1; }
	build_insnprof "$OUT/insnprof.so" || { echo "the plugin did not build" >&2; return 1; }
	mark=$(nm "$OUT/bench" | awk '$3 == "bench_mark" { print $1 }')
	[ -n "$mark" ] || { echo "no bench_mark in $OUT/bench" >&2; return 1; }
	echo "0x$mark"
}

# check_lines LOG: the test lines of a log, without timestamps and prefixes
check_lines() {
	sed -E 's/^ *[0-9]+\.[0-9]+ //; s/^\[guest\] //; s/^RIG: //; s/^\(early\) //; s/ \(uptime [0-9.]*\)$//' "$1"
}

# The kernel's own reports of a bug (a WARN, BUG or oops, a lockdep splat, a hung task, list
# corruption, a panic): one of them in the guest kernel's log fails the run, whatever its
# checks say. SPLAT_PREFIX: what the guest's console lines start with in LOG ("[guest] " in
# boot-xen.sh's serial log, where Xen's and dom0's lines are not the guest's; empty for a
# native boot). A kernel with CONFIG_PRINTK_TIME (Debian's) puts "[   34.730106] " first.
SPLAT_RE='(WARNING: CPU: |BUG: |Oops: |Kernel panic - not syncing|UBSAN: |INFO: task .* blocked for more than|.*possible (circular|recursive) locking|.*inconsistent lock state|.*(list_add|list_del) corruption)'
SPLAT_PREFIX=${SPLAT_PREFIX-}
kernel_splats() {  # kernel_splats LOG: the matching lines (at most 3), without the prefix
	local pre=${SPLAT_PREFIX//[/\\[}
	pre=${pre//]/\\]}
	sed -E 's/^ *[0-9]+\.[0-9]+ //' "$1" | grep -E "^$pre(\(early\) )?(\[ *[0-9]+\.[0-9]+\] )?$SPLAT_RE" |
		head -n 3 | cut -c$((${#SPLAT_PREFIX} + 1))-
}

# verdict NAME LOG EXPECTED...: prints "VERDICT: ..." and returns 0 (all PASS) or 1
# A caller may set REASON first (e.g. a timeout): it is reported before the missing checks.
verdict() {
	local name=$1 log=$2 c missing=() fails summary splats
	shift 2
	local lines
	lines=$(check_lines "$log")
	for c in "$@"; do
		if [ "$c" = grub32-hello ]; then
			# (GRUB puts colour escapes before its lines)
			grep -q 'XTEST-GRUB32: hello from a 32-bit PV guest' <<<"$lines" || missing+=("$c")
		elif [ "$c" = selftests-done ]; then
			# the selftest runner's summary and last line (selftests-xen.sh judges the tests)
			{ grep -qE '^SELFTESTS: [0-9]+ pass' <<<"$lines" && grep -qx 'SELFTESTS-DONE' <<<"$lines"; } ||
				missing+=("$c")
		else
			grep -qE "^PASS $c(:|\$)" <<<"$lines" || missing+=("$c")
		fi
	done
	fails=$(grep -E '^FAIL [^ ]+' <<<"$lines" | head -n 5 | paste -sd';' -)
	summary=$(grep -E '^(TESTINIT|XTEST-ROOTFS): [0-9]+ passed, [0-9]+ failed' <<<"$lines" | tail -n 1)
	summary=${summary%% (uptime*}
	REASON=${REASON:-}
	[ -n "$fails" ] && REASON="${REASON:+$REASON; }$fails"
	[ ${#missing[@]} -gt 0 ] && REASON="${REASON:+$REASON; }no PASS for: ${missing[*]}"
	splats=$(kernel_splats "$log" | cut -c1-160 | paste -sd'|' -)
	[ -n "$splats" ] && REASON="${REASON:+$REASON; }FAIL kernel-splat: the guest kernel reported: $splats"
	if [ -z "$REASON" ]; then
		echo "VERDICT: PASS $name ($# checks passed${summary:+, $summary}) (log: $log)"
		return 0
	fi
	echo "VERDICT: FAIL $name: $REASON (log: $log)"
	return 1
}

# show_tail LOG: the last 20 lines of the serial log (Xen/dom0) and of the guest console
# qemu_outcome RC LOG CRASH_REGEX AWAITED: sets REASON from run_qemu's status RC (empty when it
# saw its end line) and, when it did not, prints the last lines seen
qemu_outcome() {
	local rc=$1 log=$2 crash_re=$3 awaited=$4
	case $rc in
	0) REASON= ;;
	124) REASON="timeout: QEMU stopped after ${TIMEOUT}s" ;;
	3) REASON="crash: $(check_lines "$log" | grep -m1 -E "$crash_re")" ;;
	4) REASON="QEMU ended (status 0) before $awaited" ;;
	*) REASON="QEMU exited with status $rc before $awaited" ;;
	esac
	[ "$rc" = 0 ] || show_tail "$log"
}

show_tail() {
	echo "--- last 20 lines of the serial output ($1):"
	grep -v '^ *[0-9.]* \[guest\]' "$1" | tail -n 20
	if grep -q '^ *[0-9.]* \[guest\]' "$1"; then
		echo "--- last 20 lines of the guest console:"
		grep '^ *[0-9.]* \[guest\]' "$1" | tail -n 20
	fi
	echo "---"
}
