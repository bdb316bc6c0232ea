/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-abi32-fields.h: the 32-bit Xen structures that an i386 PV guest shares
 * with the hypervisor, and every field of them, written once for both sides
 * of scripts/abi/xen-abi32.sh.
 *
 * An X-macro list: xen-abi32.c includes it once against the kernel's headers
 * and once against Xen's public headers (Debian's libxen-dev). The includer
 * defines
 *
 *   ABI_STRUCT(s)           struct s: its sizeof and alignof
 *   ABI_FIELD(s, f)         member f of struct s, named f on both sides
 *   ABI_ALIAS(s, f, kf, xf) member f, named kf by the kernel, xf by Xen
 *   ABI_SPAN(s, f, kfirst, klast, xfirst, xlast)
 *                           field f: the bytes from the start of kfirst to
 *                           the end of klast in the kernel (xfirst..xlast in
 *                           Xen), for a field that one side splits or groups
 *
 * and each line yields "s.f offset size" on each side. A field f is a member
 * path: nested structures and unions are entered by name (start_info.console
 * .domU.mfn) and each level is listed itself, so that a union or a nested
 * structure has its size checked along with its members. Arrays are listed
 * whole; the element layout is that of a structure listed on its own.
 * Names follow Xen's public headers; ALIAS and SPAN mark where the kernel's
 * differ (the layout must still be the same).
 *
 * The list must name every member of every structure, recursively: the
 * driver compares it with the members the compiler's debug information
 * shows on each side and counts any member left out as a difference.
 */

/* start_info: filled in by the domain builder, pointed to by %esi at entry. */
ABI_STRUCT(start_info);
ABI_FIELD(start_info, magic);
ABI_FIELD(start_info, nr_pages);
ABI_FIELD(start_info, shared_info);
ABI_FIELD(start_info, flags);
ABI_FIELD(start_info, store_mfn);
ABI_FIELD(start_info, store_evtchn);
ABI_FIELD(start_info, console);
ABI_FIELD(start_info, console.domU);
ABI_FIELD(start_info, console.domU.mfn);
ABI_FIELD(start_info, console.domU.evtchn);
ABI_FIELD(start_info, console.dom0);
ABI_FIELD(start_info, console.dom0.info_off);
ABI_FIELD(start_info, console.dom0.info_size);
ABI_FIELD(start_info, pt_base);
ABI_FIELD(start_info, nr_pt_frames);
ABI_FIELD(start_info, mfn_list);
ABI_FIELD(start_info, mod_start);
ABI_FIELD(start_info, mod_len);
ABI_FIELD(start_info, cmd_line);
ABI_FIELD(start_info, first_p2m_pfn);
ABI_FIELD(start_info, nr_p2m_frames);

/* The per-vCPU time record, as Xen's public headers name it. */
ABI_STRUCT(vcpu_time_info);
ABI_FIELD(vcpu_time_info, version);
ABI_FIELD(vcpu_time_info, pad0);
ABI_FIELD(vcpu_time_info, tsc_timestamp);
ABI_FIELD(vcpu_time_info, system_time);
ABI_FIELD(vcpu_time_info, tsc_to_system_mul);
ABI_FIELD(vcpu_time_info, tsc_shift);
/*
 * The kernel's copy keeps the pre-4.6 "int8_t pad1[3]"; Xen 4.6 named its
 * first byte flags (the kernel reads it as pvclock_vcpu_time_info.flags).
 */
ABI_SPAN(vcpu_time_info, flags, pad1[0], pad1[0], flags, flags);
ABI_SPAN(vcpu_time_info, pad1, pad1[1], pad1[2], pad1, pad1);

ABI_STRUCT(arch_vcpu_info);
ABI_FIELD(arch_vcpu_info, cr2);
ABI_FIELD(arch_vcpu_info, pad);

/* vcpu_info: one per vCPU in shared_info, or where VCPUOP_register_vcpu_info put it. */
ABI_STRUCT(vcpu_info);
ABI_FIELD(vcpu_info, evtchn_upcall_pending);
ABI_FIELD(vcpu_info, evtchn_upcall_mask);
ABI_FIELD(vcpu_info, evtchn_pending_sel);
ABI_FIELD(vcpu_info, arch);
ABI_FIELD(vcpu_info, arch.cr2);
ABI_FIELD(vcpu_info, arch.pad);
/* The kernel's time is struct pvclock_vcpu_time_info (asm/pvclock-abi.h). */
ABI_FIELD(vcpu_info, time);
ABI_FIELD(vcpu_info, time.version);
ABI_FIELD(vcpu_info, time.pad0);
ABI_FIELD(vcpu_info, time.tsc_timestamp);
ABI_FIELD(vcpu_info, time.system_time);
ABI_FIELD(vcpu_info, time.tsc_to_system_mul);
ABI_FIELD(vcpu_info, time.tsc_shift);
ABI_FIELD(vcpu_info, time.flags);
ABI_ALIAS(vcpu_info, time.pad1, time.pad, time.pad1);

ABI_STRUCT(arch_shared_info);
ABI_FIELD(arch_shared_info, max_pfn);
ABI_FIELD(arch_shared_info, pfn_to_mfn_frame_list_list);
ABI_FIELD(arch_shared_info, nmi_reason);
ABI_FIELD(arch_shared_info, p2m_cr3);
ABI_FIELD(arch_shared_info, p2m_vaddr);
ABI_FIELD(arch_shared_info, p2m_generation);
ABI_FIELD(arch_shared_info, wc_sec_hi);	/* i386 only: no room in shared_info */

/* shared_info: the page Xen and the guest share (start_info.shared_info). */
ABI_STRUCT(shared_info);
ABI_FIELD(shared_info, vcpu_info);
ABI_FIELD(shared_info, evtchn_pending);
ABI_FIELD(shared_info, evtchn_mask);
/* Xen has three wc_* fields where the kernel has a struct pvclock_wall_clock. */
ABI_SPAN(shared_info, wc, wc, wc, wc_version, wc_nsec);
ABI_ALIAS(shared_info, wc_version, wc.version, wc_version);
ABI_ALIAS(shared_info, wc_sec, wc.sec, wc_sec);
ABI_ALIAS(shared_info, wc_nsec, wc.nsec, wc_nsec);
ABI_FIELD(shared_info, arch);
ABI_FIELD(shared_info, arch.max_pfn);
ABI_FIELD(shared_info, arch.pfn_to_mfn_frame_list_list);
ABI_FIELD(shared_info, arch.nmi_reason);
ABI_FIELD(shared_info, arch.p2m_cr3);
ABI_FIELD(shared_info, arch.p2m_vaddr);
ABI_FIELD(shared_info, arch.p2m_generation);
ABI_FIELD(shared_info, arch.wc_sec_hi);

/* The guest's register frame (vcpu_guest_context.user_regs, HYPERVISOR_iret). */
ABI_STRUCT(cpu_user_regs);
ABI_FIELD(cpu_user_regs, ebx);
ABI_FIELD(cpu_user_regs, ecx);
ABI_FIELD(cpu_user_regs, edx);
ABI_FIELD(cpu_user_regs, esi);
ABI_FIELD(cpu_user_regs, edi);
ABI_FIELD(cpu_user_regs, ebp);
ABI_FIELD(cpu_user_regs, eax);
ABI_FIELD(cpu_user_regs, error_code);
ABI_FIELD(cpu_user_regs, entry_vector);
ABI_FIELD(cpu_user_regs, eip);
ABI_FIELD(cpu_user_regs, cs);
ABI_FIELD(cpu_user_regs, saved_upcall_mask);
ABI_FIELD(cpu_user_regs, _pad0);
ABI_FIELD(cpu_user_regs, eflags);
ABI_FIELD(cpu_user_regs, esp);
ABI_FIELD(cpu_user_regs, ss);
ABI_FIELD(cpu_user_regs, _pad1);
ABI_FIELD(cpu_user_regs, es);
ABI_FIELD(cpu_user_regs, _pad2);
ABI_FIELD(cpu_user_regs, ds);
ABI_FIELD(cpu_user_regs, _pad3);
ABI_FIELD(cpu_user_regs, fs);
ABI_FIELD(cpu_user_regs, _pad4);
ABI_FIELD(cpu_user_regs, gs);
ABI_FIELD(cpu_user_regs, _pad5);

/* HYPERVISOR_set_trap_table. */
ABI_STRUCT(trap_info);
ABI_FIELD(trap_info, vector);
ABI_FIELD(trap_info, flags);
ABI_FIELD(trap_info, cs);
ABI_FIELD(trap_info, address);

/* HYPERVISOR_mmu_update. */
ABI_STRUCT(mmu_update);
ABI_FIELD(mmu_update, ptr);
ABI_FIELD(mmu_update, val);

/* HYPERVISOR_mmuext_op. */
ABI_STRUCT(mmuext_op);
ABI_FIELD(mmuext_op, cmd);
ABI_FIELD(mmuext_op, arg1);
ABI_FIELD(mmuext_op, arg1.mfn);
ABI_FIELD(mmuext_op, arg1.linear_addr);
ABI_FIELD(mmuext_op, arg2);
ABI_FIELD(mmuext_op, arg2.nr_ents);
ABI_FIELD(mmuext_op, arg2.vcpumask);
ABI_FIELD(mmuext_op, arg2.src_mfn);

/* HYPERVISOR_multicall. */
ABI_STRUCT(multicall_entry);
ABI_FIELD(multicall_entry, op);
ABI_FIELD(multicall_entry, result);
ABI_FIELD(multicall_entry, args);

/* VCPUOP_initialise (secondary vCPUs), VCPUOP_get_... and the domain builder. */
ABI_STRUCT(vcpu_guest_context);
ABI_FIELD(vcpu_guest_context, fpu_ctxt);
ABI_FIELD(vcpu_guest_context, fpu_ctxt.x);
ABI_FIELD(vcpu_guest_context, flags);
ABI_FIELD(vcpu_guest_context, user_regs);
ABI_FIELD(vcpu_guest_context, user_regs.ebx);
ABI_FIELD(vcpu_guest_context, user_regs.ecx);
ABI_FIELD(vcpu_guest_context, user_regs.edx);
ABI_FIELD(vcpu_guest_context, user_regs.esi);
ABI_FIELD(vcpu_guest_context, user_regs.edi);
ABI_FIELD(vcpu_guest_context, user_regs.ebp);
ABI_FIELD(vcpu_guest_context, user_regs.eax);
ABI_FIELD(vcpu_guest_context, user_regs.error_code);
ABI_FIELD(vcpu_guest_context, user_regs.entry_vector);
ABI_FIELD(vcpu_guest_context, user_regs.eip);
ABI_FIELD(vcpu_guest_context, user_regs.cs);
ABI_FIELD(vcpu_guest_context, user_regs.saved_upcall_mask);
ABI_FIELD(vcpu_guest_context, user_regs._pad0);
ABI_FIELD(vcpu_guest_context, user_regs.eflags);
ABI_FIELD(vcpu_guest_context, user_regs.esp);
ABI_FIELD(vcpu_guest_context, user_regs.ss);
ABI_FIELD(vcpu_guest_context, user_regs._pad1);
ABI_FIELD(vcpu_guest_context, user_regs.es);
ABI_FIELD(vcpu_guest_context, user_regs._pad2);
ABI_FIELD(vcpu_guest_context, user_regs.ds);
ABI_FIELD(vcpu_guest_context, user_regs._pad3);
ABI_FIELD(vcpu_guest_context, user_regs.fs);
ABI_FIELD(vcpu_guest_context, user_regs._pad4);
ABI_FIELD(vcpu_guest_context, user_regs.gs);
ABI_FIELD(vcpu_guest_context, user_regs._pad5);
ABI_FIELD(vcpu_guest_context, trap_ctxt);
ABI_FIELD(vcpu_guest_context, ldt_base);
ABI_FIELD(vcpu_guest_context, ldt_ents);
ABI_FIELD(vcpu_guest_context, gdt_frames);
ABI_FIELD(vcpu_guest_context, gdt_ents);
ABI_FIELD(vcpu_guest_context, kernel_ss);
ABI_FIELD(vcpu_guest_context, kernel_sp);
ABI_FIELD(vcpu_guest_context, ctrlreg);
ABI_FIELD(vcpu_guest_context, debugreg);
ABI_FIELD(vcpu_guest_context, event_callback_cs);	/* i386 only */
ABI_FIELD(vcpu_guest_context, event_callback_eip);
ABI_FIELD(vcpu_guest_context, failsafe_callback_cs);	/* i386 only */
ABI_FIELD(vcpu_guest_context, failsafe_callback_eip);
ABI_FIELD(vcpu_guest_context, vm_assist);

/* The CS:EIP pair of an i386 callback (CALLBACKOP_register). */
ABI_STRUCT(xen_callback);
ABI_FIELD(xen_callback, cs);
ABI_FIELD(xen_callback, eip);

ABI_STRUCT(callback_register);
ABI_FIELD(callback_register, type);
ABI_FIELD(callback_register, flags);
ABI_FIELD(callback_register, address);
ABI_FIELD(callback_register, address.cs);
ABI_FIELD(callback_register, address.eip);

ABI_STRUCT(callback_unregister);
ABI_FIELD(callback_unregister, type);
ABI_FIELD(callback_unregister, _unused);

/*
 * HYPERVISOR_vcpu_op arguments: the 64-bit members here are where i386
 * (4-byte alignment of 64-bit integers in a structure) and x86_64 differ.
 */
ABI_STRUCT(vcpu_runstate_info);
ABI_FIELD(vcpu_runstate_info, state);
ABI_FIELD(vcpu_runstate_info, state_entry_time);
ABI_FIELD(vcpu_runstate_info, time);

ABI_STRUCT(vcpu_register_runstate_memory_area);
ABI_FIELD(vcpu_register_runstate_memory_area, addr);
ABI_FIELD(vcpu_register_runstate_memory_area, addr.h);
ABI_FIELD(vcpu_register_runstate_memory_area, addr.v);
ABI_FIELD(vcpu_register_runstate_memory_area, addr.p);

ABI_STRUCT(vcpu_set_periodic_timer);
ABI_FIELD(vcpu_set_periodic_timer, period_ns);

ABI_STRUCT(vcpu_set_singleshot_timer);
ABI_FIELD(vcpu_set_singleshot_timer, timeout_abs_ns);
ABI_FIELD(vcpu_set_singleshot_timer, flags);

ABI_STRUCT(vcpu_register_vcpu_info);
ABI_FIELD(vcpu_register_vcpu_info, mfn);
ABI_FIELD(vcpu_register_vcpu_info, offset);
ABI_FIELD(vcpu_register_vcpu_info, rsvd);

ABI_STRUCT(vcpu_get_physid);
ABI_FIELD(vcpu_get_physid, phys_id);

ABI_STRUCT(vcpu_register_time_memory_area);
ABI_FIELD(vcpu_register_time_memory_area, addr);
ABI_FIELD(vcpu_register_time_memory_area, addr.h);
ABI_FIELD(vcpu_register_time_memory_area, addr.v);
ABI_FIELD(vcpu_register_time_memory_area, addr.p);
