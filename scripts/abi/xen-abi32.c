// SPDX-License-Identifier: GPL-2.0
/*
 * xen-abi32.c: the layout of the 32-bit Xen structures in
 * xen-abi32-fields.h, as one side's headers give it.
 *
 * Compiled twice by scripts/abi/xen-abi32.sh, never run (the host need not
 * run i386 binaries): like the kernel's asm-offsets.c, it turns each
 * constant into a line of the assembler output, ".ascii "->TEXT"".
 *
 *   -DXEN_ABI32_KERNEL  the kernel tree's headers, as an i386 kernel sees
 *                       them: gcc -m32 -nostdinc -I<tree>/arch/x86/include
 *                       -I<tree>/include, with kshim.h for the rest
 *   -DXEN_ABI32_XEN     Xen's public headers (libxen-dev), for __i386__,
 *                       with -D__XEN_INTERFACE_VERSION__=...
 *
 * Lines, in list order:
 *   ->S sizeof N          ->S alignof N
 *   ->S.F OFFSET SIZE     field F (a member path) of struct S
 *   ->= S M               M is a member this side names for S (the driver
 *                         checks the list against the debug information)
 */

#if defined(XEN_ABI32_KERNEL)
#include "kshim.h"
#include <xen/interface/xen.h>
#include <xen/interface/callback.h>
#include <xen/interface/vcpu.h>
#define ABI_PICK(k, x)	k
#elif defined(XEN_ABI32_XEN)
#ifndef __XEN_INTERFACE_VERSION__
/* Without it a guest gets the legacy (0x00000000) interface. */
#error "define __XEN_INTERFACE_VERSION__"
#endif
#include <stdint.h>
#include <xen/xen.h>
#include <xen/callback.h>
#include <xen/vcpu.h>
#define ABI_PICK(k, x)	x
#else
#error "define XEN_ABI32_KERNEL or XEN_ABI32_XEN"
#endif

#ifndef __i386__
#error "compile with gcc -m32"
#endif

#define ABI_STR(x)	#x
#define ABI_XSTR(x)	ABI_STR(x)

#define ABI_OFF(s, m)	__builtin_offsetof(struct s, m)
#define ABI_END(s, m)	(ABI_OFF(s, m) + sizeof(((struct s *)0)->m))

/* Each entry of the list is one asm statement, as in asm-offsets.c. */
#define ABI_STRUCT(s)							\
	asm volatile("\n.ascii \"->" #s " sizeof %c0\""			\
		     "\n.ascii \"->" #s " alignof %c1\""			\
		     : : "i" (sizeof(struct s)), "i" (__alignof__(struct s)))

#define ABI_SPAN_(s, f, first, last)					\
	asm volatile("\n.ascii \"->" #s "." #f " %c0 %c1\""		\
		     "\n.ascii \"->= " #s " " ABI_XSTR(first) "\""		\
		     "\n.ascii \"->= " #s " " ABI_XSTR(last) "\""		\
		     : : "i" (ABI_OFF(s, first)),				\
			 "i" (ABI_END(s, last) - ABI_OFF(s, first)))

#define ABI_SPAN(s, f, kfirst, klast, xfirst, xlast)			\
	ABI_SPAN_(s, f, ABI_PICK(kfirst, xfirst), ABI_PICK(klast, xlast))
#define ABI_ALIAS(s, f, kf, xf)	ABI_SPAN(s, f, kf, kf, xf, xf)
#define ABI_FIELD(s, f)		ABI_SPAN(s, f, f, f, f, f)

void xen_abi32(void)
{
#include "xen-abi32-fields.h"
}
