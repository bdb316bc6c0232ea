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
 * Return from the kernel, to user or kernel mode, with the iret frame
 * on the stack and every register already restored.
 *
 * The virtual interrupt flag lives in the event mask of the vCPU, which
 * a real iret cannot restore atomically with the return.  Xen's iret
 * hypercall takes the frame with the saved %eax below it, restores the
 * event mask from the saved EFLAGS.IF and delivers pending events only
 * after the return, so there is no window to guard.
 */
SYM_CODE_START(xen_iret)
	pushl	%eax
	movl	$__HYPERVISOR_iret, %eax
	int	$0x82
	/* The hypercall does not return here. */
	ud2
SYM_CODE_END(xen_iret)

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
