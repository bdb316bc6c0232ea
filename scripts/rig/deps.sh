#!/bin/bash
# Usage: scripts/rig/deps.sh
#   Install (as root, with apt-get) the host packages the Xen-in-QEMU test rig needs on a
#   fresh Debian 12, and make sure Debian's deb-src entries exist so that `apt-get source xen`
#   works. Idempotent and quiet: does nothing when all is there. Log: ${RIG}/logs/deps.log
#   (RIG defaults to <repo>/build/rig).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
RIG=${RIG:-$REPO/build/rig}
mkdir -p "$RIG/logs"
LOG=$RIG/logs/deps.log
: > "$LOG"
echo "deps: log in $LOG"

[ "$(id -u)" = 0 ] || { echo "deps: must run as root (apt-get)" >&2; exit 1; }

PKGS=(
	qemu-system-x86         # qemu-system-x86_64 and qemu-system-i386
	busybox-static          # dom0 userland
	cpio gzip xz-utils      # initramfs images
	kmod                    # depmod for the Debian kernel's modules
	gcc gcc-multilib make   # -m32 -static test programs; the Xen hypervisor build
	flex bison python3      # the Xen hypervisor build
	binutils                # readelf (Xen ELF notes), objcopy
	dpkg-dev                # apt-get source unpacking
	iproute2 util-linux coreutils bash   # copied into dom0 for the hotplug scripts
	debootstrap debian-archive-keyring   # the Debian i386 root file system (mk-debian-i386-rootfs.sh)
	e2fsprogs tar                        # its ext4 image (mkfs.ext4 -d, e2fsck), its cached tarball
	gnuplot-nox                          # make bench: the PNG chart
)

updated=0
apt_update_once() {
	if [ "$updated" = 0 ]; then
		echo "deps: apt-get update"
		apt-get update >>"$LOG" 2>&1 || { tail -n 20 "$LOG"; exit 1; }
		updated=1
	fi
}

# --- deb-src entries -------------------------------------------------------------------------
# deb822 sources (Debian 12 default): turn "Types: deb" into "Types: deb deb-src" in the
# Debian stanzas only. One-line sources.list: add matching deb-src lines.
have_debsrc() {
	grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}
if ! have_debsrc; then
	f=/etc/apt/sources.list.d/debian.sources
	if [ -f "$f" ]; then
		cp "$f" "$RIG/logs/debian.sources.orig"
		sed -i 's/^Types: deb$/Types: deb deb-src/' "$f"
		echo "deps: added deb-src to $f (original saved in $RIG/logs/debian.sources.orig)"
	elif [ -f /etc/apt/sources.list ]; then
		grep -E '^deb (http|https)://[^ ]*debian' /etc/apt/sources.list | sed 's/^deb /deb-src /' \
			> /etc/apt/sources.list.d/xen-i386-deb-src.list
		echo "deps: added /etc/apt/sources.list.d/xen-i386-deb-src.list"
	fi
	have_debsrc || { echo "deps: could not add deb-src entries; add them by hand" >&2; exit 1; }
	apt_update_once
fi
# Source indices missing (deb-src added earlier but never fetched)?
ls /var/lib/apt/lists/*_source_Sources* >/dev/null 2>&1 || apt_update_once

# --- packages --------------------------------------------------------------------------------
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	apt-cache show "${missing[@]}" >/dev/null 2>&1 || apt_update_once
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
		>>"$LOG" 2>&1 || { apt_update_once; DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1 ||
		{ echo "deps: apt-get install failed; last lines of $LOG:"; tail -n 20 "$LOG"; exit 1; }; }
fi

# The binary package lists must be there for setup.sh's apt-get download.
apt-cache show xen-utils-4.17 >/dev/null 2>&1 || apt_update_once
echo "deps: OK"
