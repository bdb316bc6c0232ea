#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/deb.sh: 'make deb', the i386 kernel as a Debian package, built the way a user
# builds one: the kernel's own 'make bindeb-pkg' (dpkg-buildpackage, debhelper).
#
# The configuration is the routine distribution-style one (scripts/build-kernel.sh deb:
# Kconfig.xen + scripts/configs/deb.config: Xen's frontends, ext4 and virtio as modules,
# what initramfs-tools and udev need), release 6.12.N-xen-i386. Debian's full 686-pae
# configuration is built by 'make check-distro' only: hours on 2 cores.
#
# Only linux-image is made: the linux-headers package that bindeb-pkg builds for another
# architecture carries the build host's (x86-64) scripts/ programs, useless in an i386 guest,
# so it is skipped with its build profile (pkg.linux-xen-i386.nokernelheaders).
#
# The package is cached in $XEN_I386_CACHE/deb/<key>/ (default ~/.cache/xen-i386), <key> a
# hash of the kernel source package's version and of everything that goes into the kernel
# (series, patches/, the new files, Kconfig.xen, deb.config, this script): clones and CI
# reuse it as they reuse the root file system; DEB_REBUILD=1 builds it again.
# build/deb/linux-image.deb links to it. Prints the package's path last.
# Log: build/logs/deb.log (bindeb-pkg; the kernel build's is build/logs/kernel-deb.log).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SRCNAME=linux-xen-i386
OUTDIR=$BUILD/deb
KO=$OUTDIR/kernel
CACHE=${XEN_I386_CACHE:-$HOME/.cache/xen-i386}/deb
LOG=$BUILD/logs/deb.log
mkdir -p "$OUTDIR" "$CACHE" "$BUILD/logs"

"$REPO/scripts/deps.sh" build deb
[ -f "$TREE/Makefile" ] || die "no kernel tree at $TREE: run 'make tree' first"
kver=$(tree_version "$TREE")

# the key: what the package is built from (content, so uncommitted changes count too)
key=$( {
	echo "linux-source $(src_pkg_version) $kver"
	cd "$REPO" || exit 1
	for d in series patches arch drivers include Documentation Kconfig.xen \
		scripts/configs/deb.config scripts/deb.sh scripts/build-kernel.sh; do
		[ ! -e "$d" ] || find "$d" -type f
	done | LC_ALL=C sort | xargs -d '\n' sha256sum
} | sha256sum | cut -c1-16)
C=$CACHE/$key
if [ -z "${DEB_REBUILD:-}" ] && deb=$(ls "$C"/linux-image-*.deb 2>/dev/null | head -n 1) && [ -s "$deb" ]; then
	say "reusing $deb (key $key)"
else
	t0=$SECONDS
	"$REPO/scripts/build-kernel.sh" deb
	rel=$(cat "$KO/include/config/kernel.release")
	case $rel in *-xen-i386) ;; *) die "kernel release '$rel' does not end in -xen-i386 (deb.config's LOCALVERSION)" ;; esac
	# the Debian version: the kernel's, and the project's commit count, so that a later
	# package upgrades an earlier one
	n=$(git -C "$REPO" rev-list --count HEAD 2>/dev/null || echo 0)
	pv=$kver-xeni386.$n
	say "make bindeb-pkg: linux-image-$rel $pv (log: $LOG)"
	rm -f "$OUTDIR"/*.deb "$OUTDIR"/*.buildinfo "$OUTDIR"/*.changes
	rc=0
	(
		flock 9
		make -C "$TREE" O="$KO" ARCH=i386 -j"$(nproc)" CC="ccache gcc" HOSTCC="ccache gcc" \
			KBUILD_BUILD_USER=xen-i386 KBUILD_BUILD_HOST=build \
			KDEB_PKGVERSION="$pv" KDEB_SOURCENAME=$SRCNAME KDEB_CHANGELOG_DIST=bookworm \
			DEBEMAIL=xen-i386@localhost DEBFULLNAME=xen-i386 \
			DPKG_FLAGS="-Ppkg.$SRCNAME.nokernelheaders" bindeb-pkg
	) 9>"$BUILD_LOCK" >"$LOG" 2>&1 || rc=$?
	if [ $rc != 0 ]; then
		grep -E 'error|Error|unmet|Unmet' "$LOG" | head -n 20 >&2
		tail -n 10 "$LOG" >&2
		die "make bindeb-pkg failed (log: $LOG)"
	fi
	built=$OUTDIR/linux-image-${rel}_${pv}_i386.deb
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
ln -sfn "$deb" "$OUTDIR/linux-image.deb"
say "$pkg $(dpkg-deb -f "$deb" Version): $(( $(stat -c %s "$deb") >> 10 )) KiB, $mods modules, installed size $(dpkg-deb -f "$deb" Installed-Size) KiB${C:+; built in $(cat "$C/build-seconds" 2>/dev/null || echo '?')s}"
echo "$deb"
