#!/bin/bash
# Usage: scripts/rig/setup.sh
#   Build every artifact of the Xen-in-QEMU test rig. Idempotent; fast when cached.
#   Env: RIG             work dir (default <repo>/build/rig); outputs in $RIG/out
#        XEN_I386_CACHE  cache for repo-independent artifacts (default ~/.cache/xen-i386):
#                        downloaded .debs, the Xen 4.17 PV32 hypervisor build
#   Log: $RIG/logs/setup.log (the Xen build: $RIG/logs/xen-build.log)
#   Needs the host packages of scripts/rig/deps.sh.
set -euo pipefail

S=$(cd "$(dirname "$0")" && pwd)
. "$S/lib.sh"                # step()
REPO=$(cd "$S/../.." && pwd)
RIG=${RIG:-$REPO/build/rig}
export RIG                  # for the mk-*-initramfs.sh helpers
CACHE=${XEN_I386_CACHE:-$HOME/.cache/xen-i386}
OUT=$RIG/out
X=$RIG/x                    # the extracted Xen + kernel debs
LOG=$RIG/logs/setup.log
mkdir -p "$OUT" "$RIG/logs" "$CACHE/debs" "$CACHE/src" "$CACHE/xen"
: > "$LOG"
echo "setup: RIG=$RIG CACHE=$CACHE; log in $LOG"

# The hypervisor config on top of Debian's debian/xen-kconfig. Part of the cache key.
XEN_CONFIG_LINES='CONFIG_EXPERT=y
CONFIG_PV32=y
CONFIG_SHADOW_PAGING=y
CONFIG_PERF_COUNTERS=y
CONFIG_PERF_ARRAYS=y'

die() { echo "setup: ERROR: $*" >&2; echo "setup: last lines of $LOG:" >&2; tail -n 20 "$LOG" >&2; exit 1; }
T0=$(date +%s)
# ---------------------------------------------------------------------------------------------
# .debs: resolved from apt (never pinned), downloaded once into $CACHE/debs
# ---------------------------------------------------------------------------------------------
# (each apt-cache call costs about a second here: ask for all packages at once)
fetch_debs() {  # fetch_debs PKG... ; sets FETCHED to the .deb paths of their candidate versions
	local p ver arch f
	FETCHED=()
	apt-cache show --no-all-versions "$@" > "$RIG/logs/apt-records" 2>>"$LOG" ||
		die "apt does not know all of: $* (run scripts/rig/deps.sh, which runs apt-get update)"
	while read -r p ver arch; do
		f=${p}_${ver//:/%3a}_${arch}.deb
		if [ ! -s "$CACHE/debs/$f" ]; then
			(cd "$CACHE/debs" && apt-get download "$p=$ver" >>"$LOG" 2>&1) || die "apt-get download $p=$ver failed"
			[ -s "$CACHE/debs/$f" ] || die "apt-get download $p did not give $f"
		fi
		FETCHED+=("$CACHE/debs/$f")
	done < <(awk '/^Package: / { p = $2 } /^Version: / { v = $2 } /^Architecture: / { a = $2 }
		/^$/ && p { print p, v, a; p = "" } END { if (p) print p, v, a }' "$RIG/logs/apt-records")
	[ ${#FETCHED[@]} = $# ] || die "expected $# packages, apt-cache show gave ${#FETCHED[@]}"
}
deps_of() {  # deps_of PKG...: their direct Depends (first alternative), names only
	apt-cache depends --no-recommends --no-suggests "$@" 2>/dev/null |
		sed -n 's/^  Depends: \([^<][^ ]*\).*/\1/p' | sort -u
}

resolve_debs() {
	local todo seen q next
	KPKG=$(deps_of linux-image-amd64 | grep '^linux-image-' | head -n1)
	[ -n "$KPKG" ] || die "cannot resolve the kernel image package from linux-image-amd64"
	KVER=${KPKG#linux-image-}
	# Xen runtime: hypervisor, tools, and the closure of their libxen*/libyajl dependencies
	todo="xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common xenstore-utils"
	seen=" $todo "
	while [ -n "$todo" ]; do
		next=
		for q in $(deps_of $todo); do
			case $q in libxen* | libyajl* | xen-utils-common | xenstore-utils)
				case $seen in *" $q "*) ;; *) seen="$seen$q "; next="$next $q" ;; esac ;;
			esac
		done
		todo=$next
	done
	XEN_PKGS=$seen
	# GRUB for i386-xen; grub-mkimage runs from the extracted deb: fetch those of its shared
	# libraries that the host lacks
	GRUB_PKGS="grub-xen-bin grub-common"
	for q in $(deps_of grub-common | grep '^lib'); do
		dpkg-query -W -f='${Status}' "$q" 2>/dev/null | grep -q 'ok installed' || GRUB_PKGS="$GRUB_PKGS $q"
	done
	fetch_debs $XEN_PKGS "$KPKG"
	XEN_DEBS=("${FETCHED[@]}")
	fetch_debs $GRUB_PKGS
	GRUB_DEBS=("${FETCHED[@]}")
	# Debian's pvgrub2, the image a host boots a guest's own /boot with (GUEST=i386pvgrub)
	fetch_debs grub-xen-host
	PVGRUB_DEB=${FETCHED[0]}
	echo "setup: kernel $KPKG; xen packages:$XEN_PKGS; grub packages: $GRUB_PKGS"
}

# ---------------------------------------------------------------------------------------------
# Extract the debs (never installed on the host) and index the kernel modules
# ---------------------------------------------------------------------------------------------
extract_debs() {
	local want d
	want=$(printf '%s\n' "${XEN_DEBS[@]}" | xargs -n1 basename | sort)
	if [ "$(cat "$X/.debs" 2>/dev/null)" != "$want" ]; then
		rm -rf "$X"; mkdir -p "$X"
		for d in "${XEN_DEBS[@]}"; do dpkg-deb -x "$d" "$X" || die "dpkg-deb -x $d"; done
		depmod -b "$X" "$KVER" || die "depmod"   # the deb ships no modules.dep (postinst makes it)
		echo "$want" > "$X/.debs"
	fi
	echo "$KVER" > "$OUT/kver"
	ln -sf "$X/boot/vmlinuz-$KVER" "$OUT/vmlinuz-debian"
	# QEMU's multiboot loader wants the plain ELF
	[ "$OUT/xen-debian" -nt "$X/.debs" ] || zcat "$X"/boot/xen-4.17-amd64.gz > "$OUT/xen-debian"
}

# ---------------------------------------------------------------------------------------------
# Xen 4.17 hypervisor with 32-bit PV, from Debian's source; cached by version + config hash
# ---------------------------------------------------------------------------------------------
build_xen() {
	local h v vers dir src key
	h=$(printf '%s\n' "$XEN_CONFIG_LINES" | sha256sum | cut -c1-12)
	# source versions apt knows, newest first (the newest one's files may 404 on the mirror)
	vers=$(apt-cache showsrc xen 2>/dev/null | sed -n 's/^Version: //p' | sort -rV | uniq)
	[ -n "$vers" ] || die "apt knows no source package xen: deb-src entries missing (run scripts/rig/deps.sh)"
	for v in $vers; do
		if [ -s "$CACHE/xen/$v-$h/xen" ]; then key=$v-$h; break; fi
	done
	if [ -z "${key:-}" ]; then
		for v in $vers; do
			dir=$CACHE/src/$v
			if [ ! -e "$dir/.ok" ]; then
				rm -rf "$dir"; mkdir -p "$dir"
				echo "setup: apt-get source xen=$v"
				if ! (cd "$dir" && apt-get source -q "xen=$v" >>"$LOG" 2>&1); then
					echo "setup: apt-get source xen=$v failed (mirror 404?), trying an older version"
					rm -rf "$dir"; continue
				fi
				touch "$dir/.ok"
			fi
			key=$v-$h; break
		done
		[ -n "${key:-}" ] || die "no Xen source version could be downloaded ($vers)"
		src=$(find "$CACHE/src/$v" -mindepth 1 -maxdepth 1 -type d -name 'xen-*' | head -n1)
		[ -f "$src/debian/xen-kconfig" ] || die "no debian/xen-kconfig in $src"
		cp "$src/debian/xen-kconfig" "$src/xen/.config"
		printf '%s\n' "$XEN_CONFIG_LINES" >> "$src/xen/.config"
		echo "setup: building the Xen hypervisor $v (waits for /tmp/xen-i386-build.lock); log in $RIG/logs/xen-build.log"
		flock /tmp/xen-i386-build.lock bash -c '
			set -e
			s=$(date +%s)
			echo "XEN-BUILD: lock taken after $(( s - $2 ))s"
			make -C "$1/xen" olddefconfig XEN_TARGET_ARCH=x86_64
			make -C "$1/xen" -j"$(nproc)" XEN_TARGET_ARCH=x86_64
			echo "XEN-BUILD: built in $(( $(date +%s) - s ))s"' _ "$src" "$(date +%s)" \
			> "$RIG/logs/xen-build.log" 2>&1 ||
			{ tail -n 20 "$RIG/logs/xen-build.log"; die "Xen hypervisor build failed"; }
		sed -n 's/^XEN-BUILD: /setup: Xen hypervisor /p' "$RIG/logs/xen-build.log"
		local l
		while read -r l; do
			grep -qx "$l" "$src/xen/.config" || die "$l is not in the built Xen's .config"
		done <<<"$XEN_CONFIG_LINES"
		mkdir -p "$CACHE/xen/$key.tmp"
		cp "$src/xen/xen" "$src/xen/xen-syms" "$src/xen/.config" "$CACHE/xen/$key.tmp/"
		rm -rf "$CACHE/xen/$key"; mv "$CACHE/xen/$key.tmp" "$CACHE/xen/$key"
	fi
	XEN_KEY=$key
	cp "$CACHE/xen/$key/xen" "$OUT/xen-pv32"
	cp "$CACHE/xen/$key/xen-syms" "$OUT/xen-pv32-syms"
	cp "$CACHE/xen/$key/.config" "$OUT/xen-pv32.config"
	echo "setup: xen-pv32 = Xen $key ($(grep -cE "^($(paste -sd'|' <<<"$XEN_CONFIG_LINES"))$" "$OUT/xen-pv32.config")/5 extra options verified)"
}

# ---------------------------------------------------------------------------------------------
# GRUB i386-xen: a ready 32-bit PV guest that prints a known line and halts. Its embedded
# script grub-pv32.cfg is run by GRUB's rescue parser: no comments allowed in it.
# ---------------------------------------------------------------------------------------------
build_grub() {
	local g=$RIG/grub d want
	want=$(printf '%s\n' "${GRUB_DEBS[@]}" | xargs -n1 basename | sort)
	if [ "$(cat "$g/.debs" 2>/dev/null)" != "$want" ] || [ ! -s "$OUT/grub-i386-xen.elf" ] ||
	   [ "$S/grub-pv32.cfg" -nt "$OUT/grub-i386-xen.elf" ]; then
		rm -rf "$g"; mkdir -p "$g/root"
		for d in "${GRUB_DEBS[@]}"; do dpkg-deb -x "$d" "$g/root"; done
		LD_LIBRARY_PATH=$g/root/lib/x86_64-linux-gnu:$g/root/usr/lib/x86_64-linux-gnu \
			"$g/root/usr/bin/grub-mkimage" -O i386-xen -d "$g/root/usr/lib/grub/i386-xen" \
			-c "$S/grub-pv32.cfg" -p /boot -o "$OUT/grub-i386-xen.elf" echo halt >>"$LOG" 2>&1 ||
			die "grub-mkimage failed"
		echo "$want" > "$g/.debs"
	fi
}

# ---------------------------------------------------------------------------------------------
# Debian's pvgrub2 for 32-bit PV guests, grub-i386-xen.bin from grub-xen-host: xl boots it as
# the guest's kernel, and it reads the guest's /boot/grub/grub.cfg (GUEST=i386pvgrub)
# ---------------------------------------------------------------------------------------------
extract_pvgrub() {
	local d=$RIG/pvgrub
	if [ "$(cat "$d/.deb" 2>/dev/null)" != "$(basename "$PVGRUB_DEB")" ] || [ ! -s "$OUT/grub-i386-xen.bin" ]; then
		rm -rf "$d"; mkdir -p "$d"
		dpkg-deb -x "$PVGRUB_DEB" "$d" || die "dpkg-deb -x $PVGRUB_DEB"
		[ -s "$d/usr/lib/grub-xen/grub-i386-xen.bin" ] || die "$PVGRUB_DEB has no /usr/lib/grub-xen/grub-i386-xen.bin"
		cp "$d/usr/lib/grub-xen/grub-i386-xen.bin" "$OUT/grub-i386-xen.bin"
		basename "$PVGRUB_DEB" > "$d/.deb"
	fi
	# (not in rig-versions below: no recorded check boots it)
	basename "$PVGRUB_DEB" > "$OUT/pvgrub-version"
}

# ---------------------------------------------------------------------------------------------
# Debian's kernel as an ELF vmlinux (xl loads it without decompressing under TCG)
# ---------------------------------------------------------------------------------------------
extract_vmlinux() {
	[ "$OUT/vmlinux-debian" -nt "$X/.debs" ] ||
		python3 "$S/extract-vmlinux.py" "$X/boot/vmlinuz-$KVER" "$OUT/vmlinux-debian" >>"$LOG" 2>&1 ||
		die "extract-vmlinux.py failed"
}

# ---------------------------------------------------------------------------------------------
# Guest test program and guest initramfs images
# ---------------------------------------------------------------------------------------------
build_guest() {
	"$S/mk-guest-initramfs.sh" >>"$LOG" 2>&1 || die "mk-guest-initramfs.sh failed"
}

build_dom0() {
	"$S/mk-dom0-initramfs.sh" >>"$LOG" 2>&1 || die "mk-dom0-initramfs.sh failed"
}

step debs resolve_debs
step extract extract_debs
step grub build_grub
step pvgrub extract_pvgrub
step vmlinux extract_vmlinux
step guest-initramfs build_guest
step dom0-initramfs build_dom0
# last: it may wait for the build lock, and everything else (XEN=debian boots) works without it
step xen-pv32 build_xen
# what the rig runs, for the records of long checks (scripts/check-lib.sh): a new Xen, .deb or
# QEMU makes their results stale
{
	echo "xen-pv32 $XEN_KEY"
	printf '%s\n' "${XEN_DEBS[@]}" "${GRUB_DEBS[@]}" | xargs -n1 basename
	qemu-system-x86_64 --version | head -n1
} > "$OUT/rig-versions"
echo "setup: all done in $(( $(date +%s) - T0 ))s; artifacts in $OUT:"
ls -la "$OUT" | sed 's/^/  /'
