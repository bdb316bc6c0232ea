// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit test of pvop call-site patching.
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
 * So run a few representative call sites, bracketed by labels, and check
 * the bytes between the labels: the expected instruction or direct call
 * must be there, and no indirect call must be left.
 *
 * The call sites are __init code, patched once at boot, so the suite is
 * an init section suite: it runs at boot, before the init sections are
 * freed, and only when built in.
 *
 * A check that cannot fail proves nothing, so the checker is also run on a
 * control: the bytes of a pvop call site as the compiler emits it, which
 * apply_alternatives() never sees.  It must be reported as unpatched.
 */

#include <kunit/test.h>
#include <linux/cpufeature.h>
#include <linux/init.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/pgtable.h>
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
static noinline void __init site_set_pte(struct pv_site *s, pte_t *ptep)
{
	pte_t pte = ptep_get(ptep);

	PV_SITE(s, set_pte(ptep, pte));
}

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

/*
 * Why the code between @start and @end is not a patched call site of an
 * operation implemented by @target, with the native replacement @native
 * (NULL if it has none), or NULL if it is.
 */
static const char * __init check_site(const u8 *start, const u8 *end,
				      void *target, const char *native,
				      unsigned int native_len)
{
	bool inline_native = native && !boot_cpu_has(X86_FEATURE_XENPV);

	if (end <= start || end - start > 64)
		return "call site not found between its labels";
	if (site_has_bytes(start, end, "\xff\x15", 2))
		return "indirect call through pv_ops left in place";
	if (inline_native && !site_has_bytes(start, end, native, native_len))
		return "native instruction not inlined";
	if (!inline_native && target != paravirt_nop &&
	    !site_has_call(start, end, target))
		return "no direct call to the operation";
	if (!inline_native && target == paravirt_nop &&
	    site_has_bytes(start, end, "\xe8", 1))
		return "call to a no-op operation not removed";
	return NULL;
}

static void __init expect_patched(struct kunit *test, const struct pv_site *s,
				  void *target, const char *native,
				  unsigned int native_len)
{
	const char *why = check_site(s->start, s->end, target, native,
				     native_len);
	int len = min_t(long, s->end - s->start, 16);

	if (why)
		KUNIT_FAIL(test, "%s (site: %*ph)", why, len, s->start);
	else
		kunit_info(test, "%s: %*ph",
			   native && !boot_cpu_has(X86_FEATURE_XENPV) ?
			   "native inline" : target == paravirt_nop ?
			   "call removed" : "direct call", len, s->start);
}

/*
 * The irq sites change the interrupt flag behind the irq tracing: disable
 * interrupts again, as the tracing believes them to be, before restoring
 * the flag as it was.
 */
static void __init run_irq_site(struct pv_site *s,
				void (*site)(struct pv_site *s))
{
	unsigned long flags;

	local_irq_save(flags);
	site(s);
	raw_local_irq_disable();
	local_irq_restore(flags);
}

static void __init pvop_irq_disable_test(struct kunit *test)
{
	struct pv_site s;

	run_irq_site(&s, site_irq_disable);
	/* cli */
	expect_patched(test, &s, pv_ops.irq.irq_disable.func, "\xfa", 1);
}

static void __init pvop_irq_enable_test(struct kunit *test)
{
	struct pv_site s;

	run_irq_site(&s, site_irq_enable);
	/* sti */
	expect_patched(test, &s, pv_ops.irq.irq_enable.func, "\xfb", 1);
}

static void __init pvop_save_fl_test(struct kunit *test)
{
	struct pv_site s;

	site_save_fl(&s);
	/* pushf; pop %eax (%rax) */
	expect_patched(test, &s, pv_ops.irq.save_fl.func, "\x9c\x58", 2);
}

static void __init pvop_read_cr2_test(struct kunit *test)
{
	struct pv_site s;

	site_read_cr2(&s);
	/* mov %cr2, %eax (%rax) */
	expect_patched(test, &s, pv_ops.mmu.read_cr2.func, "\x0f\x20\xd0", 3);
}

static void __init pvop_read_cr0_test(struct kunit *test)
{
	struct pv_site s;

	site_read_cr0(&s);
	expect_patched(test, &s, pv_ops.cpu.read_cr0, NULL, 0);
}

static void __init pvop_lazy_mmu_flush_test(struct kunit *test)
{
	struct pv_site s;

	site_lazy_flush(&s);
	expect_patched(test, &s, pv_ops.mmu.lazy_mode.flush, NULL, 0);
}

static void __init pvop_set_pte_test(struct kunit *test)
{
	unsigned int level;
	struct pv_site s;
	pte_t *ptep;
	void *page;

	page = vmalloc(PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, page);
	ptep = lookup_address((unsigned long)page, &level);
	if (!ptep || level != PG_LEVEL_4K) {
		vfree(page);
		KUNIT_FAIL_AND_ABORT(test, "no page-table entry to test with");
	}
	site_set_pte(&s, ptep);
	vfree(page);
	/* PAE: mov %ecx, 4(%eax); mov %edx, (%eax) */
	expect_patched(test, &s, pv_ops.mmu.set_pte,
		       IS_ENABLED(CONFIG_X86_32) ? "\x89\x48\x04\x89\x10" : NULL,
		       5);
}

/*
 * The control: an unpatched save_fl call site, "call *pv_ops+offset" as
 * PVOP_CALL emits it before patching.  It is assembled into init data, not
 * text, so it is never run and never listed for apply_alternatives().  The
 * checker must not take it for a patched site, on bare hardware (where
 * save_fl is inline) or under a hypervisor (a direct call).
 */
#ifdef CONFIG_X86_64
#define PV_UNPATCHED_CALL	"call *%c2(%%rip)"
#else
#define PV_UNPATCHED_CALL	"call *%c2"
#endif

static void __init pvop_unpatched_control_test(struct kunit *test)
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

	why = check_site(start, end, pv_ops.irq.save_fl.func, "\x9c\x58", 2);
	KUNIT_EXPECT_NOT_NULL_MSG(test, why,
				  "an unpatched save_fl site was not detected");
	if (why)
		kunit_info(test, "an unpatched save_fl site is reported: %s",
			   why);
}

/* Not __initdata: KUnit keeps the results of init section suites. */
static struct kunit_case __refdata paravirt_patching_test_cases[] = {
	KUNIT_CASE(pvop_irq_disable_test),
	KUNIT_CASE(pvop_irq_enable_test),
	KUNIT_CASE(pvop_save_fl_test),
	KUNIT_CASE(pvop_read_cr2_test),
	KUNIT_CASE(pvop_read_cr0_test),
	KUNIT_CASE(pvop_lazy_mmu_flush_test),
	KUNIT_CASE(pvop_set_pte_test),
	KUNIT_CASE(pvop_unpatched_control_test),
	{}
};

static struct kunit_suite paravirt_patching_test_suite = {
	.name = "paravirt_patching",
	.test_cases = paravirt_patching_test_cases,
};

kunit_test_init_section_suites(&paravirt_patching_test_suite);
