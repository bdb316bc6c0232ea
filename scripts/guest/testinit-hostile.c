/*
 * testinit-hostile.c: testinit's checks of what user space may do to the kernel under it:
 * hostile (hostile-user: a user process tries a hypercall, privileged instructions, kernel
 * and hypervisor memory, bad selectors and LDT entries, I/O ports), meltdown
 * (meltdown-report: what the kernel says about Meltdown is true) and ldt (ldt-many: the whole
 * LDT, as Wine uses it, across forks).
 */
#include "testinit.h"

/* ------------------------------------------------------------------------------------- */
/* hostile: a user process tries what a PV guest kernel must not let it do (a hypercall,   */
/* privileged instructions, kernel and hypervisor memory, bad selectors through sigreturn, */
/* bad LDT entries, I/O ports); each try must end in the fault a user expects, and the     */
/* kernel must stay up                                                                    */
/* ------------------------------------------------------------------------------------- */

#define HOSTILE_UID 65534
#define HOSTILE_KADDR 0xc0000000ul	/* PAGE_OFFSET of a 3G/1G i386 kernel */
#define HOSTILE_XADDR 0xf5800000ul	/* HYPERVISOR_VIRT_START of a 32-bit PV guest */

static int hostile_bad_cs;	/* the selector the SIGUSR1 handler puts into the frame */
static int hostile_seg;		/* which register: 0 CS, 1 SS, 2 DS */

static void hostile_usr1(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	static const int reg[] = { REG_CS, REG_SS, REG_DS };

	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[reg[hostile_seg]] = hostile_bad_cs;
}

static int hostile_ldt(int entry, unsigned long base, unsigned limit, int contents, int not_present)
{
	struct user_desc d = {
		.entry_number = entry, .base_addr = base, .limit = limit, .seg_32bit = 1,
		.contents = contents, .read_exec_only = 0, .limit_in_pages = 1,
		.seg_not_present = not_present, .useable = 1,
	};

	return syscall(SYS_modify_ldt, 1, &d, sizeof(d));
}

/*
 * The tries, by number; each runs in a child of its own. The outcome expected is what the
 * native kernel gives: the signal of the fault, or none where the kernel repairs or ignores
 * it (a bad DS is replaced on the way out; cli/sti of a task with emulated IOPL 3 is
 * skipped) and the child exits 0. One differs under Xen, HOSTILE_IRET: natively a return
 * to a bad CS or SS faults on the kernel's IRET, which the kernel reports as SIGILL
 * (do_iret_error()); a PV kernel asks Xen to do the IRET, and Xen reflects the fault of its
 * own IRET to the guest as a #GP in the user context it was returning to, so the task gets
 * SIGSEGV, as a 32-bit task on a 64-bit PV kernel does.
 */
#define HOSTILE_IRET (-1)
static void hostile_do(int n)
{
	volatile unsigned v = 0;

	switch (n) {
	case 0: asm volatile("int $0x82" : : "a"(0), "b"(0), "c"(0) : "memory"); break;
	case 1: ((void (*)(void))HOSTILE_XADDR)(); break;
	case 2: v = *(volatile unsigned *)HOSTILE_KADDR; break;
	case 3: v = *(volatile unsigned *)(HOSTILE_KADDR + 0x1000000); break;
	case 4: v = *(volatile unsigned *)HOSTILE_XADDR; break;
	case 5: *(volatile unsigned *)HOSTILE_XADDR = 0; break;
	case 6: v = *(volatile unsigned *)0xfffff000ul; break;
	case 7: asm volatile("cli"); break;
	case 8: asm volatile("hlt"); break;
	case 9: asm volatile("mov %%cr3, %0" : "=r"(v)); break;
	case 10: asm volatile("mov %0, %%cr0" : : "r"(0x80050033u)); break;
	case 11: asm volatile("wrmsr" : : "c"(0xc0000080u), "a"(0), "d"(0)); break;
	case 12: { unsigned a, d; asm volatile("rdmsr" : "=a"(a), "=d"(d) : "c"(0x1bu)); v = a; } break;
	case 13: { struct { unsigned short l; unsigned b; } __attribute__((packed)) g = { 0, 0 };
		asm volatile("lgdt %0" : : "m"(g)); } break;
	case 14: asm volatile("wbinvd"); break;
	case 15: asm volatile("inb $0x80, %%al" : : : "eax"); break;
	case 16: asm volatile("clts"); break;
	case 17: case 18: case 19: case 20: {
		/* sigreturn with a kernel or a nonexistent selector in CS, SS or DS */
		struct sigaction sa = { .sa_sigaction = hostile_usr1, .sa_flags = SA_SIGINFO };

		hostile_seg = n == 17 || n == 18 ? 0 : n == 19 ? 1 : 2;
		hostile_bad_cs = n == 18 ? 0x1ff3 : 0x60;
		sigaction(SIGUSR1, &sa, NULL);
		raise(SIGUSR1);
		break;
	}
	case 21:	/* an LDT data segment over the kernel: the page tables still protect it */
		if (hostile_ldt(0, HOSTILE_KADDR, 0xfffff, 0, 0) == 0)
			asm volatile("mov %1, %%fs\n\tmovl %%fs:0, %0\n\tmov %2, %%fs" : "=r"(v)
				     : "r"(7), "r"(0) : "memory");
		else
			_exit(10);
		break;
	case 22:	/* a not-present LDT entry loaded into a segment register */
		if (hostile_ldt(1, 0, 0xfffff, 0, 1) == 0)
			asm volatile("mov %0, %%fs" : : "r"(0xf) : "memory");
		else
			_exit(10);
		break;
	case 23:	/* a selector beyond the LDT */
		asm volatile("mov %0, %%fs" : : "r"((200 << 3) | 7) : "memory");
		break;
	case 24:	/* iopl(3) as root: port access, but cli/sti still fault (emulated IOPL) */
		if (iopl(3))
			_exit(10);
		asm volatile("cli");
		break;
	}
	(void)v;
	_exit(0);
}

static const struct {
	const char *what;
	int sig, as_user;
} hostile_tries[] = {
	{ "int $0x82 (the 32-bit PV hypercall gate)", SIGSEGV, 1 },
	{ "call into the hypervisor's area (0xf5800000)", SIGSEGV, 1 },
	{ "read kernel memory at 0xc0000000", SIGSEGV, 1 },
	{ "read kernel memory at 0xc1000000", SIGSEGV, 1 },
	{ "read the hypervisor's area (0xf5800000)", SIGSEGV, 1 },
	{ "write the hypervisor's area (0xf5800000)", SIGSEGV, 1 },
	{ "read 0xfffff000", SIGSEGV, 1 },
	{ "cli", SIGSEGV, 1 },
	{ "hlt", SIGSEGV, 1 },
	{ "mov %cr3", SIGSEGV, 1 },
	{ "mov to %cr0", SIGSEGV, 1 },
	{ "wrmsr EFER", SIGSEGV, 1 },
	{ "rdmsr APIC_BASE", SIGSEGV, 1 },
	{ "lgdt", SIGSEGV, 1 },
	{ "wbinvd", SIGSEGV, 1 },
	{ "inb $0x80 without ioperm", SIGSEGV, 1 },
	{ "clts", SIGSEGV, 1 },
	{ "sigreturn to the kernel's CS (0x60)", HOSTILE_IRET, 1 },
	{ "sigreturn to a nonexistent CS (0x1ff3)", HOSTILE_IRET, 1 },
	{ "sigreturn with the kernel's selector in SS", HOSTILE_IRET, 1 },
	{ "sigreturn with the kernel's selector in DS (the kernel drops it)", 0, 1 },
	{ "LDT data segment based at 0xc0000000, read through %fs", SIGSEGV, 1 },
	{ "not-present LDT entry into %fs", SIGBUS, 1 },
	{ "selector beyond the LDT into %fs", SIGSEGV, 1 },
	{ "cli after iopl(3) as root (ignored: IOPL is emulated)", 0, 0 },
};

void check_hostile(void)
{
	char bad[1024] = "", buf[64];
	size_t i, n = sizeof(hostile_tries) / sizeof(hostile_tries[0]);
	int nbad = 0, fd, st, xen = access("/sys/hypervisor/type", F_OK) == 0;
	long r;

	for (i = 0; i < n; i++) {
		int want = hostile_tries[i].sig;
		pid_t pid;

		if (want == HOSTILE_IRET)
			want = xen ? SIGSEGV : SIGILL;
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			alarm(20);
			if (hostile_tries[i].as_user && (setgid(HOSTILE_UID) || setuid(HOSTILE_UID)))
				_exit(11);
			hostile_do(i);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid) {
			FAIL("hostile-user", "fork/waitpid: %s", strerror(errno));
			return;
		}
		if (want ? WIFSIGNALED(st) && WTERMSIG(st) == want : WIFEXITED(st) && WEXITSTATUS(st) == 0)
			continue;
		nbad++;
		snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad), "%s%s: %s %d (expected %s)",
			 nbad > 1 ? "; " : "", hostile_tries[i].what,
			 WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st),
			 want ? strsignal(want) : "exit 0");
	}
	/* the kernel's own copies from user space refuse kernel addresses */
	fd = open("/proc/self/mem", O_RDONLY);
	r = fd < 0 ? -2 : pread(fd, buf, sizeof(buf), (off_t)HOSTILE_KADDR);
	if (r >= 0) {
		nbad++;
		snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad), "%s/proc/self/mem read %ld bytes at 0xc0000000",
			 nbad > 1 ? "; " : "", r);
	}
	if (fd >= 0)
		close(fd);
	fd = open("/dev/null", O_WRONLY);
	r = write(fd, (void *)HOSTILE_KADDR, 16);
	if (r >= 0 || errno != EFAULT) {
		nbad++;
		snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad), "%swrite() from 0xc0000000: %ld (%s), not EFAULT",
			 nbad > 1 ? "; " : "", r, strerror(errno));
	}
	close(fd);
	/* iopl and ioperm as a user: EPERM */
	if (fork() == 0) {
		if (setgid(HOSTILE_UID) || setuid(HOSTILE_UID))
			_exit(11);
		_exit((iopl(3) == 0 || errno != EPERM) ? 1 : (ioperm(0x80, 1, 1) == 0 || errno != EPERM) ? 2 : 0);
	}
	wait(&st);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		nbad++;
		snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad), "%siopl/ioperm as a user: %s",
			 nbad > 1 ? "; " : "", WIFEXITED(st) && WEXITSTATUS(st) == 1 ? "iopl(3) not EPERM" :
			 WIFEXITED(st) && WEXITSTATUS(st) == 2 ? "ioperm not EPERM" : "child failed");
	}
	if (nbad)
		FAIL("hostile-user", "%d of %zu tries did not end as expected: %s", nbad, n + 3, bad);
	else
		PASS("hostile-user", "%zu tries (int $0x82, a call into Xen's area, kernel and hypervisor memory, privileged instructions, bad CS/SS/DS through sigreturn, LDT entries over the kernel, not present and beyond the LDT, cli with iopl 3) each ended as on native hardware (SIGSEGV; SIGBUS for a not-present segment; for a bad CS/SS SIGILL, under Xen SIGSEGV); /proc/self/mem and write() refused kernel addresses; iopl and ioperm refused to a user",
		     n + 3);
}

/* ------------------------------------------------------------------------------------- */
/* meltdown-report: what the kernel says about Meltdown is true. A 32-bit PV guest cannot   */
/* isolate its kernel from its user space (no PTI under Xen PV; Xen's XPTI covers 64-bit   */
/* PV guests only): its sysfs file says "Not affected" or "Vulnerable", never "Unknown" or  */
/* "Mitigation", and "Vulnerable" comes with the boot warning. xmeltdown=vulnerable or      */
/* not-affected (boot-xen.sh MELTDOWN) says what the rig's CPU model must give.             */
/* ------------------------------------------------------------------------------------- */

#define MELTDOWN_FILE "/sys/devices/system/cpu/vulnerabilities/meltdown"

void check_meltdown(void)
{
	char v[160] = "", *log = lc_dmesg(), *want = cmdline_value("xmeltdown"), *c;
	struct utsname u;
	int vulnerable, warned = log && strstr(log, "Meltdown: CPU affected"), pv32;
	FILE *f = fopen(MELTDOWN_FILE, "r");

	uname(&u);
	/* xen_banner(): "on Xen" for a PV guest, "on Xen PVH" ... */
	pv32 = !strcmp(u.machine, "i686") && log && strstr(log, "Booting kernel on Xen\n");
	if (!f || !fgets(v, sizeof(v), f)) {
		FAIL("meltdown-report", "cannot read %s: %s", MELTDOWN_FILE, strerror(errno));
		return;
	}
	fclose(f);
	v[strcspn(v, "\n")] = 0;
	vulnerable = !strncmp(v, "Vulnerable", 10);
	for (c = want; c && *c; c++)
		if (*c == '-')
			*c = ' ';
	if (pv32 && !vulnerable && strcmp(v, "Not affected"))
		FAIL("meltdown-report", "%s says \"%s\": a 32-bit PV guest has no isolation of its own and Xen's covers 64-bit guests only, so only \"Vulnerable\" or \"Not affected\" is true",
		     MELTDOWN_FILE, v);
	else if (pv32 && vulnerable != !!warned)
		FAIL("meltdown-report", "%s says \"%s\", but the boot log %s the warning \"Meltdown: CPU affected ...\"",
		     MELTDOWN_FILE, v, warned ? "has" : "lacks");
	else if (want && strncasecmp(v, want, strlen(want)))
		FAIL("meltdown-report", "%s says \"%s\", on this CPU model it must be \"%s\"", MELTDOWN_FILE, v, want);
	else
		PASS("meltdown-report", "%s: \"%s\"%s%s%s", MELTDOWN_FILE, v,
		     warned ? ", and the boot log warns" : "", pv32 ? " (a 32-bit PV guest)" : "",
		     want ? " (as this CPU model must give)" : "");
	free(log);
	free(want);
}

/* ------------------------------------------------------------------------------------- */
/* ldt-many: what Wine does with the LDT. A process installs 2049 LDT entries one by one */
/* (slots 0-2047, then the last, 8191: the whole 64 KiB table, 16 pages; the kernel      */
/* vmallocs the table, from highmem when the guest has it, and under Xen each page's     */
/* mappings must turn read-only), reads through every one, forks children that check     */
/* their copy and rewrite part of it, and exits; two rounds, so that tables are          */
/* allocated and freed again                                                             */
/* ------------------------------------------------------------------------------------- */

#define LDT_SLOTS 8192		/* LDT_ENTRIES: the whole table, 64 KiB */
#define LDT_FILL 2048		/* slots 0..2047 (4 pages) set one by one, growing the table, */
#define LDT_N (LDT_FILL + 1)	/* ... then slot 8191: the table at its full 16 pages */
#define LDT_ROUNDS 2		/* processes that build a table, in turn */
#define LDT_CHILDREN 4		/* forks per round, running at once */
#define LDT_REWRITE 8		/* entries each child rewrites in its own copy */

static unsigned ldt_word[LDT_SLOTS];

/* the K-th entry's slot */
static int ldt_slot(int k)
{
	return k < LDT_FILL ? k : LDT_SLOTS - 1;
}

static int ldt_set(int slot, const void *base)
{
	struct user_desc d = {
		.entry_number = slot, .base_addr = (unsigned long)base, .limit = 3, .seg_32bit = 1,
		.contents = 0, .read_exec_only = 0, .limit_in_pages = 0, .seg_not_present = 0,
		.useable = 1,
	};

	return syscall(SYS_modify_ldt, 0x11, &d, sizeof(d));
}

static unsigned ldt_read(int slot)
{
	unsigned v;

	asm volatile("mov %1, %%fs\n\tmovl %%fs:0, %0\n\tmov %2, %%fs" : "=r"(v)
		     : "r"((slot << 3) | 7), "r"(0) : "memory");
	return v;
}

/* entries that read a value other than ldt_word[] of their slot: the count, the first slot in *first */
static int ldt_verify(int *first)
{
	int k, bad = 0;

	for (k = 0; k < LDT_N; k++) {
		if (ldt_read(ldt_slot(k)) != ldt_word[ldt_slot(k)] && !bad++)
			*first = ldt_slot(k);
	}
	return bad;
}

/* one round: exits 0, or 1 after a line on fd 1 (unbuffered) saying what was wrong */
static void ldt_round(int round)
{
	static unsigned alt[LDT_SLOTS];
	pid_t pids[LDT_CHILDREN];
	int slot, k, i, j, st, bad, first = -1;

	for (slot = 0; slot < LDT_SLOTS; slot++) {
		ldt_word[slot] = 0x9e3779b9u * (slot + 1) + round;
		alt[slot] = ~ldt_word[slot];
	}
	for (k = 0; k < LDT_N; k++) {
		if (ldt_set(ldt_slot(k), &ldt_word[ldt_slot(k)])) {
			dprintf(1, "round %d: modify_ldt of slot %d: %s\n", round, ldt_slot(k), strerror(errno));
			_exit(1);
		}
	}
	bad = ldt_verify(&first);
	if (bad) {
		dprintf(1, "round %d: %d of %d entries read wrong values (first: slot %d)\n", round, bad,
			LDT_N, first);
		_exit(1);
	}
	for (i = 0; i < LDT_CHILDREN; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			dprintf(1, "round %d: fork: %s\n", round, strerror(errno));
			_exit(1);
		}
		if (pids[i] == 0) {
			/* the child's copy of the table, then its own rewrite of some entries */
			if (ldt_verify(&first))
				_exit(2);
			for (j = 0; j < LDT_REWRITE; j++) {
				slot = ldt_slot((i + j * LDT_CHILDREN * 61) % LDT_N);
				if (ldt_set(slot, &alt[slot]))
					_exit(3);
				if (ldt_read(slot) != ~ldt_word[slot])
					_exit(4);
			}
			_exit(0);
		}
	}
	for (i = 0; i < LDT_CHILDREN; i++) {
		if (waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) || WEXITSTATUS(st)) {
			dprintf(1, "round %d: child %d: %s %d (2: its inherited table was wrong, 3: modify_ldt failed, 4: its rewrite read back wrong)\n",
				round, i, WIFSIGNALED(st) ? "signal" : "exit",
				WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
			_exit(1);
		}
	}
	/* the children's rewrites were theirs alone */
	bad = ldt_verify(&first);
	if (bad) {
		dprintf(1, "round %d: after the children, %d entries read wrong values (first: slot %d)\n",
			round, bad, first);
		_exit(1);
	}
	_exit(0);
}

void check_ldt(void)
{
	long long high = -1;
	char line[160], why[200] = "";
	int round, st, p[2];
	double t0 = now_ms();
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "HighTotal: %lld kB", &high);
	if (f)
		fclose(f);
	for (round = 0; round < LDT_ROUNDS; round++) {
		pid_t pid;
		ssize_t n;

		if (pipe(p)) {
			FAIL("ldt-many", "pipe: %s", strerror(errno));
			return;
		}
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			dup2(p[1], 1);
			close(p[0]);
			ldt_round(round);
		}
		close(p[1]);
		n = pid < 0 ? -1 : read(p[0], why, sizeof(why) - 1);
		close(p[0]);
		why[n > 0 ? n : 0] = 0;
		why[strcspn(why, "\n")] = 0;
		if (pid < 0 || waitpid(pid, &st, 0) != pid) {
			FAIL("ldt-many", "fork/waitpid: %s", strerror(errno));
			return;
		}
		if (WIFSIGNALED(st) && !why[0])
			snprintf(why, sizeof(why), "round %d: its process died of signal %d (%s)", round,
				 WTERMSIG(st), strsignal(WTERMSIG(st)));
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			FAIL("ldt-many", "%s", why[0] ? why : "a round failed without a word");
			return;
		}
	}
	PASS("ldt-many", "%d rounds: %d LDT entries set one by one (slots 0-%d, then %d: the whole 64 KiB table), each read through %%fs, %d forked children checked their copy and rewrote %d entries each, the parent's stayed intact (HighTotal %lld kB; %.0f ms)",
	     LDT_ROUNDS, LDT_N, LDT_FILL - 1, LDT_SLOTS - 1, LDT_CHILDREN, LDT_REWRITE, high,
	     now_ms() - t0);
}

