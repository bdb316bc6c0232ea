// SPDX-License-Identifier: GPL-2.0
/*
 * Boot-time self-test of pvop call-site patching.
 *
 * Every PARAVIRT_XXL wrapper starts life as an indirect call through
 * pv_ops, which apply_alternatives() rewrites at boot: on bare hardware the
 * hot operations become the native instruction itself (cli, sti,
 * pushf;pop, mov from %cr2, the two stores of a PAE set_pte()), the
 * others a direct call to their implementation, and operations that do
 * nothing become NOPs.  Under a hypervisor that provides its own
 * operations (X86_FEATURE_XENPV), the inline replacements are left out and
 * every site is a direct call.
 *
 * A kernel in which this goes wrong usually still boots, only slower, or
 * runs native code where a hypervisor needed a call, and nobody notices.
 * So run a few representative call sites once, bracketed by labels, and
 * check the bytes between the labels: the expected instruction or direct
 * call must be there, and no indirect call must be left.  The result is
 * one "PASS name" or "FAIL name: ..." line per site and a summary line.
 *
 * A check that cannot fail proves nothing, so the checker is also run on a
 * control: the bytes of a pvop call site as the compiler emits it, which
 * apply_alternatives() never sees.  It must be reported as unpatched.
 */

#define pr_fmt(fmt) "pvop self-test: " fmt

#include <linux/cpufeature.h>
#include <linux/init.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/pgtable.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/vmalloc.h>

#include <asm/paravirt.h>
#include <asm/special_insns.h>

struct pv_site {
	const u8 *start;
	const u8 *end;
};

/* Take the addresses of the labels placed around a call site. */
#ifdef CONFIG_X86_64
#define PV_SITE_ADDR(label)	"lea " label "(%%rip), %"
#else
#define PV_SITE_ADDR(label)	"mov $" label ", %"
#endif

#define PV_SITE(site, code)						\
	do {								\
		struct pv_site *__site = (site);			\
									\
		asm volatile("8881:");					\
		code;							\
		asm volatile("8882:\n\t"				\
			     PV_SITE_ADDR("8881b") "0\n\t"		\
			     PV_SITE_ADDR("8882b") "1"			\
			     : "=r" (__site->start), "=r" (__site->end));	\
	} while (0)

static noinline void __init site_irq_disable(struct pv_site *s)
{
	PV_SITE(s, arch_local_irq_disable());
}

static noinline void __init site_irq_enable(struct pv_site *s)
{
	PV_SITE(s, arch_local_irq_enable());
}

static noinline void __init site_save_fl(struct pv_site *s)
{
	PV_SITE(s, arch_local_save_flags());
}

static noinline void __init site_read_cr2(struct pv_site *s)
{
	PV_SITE(s, read_cr2());
}

static noinline void __init site_read_cr0(struct pv_site *s)
{
	PV_SITE(s, read_cr0());
}

static noinline void __init site_lazy_flush(struct pv_site *s)
{
	PV_SITE(s, arch_flush_lazy_mmu_mode());
}

/*
 * The set_pte site writes a real page-table entry, the one that maps a
 * vmalloc()ed page, with the value it already has: under a hypervisor a
 * write to anything but a page table would be refused.
 */
static pte_t *pv_test_ptep __initdata;

static noinline void __init site_set_pte(struct pv_site *s)
{
	pte_t *ptep = pv_test_ptep;
	pte_t pte = ptep_get(ptep);

	PV_SITE(s, set_pte(ptep, pte));
}

struct pv_site_test {
	const char *name;
	void (*run)(struct pv_site *s);
	/* The operation's implementation, called directly unless inlined. */
	void *target;
	/* The native inline replacement, if the site has one. */
	const char *native;
	unsigned int native_len;
};

static bool __init site_has_call(const u8 *p, const u8 *end, void *target)
{
	for (; p + 5 <= end; p++) {
		s32 rel;

		if (*p != 0xe8)
			continue;
		memcpy(&rel, p + 1, sizeof(rel));
		if (p + 5 + rel == (const u8 *)target)
			return true;
	}
	return false;
}

static bool __init site_has_bytes(const u8 *p, const u8 *end,
				  const char *bytes, unsigned int len)
{
	for (; p + len <= end; p++)
		if (!memcmp(p, bytes, len))
			return true;
	return false;
}

/* Why the code between @start and @end is not what @t expects, or NULL. */
static const char * __init check_site(const struct pv_site_test *t,
				      const u8 *start, const u8 *end)
{
	bool inline_native = t->native && !boot_cpu_has(X86_FEATURE_XENPV);

	if (end <= start || end - start > 64)
		return "call site not found between its labels";
	if (site_has_bytes(start, end, "\xff\x15", 2))
		return "indirect call through pv_ops left in place";
	if (inline_native && !site_has_bytes(start, end, t->native,
					     t->native_len))
		return "native instruction not inlined";
	if (!inline_native && t->target != paravirt_nop &&
	    !site_has_call(start, end, t->target))
		return "no direct call to the operation";
	if (!inline_native && t->target == paravirt_nop &&
	    site_has_bytes(start, end, "\xe8", 1))
		return "call to a no-op operation not removed";
	return NULL;
}

static bool __init run_test(const struct pv_site_test *t)
{
	struct pv_site s;
	unsigned long flags;
	const char *why;

	/*
	 * The irq sites change the interrupt flag behind the irq tracing:
	 * disable interrupts again, as the tracing believes them to be,
	 * before restoring the flag as it was.
	 */
	local_irq_save(flags);
	t->run(&s);
	raw_local_irq_disable();
	local_irq_restore(flags);

	why = check_site(t, s.start, s.end);
	if (why) {
		pr_err("FAIL %s: %s (site: %*ph)\n", t->name, why,
		       (int)min_t(long, s.end - s.start, 16), s.start);
		return false;
	}
	pr_info("PASS %s\n", t->name);
	return true;
}

/*
 * The control: an unpatched save_fl call site, "call *pv_ops+offset" as
 * PVOP_CALL emits it before patching.  It is assembled into init data, not
 * text, so it is never run and never listed for apply_alternatives().
 */
#ifdef CONFIG_X86_64
#define PV_UNPATCHED_CALL	"call *%c2(%%rip)"
#else
#define PV_UNPATCHED_CALL	"call *%c2"
#endif

static bool __init run_control(const struct pv_site_test *t)
{
	const u8 *start, *end;
	const char *why;

	asm(".pushsection .init.rodata, \"a\"\n"
	    "8883:\n\t"
	    PV_UNPATCHED_CALL "\n"
	    "8884:\n\t"
	    ".popsection\n\t"
	    PV_SITE_ADDR("8883b") "0\n\t"
	    PV_SITE_ADDR("8884b") "1"
	    : "=r" (start), "=r" (end) : "i" (&pv_ops.irq.save_fl.func));

	why = check_site(t, start, end);
	if (!why) {
		pr_err("FAIL control: an unpatched %s site was not detected\n",
		       t->name);
		return false;
	}
	pr_info("PASS control: an unpatched %s site is reported: %s\n",
		t->name, why);
	return true;
}

static int __init pv_patch_selftest(void)
{
	const struct pv_site_test tests[] = {
		/* cli */
		{ "irq_disable", site_irq_disable,
		  pv_ops.irq.irq_disable.func, "\xfa", 1 },
		/* sti */
		{ "irq_enable", site_irq_enable,
		  pv_ops.irq.irq_enable.func, "\xfb", 1 },
		/* pushf; pop %eax (%rax) */
		{ "save_fl", site_save_fl,
		  pv_ops.irq.save_fl.func, "\x9c\x58", 2 },
		/* mov %cr2, %eax (%rax) */
		{ "read_cr2", site_read_cr2,
		  pv_ops.mmu.read_cr2.func, "\x0f\x20\xd0", 3 },
		{ "read_cr0", site_read_cr0, pv_ops.cpu.read_cr0 },
		{ "lazy_mmu_flush", site_lazy_flush,
		  pv_ops.mmu.lazy_mode.flush },
		/* PAE: mov %ecx, 4(%eax); mov %edx, (%eax) */
		{ "set_pte", site_set_pte, pv_ops.mmu.set_pte,
		  IS_ENABLED(CONFIG_X86_32) ? "\x89\x48\x04\x89\x10" : NULL, 5 },
	};
	unsigned int i, level, passed = 0, total = ARRAY_SIZE(tests) + 1;
	void *page = vmalloc(PAGE_SIZE);

	if (page)
		pv_test_ptep = lookup_address((unsigned long)page, &level);
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		if (tests[i].run == site_set_pte &&
		    (!pv_test_ptep || level != PG_LEVEL_4K)) {
			pr_err("FAIL set_pte: no page-table entry to test with\n");
			continue;
		}
		passed += run_test(&tests[i]);
	}
	vfree(page);
	/* save_fl: inline on bare hardware, a call under a hypervisor. */
	passed += run_control(&tests[2]);

	pr_info("%u passed, %u failed (%s)\n", passed, total - passed,
		boot_cpu_has(X86_FEATURE_XENPV) ? "direct calls" :
						  "native inline");
	WARN_ON(passed != total);
	return 0;
}
late_initcall(pv_patch_selftest);
