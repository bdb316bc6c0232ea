/*
 * testinit-basic.c: testinit's checks of a process's basic services: the group basic (fork,
 * exec, pthread, signals, mmap/mprotect/munmap, and basic-vsyscall: system calls through the
 * vDSO's __kernel_vsyscall), the group vdso (vdso-pvclock: the vDSO's clocks answer
 * without a system call) and the group kunit (kunit-boot: the kernel's built-in KUnit
 * suites passed at boot). The program and its shared helpers are in testinit.c; testinit.h
 * declares what the files share.
 */
#include "testinit.h"

/* ------------------------------------------------------------------------------------- */
/* basic: fork, exec, pthread, signals, mmap/mprotect/munmap                                */
/* ------------------------------------------------------------------------------------- */

const char *self_path = "/init";

void check_fork(void)
{
	volatile int cow = 1;
	int st;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		FAIL("basic-fork", "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		cow = 2;	/* must not be seen by the parent */
		_exit(cow * 21);
	}
	if (waitpid(pid, &st, 0) != pid)
		FAIL("basic-fork", "waitpid: %s", strerror(errno));
	else if (!WIFEXITED(st) || WEXITSTATUS(st) != 42)
		FAIL("basic-fork", "child status 0x%x, expected exit 42", st);
	else if (cow != 1)
		FAIL("basic-fork", "child's write reached the parent (copy-on-write broken)");
	else
		PASS("basic-fork", "child pid %d exited 42, parent copy intact", pid);
}

void check_exec(void)
{
	unsigned token = (unsigned)(random_seed() % 30000) + 1;
	char arg[16];
	int st;
	pid_t pid;

	snprintf(arg, sizeof(arg), "%u", token);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		FAIL("basic-exec", "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		execl(self_path, self_path, "--child-exec", arg, (char *)NULL);
		_exit(255);
	}
	if (waitpid(pid, &st, 0) != pid)
		FAIL("basic-exec", "waitpid: %s", strerror(errno));
	else if (!WIFEXITED(st) || WEXITSTATUS(st) != ((token * 7) & 0xff))
		FAIL("basic-exec", "child status 0x%x, expected exit %u%s", st, (token * 7) & 0xff,
		     WIFEXITED(st) && WEXITSTATUS(st) == 255 ? " (execve failed)" : "");
	else
		PASS("basic-exec", "%s --child-exec %u exited %u", self_path, token, (token * 7) & 0xff);
}

struct thread_arg {
	pthread_mutex_t *lock;
	long *counter;
	int loops;
	pid_t tid;
};

static void *thread_fn(void *p)
{
	struct thread_arg *a = p;
	int i;

	a->tid = syscall(SYS_gettid);
	for (i = 0; i < a->loops; i++) {
		pthread_mutex_lock(a->lock);
		(*a->counter)++;
		pthread_mutex_unlock(a->lock);
	}
	return a;
}

void check_pthread(void)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	long counter = 0;
	struct thread_arg a[2];
	pthread_t t[2];
	pid_t me = syscall(SYS_gettid);
	void *ret;
	int i, err;

	for (i = 0; i < 2; i++) {
		a[i] = (struct thread_arg){ .lock = &lock, .counter = &counter, .loops = 100000 };
		err = pthread_create(&t[i], NULL, thread_fn, &a[i]);
		if (err) {
			FAIL("basic-pthread", "pthread_create: %s", strerror(err));
			return;
		}
	}
	for (i = 0; i < 2; i++) {
		err = pthread_join(t[i], &ret);
		if (err || ret != &a[i]) {
			FAIL("basic-pthread", "pthread_join: %s", err ? strerror(err) : "wrong value");
			return;
		}
	}
	if (counter != 200000)
		FAIL("basic-pthread", "counter %ld after 2 x 100000 locked increments", counter);
	else if (a[0].tid <= 0 || a[0].tid == me || a[1].tid == me || a[0].tid == a[1].tid)
		FAIL("basic-pthread", "thread ids %d %d, main %d", a[0].tid, a[1].tid, me);
	else
		PASS("basic-pthread", "2 threads (tids %d %d), counter 200000", a[0].tid, a[1].tid);
}

static volatile sig_atomic_t got_signal;

static void on_usr1(int sig)
{
	got_signal = sig;
}

void check_signal(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct timespec tmo = { .tv_sec = 10 };
	sigset_t set, old, pend;
	siginfo_t info;
	pid_t pid;
	int sig, st;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, &old);

	/* a blocked signal stays pending, and is delivered to the handler on unblock */
	got_signal = 0;
	kill(getpid(), SIGUSR1);
	sigpending(&pend);
	if (got_signal || !sigismember(&pend, SIGUSR1)) {
		FAIL("basic-signal", "blocked SIGUSR1: handler ran %d, pending %d", got_signal,
		     sigismember(&pend, SIGUSR1));
		goto out;
	}
	sigemptyset(&pend);
	sigaddset(&pend, SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &pend, NULL);
	if (got_signal != SIGUSR1) {
		FAIL("basic-signal", "SIGUSR1 not delivered to its handler on unblock");
		goto out;
	}

	/* a signal from another process, received with its sender's pid */
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(kill(getppid(), SIGUSR2) ? 1 : 0);
	sig = sigtimedwait(&set, &info, &tmo);
	waitpid(pid, &st, 0);
	if (sig != SIGUSR2 || info.si_pid != pid)
		FAIL("basic-signal", "sigtimedwait gave %d from pid %d, expected SIGUSR2 from %d (%s)",
		     sig, sig > 0 ? info.si_pid : 0, pid, sig < 0 ? strerror(errno) : "");
	else
		PASS("basic-signal", "handler on unblock; SIGUSR2 from child %d", pid);
out:
	signal(SIGUSR2, SIG_IGN);	/* discard a SIGUSR2 still pending after a failure */
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

static sigjmp_buf fault_jmp;
static volatile void *fault_addr;
static volatile int fault_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	siglongjmp(fault_jmp, 1);
}

/* touch *p (write if wr): 0 = no fault, 1 = SIGSEGV at exactly p with code want_code */
static int faults_at(volatile char *p, int wr, int want_code, char *why, size_t n)
{
	fault_addr = NULL;
	fault_code = 0;
	if (sigsetjmp(fault_jmp, 1) == 0) {
		if (wr)
			*p = 1;
		else
			(void)*p;
		snprintf(why, n, "no fault on %s of %p", wr ? "write" : "read", (void *)p);
		return 0;
	}
	if (fault_addr != p || fault_code != want_code) {
		snprintf(why, n, "fault at %p code %d, expected %p code %d", (void *)fault_addr,
			 fault_code, (void *)p, want_code);
		return 0;
	}
	return 1;
}

void check_mmap(void)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
	struct sigaction old;
	long pg = sysconf(_SC_PAGESIZE);
	size_t len = 16 * pg, i;
	unsigned char *p;
	char why[160];

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		FAIL("basic-mmap", "mmap: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < len; i++)
		if (p[i]) {
			FAIL("basic-mmap", "fresh anonymous memory not zero at +%zu", i);
			goto out;
		}
	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 131 + 7);
	if (mprotect(p + 4 * pg, pg, PROT_NONE)) {
		FAIL("basic-mmap", "mprotect PROT_NONE: %s", strerror(errno));
		goto out;
	}
	if (!faults_at((volatile char *)p + 4 * pg + 100, 0, SEGV_ACCERR, why, sizeof(why))) {
		FAIL("basic-mmap", "PROT_NONE page: %s", why);
		goto out;
	}
	if (mprotect(p, len, PROT_READ)) {
		FAIL("basic-mmap", "mprotect PROT_READ: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < len; i++)
		if (p[i] != (unsigned char)(i * 131 + 7)) {
			FAIL("basic-mmap", "data changed across mprotect at +%zu", i);
			goto out;
		}
	if (!faults_at((volatile char *)p + 9 * pg + 8, 1, SEGV_ACCERR, why, sizeof(why))) {
		FAIL("basic-mmap", "write to PROT_READ page: %s", why);
		goto out;
	}
	if (munmap(p + 8 * pg, pg)) {
		FAIL("basic-mmap", "munmap: %s", strerror(errno));
		goto out;
	}
	if (!faults_at((volatile char *)p + 8 * pg, 0, SEGV_MAPERR, why, sizeof(why))) {
		FAIL("basic-mmap", "unmapped page: %s", why);
		goto out;
	}
	munmap(p, 8 * pg);
	munmap(p + 9 * pg, 7 * pg);
	PASS("basic-mmap", "zero fill, PROT_NONE and PROT_READ faults, munmap'd page faults");
out:
	sigaction(SIGSEGV, &old, NULL);
}

/* ------------------------------------------------------------------------------------- */
/* vdso-pvclock (group vdso, not in full: it needs a Xen whose pvclock is TSC-stable): a    */
/* traced child reads CLOCK_MONOTONIC and CLOCK_REALTIME through libc many times while this  */
/* process counts, with PTRACE_SYSCALL, the time syscalls it makes: the vDSO must answer     */
/* every call from the pvclock page (a vDSO without a usable clock falls back to a syscall)  */
/* ------------------------------------------------------------------------------------- */

#define VDSO_CALLS 20000

static int is_time_syscall(long nr)
{
	/* i386 numbers (this program is 32-bit, under a 32- or 64-bit kernel) */
	return nr == 13 /* time */ || nr == 78 /* gettimeofday */ ||
	       nr == 265 /* clock_gettime */ || nr == 403 /* clock_gettime64 */;
}

static int vdso_child(int fd)
{
	struct timespec a, b = { 0 }, r;
	unsigned int i;
	char out[128];

	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
		return 2;
	raise(SIGSTOP);		/* the tracer counts from here */
	/* xfault=vdso-syscall: one clock_gettime made as a syscall, which must be counted */
	if (fault("vdso-syscall"))
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &a);
	if (clock_gettime(CLOCK_MONOTONIC, &a))
		return 1;
	for (i = 0; i < VDSO_CALLS; i++) {
		if (clock_gettime(CLOCK_MONOTONIC, &b))
			return 1;
		if (b.tv_sec < a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec < a.tv_nsec)) {
			snprintf(out, sizeof(out), "back %u %lld.%09ld %lld.%09ld\n", i,
				 (long long)b.tv_sec, b.tv_nsec, (long long)a.tv_sec, a.tv_nsec);
			write(fd, out, strlen(out));
			return 1;
		}
		a = b;
	}
	if (clock_gettime(CLOCK_REALTIME, &r))
		return 1;
	snprintf(out, sizeof(out), "ok %lld.%09ld %lld.%09ld\n", (long long)b.tv_sec, b.tv_nsec,
		 (long long)r.tv_sec, r.tv_nsec);
	write(fd, out, strlen(out));
	return 0;
}

void check_vdso(void)
{
	char cs[64] = "?", line[160] = "";
	struct timespec k0, k1;
	long long vs, vn, rs, rn, v_ns, kn0, kn1;
	unsigned int stops = 0, timecalls = 0, other = 0;
	long last_other = -1, last_time_nr = -1;
	int fds[2], st, in_call = 0;
	ssize_t n;
	FILE *f;
	pid_t pid;

	f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	if (f) {
		if (fgets(cs, sizeof(cs), f))
			cs[strcspn(cs, "\n")] = 0;
		fclose(f);
	}
	if (!getauxval(AT_SYSINFO_EHDR)) {
		FAIL("vdso-pvclock", "no vDSO in the auxiliary vector (clocksource %s)", cs);
		return;
	}
	if (pipe(fds)) {
		FAIL("vdso-pvclock", "pipe: %s", strerror(errno));
		return;
	}
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &k0);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		_exit(vdso_child(fds[1]));
	}
	close(fds[1]);
	/* the first stop is the child's SIGSTOP; then a stop at each syscall entry and exit */
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st)) {
		FAIL("vdso-pvclock", "the child did not stop for tracing (status 0x%x)", st);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		close(fds[0]);
		return;
	}
	ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)PTRACE_O_TRACESYSGOOD);
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, pid, NULL, NULL) || waitpid(pid, &st, 0) != pid)
			break;
		if (WIFEXITED(st) || WIFSIGNALED(st))
			break;
		if (WIFSTOPPED(st) && WSTOPSIG(st) == (SIGTRAP | 0x80)) {
			stops++;
			in_call = !in_call;
			if (in_call) {
				/* orig_eax: the syscall number, at the same offset for a 32-bit tracer */
				long nr = ptrace(PTRACE_PEEKUSER, pid, (void *)(11 * 4), NULL);

				if (is_time_syscall(nr)) {
					/* one is enough: let the child finish untraced */
					timecalls++;
					last_time_nr = nr;
					ptrace(PTRACE_DETACH, pid, NULL, NULL);
					waitpid(pid, &st, 0);
					break;
				} else {
					other++;
					last_other = nr;
				}
			}
		}
	}
	n = read(fds[0], line, sizeof(line) - 1);
	line[n > 0 ? n : 0] = 0;
	line[strcspn(line, "\n")] = 0;
	close(fds[0]);
	clock_gettime(CLOCK_MONOTONIC, &k1);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		FAIL("vdso-pvclock", "clocksource %s: the child failed (status 0x%x): %s", cs, st,
		     line[0] ? line : "no output");
		return;
	}
	if (timecalls) {
		FAIL("vdso-pvclock", "clocksource %s: clock_gettime went to the kernel as a syscall (syscall %ld; the vDSO fell back: no usable vDSO clock)",
		     cs, last_time_nr);
		return;
	}
	if (sscanf(line, "ok %lld.%lld %lld.%lld", &vs, &vn, &rs, &rn) != 4) {
		FAIL("vdso-pvclock", "clocksource %s: unexpected child output: %s", cs, line);
		return;
	}
	/* the vDSO's last CLOCK_MONOTONIC lies between the kernel's readings around the child */
	v_ns = vs * 1000000000LL + vn;
	kn0 = k0.tv_sec * 1000000000LL + k0.tv_nsec;
	kn1 = k1.tv_sec * 1000000000LL + k1.tv_nsec;
	if (v_ns < kn0 || v_ns > kn1) {
		FAIL("vdso-pvclock", "clocksource %s: the vDSO's CLOCK_MONOTONIC %lld.%09lld is not between the syscall's %lld.%09lld and %lld.%09lld",
		     cs, vs, vn, kn0 / 1000000000LL, kn0 % 1000000000LL,
		     kn1 / 1000000000LL, kn1 % 1000000000LL);
		return;
	}
	PASS("vdso-pvclock", "clocksource %s: %d+2 clock_gettime calls (MONOTONIC, REALTIME) made no time syscall (traced: %u other syscalls, last %ld), never went back, and agree with the kernel's CLOCK_MONOTONIC; REALTIME %lld.%09lld",
	     cs, VDSO_CALLS, other, last_other, rs, rn);
}

/* ------------------------------------------------------------------------------------- */
/* basic-vsyscall: the vDSO's __kernel_vsyscall, which libc calls for every system call,  */
/* enters with SYSENTER or SYSCALL where the kernel can take them (natively when the CPU   */
/* has SEP; in a Xen PV guest always: Xen passes both on), and a call through it gets its  */
/* six arguments and restarts correctly after a signal                                     */
/* ------------------------------------------------------------------------------------- */

/* vsys6(nr, a1..a6): the system call through AT_SYSINFO, arguments in the i386 registers */
void *vsys_entry;
long vsys6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
__asm__(".text\n"
	".globl vsys6\n"
	".type vsys6, @function\n"
	"vsys6:\n"
	"	pushl %ebp\n"
	"	pushl %ebx\n"
	"	pushl %esi\n"
	"	pushl %edi\n"
	"	movl 20(%esp), %eax\n"
	"	movl 24(%esp), %ebx\n"
	"	movl 28(%esp), %ecx\n"
	"	movl 32(%esp), %edx\n"
	"	movl 36(%esp), %esi\n"
	"	movl 40(%esp), %edi\n"
	"	movl 44(%esp), %ebp\n"
	"	call *vsys_entry\n"
	"	popl %edi\n"
	"	popl %esi\n"
	"	popl %ebx\n"
	"	popl %ebp\n"
	"	ret\n"
	".size vsys6, .-vsys6\n");

static volatile sig_atomic_t vsys_signals;

static void on_vsys_signal(int sig)
{
	(void)sig;
	vsys_signals++;
}

static int cpu_has_flag(const char *flag)
{
	char line[4096], want[32];
	int found = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(want, sizeof(want), " %s ", flag);
	while (f && !found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		line[strcspn(line, "\n")] = ' ';
		found = strstr(line, want) != NULL;
	}
	if (f)
		fclose(f);
	return found;
}

void check_vsyscall(void)
{
	static unsigned char page[4096];
	const char *path = "/vsyscall.tmp", *how = NULL, *msg = "hello, restart\n";
	const unsigned char *p = (const unsigned char *)getauxval(AT_SYSINFO);
	struct sigaction sa = { .sa_handler = on_vsys_signal, .sa_flags = SA_RESTART };
	char buf[64] = "", *log = lc_dmesg();
	/* xen_banner(): "on Xen" for a PV guest (is_xen_guest() is also true natively) */
	int i, fd, fds[2], st, xen = log && strstr(log, "Booting kernel on Xen\n");
	int sep = cpu_has_flag("sep");
	long r;
	void *m;
	pid_t pid;

	if (!p) {
		FAIL("basic-vsyscall", "no AT_SYSINFO in the auxiliary vector");
		return;
	}
	vsys_entry = (void *)p;
	/* push %ecx; push %edx; push %ebp; then SYSENTER, SYSCALL or nothing; int $0x80 */
	for (i = 0; i < 32 && !how; i++) {
		if (p[i] == 0x0f && p[i + 1] == 0x34)
			how = "SYSENTER";
		else if (p[i] == 0x0f && p[i + 1] == 0x05)
			how = "SYSCALL";
		else if (p[i] == 0xcd && p[i + 1] == 0x80)
			break;
	}
	if (!how && (xen || sep)) {
		FAIL("basic-vsyscall", "__kernel_vsyscall enters with int $0x80 only (%s, CPU flag sep %s)",
		     xen ? "a Xen guest" : "native", sep ? "set" : "clear");
		return;
	}

	/* six arguments: the second page of a file, mapped with mmap2 through the vDSO */
	for (i = 0; i < (int)sizeof(page); i++)
		page[i] = (unsigned char)(i * 7 + 3);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || pwrite(fd, page, sizeof(page), sizeof(page)) != sizeof(page)) {
		FAIL("basic-vsyscall", "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	r = vsys6(SYS_mmap2, 0, sizeof(page), PROT_READ, MAP_PRIVATE, fd, 1);
	close(fd);
	unlink(path);
	if ((unsigned long)r > -4096UL) {
		FAIL("basic-vsyscall", "mmap2(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 1) through the vDSO: %s",
		     strerror((int)-r));
		return;
	}
	m = (void *)r;
	if (memcmp(m, page, sizeof(page))) {
		FAIL("basic-vsyscall", "mmap2 through the vDSO mapped other data than the file's page 1");
		munmap(m, sizeof(page));
		return;
	}
	munmap(m, sizeof(page));

	/* a read through the vDSO, interrupted by an SA_RESTART signal, goes on to its data */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	if (pipe(fds)) {
		FAIL("basic-vsyscall", "pipe: %s", strerror(errno));
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		usleep(200000);
		kill(getppid(), SIGUSR1);
		usleep(200000);
		_exit(write(fds[1], msg, strlen(msg)) == (ssize_t)strlen(msg) ? 0 : 1);
	}
	close(fds[1]);
	r = vsys6(SYS_read, fds[0], (long)buf, sizeof(buf) - 1, 0, 0, 0);
	close(fds[0]);
	waitpid(pid, &st, 0);
	if (r != (long)strlen(msg) || strcmp(buf, msg) || vsys_signals != 1) {
		FAIL("basic-vsyscall", "read through the vDSO across a signal: returned %ld, \"%.20s\", %d signals",
		     r, buf, (int)vsys_signals);
		return;
	}
	PASS("basic-vsyscall", "__kernel_vsyscall enters with %s (%s, CPU flag sep %s); mmap2's six arguments and a read restarted after SIGUSR1 went through it",
	     how ? how : "int $0x80", xen ? "Xen guest" : "native", sep ? "set" : "clear");
}


/* ------------------------------------------------------------------------------------- */
/* kunit-boot (group kunit): the KUnit suites built into the kernel ran at boot and passed */
/* (the i386 kernels have paravirt_patching: their pvop call sites patched into native     */
/* instructions on bare metal, into direct calls under Xen). Read from the kernel log: the */
/* top-level KTAP lines "ok N suite" / "not ok N suite" and "# suite: pass:P fail:F ...".  */
/* A kernel with none FAILs (Debian's kernels: leave the group out, as their XTEST does).  */
/* ------------------------------------------------------------------------------------- */

/* the text of a kernel log line, after "<level>" and "[ timestamp] " */
static char *klog_text(char *line)
{
	if (*line == '<') {
		char *e = strchr(line, '>');

		if (e)
			line = e + 1;
	}
	if (*line == '[') {
		char *e = strchr(line, ']');

		if (e)
			line = e + 1 + (e[1] == ' ');
	}
	return line;
}

void check_kunit(void)
{
	char *log = lc_dmesg(), *save, *l, *t, *sp;
	char suites[512] = "", failed[512] = "", mode[32] = "";
	int nsuites = 0, nfailed = 0, n;

	if (!log) {
		FAIL("kunit-boot", "cannot read the kernel log: %s", strerror(errno));
		return;
	}
	for (l = strtok_r(log, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		t = klog_text(l);
		/* the suites' results are not indented; their cases' are */
		if (!strncmp(t, "# ", 2) && strstr(t, ": pass:") && !strstr(t, "# Totals:")) {
			n = strlen(suites);
			snprintf(suites + n, sizeof(suites) - n, "%s%s", n ? "; " : "", t + 2);
			nsuites++;
		} else if (!strncmp(t, "not ok ", 7) && (sp = strchr(t + 7, ' '))) {
			n = strlen(failed);
			snprintf(failed + n, sizeof(failed) - n, "%s%s", n ? ", " : "", sp + 1);
			nfailed++;
		} else if (strstr(t, "# pvop_save_fl_test: ")) {
			snprintf(mode, sizeof(mode), "%s", strstr(t, "direct call") ? "direct calls" :
				 strstr(t, "native inline") ? "native inline" : "?");
		}
	}
	free(log);
	if (!nsuites)
		FAIL("kunit-boot", "no KUnit suite results in the kernel log (none built in, "
		     "kunit.enable=0, or the log overwritten)");
	else if (nfailed)
		FAIL("kunit-boot", "%d suite(s) failed: %s (%s)", nfailed, failed, suites);
	else
		PASS("kunit-boot", "%s%s%s%s", suites, mode[0] ? " (" : "", mode, mode[0] ? ")" : "");
}
