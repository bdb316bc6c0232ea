/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry and exit of a 32-bit Xen PV guest kernel.
 *
 * The kernel runs in ring 1.  Xen delivers exceptions and events on the
 * same frame as the hardware would, so the ordinary entry code handles
 * them; what differs is the way back and the calls into Xen.
 */

#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/asm-offsets.h>
#include <asm/extable_fixup_types.h>
#include <asm/percpu.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>
#include <xen/interface/xen.h>

.pushsection .noinstr.text, "ax"
/*
 * The 32-bit hypercall interface: int $0x82.
 *
 * Input:
 *	%eax: hypercall number
 *	%ebx, %ecx, %edx, %esi, %edi: arguments 1..5
 * Output: %eax
 */
SYM_FUNC_START(xen_hypercall_pv)
	int	$0x82
	RET
SYM_FUNC_END(xen_hypercall_pv)
.popsection

/*
 * The entry stubs of a virtual NMI and machine check (xen_asm_xenpv_exc_nmi,
 * xen_asm_xenpv_exc_machine_check) set this pseudo-flag in the saved EFLAGS:
 * Xen lets the next one in only once the guest has returned with the iret
 * hypercall.  Bit 31 of EFLAGS is reserved; xen_iret clears it.
 */
#define XEN_EFLAGS_NMI	0x80000000

/*
 * Return from the kernel, to user or kernel mode, with the iret frame
 * on the stack and every register already restored: the iret hypercall.
 *
 * The virtual interrupt flag lives in the event mask of the vCPU, which
 * a real iret cannot restore atomically with the return.  Xen's iret
 * hypercall takes the frame with the saved %eax below it, restores the
 * event mask from the saved EFLAGS.IF and delivers pending events only
 * after the return, so there is no window to guard.  It serves until the
 * per-CPU segment and vcpu_info placement are set up (the start of day
 * patches the return to jump here), for NMI and machine check frames, and
 * for xen_failsafe_callback.
 */
SYM_CODE_START(xen_iret)
	andl	$~XEN_EFLAGS_NMI, 8(%esp)
	pushl	%eax
	movl	$__HYPERVISOR_iret, %eax
	int	$0x82
	/* The hypercall does not return here. */
	ud2
SYM_CODE_END(xen_iret)

/*
 * The return once the alternatives are applied: a real iret from ring 1,
 * without entering Xen, when no event is pending.
 *
 * An iret at CPL 1 cannot change the real interrupt flag, which Xen keeps
 * set: the virtual one is the event mask, written here from the frame's
 * EFLAGS.IF before the iret.  Unmasking opens a window up to the iret in
 * which Xen may deliver an event.  Delivered there, the upcall would run on
 * top of a return that has done its last check for work (a signal to
 * deliver, a reschedule): what the upcall sets could wait until the next
 * entry to the kernel.  So the window is a critical region:
 *
 * - an event pending once events are unmasked is taken here, with events
 *   masked again, by jumping to the upcall with the frame being returned
 *   to, as if Xen had delivered it at the target of the iret;
 * - an event that Xen delivers inside the region finds its EIP between
 *   xen_iret_start_crit and xen_iret_end_crit: the upcall
 *   (xen_asm_exc_xen_hypervisor_callback) drops Xen's frame and the saved
 *   %eax, and handles the event on the frame being returned to, in the
 *   same way.
 *
 * The upcall then leaves through the ordinary exit path, which does the
 * work and comes back here.  The region uses %eax only, saved below the
 * frame, and touches memory through %ss: %ds, %es and %fs hold the values
 * being returned to.  The vcpu_info pointer is read through the per-CPU
 * segment, with %fs saved around it; the region itself is never resumed
 * after an event, so a pointer that has gone stale (the task moved to
 * another vCPU) is never used.
 *
 * The frame at entry: 0 EIP, 4 CS, 8 EFLAGS[, 12 ESP, 16 SS].
 */
SYM_CODE_START(xen_iret_direct)
	testl	$XEN_EFLAGS_NMI, 8(%esp)
	jnz	xen_iret
	pushl	%eax
#ifdef CONFIG_SMP
	pushl	%fs
	movl	$(__KERNEL_PERCPU), %eax
	movl	%eax, %fs
	movl	PER_CPU_VAR(xen_vcpu), %eax
.Lpop_fs:
	popl	%fs
.Lpopped_fs:
	/* A selector gone bad meanwhile (modify_ldt() on another CPU): null. */
	_ASM_EXTABLE_TYPE(.Lpop_fs, .Lpopped_fs, EX_TYPE_POP_ZERO | EX_REG_FS)
#else
	movl	%ss:xen_vcpu, %eax
#endif
	/* 0 %eax, 4 EIP, 8 CS, 12 EFLAGS: bit 1 of its second byte is IF. */
	testb	$(X86_EFLAGS_IF >> 8), 13(%esp)
	jz	.Lmasked
	movb	$0, %ss:XEN_vcpu_info_mask(%eax)
SYM_INNER_LABEL(xen_iret_start_crit, SYM_L_GLOBAL)
	cmpb	$0, %ss:XEN_vcpu_info_pending(%eax)
	jz	1f
	movb	$1, %ss:XEN_vcpu_info_mask(%eax)
1:	popl	%eax			/* leaves the flags of the cmpb */
SYM_INNER_LABEL(xen_iret_eax_popped, SYM_L_GLOBAL)
	jnz	.Lpending
.Liret:
	iret
SYM_INNER_LABEL(xen_iret_end_crit, SYM_L_GLOBAL)
	_ASM_EXTABLE(.Liret, .Liret_fault)

.Lmasked:
	/* The exit path runs with events masked: they stay so. */
	movb	$1, %ss:XEN_vcpu_info_mask(%eax)
	popl	%eax
.Liret_masked:
	iret
	_ASM_EXTABLE(.Liret_masked, .Liret_fault)

.Lpending:
	lock incl %ss:xen_iret_pending
	jmp	asm_exc_xen_hypervisor_callback

.Liret_fault:
	/*
	 * The iret faulted on a bad frame (a selector that cannot be loaded,
	 * from sigreturn for instance): the exception's fixup comes here with
	 * the frame in place.  As when Xen's iret fails: a general protection
	 * fault in the context being returned to.
	 *
	 * The fixup returns here with the events as the iret left them:
	 * unmasked when the frame has IF set.  An exception enters from user
	 * mode with them masked, so mask them first.  One store through the
	 * per-CPU segment: an event taken before it may have moved the task
	 * to another vCPU.
	 */
	pushl	%eax
#ifdef CONFIG_SMP
	pushl	%fs
	movl	$(__KERNEL_PERCPU), %eax
	movl	%eax, %fs
	movb	$1, PER_CPU_VAR(xen_vcpu_info + XEN_vcpu_info_mask)
.Lfault_pop_fs:
	popl	%fs
.Lfault_popped_fs:
	_ASM_EXTABLE_TYPE(.Lfault_pop_fs, .Lfault_popped_fs, EX_TYPE_POP_ZERO | EX_REG_FS)
#else
	movb	$1, %ss:xen_vcpu_info + XEN_vcpu_info_mask
#endif
	popl	%eax
	pushl	$0				/* error code */
	jmp	asm_exc_general_protection
SYM_CODE_END(xen_iret_direct)

/*
 * The event upcall.  Its frame is the one the hardware would build: 0 EIP,
 * 4 CS, 8 EFLAGS, then ESP and SS if it came from user mode.  If it came
 * inside xen_iret_direct's critical region, handle it on the frame being
 * returned to instead (see there): drop Xen's frame, and the saved %eax
 * if the region had not restored it yet.  Only the kernel can be there:
 * Xen's frame then has no ESP and SS.
 */
SYM_CODE_START(xen_asm_exc_xen_hypervisor_callback)
	cmpl	$xen_iret_start_crit, (%esp)
	jb	asm_exc_xen_hypervisor_callback
	cmpl	$xen_iret_end_crit, (%esp)
	jae	asm_exc_xen_hypervisor_callback
	testb	$USER_SEGMENT_RPL_MASK, 4(%esp)
	jnz	asm_exc_xen_hypervisor_callback
	lock incl %ss:xen_iret_fixups
	cmpl	$xen_iret_eax_popped, (%esp)
	jae	1f
	movl	12(%esp), %eax			/* the saved %eax */
	leal	16(%esp), %esp
	jmp	asm_exc_xen_hypervisor_callback
1:	leal	12(%esp), %esp
	jmp	asm_exc_xen_hypervisor_callback
SYM_CODE_END(xen_asm_exc_xen_hypervisor_callback)

/*
 * A fast system call from user space: SYSENTER reaches Xen's sysenter
 * callback, SYSCALL (on AMD) its syscall32 callback.  Xen has built a
 * frame like an interrupt's on the kernel stack, with events masked
 * (CALLBACKF_mask_events) and the user's EFLAGS:
 *
 *	0 EIP, 4 CS, 8 EFLAGS, 12 ESP, 16 SS
 *
 * These are the five words of pt_regs that the native SYSENTER path pushes
 * first: make CS and SS the user's selectors it pushes (Xen's CS slot
 * carries the saved event mask in its upper half) and join the path after
 * its pushes.  do_SYSENTER_32() sets regs->sp and regs->ip as for a native
 * SYSENTER.  EFLAGS stays the user's: a trap flag it has (Xen clears TF
 * for the kernel itself) comes back to user space with the return.
 *
 * The registers are those of the vDSO's __kernel_vsyscall.  Before
 * SYSENTER it put the user stack pointer in %ebp, where do_SYSENTER_32()
 * takes it from.  SYSCALL overwrites %ecx with the return address, so
 * the vDSO moved the second argument to %ebp first: put it back in %ecx,
 * and in %ebp the user stack pointer, which Xen saved in the frame; from
 * there on the two are the same.
 */
SYM_CODE_START(xen_entry_SYSCALL_32)
	movl	%ebp, %ecx
	movl	12(%esp), %ebp
SYM_INNER_LABEL(xen_entry_SYSENTER_32, SYM_L_GLOBAL)
	movl	$__USER_DS, 16(%esp)
	movl	$__USER_CS, 4(%esp)
	jmp	entry_SYSENTER_32_after_hwframe
SYM_CODE_END(xen_entry_SYSCALL_32)

/*
 * A virtual NMI or machine check: marked in the saved EFLAGS (see
 * XEN_EFLAGS_NMI) for the return to go through Xen.
 */
SYM_CODE_START(xen_asm_xenpv_exc_nmi)
	orl	$XEN_EFLAGS_NMI, 8(%esp)
	jmp	asm_xenpv_exc_nmi
SYM_CODE_END(xen_asm_xenpv_exc_nmi)

#ifdef CONFIG_X86_MCE
SYM_CODE_START(xen_asm_xenpv_exc_machine_check)
	orl	$XEN_EFLAGS_NMI, 8(%esp)
	jmp	asm_xenpv_exc_machine_check
SYM_CODE_END(xen_asm_xenpv_exc_machine_check)
#endif

/* The other redirected traps need nothing more. */
SYM_CODE_START(xen_asm_xenpv_exc_debug)
	jmp	asm_xenpv_exc_debug
SYM_CODE_END(xen_asm_xenpv_exc_debug)

SYM_CODE_START(xen_asm_xenpv_exc_double_fault)
	jmp	asm_xenpv_exc_double_fault
SYM_CODE_END(xen_asm_xenpv_exc_double_fault)

/*
 * Xen calls this when it cannot load the segment registers (or cannot
 * iret) on its way back to the guest.  Below the iret frame it saved the
 * selectors it tried to load:
 *
 *	16(%esp)  eip, cs, eflags[, esp, ss]: the interrupted context
 *	12(%esp)  gs
 *	 8(%esp)  fs
 *	 4(%esp)  es
 *	 0(%esp)  ds
 *
 * Xen has loaded each selector it could and a null selector in place of
 * the others.  If one differs from its saved value, that was the fault:
 * return again with what Xen loaded.  If all match, the iret itself
 * failed: report a general protection fault in the interrupted context.
 */
SYM_CODE_START(xen_failsafe_callback)
	pushl	%eax
	movl	%ds, %eax
	cmpw	%ax, 4(%esp)
	jne	.Lbad_segment
	movl	%es, %eax
	cmpw	%ax, 8(%esp)
	jne	.Lbad_segment
	movl	%fs, %eax
	cmpw	%ax, 12(%esp)
	jne	.Lbad_segment
	movl	%gs, %eax
	cmpw	%ax, 16(%esp)
	jne	.Lbad_segment
	popl	%eax
	lea	16(%esp), %esp
	pushl	$0				/* error code */
	jmp	asm_exc_general_protection
.Lbad_segment:
	popl	%eax
	lea	16(%esp), %esp
	jmp	xen_iret
SYM_CODE_END(xen_failsafe_callback)
