#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/deb.sh [distro]: 'make deb' and 'make deb-distro', the i386 kernel as a Debian
# package, built the way a user builds one: the kernel's own 'make bindeb-pkg'
# (dpkg-buildpackage, debhelper). Release 6.12.N-xen-i386.
#
# make deb: the routine distribution-style configuration (scripts/build-kernel.sh deb:
# Kconfig.xen + scripts/configs/deb.config: Xen's frontends, ext4 and virtio as modules,
# what initramfs-tools and udev need), LOCALVERSION from deb.config.
#
# make deb-distro (distro): Debian 12's full 686-pae configuration with XEN_PV=y, as
# 'make check-distro' builds it (scripts/check-distro.sh --configure) and in its output
# directory (build/distro/kernel-xen) with its ccache, so that after check-distro the
# package costs only the modules' version stamps and the packing; the release is named with
# LOCALVERSION=-xen-i386 on make's command line (in the .config it would change every
# object's autoconf.h and rebuild all). Without a check-distro build it is a whole build:
# hours on 2 cores.
#
# Only linux-image is made: the linux-headers package that bindeb-pkg builds for another
# architecture carries the build host's (x86-64) scripts/ programs, useless in an i386 guest,
# so it is skipped with its build profile (pkg.linux-xen-i386.nokernelheaders).
#
# The package is cached in $XEN_I386_CACHE/deb/<key>/ (default ~/.cache/xen-i386), <key> a
# hash of the kernel source package's version and of everything that goes into the kernel
# (series, patches/, the new files, Kconfig.xen, deb.config, this script; for distro,
# check-distro's key and this script): clones and CI reuse it as they reuse the root file
# system; DEB_REBUILD=1 builds it again. build/deb/linux-image.deb (distro:
# linux-image-distro.deb) links to it. Prints the package's path last.
# Log: build/logs/deb.log (deb-distro.log; bindeb-pkg; the routine kernel build's is
# build/logs/kernel-deb.log).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

MODE=${1:-routine}
[ $# -le 1 ] && { [ "$MODE" = routine ] || [ "$MODE" = distro ]; } || die "usage: deb.sh [distro]"
SRCNAME=linux-xen-i386
OUTDIR=$BUILD/deb
CACHE=${XEN_I386_CACHE:-$HOME/.cache/xen-i386}/deb
mkdir -p "$OUTDIR" "$CACHE" "$BUILD/logs"

"$REPO/scripts/deps.sh" build deb
[ -f "$TREE/Makefile" ] || die "no kernel tree at $TREE: run 'make tree' first"
kver=$(tree_version "$TREE")

if [ "$MODE" = distro ]; then
	LOG=$BUILD/logs/deb-distro.log LINK=linux-image-distro.deb
	conf=$("$REPO/scripts/check-distro.sh" --configure | tail -n 1) ||
		die "check-distro.sh --configure failed"
	read -r dkey KO <<<"$conf"
	[ -f "$KO/.config" ] || die "check-distro.sh --configure gave no $KO/.config"
	key=distro-$( { echo "$dkey"; sha256sum <"$0"; } | sha256sum | cut -c1-16)
	distro_ccache
	# check-distro's host compiler too: another HOSTCC would rebuild its host programs
	MAKEVARS=(LOCALVERSION=-xen-i386)
else
	LOG=$BUILD/logs/deb.log LINK=linux-image.deb KO=$OUTDIR/kernel
	MAKEVARS=(HOSTCC="ccache gcc")
	# the key: what the package is built from (content, so uncommitted changes count too)
	key=$( {
		echo "linux-source $(src_pkg_version) $kver"
		cd "$REPO" || exit 1
		for d in "${KERNEL_PATHS[@]}" \
			scripts/configs/deb.config scripts/deb.sh scripts/build-kernel.sh; do
			[ ! -e "$d" ] || find "$d" -type f
		done | LC_ALL=C sort | xargs -d '\n' sha256sum
	} | sha256sum | cut -c1-16)
fi
C=$CACHE/$key
if [ -z "${DEB_REBUILD:-}" ] && deb=$(ls "$C"/linux-image-*.deb 2>/dev/null | head -n 1) && [ -s "$deb" ]; then
	say "reusing $deb (key $key)"
else
	t0=$SECONDS
	if [ "$MODE" = distro ]; then
		rel=$(make -s -C "$TREE" O="$KO" ARCH=i386 "${MAKEVARS[@]}" kernelrelease) ||
			die "make kernelrelease failed in $KO"
		say "Debian's 686-pae configuration with XEN_PV in $KO (check-distro key $dkey)"
	else
		"$REPO/scripts/build-kernel.sh" deb
		rel=$(cat "$KO/include/config/kernel.release")
	fi
	case $rel in *-xen-i386) ;; *) die "kernel release '$rel' does not end in -xen-i386 (deb.config's LOCALVERSION)" ;; esac
	# the Debian version: the kernel's, and the project's commit count, so that a later
	# package upgrades an earlier one
	n=$(git -C "$REPO" rev-list --count HEAD 2>/dev/null || echo 0)
	pv=$kver-xeni386.$n
	say "make bindeb-pkg: linux-image-$rel $pv (log: $LOG)"
	# bindeb-pkg writes the packages beside its output directory
	PKGDIR=$(dirname "$KO")
	rm -f "$PKGDIR"/*.deb "$PKGDIR"/*.buildinfo "$PKGDIR"/*.changes
	rc=0
	(
		flock 9
		make -C "$TREE" O="$KO" ARCH=i386 -j"$(nproc)" CC="ccache gcc" \
			KBUILD_BUILD_USER=xen-i386 KBUILD_BUILD_HOST=build \
			KDEB_PKGVERSION="$pv" KDEB_SOURCENAME=$SRCNAME KDEB_CHANGELOG_DIST=bookworm \
			DEBEMAIL=xen-i386@localhost DEBFULLNAME=xen-i386 \
			DPKG_FLAGS="-Ppkg.$SRCNAME.nokernelheaders" "${MAKEVARS[@]}" bindeb-pkg
	) 9>"$BUILD_LOCK" >"$LOG" 2>&1 || rc=$?
	if [ $rc != 0 ]; then
		grep -E 'error|Error|unmet|Unmet' "$LOG" | head -n 20 >&2
		tail -n 10 "$LOG" >&2
		die "make bindeb-pkg failed (log: $LOG)"
	fi
	built=$PKGDIR/linux-image-${rel}_${pv}_i386.deb
	[ -s "$built" ] || die "make bindeb-pkg made no $built (log: $LOG)"
	rm -rf "$C.tmp"
	mkdir -p "$C.tmp"
	cp "$built" "$C.tmp/"
	echo "$(( SECONDS - t0 ))" > "$C.tmp/build-seconds"
	rm -rf "$C"
	mv "$C.tmp" "$C"
	deb=$C/$(basename "$built")
	say "built in $(( SECONDS - t0 ))s, cached as $deb"
fi

# what the package must hold: the kernel, its configuration, and the modules the guest
# loads from /lib/modules, with depmod's index
list=$(dpkg-deb -c "$deb") || die "dpkg-deb cannot read $deb"
pkg=$(dpkg-deb -f "$deb" Package)
rel=${pkg#linux-image-}
for f in "./boot/vmlinuz-$rel" "./boot/config-$rel" "./boot/System.map-$rel" \
	"./lib/modules/$rel/modules.dep" \
	"./lib/modules/$rel/kernel/drivers/block/xen-blkfront.ko" \
	"./lib/modules/$rel/kernel/drivers/net/xen-netfront.ko" \
	"./lib/modules/$rel/kernel/fs/ext4/ext4.ko" \
	"./lib/modules/$rel/kernel/drivers/block/virtio_blk.ko"; do
	grep -qE " ${f//./\\.}\$" <<<"$list" || die "$deb lacks $f"
done
mods=$(grep -c '\.ko$' <<<"$list")
ln -sfn "$deb" "$OUTDIR/$LINK"
say "$pkg $(dpkg-deb -f "$deb" Version): $(( $(stat -c %s "$deb") >> 10 )) KiB, $mods modules, installed size $(dpkg-deb -f "$deb" Installed-Size) KiB${C:+; built in $(cat "$C/build-seconds" 2>/dev/null || echo '?')s}"
echo "$deb"
