#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/deps.sh GROUP...: install the Debian packages a step needs (as root).
#
#   tree    the kernel source package and quilt
#   build   what an i386/x86_64 kernel build needs, with ccache
#   deb     what the kernel's make bindeb-pkg runs (dpkg-buildpackage, debhelper)
#   export  git and b4, for the mbox and its git am and b4 am checks
#   check   sparse and the rest of what 'make check' runs
#   docs    Sphinx and graphviz, for the kernel's 'make htmldocs' (make htmldocs)
#   rig     the Xen-in-QEMU rig (delegated to scripts/rig/deps.sh)
#
# Idempotent: installs only what is missing; runs 'apt-get update' once when it must.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkgs_tree="linux-source-6.12 quilt xz-utils patch diffutils"
pkgs_build="gcc make flex bison bc libelf-dev libssl-dev ccache cpio kmod python3 perl rsync"
pkgs_deb="dpkg-dev debhelper"
pkgs_export="git b4"
pkgs_check="git sparse libxen-dev"
pkgs_docs="python3-sphinx graphviz"

missing=()
for g in "$@"; do
	case $g in
	rig) continue ;;
	tree | build | deb | export | check | docs) ;;
	*) die "unknown group '$g' (tree build deb export check docs rig)" ;;
	esac
	v=pkgs_$g
	for p in ${!v}; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
done

if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "missing packages: ${missing[*]}; run as root or install them"
	say "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/xen-i386-apt.log 2>&1; then
		apt-get update -q >>/tmp/xen-i386-apt.log 2>&1 || true
		apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/xen-i386-apt.log 2>&1 ||
			die "apt-get install failed (log: /tmp/xen-i386-apt.log)"
	fi
fi

for g in "$@"; do
	[ "$g" = rig ] && exec "$REPO/scripts/rig/deps.sh"
done
exit 0
