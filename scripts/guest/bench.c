// SPDX-License-Identifier: GPL-2.0
/*
 * bench: kernel-path microbenchmarks for the xen-i386 rig's guests.
 * Build: gcc -m32 -static -O2 (one plain 32-bit binary for native i386, i386 Xen PV and,
 * through IA32 emulation, 64-bit guests).
 *
 * Each benchmark runs a warmup pass (a tenth of its iterations), then a timed pass of a fixed
 * iteration count timed with clock_gettime(CLOCK_MONOTONIC), and prints one line
 *
 *     BENCH <name> iterations=<N> ns_per_op=<X.XX>
 *
 * then, after the last one, "BENCH-DONE". Informational lines start with "BENCH-INFO".
 * Benchmarks (one "op" each):
 *   null        syscall(SYS_getppid): the libc/vDSO entry path (SYSENTER where the kernel
 *               offers it), a syscall glibc does not cache
 *   null-int80  getppid by a raw "int $0x80"
 *   fork        fork + _exit(0) in the child + waitpid
 *   forkexec    fork + execve of this binary with "--exit" (exits at once) + waitpid
 *   pagefault   per page: mmap 16 MiB anonymous, write one byte of each page, munmap
 *   mmap        mmap + munmap of 1 MiB anonymous, untouched
 *   pipe        a one-byte round trip between two processes over two pipes, both pinned to
 *               CPU 0 (sched_setaffinity), so each round trip is two context switches
 *   signal      kill(getpid(), SIGUSR1) with a handler installed: delivery + sigreturn
 *
 * As PID 1 (the /init of an initramfs) it uses the initramfs's /dev/console, mounts nothing
 * but a short-lived sysfs (to report the clocksource), runs the suite in a child process (an
 * ordinary process, whose crash is reported, not a panic), then syncs and powers off; it
 * never exits. Run otherwise, it runs the suite itself and exits 0 (1 if a benchmark failed).
 *
 * Environment (an initramfs /init gets the kernel command line's unknown "key=value"
 * parameters as environment variables):
 *   bench_scale=F   multiply every iteration count by F (e.g. 0.1 for a quick run)
 *   bench_only=a,b  run only these benchmarks
 *
 * Other mode: bench --exit   exits 0 at once (the program forkexec executes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PF_PAGES 4096		/* pagefault: 16 MiB per mmap */
#define MMAP_LEN (1u << 20)	/* mmap: 1 MiB */

static const char *self_path = "/init";
static char *const empty_env[] = { NULL };
static double scale = 1.0;
static const char *only;
static int failed;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static void die(const char *what)
{
	printf("BENCH-ERROR %s: %s\n", what, strerror(errno));
	fflush(stdout);
	failed = 1;
}

/* ---- the benchmarks: each runs n ops and returns 0, or -1 after printing BENCH-ERROR ---- */

static int b_null(long n)
{
	long i;

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	return 0;
}

static int b_null_int80(long n)
{
	long i, r;

	for (i = 0; i < n; i++)
		asm volatile("int $0x80" : "=a"(r) : "0"((long)SYS_getppid) : "memory");
	return 0;
}

static int reap(pid_t pid, const char *what)
{
	int st;

	if (waitpid(pid, &st, 0) != pid) {
		die(what);
		return -1;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		printf("BENCH-ERROR %s: child status 0x%x\n", what, st);
		failed = 1;
		return -1;
	}
	return 0;
}

static int b_fork(long n)
{
	long i;
	pid_t pid;

	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0) {
			die("fork");
			return -1;
		}
		if (pid == 0)
			_exit(0);
		if (reap(pid, "fork: waitpid"))
			return -1;
	}
	return 0;
}

static int b_forkexec(long n)
{
	char *const argv[] = { (char *)self_path, "--exit", NULL };
	long i;
	pid_t pid;

	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0) {
			die("forkexec: fork");
			return -1;
		}
		if (pid == 0) {
			execve(self_path, argv, empty_env);
			_exit(127);
		}
		if (reap(pid, "forkexec: execve or waitpid"))
			return -1;
	}
	return 0;
}

/* n is a count of pages: whole rounds of PF_PAGES */
static int b_pagefault(long n)
{
	long r, i;
	char *p;

	for (r = 0; r < n / PF_PAGES; r++) {
		p = mmap(NULL, PF_PAGES * 4096L, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			die("pagefault: mmap");
			return -1;
		}
		for (i = 0; i < PF_PAGES; i++)
			((volatile char *)p)[i * 4096L] = 1;
		munmap(p, PF_PAGES * 4096L);
	}
	return 0;
}

static int b_mmap(long n)
{
	long i;
	void *p;

	for (i = 0; i < n; i++) {
		p = mmap(NULL, MMAP_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			die("mmap");
			return -1;
		}
		munmap(p, MMAP_LEN);
	}
	return 0;
}

static int b_pipe(long n)
{
	int ab[2], ba[2], ret = 0;
	long i;
	char c = 0;
	pid_t pid;

	if (pipe(ab) || pipe(ba)) {
		die("pipe");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		die("pipe: fork");
		return -1;
	}
	if (pid == 0) {
		close(ab[1]);
		close(ba[0]);
		while (read(ab[0], &c, 1) == 1)
			if (write(ba[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(ab[0]);
	close(ba[1]);
	for (i = 0; i < n; i++) {
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1) {
			die("pipe: round trip");
			ret = -1;
			break;
		}
	}
	close(ab[1]);	/* the child sees EOF and exits 0 */
	close(ba[0]);
	if (reap(pid, "pipe: waitpid"))
		ret = -1;
	return ret;
}

static volatile sig_atomic_t sig_count;

static void on_usr1(int sig)
{
	(void)sig;
	sig_count++;
}

static int b_signal(long n)
{
	struct sigaction sa;
	pid_t me = getpid();
	long i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL)) {
		die("signal: sigaction");
		return -1;
	}
	sig_count = 0;
	for (i = 0; i < n; i++)
		kill(me, SIGUSR1);
	signal(SIGUSR1, SIG_DFL);
	if (sig_count != n) {
		printf("BENCH-ERROR signal: %ld signals sent, %ld handled\n", n, (long)sig_count);
		failed = 1;
		return -1;
	}
	return 0;
}

static const struct bench {
	const char *name;
	int (*fn)(long n);
	long iterations;	/* at bench_scale=1 */
	long unit;		/* iterations are rounded to a multiple of this */
	int pin;		/* run on CPU 0 only */
} benches[] = {
	{ "null",	b_null,		2000000, 1,	   0 },
	{ "null-int80",	b_null_int80,	2000000, 1,	   0 },
	{ "fork",	b_fork,		3000,	 1,	   0 },
	{ "forkexec",	b_forkexec,	1000,	 1,	   0 },
	{ "pagefault",	b_pagefault,	131072,	 PF_PAGES, 0 },
	{ "mmap",	b_mmap,		40000,	 1,	   0 },
	{ "pipe",	b_pipe,		40000,	 1,	   1 },
	{ "signal",	b_signal,	80000,	 1,	   0 },
};

static int selected(const char *name)
{
	size_t len = strlen(name);
	const char *p = only;

	if (!p || !*p)
		return 1;
	while (*p) {
		if (!strncmp(p, name, len) && (p[len] == ',' || p[len] == '\0'))
			return 1;
		p = strchr(p, ',');
		if (!p)
			break;
		p++;
	}
	return 0;
}

static long scaled(const struct bench *b, double f)
{
	long n = (long)(b->iterations * f + 0.5) / b->unit * b->unit;

	return n < b->unit ? b->unit : n;
}

/* Run fn on CPU 0 alone, in a child, so the affinity does not stick to the caller. */
static int run_pinned(const struct bench *b, long warm, long n, uint64_t *ns)
{
	uint64_t *shared;
	cpu_set_t set;
	pid_t pid;
	int ret;

	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		die("mmap shared");
		return -1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		die("fork");
		return -1;
	}
	if (pid == 0) {
		uint64_t t0;

		CPU_ZERO(&set);
		CPU_SET(0, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			die("sched_setaffinity");
			_exit(1);
		}
		if (b->fn(warm))
			_exit(1);
		t0 = now_ns();
		if (b->fn(n))
			_exit(1);
		shared[0] = now_ns() - t0;
		fflush(stdout);
		_exit(0);
	}
	ret = reap(pid, b->name);
	*ns = shared[0];
	munmap(shared, 4096);
	return ret;
}

static void run(const struct bench *b)
{
	long n = scaled(b, scale), warm = scaled(b, scale / 10);
	uint64_t t0, ns;

	if (b->pin) {
		if (run_pinned(b, warm, n, &ns))
			return;
	} else {
		if (b->fn(warm))
			return;
		t0 = now_ns();
		if (b->fn(n))
			return;
		ns = now_ns() - t0;
	}
	printf("BENCH %s iterations=%ld ns_per_op=%.2f\n", b->name, n, (double)ns / n);
	fflush(stdout);
}

/* The smallest step CLOCK_MONOTONIC takes (the clocksource's granularity), over 100 steps */
static uint64_t clock_step(void)
{
	uint64_t a, b, min = UINT64_MAX;
	int i;

	for (i = 0; i < 100; i++) {
		a = now_ns();
		while ((b = now_ns()) == a)
			;
		if (b - a < min)
			min = b - a;
	}
	return min;
}

static char clocksource[64] = "unknown";

static void read_clocksource(void)
{
	int fd;
	ssize_t r;

	fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource", O_RDONLY);
	if (fd < 0)
		return;
	r = read(fd, clocksource, sizeof(clocksource) - 1);
	clocksource[r > 0 ? r : 0] = '\0';
	clocksource[strcspn(clocksource, "\n")] = '\0';
	close(fd);
}

/*
 * Wait (at most 5 s) until the kernel has left its early clocksource: x86 replaces tsc-early
 * by tsc about a second after boot, from a work item that would otherwise land inside a
 * benchmark. The time waited is reported.
 */
static void settle(void)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	uint64_t t0 = now_ns();
	int i;

	for (i = 0; i < 100; i++) {
		read_clocksource();
		if (!strstr(clocksource, "-early"))
			break;
		nanosleep(&ts, NULL);
	}
	printf("BENCH-INFO settle: clocksource %s after %.2f s\n", clocksource, (now_ns() - t0) / 1e9);
}

static void info(void)
{
	struct utsname u;
	cpu_set_t set;

	if (!strcmp(clocksource, "unknown"))
		read_clocksource();
	uname(&u);
	CPU_ZERO(&set);
	sched_getaffinity(0, sizeof(set), &set);
	printf("BENCH-INFO kernel=%s version=\"%s\" machine=%s cpus=%d clocksource=%s "
	       "clock_step_ns=%llu scale=%g\n", u.release, u.version, u.machine, CPU_COUNT(&set),
	       clocksource, (unsigned long long)clock_step(), scale);
	fflush(stdout);
}

static void console(void)
{
	int fd;

	if (fcntl(1, F_GETFD) >= 0)
		return;
	fd = open("/dev/console", O_RDWR);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

static int run_all(void)
{
	size_t i;

	info();
	for (i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
		if (selected(benches[i].name))
			run(&benches[i]);
	return failed;
}

int main(int argc, char **argv)
{
	const char *v;
	pid_t pid;
	int st;

	if (argc == 2 && !strcmp(argv[1], "--exit"))
		_exit(0);
	if (strchr(argv[0], '/'))
		self_path = argv[0];
	else if (getpid() != 1)
		self_path = "/proc/self/exe";
	setvbuf(stdout, NULL, _IOLBF, 0);
	v = getenv("bench_scale");
	if (v && strtod(v, NULL) > 0)
		scale = strtod(v, NULL);
	only = getenv("bench_only");

	if (getpid() != 1) {
		run_all();
		printf(failed ? "BENCH-FAILED\n" : "BENCH-DONE\n");
		return failed;
	}

	/*
	 * PID 1: the suite runs in a child, so that it is an ordinary process (PID 1 has its own
	 * signal rules) and a crash in it is reported rather than panicking the kernel.
	 */
	console();
	mkdir("/sys", 0555);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	settle();
	umount("/sys");
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(run_all());
	if (pid < 0)
		die("fork of the suite");
	else if (waitpid(pid, &st, 0) != pid)
		die("waitpid of the suite");
	else if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("BENCH-ERROR the suite ended with status 0x%x\n", st);
		failed = 1;
	}
	printf(failed ? "BENCH-FAILED\n" : "BENCH-DONE\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	printf("BENCH-INFO power off failed (%s); halting here\n", strerror(errno));
	fflush(stdout);
	for (;;)
		pause();
}
