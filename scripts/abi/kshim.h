/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kshim.h: the little that the kernel's Xen interface headers need from the
 * rest of the kernel, so that xen-abi32.c can compile them on the host
 * (gcc -m32 -nostdinc) without the kernel's include chain.
 *
 * The headers compiled this way are include/xen/interface/{xen,callback,vcpu}.h
 * and what they include: arch/x86/include/asm/xen/interface.h,
 * asm/xen/interface_32.h, asm/pvclock-abi.h and asm/emulate_prefix.h. Each
 * piece below says why it is here; anything else a header needs is a compile
 * error, not a silent guess.
 */
#ifndef XEN_ABI32_KSHIM_H
#define XEN_ABI32_KSHIM_H

/* The layout checked is the i386 one: gcc -m32 defines __i386__. */
#ifndef __i386__
#error "kshim.h: compile with gcc -m32"
#endif

/*
 * Every kernel file is compiled with __KERNEL__; headers may test it (these
 * do not today).
 */
#define __KERNEL__ 1

/*
 * An i386 kernel's .config: asm/xen/interface.h picks interface_32.h, and
 * xen.h and interface.h place wc_sec_hi in arch_shared_info, by this option.
 */
#define CONFIG_X86_32 1

/*
 * The kernel's fixed-size integer types, exactly as include/uapi/asm-generic/
 * int-ll64.h, include/asm-generic/int-ll64.h and include/linux/types.h define
 * them: 64-bit types are "long long", which the i386 ABI aligns to 4 bytes
 * inside a structure (Xen's public headers, through glibc's <stdint.h>, use
 * the same type). The Xen headers use the C99 names, pvclock-abi.h the
 * kernel's short ones; u64 is also named by DEFINE_GUEST_HANDLE(u64), and
 * int32_t by xen.h's tmem_op.
 */
typedef unsigned char u8;
typedef signed char s8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef signed int s32;
typedef unsigned long long u64;

typedef u8 uint8_t;
typedef s8 int8_t;
typedef u16 uint16_t;
typedef u32 uint32_t;
typedef s32 int32_t;
typedef u64 uint64_t;

#endif /* XEN_ABI32_KSHIM_H */
