#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/distro-config.sh [OUT]: Debian 12's i386 686-pae kernel configuration, as a
# distribution builds it, for 'make check-distro' and 'make deb' (issue 22).
#
# Debian's configuration lives in its linux source package's debian/ folder: debian/config/
# config, kernelarch-x86/config, i386/config and i386/config.686-pae, concatenated in that
# order (later lines win), are what Debian's build gives 'make olddefconfig'. Only the
# debian/ tarball is fetched (apt-get source --download-only --diff-only), for the newest
# version of Debian 12's 'linux' source package that the mirror still serves (the newest
# ones are often gone from it while apt still lists them), and cached in
# $XEN_I386_CACHE/distro (default ~/.cache/xen-i386/distro).
#
# Writes OUT (default build/configs/debian-686-pae.config) and prints the Debian version it
# came from; OUT.version holds that version.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

OUT=${1:-$BUILD/configs/debian-686-pae.config}
CACHE=${XEN_I386_CACHE:-$HOME/.cache/xen-i386}/distro
PARTS="config kernelarch-x86/config i386/config i386/config.686-pae"
mkdir -p "$CACHE" "$(dirname "$OUT")"

command -v apt-cache >/dev/null && command -v apt-get >/dev/null ||
	die "apt-cache and apt-get are needed to fetch Debian's kernel configuration (a Debian host)"
vers=$(apt-cache showsrc linux 2>/dev/null | sed -n 's/^Version: //p' | sort -rV | uniq)
[ -n "$vers" ] || die "apt knows no source package 'linux': deb-src entries for Debian 12 are missing (scripts/rig/deps.sh adds them)"
got=
for v in $vers; do
	case $v in 6.1.*) ;; *) continue ;; esac	# Debian 12's kernel: the last with 686-pae
	tb=$CACHE/linux_${v#*:}.debian.tar.xz
	if [ ! -s "$tb" ]; then
		rm -rf "$CACHE/dl" && mkdir -p "$CACHE/dl"
		(cd "$CACHE/dl" && timeout 600 apt-get source --download-only --diff-only "linux=$v") >"$CACHE/dl.log" 2>&1 || continue
		f=$(compgen -G "$CACHE/dl/linux_*.debian.tar.xz" | head -n 1 || true)
		[ -n "$f" ] || continue
		mv "$f" "$tb"
	fi
	got=$v
	break
done
[ -n "$got" ] || die "no version of Debian's 'linux' 6.1 source package could be downloaded (tried: $(echo $vers | tr ' ' ','); last log: $CACHE/dl.log)"

x=$(mktemp -d)
trap 'rm -rf "$x"' EXIT
members=()
for p in $PARTS; do members+=("debian/config/$p"); done
tar -C "$x" -xJf "$tb" "${members[@]}" || die "$tb lacks one of: ${members[*]}"
{
	echo "# Debian $got: debian/config/{${PARTS// /,}}, by scripts/distro-config.sh"
	for m in "${members[@]}"; do cat "$x/$m"; done
} >"$OUT.tmp"
grep -q '^CONFIG_X86_PAE=y' "$OUT.tmp" || die "Debian $got's 686-pae configuration does not set CONFIG_X86_PAE=y: not what was expected"
mv "$OUT.tmp" "$OUT"
echo "$got" >"$OUT.version"
say "Debian $got 686-pae configuration: $OUT ($(grep -c '^CONFIG_' "$OUT") options set)"
