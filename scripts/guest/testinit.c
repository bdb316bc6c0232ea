/*
 * testinit: /init of the xen-i386 rig's guests. Build: gcc -m32 -static -O2 -pthread
 * (one 32-bit binary for i386 guests and, through IA32 emulation, for 64-bit ones).
 *
 * As PID 1: mounts proc, sysfs and devtmpfs, loads the modules listed in /lib/modules/xtest
 * (if built for the running kernel), runs the checks named on the kernel command line
 * (xtest=basic,net,blk,fs; the groups are in run_checks()), prints one line per check,
 * "PASS name[: detail]" or "FAIL name: what was seen", then "TESTINIT: N passed, N failed",
 * and powers off. Each check runs in a child process with a time limit: a crash or hang is
 * that check's FAIL. With the group "shutdown" it does not power off by itself: it says
 * "XTEST-SHUTDOWN: waiting ..." and waits for dom0's `xl shutdown`, which the kernel turns
 * into /sbin/poweroff (orderly_poweroff), a link to this program (below).
 *
 * Other command-line words read: xvcpus=N (smp-load: the vCPUs the guest was given),
 * xfault=a,b (fault injection, to show that a check fails: see fault()).
 *
 * With root=DEV on the kernel command line, testinit is the initramfs of a root file system
 * (Debian's kernel has xen-blkfront and ext4 as modules): after the modules (and the checks
 * of xtest=, only if given), it mounts DEV (ext4, read-write with rw), moves /dev, /proc and
 * /sys into it, makes it / and execs init= (default /sbin/init) there as PID 1, like an
 * initramfs-tools initramfs would: "PASS switch-root: ..." or "FAIL switch-root: ...".
 *
 * Other modes:
 *   testinit --child-exec TOKEN            exit status (TOKEN * 7) & 0xff (basic-exec, the storm)
 *   testinit --verify NAME FILE SEED OFFSET LEN
 *                                          check that FILE holds the pattern of SEED at OFFSET
 *                                          and print PASS/FAIL NAME (run in dom0 on the guest's
 *                                          disk image, blk-dom0, and on its file, fs-dom0)
 *   testinit --serve sink PORT FILE        (dom0) TCP server: each connection's bytes go to
 *                                          FILE; at EOF it answers "RECEIVED n" (net-tcp)
 *   testinit --serve time PORT             (dom0) TCP server: answers each connection with
 *                                          its CLOCK_MONOTONIC in ns (sleep-clock)
 *   invoked as poweroff                    (the kernel's orderly_poweroff, after xl shutdown)
 *                                          "PASS xl-shutdown", the summary, sync, power off;
 *                                          only when PID 1 is this same program
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <asm/ldt.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <linux/fs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <sys/ucontext.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sha256.h"

#define BLK_OFFSET (1u << 20)	/* pattern written at 1 MiB ... */
#define BLK_LEN (4u << 20)	/* ... 4 MiB long */
#define FS_LEN (1u << 20)	/* the fs check's file: 1 MiB */
#define FS_FILE "/mnt/xtest.dat"
#define GUEST_IP "10.0.0.2"
#define DOM0_IP "10.0.0.1"
#define TCP_PORT 5001		/* dom0's sink (testinit --serve sink) */
#define TIME_PORT 5002		/* dom0's clock (testinit --serve time) */
#define TCP_LEN (8u << 20)	/* net-tcp: 8 MiB */
#define SLEEP_S 5		/* sleep-clock: the interval slept */
#define SLEEP_SLACK_S 20	/* ... and how much longer dom0 may see it (TCG, loaded host) */
#define STORM_N 300		/* fork-exec-storm: this many fork + exec ... */
#define STORM_PAR 4		/* ... this many at a time */
#define SHUTDOWN_STATE "/xtest-shutdown"	/* PID 1 -> poweroff: counts while waiting */
#define SHUTDOWN_WAIT_S 600	/* PID 1 gives up waiting for xl shutdown after this */

/* PASS/FAIL counts, shared with the per-check child processes */
static struct counts {
	int pass, fail;
} local_counts, *counts = &local_counts;

static void report(int ok, const char *name, const char *fmt, ...)
{
	char detail[512] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	if (ok)
		counts->pass++;
	else
		counts->fail++;
	printf("%s %s%s%s\n", ok ? "PASS" : "FAIL", name, detail[0] ? ": " : "", detail);
	fflush(stdout);
}

#define PASS(name, ...) report(1, name, __VA_ARGS__)
#define FAIL(name, ...) report(0, name, __VA_ARGS__)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint64_t random_seed(void)
{
	uint64_t s = 0;
	struct timespec a, b;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != sizeof(s)) {
		clock_gettime(CLOCK_REALTIME, &a);
		clock_gettime(CLOCK_MONOTONIC, &b);
		s = ((uint64_t)a.tv_sec << 32) ^ a.tv_nsec ^ ((uint64_t)b.tv_nsec << 20) ^ getpid();
	}
	return s ? s : 0x9e3779b97f4a7c15ull;
}

/* xorshift64*: the block pattern, reproducible from its seed (dom0 re-creates it) */
static void fill_pattern(unsigned char *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed ? seed : 1, v;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		v = x * 0x2545f4914f6cdd1dull;
		memcpy(buf + i, &v, 8);
	}
}

/* the kernel command line (/proc/cmdline) into buf, without its newline; "" when unreadable */
static void read_cmdline(char *buf, size_t size)
{
	int fd = open("/proc/cmdline", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
}

/*
 * NAME=value from the kernel command line: from init's environment (the kernel hands unknown
 * NAME=value words to init) or /proc/cmdline (a usermode helper such as poweroff has neither,
 * and the kernel keeps the words it knows, root=, init=, rootfstype=, out of init's
 * environment). In /proc/cmdline the last NAME= counts, as for the kernel's own parameters.
 * Returns a malloc'd copy, or NULL.
 */
static char *cmdline_value(const char *name)
{
	char buf[4096], key[40];
	const char *v = getenv(name), *p, *found = NULL;
	size_t kl;

	if (v)
		return strdup(v);
	read_cmdline(buf, sizeof(buf));
	kl = snprintf(key, sizeof(key), "%s=", name);
	for (p = buf; (p = strstr(p, key)); p++)
		if (p == buf || p[-1] == ' ')
			found = p + kl;
	return found ? strndup(found, strcspn(found, " ")) : NULL;
}

/* the last of the words a and b on the command line (rw/ro): 1 for a, 0 for b or neither */
static int cmdline_last_word(const char *a, const char *b)
{
	char buf[4096], *p, *save;
	int r = 0;

	read_cmdline(buf, sizeof(buf));
	for (p = strtok_r(buf, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
		if (!strcmp(p, a))
			r = 1;
		else if (!strcmp(p, b))
			r = 0;
	}
	return r;
}

/* is NAME one of the words of the comma-separated LIST? */
static int list_has(const char *list, const char *name)
{
	char *copy = strdup(list), *t, *save;
	int hit = 0;

	for (t = strtok_r(copy, ",", &save); t && !hit; t = strtok_r(NULL, ",", &save))
		hit = !strcmp(t, name);
	free(copy);
	return hit;
}

/*
 * Fault injection, to show that a check can fail (xfault=NAME,... on the command line; never
 * set by default). Each fault breaks what its check measures, never the check itself:
 *   tcp-corrupt     net-tcp flips one byte after hashing what it sends (net-tcp-dom0 FAILs)
 *   clock-short     sleep-clock sleeps a fifth of its interval and still expects the whole
 *   storm-badexit   one fork-exec-storm child is exec'd with another token than expected
 *   shutdown-ignore /sbin/poweroff does nothing (xl-shutdown: the guest stays up)
 */
static int fault(const char *name)
{
	static char *list;
	static int read_once;

	if (!read_once) {
		list = cmdline_value("xfault");
		read_once = 1;
	}
	return list && list_has(list, name);
}

/* ------------------------------------------------------------------------------------- */
/* basic: fork, exec, pthread, signals, mmap/mprotect/munmap                                */
/* ------------------------------------------------------------------------------------- */

static const char *self_path = "/init";

static void check_fork(void)
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

static void check_exec(void)
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

static void check_pthread(void)
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

static void check_signal(void)
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

static void check_mmap(void)
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
/* net: eth0 up as 10.0.0.2/24, ICMP echo to dom0 (10.0.0.1), reply verified               */
/* ------------------------------------------------------------------------------------- */

static int set_addr(int s, const char *ifname, unsigned long req, const char *addr)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin->sin_addr);
	return ioctl(s, req, &ifr);
}

static int link_up(int s, const char *ifname)
{
	struct ifreq ifr = { 0 };

	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

static uint16_t csum(const void *data, size_t len)
{
	const uint16_t *w = data;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	if (len)
		sum += *(const uint8_t *)w;
	sum = (sum >> 16) + (sum & 0xffff);
	sum += sum >> 16;
	return ~sum;
}

/* eth0 up as GUEST_IP/24 (waits up to 20 s for netfront's eth0); 0, or -1 with why set */
static int net_up(char *why, size_t n)
{
	struct ifreq ifr = { 0 };
	double t0 = now_ms();
	int s, r = 0;

	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0) {
		snprintf(why, n, "socket: %s", strerror(errno));
		return -1;
	}
	strcpy(ifr.ifr_name, "eth0");
	while (ioctl(s, SIOCGIFINDEX, &ifr)) {
		if (now_ms() - t0 > 20000) {
			snprintf(why, n, "no eth0 after 20 s (netfront not probed?)");
			close(s);
			return -1;
		}
		usleep(100000);
	}
	link_up(s, "lo");
	if (set_addr(s, "eth0", SIOCSIFADDR, GUEST_IP) ||
	    set_addr(s, "eth0", SIOCSIFNETMASK, "255.255.255.0") || link_up(s, "eth0")) {
		snprintf(why, n, "configuring eth0 %s/24: %s", GUEST_IP, strerror(errno));
		r = -1;
	}
	close(s);
	return r;
}

/* a TCP connection to dom0's PORT, retried for up to 30 s (the vif may still be joining the
 * bridge); the socket, or -1 with why set */
static int dom0_connect(int port, char *why, size_t n)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 10 };
	double t0 = now_ms();
	int s, tries = 0;

	inet_pton(AF_INET, DOM0_IP, &dst.sin_addr);
	for (;;) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0) {
			snprintf(why, n, "socket: %s", strerror(errno));
			return -1;
		}
		/* bounds connect() and every later send/recv on it */
		setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		tries++;
		if (!connect(s, (struct sockaddr *)&dst, sizeof(dst)))
			return s;
		snprintf(why, n, "connect to %s:%d: %s (%d tries in %.0f ms)", DOM0_IP, port,
			 strerror(errno), tries, now_ms() - t0);
		close(s);
		if (now_ms() - t0 > 30000)
			return -1;
		usleep(500000);
	}
}

static void check_net(void)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	unsigned char pkt[64], buf[1500];
	struct icmphdr *icmp = (struct icmphdr *)pkt;
	uint16_t id = (uint16_t)random_seed();
	double t0 = now_ms(), deadline, sent;
	int s, r, seq, got = 0;
	char why[160];

	if (net_up(why, sizeof(why))) {
		FAIL("net-ping", "%s", why);
		return;
	}

	s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (s < 0) {
		FAIL("net-ping", "raw ICMP socket: %s", strerror(errno));
		return;
	}
	inet_pton(AF_INET, DOM0_IP, &dst.sin_addr);
	/* one echo request a second for up to 30 s: the vif may take a while to join the bridge */
	for (seq = 1; seq <= 30 && !got; seq++) {
		memset(pkt, 0, sizeof(pkt));
		icmp->type = ICMP_ECHO;
		icmp->un.echo.id = htons(id);
		icmp->un.echo.sequence = htons(seq);
		fill_pattern(pkt + 8, sizeof(pkt) - 8, random_seed() ^ seq);
		icmp->checksum = csum(pkt, sizeof(pkt));
		sent = now_ms();
		if (sendto(s, pkt, sizeof(pkt), 0, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
			if (errno != EHOSTUNREACH && errno != ENETUNREACH && errno != ENOBUFS) {
				FAIL("net-ping", "sendto: %s", strerror(errno));
				break;
			}
		}
		deadline = sent + 1000;
		while (!got && now_ms() < deadline) {
			struct pollfd pfd = { .fd = s, .events = POLLIN };
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			struct iphdr *ip = (struct iphdr *)buf;
			struct icmphdr *rep;
			size_t hl;

			if (poll(&pfd, 1, (int)(deadline - now_ms()) + 1) <= 0)
				continue;
			r = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
			if (r < (int)sizeof(*ip))
				continue;
			hl = ip->ihl * 4;
			if ((size_t)r != hl + sizeof(pkt))
				continue;
			rep = (struct icmphdr *)(buf + hl);
			if (ip->saddr != dst.sin_addr.s_addr || rep->type != ICMP_ECHOREPLY ||
			    rep->un.echo.id != htons(id) || rep->un.echo.sequence != htons(seq))
				continue;
			if (memcmp(buf + hl + 8, pkt + 8, sizeof(pkt) - 8)) {
				FAIL("net-ping", "echo reply %d from %s with a wrong payload", seq, DOM0_IP);
				close(s);
				return;
			}
			got = 1;
			PASS("net-ping", "echo reply from %s, seq %d, %.1f ms (eth0 up after %.0f ms)",
			     DOM0_IP, seq, now_ms() - sent, sent - t0);
		}
	}
	if (!got && seq > 30)
		FAIL("net-ping", "no echo reply from %s to 30 requests in 30 s", DOM0_IP);
	close(s);
}

/*
 * net-tcp: 8 MiB of a fresh seeded pattern to dom0's sink (testinit --serve sink) over TCP;
 * the sink must acknowledge every byte, and dom0 later compares its file's sha256 with the one
 * printed here (net-tcp-dom0, after the guest is gone).
 */
static void check_tcp(void)
{
	unsigned char *buf = malloc(TCP_LEN);
	uint64_t seed = random_seed();
	unsigned long long acked = 0;
	struct sha256 sha;
	char why[160], hex[65], reply[64] = "";
	size_t done = 0;
	ssize_t r;
	double t0, t1;
	int s;

	if (!buf) {
		FAIL("net-tcp", "out of memory");
		return;
	}
	if (net_up(why, sizeof(why))) {
		FAIL("net-tcp", "%s", why);
		goto out;
	}
	fill_pattern(buf, TCP_LEN, seed);
	sha256_init(&sha);
	sha256_update(&sha, buf, TCP_LEN);
	sha256_hex(&sha, hex);
	if (fault("tcp-corrupt"))
		buf[TCP_LEN / 2 + 3] ^= 0x10;	/* after hashing: dom0 must notice */
	s = dom0_connect(TCP_PORT, why, sizeof(why));
	if (s < 0) {
		FAIL("net-tcp", "%s", why);
		goto out;
	}
	t0 = now_ms();
	while (done < TCP_LEN) {
		r = send(s, buf + done, TCP_LEN - done > 65536 ? 65536 : TCP_LEN - done, MSG_NOSIGNAL);
		if (r <= 0) {
			FAIL("net-tcp", "send after %zu of %u bytes: %s", done, TCP_LEN,
			     r ? strerror(errno) : "sent nothing");
			close(s);
			goto out;
		}
		done += r;
	}
	shutdown(s, SHUT_WR);
	/* the sink answers "RECEIVED n" once it has read our EOF */
	done = 0;
	while (done < sizeof(reply) - 1 && (r = recv(s, reply + done, sizeof(reply) - 1 - done, 0)) > 0)
		done += r;
	reply[done] = 0;
	t1 = now_ms();
	close(s);
	if (sscanf(reply, "RECEIVED %llu", &acked) != 1)
		FAIL("net-tcp", "sent %u bytes, no acknowledgement from dom0's sink (got \"%.*s\"%s%s)",
		     TCP_LEN, (int)strcspn(reply, "\n"), reply, r < 0 ? ": " : "", r < 0 ? strerror(errno) : "");
	else if (acked != TCP_LEN)
		FAIL("net-tcp", "sent %u bytes, dom0's sink received %llu", TCP_LEN, acked);
	else
		PASS("net-tcp", "%u bytes to %s:%d in %.0f ms (%.1f MiB/s), all acknowledged by dom0; sha256 %.16s...",
		     TCP_LEN, DOM0_IP, TCP_PORT, t1 - t0, TCP_LEN / 1048576.0 / ((t1 - t0) / 1e3), hex);
	/* for dom0 (net-tcp-dom0): what it must have received */
	printf("XTEST-TCP: len=%u sha256=%s seed=0x%016llx\n", TCP_LEN, hex, (unsigned long long)seed);
	fflush(stdout);
out:
	free(buf);
}

/* dom0's CLOCK_MONOTONIC in ns, from its time server; the round trip in ms; 0 or -1 */
static int dom0_time(long long *ns, double *rtt, char *why, size_t n)
{
	char reply[64];
	size_t done = 0;
	ssize_t r;
	double t0;
	int s;

	s = dom0_connect(TIME_PORT, why, n);
	if (s < 0)
		return -1;
	t0 = now_ms();
	while (done < sizeof(reply) - 1 && (r = recv(s, reply + done, sizeof(reply) - 1 - done, 0)) > 0)
		done += r;
	*rtt = now_ms() - t0;
	close(s);
	reply[done] = 0;
	if (sscanf(reply, "%lld", ns) != 1) {
		snprintf(why, n, "dom0's time server sent \"%.*s\"", (int)strcspn(reply, "\n"), reply);
		return -1;
	}
	return 0;
}

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * sleep-clock: a SLEEP_S clock_nanosleep, measured by the guest's CLOCK_MONOTONIC and by dom0's
 * (asked over TCP before and after): both must see at least the interval (a guest clock that
 * runs fast, or a sleep that ends early, shows up in dom0's delta), and dom0 at most
 * SLEEP_SLACK_S more (a lost timer or wakeup; generous, as TCG on a loaded host is slow).
 */
static void check_clock(void)
{
	long long d0, d1, g0, g1, want = SLEEP_S * 1000000000LL;
	long long slept = fault("clock-short") ? want / 5 : want;
	double rtt0, rtt1, dd, gd;
	struct timespec until;
	char why[160];
	int r;

	if (net_up(why, sizeof(why)) || dom0_time(&d0, &rtt0, why, sizeof(why))) {
		FAIL("sleep-clock", "%s", why);
		return;
	}
	g0 = mono_ns();
	until.tv_sec = (g0 + slept) / 1000000000LL;
	until.tv_nsec = (g0 + slept) % 1000000000LL;
	while ((r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL)) == EINTR)
		;
	g1 = mono_ns();
	if (r) {
		FAIL("sleep-clock", "clock_nanosleep: %s", strerror(r));
		return;
	}
	if (dom0_time(&d1, &rtt1, why, sizeof(why))) {
		FAIL("sleep-clock", "after the sleep: %s", why);
		return;
	}
	dd = (d1 - d0) / 1e9;
	gd = (g1 - g0) / 1e9;
	if (d1 - d0 < want)
		FAIL("sleep-clock", "dom0's clock advanced %.3f s across a %d s sleep (guest's CLOCK_MONOTONIC %.3f s): the sleep ended early or the guest's clock runs ahead",
		     dd, SLEEP_S, gd);
	else if (g1 - g0 < want)
		FAIL("sleep-clock", "CLOCK_MONOTONIC advanced %.3f s across a %d s clock_nanosleep", gd, SLEEP_S);
	else if (dd > SLEEP_S + SLEEP_SLACK_S)
		FAIL("sleep-clock", "dom0's clock advanced %.3f s across a %d s sleep (more than %d s late; guest's CLOCK_MONOTONIC %.3f s)",
		     dd, SLEEP_S, SLEEP_SLACK_S, gd);
	else
		PASS("sleep-clock", "%d s clock_nanosleep: guest CLOCK_MONOTONIC +%.3f s, dom0 +%.3f s (round trips to dom0 %.1f/%.1f ms)",
		     SLEEP_S, gd, dd, rtt0, rtt1);
}

/* ------------------------------------------------------------------------------------- */
/* smp: a busy worker pinned to each online CPU; fork-exec storm                           */
/* ------------------------------------------------------------------------------------- */

#define SMP_MAX 64
struct smp_result {
	int ran, wrong_cpu, seen_cpu, checks;
	double start_ms, end_ms, cpu_ms;
	uint64_t sum;
	char err[96];
};

static void smp_worker(int cpu, struct smp_result *res)
{
	cpu_set_t set;
	struct timespec c0, c1;
	uint64_t x = 0x9e3779b97f4a7c15ull + cpu;
	long i;
	int now;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		snprintf(res->err, sizeof(res->err), "sched_setaffinity(cpu %d): %s", cpu, strerror(errno));
		return;
	}
	res->start_ms = now_ms();
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	for (i = 0; i < (1L << 25); i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		if (!(i & 0xffff)) {	/* every 65536 rounds: still on our CPU? */
			now = sched_getcpu();
			res->checks++;
			if (now != cpu) {
				res->wrong_cpu++;
				res->seen_cpu = now;
			}
		}
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	res->end_ms = now_ms();
	res->cpu_ms = (c1.tv_sec - c0.tv_sec) * 1e3 + (c1.tv_nsec - c0.tv_nsec) / 1e6;
	res->sum = x;
	res->ran = 1;
}

/* the number after "xvcpus=" on the command line (the vCPUs boot-xen.sh gave), or 0 */
static int expected_cpus(void)
{
	char *v = cmdline_value("xvcpus");
	int n = v ? atoi(v) : 0;

	free(v);
	return n;
}

static void check_smp(void)
{
	struct smp_result *res;
	char online[64] = "?", detail[400] = "";
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	int want = expected_cpus(), cpu, st, bad = 0;
	double first_end = 1e300, last_start = 0, t0 = now_ms();
	pid_t pids[SMP_MAX];
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");

	if (f) {
		if (!fgets(online, sizeof(online), f))
			strcpy(online, "?");
		online[strcspn(online, "\n")] = 0;
		fclose(f);
	}
	if (n < 2) {
		FAIL("smp-load", "only %ld CPU online (%s; the guest was given %s): load on 2 or more needed",
		     n, online, want ? cmdline_value("xvcpus") : "an unknown number");
		return;
	}
	if (want && n != want) {
		FAIL("smp-load", "%ld CPUs online (%s), but the guest was given %d", n, online, want);
		return;
	}
	if (n > SMP_MAX)
		n = SMP_MAX;
	res = mmap(NULL, n * sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED) {
		FAIL("smp-load", "mmap: %s", strerror(errno));
		return;
	}
	memset(res, 0, n * sizeof(*res));
	fflush(stdout);
	for (cpu = 0; cpu < n; cpu++) {
		pids[cpu] = fork();
		if (pids[cpu] == 0) {
			smp_worker(cpu, &res[cpu]);
			_exit(0);
		}
		if (pids[cpu] < 0) {
			FAIL("smp-load", "fork: %s", strerror(errno));
			while (cpu--)
				waitpid(pids[cpu], &st, 0);
			return;
		}
	}
	for (cpu = 0; cpu < n; cpu++)
		waitpid(pids[cpu], &st, 0);
	for (cpu = 0; cpu < n; cpu++) {
		struct smp_result *r = &res[cpu];
		size_t l = strlen(detail);

		if (r->err[0] || !r->ran) {
			FAIL("smp-load", "worker for cpu %d: %s", cpu, r->err[0] ? r->err : "did not finish");
			return;
		}
		if (r->wrong_cpu) {
			FAIL("smp-load", "worker pinned to cpu %d ran on cpu %d (%d of %d sched_getcpu checks wrong)",
			     cpu, r->seen_cpu, r->wrong_cpu, r->checks);
			bad = 1;
		}
		snprintf(detail + l, sizeof(detail) - l, "%scpu%d %.0f ms (cpu %.0f ms)", cpu ? ", " : "",
			 cpu, r->end_ms - r->start_ms, r->cpu_ms);
		if (r->end_ms < first_end)
			first_end = r->end_ms;
		if (r->start_ms > last_start)
			last_start = r->start_ms;
	}
	if (!bad)
		PASS("smp-load", "%ld CPUs online (%s); a pinned busy worker on each, sched_getcpu always right: %s; all running together for %.0f of %.0f ms",
		     n, online, detail, first_end > last_start ? first_end - last_start : 0.0, now_ms() - t0);
	munmap(res, n * sizeof(*res));
}

/*
 * fork-exec-storm: STORM_N fork + execve of /init --child-exec TOKEN (distinct tokens), STORM_PAR
 * at a time; every child's exit status must be its own TOKEN * 7 & 0xff.
 */
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

static void check_vdso(void)
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

static void check_storm(void)
{
	unsigned base = (unsigned)(random_seed() % 100000) + 1, want[STORM_PAR];
	pid_t pids[STORM_PAR] = { 0 }, pid;
	int started = 0, finished = 0, slot, st, bad = 0, maxpar = 0, running = 0, stop = 0;
	char arg[16], first[200] = "";
	double t0 = now_ms();

	for (;;) {
		while (!stop && started < STORM_N && running < STORM_PAR) {
			unsigned token = base + started;

			for (slot = 0; pids[slot]; slot++)
				;
			/* xfault=storm-badexit: one child gets another token than the one expected */
			snprintf(arg, sizeof(arg), "%u",
				 token + (fault("storm-badexit") && started == STORM_N / 2));
			fflush(stdout);
			pid = fork();
			if (pid < 0) {
				if (!bad++)
					snprintf(first, sizeof(first), "fork %d: %s", started, strerror(errno));
				stop = 1;
				break;
			}
			if (pid == 0) {
				execl(self_path, self_path, "--child-exec", arg, (char *)NULL);
				_exit(255);
			}
			pids[slot] = pid;
			want[slot] = (token * 7) & 0xff;
			started++;
			if (++running > maxpar)
				maxpar = running;
		}
		if (!running)
			break;
		pid = waitpid(-1, &st, 0);
		if (pid < 0) {
			if (!bad++)
				snprintf(first, sizeof(first), "waitpid: %s", strerror(errno));
			break;
		}
		for (slot = 0; slot < STORM_PAR && pids[slot] != pid; slot++)
			;
		if (slot == STORM_PAR) {
			if (!bad++)
				snprintf(first, sizeof(first), "waitpid gave pid %d, not one of ours", pid);
			continue;
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st) != want[slot]) {
			if (!bad++)
				snprintf(first, sizeof(first), "child %d status 0x%x, expected exit %u%s", pid,
					 st, want[slot], WIFEXITED(st) && WEXITSTATUS(st) == 255 ? " (execve failed)" : "");
		}
		pids[slot] = 0;
		running--;
		finished++;
	}
	if (bad || finished != STORM_N)
		FAIL("fork-exec-storm", "%d of %d children ended as expected; %d wrong, first: %s",
		     finished - bad, STORM_N, bad, first[0] ? first : "none started");
	else
		PASS("fork-exec-storm", "%d fork + exec of %s --child-exec, %d at a time, every exit status right, %.0f ms",
		     STORM_N, self_path, maxpar, now_ms() - t0);
}

/* ------------------------------------------------------------------------------------- */
/* blk: a fresh random 4 MiB pattern written to /dev/xvda reads back after the caches go  */
/* ------------------------------------------------------------------------------------- */

static int wait_blockdev(const char *name, char *path, size_t n, double ms)
{
	double t0 = now_ms();
	char sysf[64];
	unsigned maj, mnr;
	struct stat st;
	FILE *f;

	snprintf(path, n, "/dev/%s", name);
	snprintf(sysf, sizeof(sysf), "/sys/block/%s/dev", name);
	while (now_ms() - t0 < ms) {
		if (!stat(path, &st) && S_ISBLK(st.st_mode))
			return 0;
		f = fopen(sysf, "r");	/* no devtmpfs: make the node ourselves */
		if (f) {
			if (fscanf(f, "%u:%u", &maj, &mnr) == 2)
				mknod(path, S_IFBLK | 0600, makedev(maj, mnr));
			fclose(f);
		}
		usleep(100000);
	}
	return -1;
}

static int pread_all(int fd, unsigned char *buf, size_t len, off_t off)
{
	size_t done = 0;
	ssize_t r;

	while (done < len) {
		r = pread(fd, buf + done, len - done, off + done);
		if (r <= 0)
			return -1;
		done += r;
	}
	return 0;
}

static size_t first_diff(const unsigned char *a, const unsigned char *b, size_t len)
{
	size_t i;

	for (i = 0; i < len && a[i] == b[i]; i++)
		;
	return i;
}

static void check_blk(void)
{
	char dev[32];
	unsigned char *want = NULL, *got = NULL;
	uint64_t seed = random_seed(), size = 0;
	const char *how = "O_DIRECT";
	size_t done = 0, d;
	ssize_t r;
	int fd, fd2;
	double t0 = now_ms();

	if (wait_blockdev("xvda", dev, sizeof(dev), 20000)) {
		FAIL("blk-rw", "no /dev/xvda after 20 s (blkfront not probed?)");
		return;
	}
	if (posix_memalign((void **)&want, 4096, BLK_LEN) || posix_memalign((void **)&got, 4096, BLK_LEN)) {
		FAIL("blk-rw", "out of memory");
		goto out;
	}
	fill_pattern(want, BLK_LEN, seed);
	fd = open(dev, O_RDWR);
	if (fd < 0) {
		FAIL("blk-rw", "open %s: %s", dev, strerror(errno));
		goto out;
	}
	if (ioctl(fd, BLKGETSIZE64, &size) || size < BLK_OFFSET + BLK_LEN) {
		FAIL("blk-rw", "%s size %llu, need %u", dev, (unsigned long long)size, BLK_OFFSET + BLK_LEN);
		close(fd);
		goto out;
	}
	if (pread_all(fd, got, BLK_LEN, BLK_OFFSET) == 0 && !memcmp(got, want, BLK_LEN)) {
		FAIL("blk-rw", "the disk held the fresh pattern before it was written");
		close(fd);
		goto out;
	}
	while (done < BLK_LEN) {
		r = pwrite(fd, want + done, BLK_LEN - done, BLK_OFFSET + done);
		if (r <= 0) {
			FAIL("blk-rw", "write at %zu: %s", done, r ? strerror(errno) : "short");
			close(fd);
			goto out;
		}
		done += r;
	}
	if (fsync(fd)) {
		FAIL("blk-rw", "fsync: %s", strerror(errno));
		close(fd);
		goto out;
	}
	ioctl(fd, BLKFLSBUF, 0);	/* drop the device's page cache */
	close(fd);
	fd2 = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd2 >= 0) {
		if (write(fd2, "3\n", 2) < 0)
			how = "O_DIRECT (drop_caches failed)";
		close(fd2);
	}
	memset(got, 0, BLK_LEN);
	fd = open(dev, O_RDONLY | O_DIRECT);
	if (fd < 0) {
		how = "buffered read after BLKFLSBUF";
		fd = open(dev, O_RDONLY);
	}
	if (fd < 0 || pread_all(fd, got, BLK_LEN, BLK_OFFSET)) {
		FAIL("blk-rw", "read back: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	d = first_diff(got, want, BLK_LEN);
	if (d != BLK_LEN)
		FAIL("blk-rw", "read back differs at byte %zu of %u", d, BLK_LEN);
	else
		PASS("blk-rw", "%u bytes at %u on %s (%llu MiB) written, fsync'd, read back (%s) equal, %.0f ms",
		     BLK_LEN, BLK_OFFSET, dev, (unsigned long long)(size >> 20), how, now_ms() - t0);
	/* for the host side (blk-dom0): the disk image must hold the same pattern */
	printf("XTEST-BLK: seed=0x%016llx offset=%u len=%u\n", (unsigned long long)seed, BLK_OFFSET, BLK_LEN);
	fflush(stdout);
out:
	free(want);
	free(got);
}

/* fs: on an ext2 file system (made by dom0 on xvdb), a file reads back after a remount  */
static int mount_ext2(const char *dev)
{
	if (!mount(dev, "/mnt", "ext2", 0, NULL))
		return 0;
	return mount(dev, "/mnt", "ext4", 0, NULL);
}

static void check_fs(void)
{
	char dev[32];
	unsigned char *want = malloc(FS_LEN), *got = malloc(FS_LEN);
	uint64_t seed = random_seed();
	struct stat st;
	size_t done = 0, d;
	ssize_t r;
	int fd;
	double t0 = now_ms();

	if (!want || !got) {
		FAIL("fs-file", "out of memory");
		goto out;
	}
	if (wait_blockdev("xvdb", dev, sizeof(dev), 20000)) {
		FAIL("fs-file", "no /dev/xvdb after 20 s (blkfront not probed?)");
		goto out;
	}
	mkdir("/mnt", 0755);
	if (mount_ext2(dev)) {
		FAIL("fs-file", "mount %s as ext2/ext4: %s (no ext2 support in this kernel?)", dev,
		     strerror(errno));
		goto out;
	}
	fill_pattern(want, FS_LEN, seed);
	fd = open(FS_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	while (fd >= 0 && done < FS_LEN) {
		r = write(fd, want + done, FS_LEN - done);
		if (r <= 0)
			break;
		done += r;
	}
	if (fd < 0 || done != FS_LEN || fsync(fd) || close(fd)) {
		FAIL("fs-file", "writing %s: %s", FS_FILE, strerror(errno));
		umount("/mnt");
		goto out;
	}
	if (umount("/mnt")) {
		FAIL("fs-file", "umount: %s", strerror(errno));
		goto out;
	}
	fd = open(dev, O_RDONLY);	/* drop the device's cached blocks before the remount */
	if (fd >= 0) {
		ioctl(fd, BLKFLSBUF, 0);
		close(fd);
	}
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "3\n", 2) < 0)
			printf("INFO fs: drop_caches: %s\n", strerror(errno));
		close(fd);
	}
	if (mount_ext2(dev)) {
		FAIL("fs-file", "remount %s: %s", dev, strerror(errno));
		goto out;
	}
	fd = open(FS_FILE, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) || st.st_size != FS_LEN || pread_all(fd, got, FS_LEN, 0)) {
		FAIL("fs-file", "after remount, %s: %s (size %lld)", FS_FILE,
		     fd < 0 ? strerror(errno) : "short", fd < 0 ? -1LL : (long long)st.st_size);
		if (fd >= 0)
			close(fd);
		umount("/mnt");
		goto out;
	}
	close(fd);
	umount("/mnt");
	d = first_diff(got, want, FS_LEN);
	if (d != FS_LEN) {
		FAIL("fs-file", "%s differs after remount at byte %zu", FS_FILE, d);
		goto out;
	}
	PASS("fs-file", "%u-byte %s on %s written, fsync'd, read back equal after a remount, %.0f ms",
	     FS_LEN, FS_FILE, dev, now_ms() - t0);
	printf("XTEST-FS: seed=0x%016llx len=%u\n", (unsigned long long)seed, FS_LEN);
	fflush(stdout);
out:
	free(want);
	free(got);
}

static int verify_file(const char *name, const char *file, const char *seed_s, const char *off_s,
		       const char *len_s)
{
	uint64_t seed = strtoull(seed_s, NULL, 0);
	off_t off = strtoull(off_s, NULL, 0);
	size_t len = strtoul(len_s, NULL, 0), d;
	unsigned char *want = malloc(len), *got = malloc(len);
	int fd = open(file, O_RDONLY);

	if (!want || !got || fd < 0 || pread_all(fd, got, len, off)) {
		FAIL(name, "reading %zu bytes at %lld of %s: %s", len, (long long)off, file,
		     strerror(errno));
		return 1;
	}
	fill_pattern(want, len, seed);
	d = first_diff(got, want, len);
	if (d != len)
		FAIL(name, "%s differs from the guest's pattern at byte %zu", file, d);
	else
		PASS(name, "%s holds the guest's %zu-byte pattern (seed %s)", file, len, seed_s);
	return d != len;
}

/* ------------------------------------------------------------------------------------- */
/* init                                                                                    */
/* ------------------------------------------------------------------------------------- */

static void load_modules(void)
{
	struct utsname u;
	char rel[128] = "", path[512], loaded[512] = "";
	struct dirent **ents;
	FILE *f = fopen("/lib/modules/xtest/release", "r");
	int n, i, fd, bad = 0;

	if (!f)
		return;		/* no modules in this initramfs */
	if (!fgets(rel, sizeof(rel), f))
		rel[0] = 0;
	fclose(f);
	rel[strcspn(rel, "\n")] = 0;
	uname(&u);
	if (strcmp(rel, u.release)) {
		printf("INFO modules: built for %s, kernel is %s: not loaded\n", rel, u.release);
		return;
	}
	n = scandir("/lib/modules/xtest", &ents, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *nm = ents[i]->d_name;
		size_t l = strlen(nm);

		if (l > 3 && !strcmp(nm + l - 3, ".ko")) {
			snprintf(path, sizeof(path), "/lib/modules/xtest/%s", nm);
			fd = open(path, O_RDONLY);
			if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST)) {
				FAIL("modules", "loading %s: %s", nm, strerror(errno));
				bad = 1;
			} else {
				strncat(loaded, " ", sizeof(loaded) - strlen(loaded) - 1);
				strncat(loaded, nm, sizeof(loaded) - strlen(loaded) - 1);
			}
			if (fd >= 0)
				close(fd);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	if (!bad)
		PASS("modules", "loaded%s", loaded);
}

static void setup_console(void)
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

/*
 * root=DEV: mount it on /newroot, move the API file systems into it, make it / and exec init=
 * there (as PID 1). Returns only on failure, after its FAIL line.
 */
static void switch_root(const char *root)
{
	static const char *const fstypes[] = { "ext4", "ext3", "ext2" };
	static const char *const api[] = { "/dev", "/proc", "/sys" };
	char dev[64], target[300], *v = cmdline_value("init");
	const char *init = v ? v : "/sbin/init", *fstype = cmdline_value("rootfstype");
	int rw = cmdline_last_word("rw", "ro");	/* the kernel's default is ro */
	unsigned long flags = rw ? 0 : MS_RDONLY;
	double t0 = now_ms();
	size_t i;
	int err = 0;

	if (strncmp(root, "/dev/", 5) || !root[5]) {
		FAIL("switch-root", "root=%s: only root=/dev/NAME is supported", root);
		return;
	}
	if (wait_blockdev(root + 5, dev, sizeof(dev), 30000)) {
		FAIL("switch-root", "%s did not appear within 30 s", root);
		return;
	}
	mkdir("/newroot", 0755);
	if (fstype) {
		err = mount(dev, "/newroot", fstype, flags, NULL) ? errno : 0;
	} else {
		for (i = 0; i < sizeof(fstypes) / sizeof(fstypes[0]); i++) {
			err = mount(dev, "/newroot", fstypes[i], flags, NULL) ? errno : 0;
			if (!err) {
				fstype = fstypes[i];
				break;
			}
		}
	}
	if (err) {
		FAIL("switch-root", "mount %s on /newroot (%s, %s): %s", dev, fstype ? fstype : "ext4/3/2",
		     rw ? "rw" : "ro", strerror(err));
		return;
	}
	snprintf(target, sizeof(target), "/newroot%s", init);
	if (access(target, X_OK)) {
		FAIL("switch-root", "init=%s: no executable on %s (%s)", init, dev, strerror(errno));
		umount("/newroot");
		return;
	}
	for (i = 0; i < sizeof(api) / sizeof(api[0]); i++) {
		snprintf(target, sizeof(target), "/newroot%s", api[i]);
		if (mount(api[i], target, NULL, MS_MOVE, NULL))
			printf("INFO switch-root: moving %s: %s\n", api[i], strerror(errno));
	}
	if (chdir("/newroot") || mount(".", "/", NULL, MS_MOVE, NULL) || chroot(".") || chdir("/")) {
		FAIL("switch-root", "making %s the root: %s", dev, strerror(errno));
		return;
	}
	PASS("switch-root", "%s %s mounted %s as / in %.0f ms; exec %s", dev, fstype,
	     rw ? "rw" : "ro", now_ms() - t0, init);
	fflush(stdout);
	execl(init, init, (char *)NULL);
	FAIL("switch-root", "exec %s: %s", init, strerror(errno));
}

/*
 * Run one check in a child process, so that a check that crashes or hangs (say, glibc aborting
 * on an unexpected futex error) is reported as its FAIL line and the others still run.
 */
static void run_isolated(const char *name, void (*fn)(void), int timeout_s)
{
	int before = counts->pass + counts->fail, st = 0;
	double t0 = now_ms();
	pid_t pid, r = 0;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		FAIL(name, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		fn();
		fflush(stdout);
		_exit(0);
	}
	while ((r = waitpid(pid, &st, WNOHANG)) == 0 && now_ms() - t0 < timeout_s * 1000.0)
		usleep(20000);
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		FAIL(name, "no result after %d s: check killed", timeout_s);
	} else if (r < 0) {
		FAIL(name, "waitpid: %s", strerror(errno));
	} else if (WIFSIGNALED(st) && counts->pass + counts->fail == before) {
		FAIL(name, "the check's process died of signal %d (%s)", WTERMSIG(st),
		     strsignal(WTERMSIG(st)));
	} else if (WIFSIGNALED(st)) {
		printf("INFO %s: after its result, the check's process died of signal %d (%s)\n", name,
		       WTERMSIG(st), strsignal(WTERMSIG(st)));
	} else if (counts->pass + counts->fail == before) {
		FAIL(name, "the check printed no result (exit status %d)", WEXITSTATUS(st));
	}
}

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

static void check_hostile(void)
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
static char *lc_dmesg(void);

static void check_meltdown(void)
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

static void check_ldt(void)
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

/* ------------------------------------------------------------------------------------- */
/* iret-window (32-bit Xen PV only): the direct return's critical region                    */
/* ------------------------------------------------------------------------------------- */
/*
 * A 32-bit PV kernel returns with a real iret when no event is pending; between unmasking
 * events and the iret, an event that Xen delivers is handled on the frame being returned to
 * (arch/x86/xen/xen-asm_32.S), counted in debugfs xen/iret_fixups (and one pending at the
 * check in xen/iret_pending). The check aims events at that window: on each CPU a pinned
 * thread in a tight system-call loop, with a 1 kHz per-thread timer whose signal it must
 * take, and beside it a pinned thread that sleeps 100 us at a time (a timer event each time),
 * thread 0 waking a reader pinned to the last CPU through a pipe (a reschedule IPI each
 * time), and a thread sending UDP to dom0 (netfront interrupts). It runs until the region
 * was hit at least once and IRETW_MIN_S have passed, at most IRETW_MAX_S: a run that never
 * hits it exercised nothing, and fails. Every thread must have made its calls and taken its
 * timer signals.
 */
#define IRETW_MIN_S 6
#define IRETW_MAX_S 60
#define IRETW_MAX_CPUS 64
#define IRETW_D "/sys/kernel/debug/xen/"

static int is_xen_guest(void);

struct iretw_thread {
	int cpu, ok;
	long long calls, alarms, wakeups, ticks;
	char err[120];
};

static volatile int iretw_stop;
static int iretw_pipe[2];
static __thread volatile long long iretw_sig;

static void iretw_alarm(int sig)
{
	(void)sig;
	iretw_sig++;
}

/* the calling thread on CPU only: 0, or -1 with errno */
static int iretw_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static long long iretw_counter(const char *name)
{
	char path[96], buf[32];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), IRETW_D "%s", name);
	f = fopen(path, "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			v = strtoll(buf, NULL, 10);
		fclose(f);
	}
	return v;
}

static void *iretw_worker(void *arg)
{
	struct iretw_thread *t = arg;
	struct sigevent sev = { 0 };
	struct itimerspec its = { { 0, 1000000 }, { 0, 1000000 } };
	timer_t timer;
	long long n = 0;

	if (iretw_pin(t->cpu)) {
		snprintf(t->err, sizeof(t->err), "sched_setaffinity(cpu %d): %s", t->cpu, strerror(errno));
		return NULL;
	}
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGALRM;
	sev._sigev_un._tid = syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) || timer_settime(timer, 0, &its, NULL)) {
		snprintf(t->err, sizeof(t->err), "timer_create/settime: %s", strerror(errno));
		return NULL;
	}
	while (!iretw_stop) {
		syscall(SYS_getppid);
		/* wakes the reader on the last CPU: an IPI there */
		if (t->cpu == 0 && !(++n & 255) && write(iretw_pipe[1], "", 1) == 1)
			t->wakeups++;
		t->calls++;
	}
	timer_delete(timer);
	t->alarms = iretw_sig;
	t->ok = 1;
	return NULL;
}

/* the other end of worker 0's pipe, pinned to the CPU in ARG */
static void *iretw_reader(void *arg)
{
	char c[64];

	iretw_pin((int)(long)arg);
	while (read(iretw_pipe[0], c, sizeof(c)) > 0)
		;
	return NULL;
}

/* beside each worker: a timer event every 100 us on its CPU */
static void *iretw_ticker(void *arg)
{
	struct iretw_thread *t = arg;
	struct timespec gap = { 0, 100000 };

	iretw_pin(t->cpu);
	while (!iretw_stop) {
		clock_nanosleep(CLOCK_MONOTONIC, 0, &gap, NULL);
		t->ticks++;
	}
	return NULL;
}

static void *iretw_udp(void *arg)
{
	long long *sent = arg;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct timespec gap = { 0, 1000000 };
	char msg[64] = "iret-window";
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	inet_pton(AF_INET, "10.0.0.1", &to.sin_addr);
	while (s >= 0 && !iretw_stop) {
		if (sendto(s, msg, sizeof(msg), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			break;
		(*sent)++;
		nanosleep(&gap, NULL);
	}
	if (s >= 0)
		close(s);
	return NULL;
}

static void check_iret_window(void)
{
	struct iretw_thread *t;
	pthread_t tid[IRETW_MAX_CPUS], tick[IRETW_MAX_CPUS], udp, reader;
	char why[160];
	struct utsname u;
	struct sigaction sa = { .sa_handler = iretw_alarm };
	long long fix0, pend0, fix, pend, calls = 0, amin = -1, wakeups = 0, sent = 0, ticks = 0;
	long n = sysconf(_SC_NPROCESSORS_ONLN), i;
	double t0 = now_ms(), el;
	int have_udp, have_reader, ntick = 0;

	uname(&u);
	if (!is_xen_guest() || strcmp(u.machine, "i686")) {
		printf("TESTINIT: iret-window: not a 32-bit Xen PV guest (%s), not run\n", u.machine);
		return;
	}
	if (access(IRETW_D, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	fix0 = iretw_counter("iret_fixups");
	pend0 = iretw_counter("iret_pending");
	if (fix0 < 0 || pend0 < 0) {
		FAIL("iret-window", "no " IRETW_D "iret_fixups or iret_pending: this kernel does not return with a direct iret");
		return;
	}
	if (n > IRETW_MAX_CPUS)
		n = IRETW_MAX_CPUS;
	t = calloc(n, sizeof(*t));
	sigaction(SIGALRM, &sa, NULL);
	if (net_up(why, sizeof(why)))
		printf("INFO iret-window: no network, no UDP (%s)\n", why);
	iretw_stop = 0;
	if (pipe(iretw_pipe)) {
		FAIL("iret-window", "pipe: %s", strerror(errno));
		free(t);
		return;
	}
	have_reader = !pthread_create(&reader, NULL, iretw_reader, (void *)(n - 1));
	for (i = 0; i < n; i++) {
		t[i].cpu = i;
		if (pthread_create(&tid[i], NULL, iretw_worker, &t[i])) {
			iretw_stop = 1;
			while (i--)
				pthread_join(tid[i], NULL);
			FAIL("iret-window", "pthread_create: %s", strerror(errno));
			return;
		}
	}
	for (ntick = 0; ntick < n; ntick++)
		if (pthread_create(&tick[ntick], NULL, iretw_ticker, &t[ntick]))
			break;
	have_udp = !pthread_create(&udp, NULL, iretw_udp, &sent);
	do {
		usleep(500000);
		el = (now_ms() - t0) / 1000;
		fix = iretw_counter("iret_fixups") - fix0;
	} while (el < IRETW_MAX_S && (el < IRETW_MIN_S || fix <= 0));
	iretw_stop = 1;
	for (i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	for (i = 0; i < ntick; i++)
		pthread_join(tick[i], NULL);
	close(iretw_pipe[1]);
	if (have_reader)
		pthread_join(reader, NULL);
	close(iretw_pipe[0]);
	if (have_udp)
		pthread_join(udp, NULL);
	signal(SIGALRM, SIG_DFL);
	fix = iretw_counter("iret_fixups") - fix0;
	pend = iretw_counter("iret_pending") - pend0;
	for (i = 0; i < n; i++) {
		if (!t[i].ok) {
			FAIL("iret-window", "thread on cpu %ld: %s", i, t[i].err[0] ? t[i].err : "did not finish");
			free(t);
			return;
		}
		calls += t[i].calls;
		wakeups += t[i].wakeups;
		ticks += t[i].ticks;
		if (amin < 0 || t[i].alarms < amin)
			amin = t[i].alarms;
	}
	free(t);
	if (fix <= 0)
		FAIL("iret-window", "no event came inside the critical region in %.1f s (%lld system calls on %ld CPUs, %lld events pending at the check, %lld 100-us sleeps, %lld pipe wakeups on cpu %ld, %lld UDP datagrams): the region was not exercised",
		     el, calls, n, pend, ticks, wakeups, n - 1, sent);
	else if (amin <= 0)
		FAIL("iret-window", "a thread took no timer signal in %.1f s", el);
	else
		PASS("iret-window", "%lld events handled on the frame being returned to (%lld pending at the check) in %.1f s: %lld system calls on %ld CPUs, each thread's 1 kHz timer signal taken (at least %lld times), %lld 100-us sleeps, %lld pipe wakeups on cpu %ld, %lld UDP datagrams to dom0",
		     fix, pend, el, calls, n, amin, ticks, wakeups, n - 1, sent);
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

static void check_vsyscall(void)
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

/* the groups xtest= may name; "full" is all of them (scripts/rig/lib.sh knows the same list) */
#define FULL "basic,net,tcp,blk,fs,smp,clock,storm,ldt,meltdown,shutdown"

/* runs the checks of LIST (comma-separated groups); returns 1 when it names "shutdown" */
static int run_checks(const char *list)
{
	static const struct {
		const char *group, *name;
		void (*fn)(void);
		int timeout_s;
	} checks[] = {
		{ "basic", "basic-fork", check_fork, 60 },
		{ "basic", "basic-exec", check_exec, 60 },
		{ "basic", "basic-pthread", check_pthread, 60 },
		{ "basic", "basic-signal", check_signal, 60 },
		{ "basic", "basic-mmap", check_mmap, 60 },
		{ "basic", "basic-vsyscall", check_vsyscall, 60 },
		{ "net", "net-ping", check_net, 90 },
		{ "tcp", "net-tcp", check_tcp, 150 },
		{ "blk", "blk-rw", check_blk, 120 },
		{ "fs", "fs-file", check_fs, 120 },
		{ "smp", "smp-load", check_smp, 120 },
		{ "clock", "sleep-clock", check_clock, 120 },
		{ "storm", "fork-exec-storm", check_storm, 300 },
		{ "vdso", "vdso-pvclock", check_vdso, 120 },
		{ "hostile", "hostile-user", check_hostile, 300 },
		{ "ldt", "ldt-many", check_ldt, 300 },
		{ "meltdown", "meltdown-report", check_meltdown, 60 },
		{ "iretwin", "iret-window", check_iret_window, 120 },
	};
	char buf[256], *save, *t;
	size_t i;
	int known, shutdown = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		double t0 = now_ms();

		if (!strcmp(t, "full")) {
			shutdown |= run_checks(FULL);
			continue;
		}
		if (!strcmp(t, "shutdown")) {	/* done last, by main() */
			shutdown = 1;
			continue;
		}
		printf("TESTINIT: running %s\n", t);
		known = 0;
		for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
			if (!strcmp(t, checks[i].group)) {
				run_isolated(checks[i].name, checks[i].fn, checks[i].timeout_s);
				known = 1;
			}
		}
		if (!known)
			FAIL(t, "unknown check (known: %s, full)", FULL);
		printf("TESTINIT: %s took %.0f ms\n", t, now_ms() - t0);
	}
	return shutdown;
}

/* ------------------------------------------------------------------------------------- */
/* xl-shutdown: PID 1 waits; dom0's `xl shutdown` reaches the kernel through xenbus, whose  */
/* shutdown watch runs orderly_poweroff(), which executes /sbin/poweroff: this program     */
/* ------------------------------------------------------------------------------------- */

static int is_xen_guest(void)
{
	char type[16] = "";
	FILE *f = fopen("/sys/hypervisor/type", "r");

	if (f) {
		if (!fgets(type, sizeof(type), f))
			type[0] = 0;
		fclose(f);
	}
	return !strncmp(type, "xen", 3) || !access("/sys/bus/xen/devices", F_OK);
}

/* PID 1, after the other checks: hand over to the toolstack; returns only on failure */
static void wait_for_xl_shutdown(void)
{
	FILE *f;
	double t0 = now_ms();

	printf("TESTINIT: running shutdown\n");
	if (!is_xen_guest()) {
		FAIL("xl-shutdown", "not a Xen guest (no /sys/hypervisor/type \"xen\", no /sys/bus/xen)");
		return;
	}
	if (access("/sbin/poweroff", X_OK)) {
		FAIL("xl-shutdown", "no /sbin/poweroff in the initramfs: %s", strerror(errno));
		return;
	}
	f = fopen(SHUTDOWN_STATE, "w");
	if (!f || fprintf(f, "%d %d %.0f\n", counts->pass, counts->fail, t0) < 0 || fclose(f)) {
		FAIL("xl-shutdown", "writing %s: %s", SHUTDOWN_STATE, strerror(errno));
		return;
	}
	sync();
	printf("XTEST-SHUTDOWN: waiting for the toolstack (xl shutdown) to power this guest off; %d passed, %d failed so far\n",
	       counts->pass, counts->fail);
	fflush(stdout);
	while (now_ms() - t0 < SHUTDOWN_WAIT_S * 1000.0)
		sleep(1);
	unlink(SHUTDOWN_STATE);
	FAIL("xl-shutdown", "no shutdown request from the toolstack in %d s (or /sbin/poweroff did not power off)",
	     SHUTDOWN_WAIT_S);
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* invoked as poweroff (the kernel's poweroff_cmd, /sbin/poweroff -> /init) */
static int poweroff_main(void)
{
	int pass = 0, fail = 0;
	double since = 0;
	FILE *f;

	setup_console();	/* a usermode helper starts without open files */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* act only where PID 1 is this program: never power off a machine by mistake */
	if (!same_file("/proc/1/exe", "/proc/self/exe")) {
		fprintf(stderr, "poweroff: this is testinit's poweroff, and PID 1 is not testinit: refusing\n");
		return 1;
	}
	if (fault("shutdown-ignore")) {
		printf("INFO xfault=shutdown-ignore: /sbin/poweroff (pid %d) does nothing\n", getpid());
		return 0;
	}
	f = fopen(SHUTDOWN_STATE, "r");
	if (f && fscanf(f, "%d %d %lf", &pass, &fail, &since) == 3) {
		PASS("xl-shutdown", "/sbin/poweroff run by the kernel (pid %d, parent %d) %.0f ms after testinit began waiting for xl shutdown",
		     getpid(), getppid(), now_ms() - since);
	} else {
		FAIL("xl-shutdown", "/sbin/poweroff run (pid %d) while testinit was not waiting for it (%s)",
		     getpid(), f ? "unreadable state" : strerror(errno));
	}
	if (f)
		fclose(f);
	printf("TESTINIT: %d passed, %d failed\n", pass + counts->pass, fail + counts->fail);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	printf("TESTINIT: power off failed (%s)\n", strerror(errno));
	return 1;
}

/* ------------------------------------------------------------------------------------- */
/* lifecycle (xtest=lifecycle, make check-lifecycle): the guest is operated by dom0's      */
/* toolstack (xl sysrq, save/restore, migrate, mem-set, vcpu-set, reboot, shutdown,        */
/* destroy) while it checks the outcome itself. Handshake: the guest prints               */
/* "XTEST-LIFECYCLE: ready for ACTION (boot B step S)"; dom0's scripts/rig/dom0-lifecycle  */
/* (watching the console) runs the action and answers "DONE ACTION RC [detail]" over a    */
/* TCP connection to dom0's control server (testinit --serve ctl, port LC_CTL_PORT).      */
/* A marker on xvda (at LC_MARK_OFF) counts the boots: boot 1 runs the items and asks for */
/* xl reboot; boot 2 sees boot 1's marker (xl-reboot) and waits for xl shutdown; dom0     */
/* creates the guest again and boot 3 waits for xl destroy.                               */
/* ------------------------------------------------------------------------------------- */

#define LC_CTL_PORT 5003	/* dom0: testinit --serve ctl (DONE lines from dom0-lifecycle) */
#define LC_ECHO_PORT 5004	/* dom0: testinit --serve echo (echoes every byte back) */
#define LC_MARK_OFF (60u << 20)	/* the boot marker on xvda */
#define LC_FILE_OFF (8u << 20)	/* save/migrate: a 4 MiB pattern here (+ 8 MiB for migrate) */
#define LC_BLK_OFF (24u << 20)	/* the same for the block and network detach items */
#define LC_VIF_OFF (32u << 20)
#define LC_FILE_LEN (4u << 20)
#define LC_MEM_LEN (64u << 20)	/* the memory a process holds across save/migrate */
#define LC_CHUNK 16384		/* echo stream: bytes per send, then a pause */
#define LC_WAIT_S 60		/* bounds for what the guest waits for after DONE */

static int lc_ctl = -1, lc_boot, lc_step;

/* the byte at offset i of the stream/pattern of seed: stateless, so sender and receiver agree */
static inline uint64_t lc_word(uint64_t seed, uint64_t i)
{
	uint64_t z = seed + (i + 1) * 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline unsigned char lc_byte(uint64_t seed, uint64_t off)
{
	return lc_word(seed, off >> 3) >> (8 * (off & 7));
}

/* a line from the control connection into buf (no newline); 0, or -1 at EOF/error */
static int lc_readline(char *buf, size_t n)
{
	size_t l = 0;
	ssize_t r;
	char c;

	for (;;) {
		r = recv(lc_ctl, &c, 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (c == '\n')
			break;
		if (l < n - 1)
			buf[l++] = c;
	}
	buf[l] = 0;
	return 0;
}

/*
 * Ask dom0 for ACTION and wait (no time limit: a save under load took 40 s, and dom0 bounds
 * its side) for "DONE ACTION RC detail". Returns RC (0: dom0 did it), -1 when the control
 * connection failed; detail (may be NULL) gets the rest of the line.
 */
static int lc_action_wait(const char *action, char *detail, size_t n);

static int lc_action(const char *action, char *detail, size_t n)
{
	printf("XTEST-LIFECYCLE: ready for %s (boot %d step %d)\n", action, lc_boot, ++lc_step);
	fflush(stdout);
	return lc_action_wait(action, detail, n);
}

/* the second half of lc_action(): for an action during which the guest has work of its own */
static int lc_action_wait(const char *action, char *detail, size_t n)
{
	char line[512], name[64];
	int rc, off = 0;

	for (;;) {
		if (lc_readline(line, sizeof(line))) {
			printf("INFO lifecycle: control connection to dom0 lost waiting for %s: %s\n",
			       action, strerror(errno));
			return -1;
		}
		if (sscanf(line, "DONE %63s %d %n", name, &rc, &off) >= 2 && !strcmp(name, action))
			break;
		printf("INFO lifecycle: unexpected control line \"%s\" waiting for %s\n", line, action);
	}
	printf("INFO lifecycle: dom0: %s\n", line);
	if (detail)
		snprintf(detail, n, "%s", off ? line + off : "");
	return rc;
}

static int lc_open_xvda(int flags, char *why, size_t n)
{
	char dev[32];
	int fd;

	if (wait_blockdev("xvda", dev, sizeof(dev), 20000)) {
		snprintf(why, n, "no /dev/xvda after 20 s");
		return -1;
	}
	fd = open(dev, flags);
	if (fd < 0)
		snprintf(why, n, "open %s: %s", dev, strerror(errno));
	return fd;
}

/* the boot marker: "XTEST-LC boot=N state=S token=T" in the first 512 bytes at LC_MARK_OFF */
static int lc_mark_read(int *boot, char *state, size_t sn, unsigned long long *token)
{
	char why[128];
	unsigned char *b;
	int fd = lc_open_xvda(O_RDONLY | O_DIRECT, why, sizeof(why)), ok = -1;

	if (fd < 0 || posix_memalign((void **)&b, 4096, 4096))
		return -1;
	if (pread_all(fd, b, 4096, LC_MARK_OFF) == 0) {
		char st[32];

		b[511] = 0;
		if (sscanf((char *)b, "XTEST-LC boot=%d state=%31s token=%llx", boot, st, token) == 3) {
			snprintf(state, sn, "%s", st);
			ok = 0;
		} else {
			*boot = 0;
			ok = 0;
		}
	}
	close(fd);
	free(b);
	return ok;
}

static int lc_mark_write(int boot, const char *state, unsigned long long token)
{
	char why[128];
	unsigned char *b;
	int fd = lc_open_xvda(O_RDWR | O_DIRECT, why, sizeof(why)), r = -1;

	if (fd < 0 || posix_memalign((void **)&b, 4096, 4096))
		return -1;
	memset(b, 0, 4096);
	snprintf((char *)b, 512, "XTEST-LC boot=%d state=%s token=%llx\n", boot, state, token);
	if (pwrite(fd, b, 4096, LC_MARK_OFF) == 4096 && !fsync(fd))
		r = 0;
	close(fd);
	free(b);
	return r;
}

/* --- work in flight across save/restore and migration ---------------------------------- */

struct lc_shared {		/* shared with the memory holder and the stream threads */
	volatile int stop_stream;
	volatile unsigned long long sent, recvd, bad_at, bad;
	volatile int send_err, recv_err;
	volatile long long mono_back_ns, mono_samples;
	volatile int stop_sampler;
};

struct lc_work {
	uint64_t seed;
	int holder_cmd[2], holder_res[2];
	pid_t holder;
	int echo;
	pthread_t tx, rx, sampler;
	struct lc_shared *sh;
	long long mono_before;
};

static void lc_holder(uint64_t seed, int cmd, int res)
{
	uint64_t *m = mmap(NULL, LC_MEM_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i, nw = LC_MEM_LEN / 8;
	unsigned long long passes = 0, bad = 0, first = ~0ull;
	char c, out[160];
	struct pollfd p = { .fd = cmd, .events = POLLIN };

	if (m == MAP_FAILED) {
		snprintf(out, sizeof(out), "ERR mmap %u MiB: %s\n", LC_MEM_LEN >> 20, strerror(errno));
		if (write(res, out, strlen(out)) < 0)
			_exit(1);
		_exit(1);
	}
	for (i = 0; i < nw; i++)
		m[i] = lc_word(seed, i);
	if (write(res, "READY\n", 6) < 0)
		_exit(1);
	/* verify over and over (work in flight) until told to stop; 'c' corrupts one word first */
	for (;;) {
		for (i = 0; i < nw; i++)
			if (m[i] != lc_word(seed, i)) {
				if (first == ~0ull)
					first = i * 8;
				bad++;
				m[i] = lc_word(seed, i);
			}
		passes++;
		if (poll(&p, 1, 100) == 1) {
			if (read(cmd, &c, 1) != 1 || c == 'q')
				break;
			if (c == 'c')	/* xfault=lc-mem-corrupt */
				m[nw / 3] ^= 0x400;
		}
	}
	/* the final pass after the toolstack's action */
	for (i = 0; i < nw; i++)
		if (m[i] != lc_word(seed, i)) {
			if (first == ~0ull)
				first = i * 8;
			bad++;
		}
	passes++;
	snprintf(out, sizeof(out), "RESULT passes=%llu bad=%llu first=%lld\n", passes, bad,
		 first == ~0ull ? -1LL : (long long)first);
	if (write(res, out, strlen(out)) < 0)
		_exit(1);
	_exit(0);
}

static void *lc_tx(void *p)
{
	struct lc_work *w = p;
	unsigned char buf[LC_CHUNK];
	unsigned long long off = 0;
	size_t i;
	ssize_t r;

	while (!w->sh->stop_stream) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = lc_byte(w->seed, off + i);
		if (fault("lc-tcp-corrupt") && w->sh->stop_stream == 0 && off == LC_CHUNK * 8)
			buf[100] ^= 0x20;	/* sent corrupted: the echo must not match */
		for (i = 0; i < sizeof(buf); i += r) {
			r = send(w->echo, buf + i, sizeof(buf) - i, MSG_NOSIGNAL);
			if (r < 0 && errno == EINTR) {
				r = 0;
				continue;
			}
			if (r <= 0) {
				w->sh->send_err = r ? errno : EPIPE;
				return NULL;
			}
		}
		off += sizeof(buf);
		w->sh->sent = off;
		usleep(50000);
	}
	return NULL;
}

static void *lc_rx(void *p)
{
	struct lc_work *w = p;
	unsigned char buf[8192];
	unsigned long long off = 0;
	ssize_t r, i;

	for (;;) {
		r = recv(w->echo, buf, sizeof(buf), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (!w->sh->stop_stream || w->sh->recvd < w->sh->sent)
				w->sh->recv_err = r ? errno : ECONNRESET;
			return NULL;
		}
		for (i = 0; i < r; i++)
			if (buf[i] != lc_byte(w->seed, off + i)) {
				if (!w->sh->bad)
					w->sh->bad_at = off + i;
				w->sh->bad++;
			}
		off += r;
		w->sh->recvd = off;
	}
}

static void *lc_sampler(void *p)
{
	struct lc_work *w = p;
	long long last = mono_ns(), now;

	while (!w->sh->stop_sampler) {
		now = mono_ns();
		if (now < last && last - now > w->sh->mono_back_ns)
			w->sh->mono_back_ns = last - now;
		last = now;
		w->sh->mono_samples++;
		usleep(2000);
	}
	return NULL;
}

/* writes the file pattern for PREFIX to xvda; 0 or -1 (with a FAIL) */
static int lc_file_write(const char *prefix, uint64_t seed, off_t off)
{
	char why[128], name[64];
	unsigned char *b;
	size_t i;
	int fd = lc_open_xvda(O_RDWR | O_DIRECT, why, sizeof(why)), r = -1;

	snprintf(name, sizeof(name), "%s-file", prefix);
	if (fd < 0) {
		FAIL(name, "%s", why);
		return -1;
	}
	if (posix_memalign((void **)&b, 4096, LC_FILE_LEN)) {
		FAIL(name, "out of memory");
		close(fd);
		return -1;
	}
	for (i = 0; i < LC_FILE_LEN; i++)
		b[i] = lc_byte(seed ^ 0xf11e, i);
	if (pwrite(fd, b, LC_FILE_LEN, off) != LC_FILE_LEN || fsync(fd))
		FAIL(name, "writing %u bytes at %lld of xvda: %s", LC_FILE_LEN, (long long)off, strerror(errno));
	else
		r = 0;
	close(fd);
	free(b);
	return r;
}

static void lc_file_verify(const char *prefix, uint64_t seed, off_t off)
{
	char why[128], name[64];
	unsigned char *b;
	size_t i;
	int fd, d;

	snprintf(name, sizeof(name), "%s-file", prefix);
	if (fault("lc-file-corrupt")) {	/* one sector changed behind the check's back */
		fd = lc_open_xvda(O_RDWR | O_DIRECT, why, sizeof(why));
		if (fd >= 0 && !posix_memalign((void **)&b, 4096, 4096)) {
			memset(b, 0x5a, 4096);
			if (pwrite(fd, b, 4096, off + 8192) != 4096)
				printf("INFO xfault=lc-file-corrupt: pwrite: %s\n", strerror(errno));
			fsync(fd);
			free(b);
		}
		if (fd >= 0)
			close(fd);
	}
	d = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (d >= 0) {
		if (write(d, "3\n", 2) < 0)
			printf("INFO %s: drop_caches: %s\n", name, strerror(errno));
		close(d);
	}
	fd = lc_open_xvda(O_RDONLY | O_DIRECT, why, sizeof(why));
	if (fd < 0) {
		FAIL(name, "%s", why);
		return;
	}
	if (posix_memalign((void **)&b, 4096, LC_FILE_LEN) || pread_all(fd, b, LC_FILE_LEN, off)) {
		FAIL(name, "reading back %u bytes at %lld of xvda: %s", LC_FILE_LEN, (long long)off, strerror(errno));
		close(fd);
		return;
	}
	close(fd);
	for (i = 0; i < LC_FILE_LEN && b[i] == lc_byte(seed ^ 0xf11e, i); i++)
		;
	if (i != LC_FILE_LEN)
		FAIL(name, "xvda at %lld differs from the data written before the action at byte %zu",
		     (long long)off, i);
	else
		PASS(name, "%u bytes written to xvda at %lld (O_DIRECT, fsync) before, read back equal after (O_DIRECT, caches dropped)",
		     LC_FILE_LEN, (long long)off);
	free(b);
}

/* starts the work: memory holder, echo stream, clock sampler, file on xvda; 0 or -1 */
static int lc_work_start(struct lc_work *w, const char *prefix, off_t file_off)
{
	char why[160], line[64], name[64];
	ssize_t r;

	memset(w, 0, sizeof(*w));
	w->seed = random_seed();
	w->sh = mmap(NULL, sizeof(*w->sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	snprintf(name, sizeof(name), "%s-mem", prefix);
	if (w->sh == MAP_FAILED || pipe(w->holder_cmd) || pipe(w->holder_res)) {
		FAIL(name, "mmap/pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	w->holder = fork();
	if (w->holder == 0) {
		close(w->holder_cmd[1]);
		close(w->holder_res[0]);
		lc_holder(w->seed, w->holder_cmd[0], w->holder_res[1]);
	}
	close(w->holder_cmd[0]);
	close(w->holder_res[1]);
	r = read(w->holder_res[0], line, sizeof(line) - 1);
	line[r > 0 ? r : 0] = 0;
	if (strncmp(line, "READY", 5)) {
		FAIL(name, "the memory holder did not start: %s", line);
		return -1;
	}
	snprintf(name, sizeof(name), "%s-tcp", prefix);
	w->echo = dom0_connect(LC_ECHO_PORT, why, sizeof(why));
	if (w->echo < 0) {
		FAIL(name, "%s", why);
		return -1;
	}
	{	/* no timeouts on the stream: a send may block for the whole save */
		struct timeval tv = { 0 };

		setsockopt(w->echo, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(w->echo, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	pthread_create(&w->tx, NULL, lc_tx, w);
	pthread_create(&w->rx, NULL, lc_rx, w);
	pthread_create(&w->sampler, NULL, lc_sampler, w);
	if (lc_file_write(prefix, w->seed, file_off))
		return -1;
	/* let the stream run a moment, so bytes are in flight when the action starts */
	usleep(500000);
	printf("INFO %s: in flight: a process holding %u MiB (seed 0x%016llx, verified in a loop), an echo stream to %s:%d (%llu bytes sent, %llu echoed so far), %u bytes on xvda at %lld\n",
	       prefix, LC_MEM_LEN >> 20, (unsigned long long)w->seed, DOM0_IP, LC_ECHO_PORT,
	       w->sh->sent, w->sh->recvd, LC_FILE_LEN, (long long)file_off);
	w->mono_before = mono_ns();
	if (fault("lc-clock-back"))	/* as if the clock had been an hour ahead before */
		w->mono_before += 3600LL * 1000000000LL;
	return 0;
}

/* after the action: every check of the work */
static void lc_work_check(struct lc_work *w, const char *prefix, off_t file_off, double action_ms)
{
	char name[64], line[160];
	unsigned long long passes, bad, at_done, sent;
	long long first, after = mono_ns(), t0;
	double w0;
	ssize_t r;
	int st, tfd;

	/* clock: CLOCK_MONOTONIC across the action, and the sampler's largest backward step */
	snprintf(name, sizeof(name), "%s-clock", prefix);
	if (after < w->mono_before)
		FAIL(name, "CLOCK_MONOTONIC went back %.3f s across the action (before %.3f s, after %.3f s)",
		     (w->mono_before - after) / 1e9, w->mono_before / 1e9, after / 1e9);
	else if (w->sh->mono_back_ns)
		FAIL(name, "a thread sampling CLOCK_MONOTONIC every 2 ms saw it go back %lld ns", w->sh->mono_back_ns);
	else
		PASS(name, "CLOCK_MONOTONIC +%.3f s across the action (%.1f s from ready to DONE by this clock, which stands still while the domain is suspended), never went back in %lld samples of a thread sampling it",
		     (after - w->mono_before) / 1e9, action_ms / 1e3, w->sh->mono_samples);

	/* timers: a timerfd and a nanosleep armed after the action must fire */
	snprintf(name, sizeof(name), "%s-timer", prefix);
	t0 = mono_ns();
	tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	{
		struct itimerspec its = { .it_value = { .tv_sec = fault("lc-timer-lost") ? 3600 : 1 } };
		struct pollfd p = { .fd = tfd, .events = POLLIN };
		struct timespec ns = { 0, 500000000 };
		uint64_t exp = 0;
		int pr;

		if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL)) {
			FAIL(name, "timerfd: %s", strerror(errno));
		} else {
			pr = poll(&p, 1, 60000);
			if (pr != 1 || read(tfd, &exp, sizeof(exp)) != sizeof(exp) || exp < 1) {
				FAIL(name, "a 1 s timerfd armed after the action did not fire within 60 s (poll %d)", pr);
			} else {
				double tf = (mono_ns() - t0) / 1e9;

				w0 = now_ms();
				while (nanosleep(&ns, &ns) && errno == EINTR)
					;
				w0 = now_ms() - w0;
				if (tf < 0.999 || w0 < 499)
					FAIL(name, "timerfd fired after %.3f s (armed 1 s), nanosleep 0.5 s took %.0f ms", tf, w0);
				else
					PASS(name, "a 1 s timerfd fired after %.3f s, a 0.5 s nanosleep took %.0f ms", tf, w0);
			}
		}
		if (tfd >= 0)
			close(tfd);
	}

	/* the echo stream carries on: more bytes both ways after the action, all equal */
	snprintf(name, sizeof(name), "%s-tcp", prefix);
	at_done = w->sh->recvd;
	t0 = mono_ns();
	while (w->sh->recvd < at_done + 4 * LC_CHUNK && !w->sh->recv_err && !w->sh->send_err &&
	       mono_ns() - t0 < LC_WAIT_S * 1000000000LL)
		usleep(100000);
	w->sh->stop_stream = 1;
	pthread_join(w->tx, NULL);
	sent = w->sh->sent;
	t0 = mono_ns();
	while (w->sh->recvd < sent && !w->sh->recv_err && mono_ns() - t0 < LC_WAIT_S * 1000000000LL)
		usleep(100000);
	shutdown(w->echo, SHUT_RDWR);
	pthread_join(w->rx, NULL);
	close(w->echo);
	if (w->sh->send_err || w->sh->recv_err)
		FAIL(name, "the echo connection broke: send %s, recv %s (%llu bytes sent, %llu echoed, %llu of them at DONE)",
		     w->sh->send_err ? strerror(w->sh->send_err) : "ok",
		     w->sh->recv_err ? strerror(w->sh->recv_err) : "ok", sent, w->sh->recvd, at_done);
	else if (w->sh->bad)
		FAIL(name, "%llu of the %llu bytes echoed by dom0 differ from what was sent, the first at stream offset %llu",
		     w->sh->bad, w->sh->recvd, w->sh->bad_at);
	else if (w->sh->recvd != sent || w->sh->recvd <= at_done)
		FAIL(name, "%llu bytes sent, %llu echoed (%llu at DONE): the stream did not carry on",
		     sent, w->sh->recvd, at_done);
	else
		PASS(name, "one TCP connection to dom0's echo server across the action: %llu bytes sent and echoed back equal (%llu of them after DONE)",
		     sent, sent - at_done);

	/* memory: the holder's pattern, checked by its last pass */
	snprintf(name, sizeof(name), "%s-mem", prefix);
	if (fault("lc-mem-corrupt") && write(w->holder_cmd[1], "c", 1) != 1)
		printf("INFO xfault=lc-mem-corrupt: %s\n", strerror(errno));
	if (write(w->holder_cmd[1], "q", 1) != 1)
		printf("INFO %s: telling the holder to stop: %s\n", name, strerror(errno));
	r = read(w->holder_res[0], line, sizeof(line) - 1);
	line[r > 0 ? r : 0] = 0;
	waitpid(w->holder, &st, 0);
	if (sscanf(line, "RESULT passes=%llu bad=%llu first=%lld", &passes, &bad, &first) != 3)
		FAIL(name, "the memory holder (pid %d) gave no result (status 0x%x, \"%s\")", w->holder, st, line);
	else if (bad)
		FAIL(name, "%llu words of the %u MiB pattern changed, the first at byte %lld (%llu passes)",
		     bad, LC_MEM_LEN >> 20, first, passes);
	else
		PASS(name, "a process's %u MiB pattern intact: %llu verification passes before, during and after the action",
		     LC_MEM_LEN >> 20, passes);
	close(w->holder_cmd[1]);
	close(w->holder_res[0]);

	lc_file_verify(prefix, w->seed, file_off);

	w->sh->stop_sampler = 1;
	pthread_join(w->sampler, NULL);
	munmap((void *)w->sh, sizeof(*w->sh));
}

/* save/restore or migration with work in flight: PREFIX save or migrate */
/*
 * The kernel thread that suspends the domain (xenwatch, where the "control/shutdown" watch
 * runs do_suspend()) onto CPU (-1: any CPU again). With it on cpu1, cpu0 idles while the
 * suspend path shuts ticks down and starts stop_machine(): how the clockevents WARNING at
 * xl save came about (xen-suspend-secondary-ticks-in-stop-machine.patch).
 */
static int lc_pin_xenwatch(int cpu, char *why, size_t len)
{
	char path[300], comm[32];
	struct dirent *e;
	cpu_set_t set;
	pid_t pid = 0;
	DIR *d = opendir("/proc");
	FILE *f;

	while (d && !pid && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (f && fgets(comm, sizeof(comm), f) && !strcmp(comm, "xenwatch\n"))
			pid = atoi(e->d_name);
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	if (!pid) {
		snprintf(why, len, "no xenwatch thread in /proc");
		return -1;
	}
	CPU_ZERO(&set);
	if (cpu >= 0) {
		CPU_SET(cpu, &set);
	} else {
		CPU_SET(0, &set);
		CPU_SET(1, &set);
	}
	if (sched_setaffinity(pid, sizeof(set), &set)) {
		snprintf(why, len, "sched_setaffinity(xenwatch, pid %d, cpu %d): %s", pid, cpu, strerror(errno));
		return -1;
	}
	return 0;
}

/* SUSPEND_CPU: the vCPU xenwatch, and so the guest's suspend path, runs on */
static void lc_suspend_item(const char *action, const char *prefix, off_t file_off, int suspend_cpu)
{
	struct lc_work w;
	char detail[256], name[64], why[160];
	double t0;
	int rc;

	snprintf(name, sizeof(name), "%s-action", prefix);
	if (lc_pin_xenwatch(suspend_cpu, why, sizeof(why))) {
		FAIL(name, "cannot run the suspend on cpu%d: %s", suspend_cpu, why);
		return;
	}
	printf("INFO %s: the guest's suspend runs on cpu%d (xenwatch pinned there)\n", prefix, suspend_cpu);
	if (lc_work_start(&w, prefix, file_off))
		return;
	t0 = now_ms();
	rc = lc_action(action, detail, sizeof(detail));
	if (rc)
		FAIL(name, "dom0 reports %s failed (rc %d): %s", action, rc, detail);
	if (lc_pin_xenwatch(-1, why, sizeof(why)))
		FAIL(name, "xenwatch back on both vCPUs: %s", why);
	lc_work_check(&w, prefix, file_off, now_ms() - t0);
}

/* --- sysrq ----------------------------------------------------------------------------- */

/* the kernel log (klogctl READ_ALL) into a malloc'd string */
static char *lc_dmesg(void)
{
	int n = klogctl(10 /* SIZE_BUFFER */, NULL, 0);
	char *b;

	if (n <= 0)
		n = 1 << 17;
	b = malloc(n + 1);
	if (!b)
		return NULL;
	n = klogctl(3 /* READ_ALL */, b, n);
	b[n > 0 ? n : 0] = 0;
	return b;
}

static void lc_readstr(const char *path, char *buf, size_t n);

/* occurrences of WANT in S; *last (if given) gets the last one */
static int lc_count(const char *s, const char *want, char **last)
{
	int n = 0;
	const char *p;

	for (p = s; p && (p = strstr(p, want)); p++) {
		n++;
		if (last)
			*last = (char *)p;
	}
	return n;
}

static void lc_sysrq(void)
{
	char *before = lc_dmesg(), *after, *hit;
	const char *want = fault("lc-sysrq-wrongkey") ? "sysrq: Show State" : "sysrq: Show Memory";
	char old[16] = "";
	int n0 = lc_count(before, want, NULL), rc, fd;

	/* enable every sysrq function, as an admin would (sysctl kernel.sysrq=1): Debian's
	 * default mask (0x1b6) leaves out 'm' ("sysrq: This sysrq operation is disabled.") */
	lc_readstr("/proc/sys/kernel/sysrq", old, sizeof(old));
	fd = open("/proc/sys/kernel/sysrq", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			printf("INFO xl-sysrq: kernel.sysrq=1: %s\n", strerror(errno));
		close(fd);
		printf("INFO xl-sysrq: kernel.sysrq was %s, set to 1\n", old);
	}
	rc = lc_action("sysrq", NULL, 0);
	double t0 = now_ms();

	if (rc) {
		FAIL("xl-sysrq", "dom0: xl sysrq failed (rc %d)", rc);
		free(before);
		return;
	}
	/* the kernel handles it in its xenbus watch: give it a few seconds */
	for (;;) {
		after = lc_dmesg();
		/* one more of these lines than before (READ_ALL gives the newest part of the log, so
		 * an offset into it would miss new lines once the buffer is full) */
		hit = NULL;
		if (after && lc_count(after, want, &hit) <= n0)
			hit = NULL;
		if (hit || now_ms() - t0 > 10000)
			break;
		free(after);
		sleep(1);
	}
	if (hit)
		PASS("xl-sysrq", "after xl sysrq m the kernel log says \"%.*s\"%s", (int)strcspn(hit, "\n"), hit,
		     strstr(hit, "Mem-Info") ? " and shows Mem-Info" : "");
	else
		FAIL("xl-sysrq", "no \"%s\" in the kernel log 10 s after xl sysrq m%s%s", want,
		     after && lc_count(after, "sysrq: This sysrq operation is disabled", NULL) >
		     lc_count(before, "sysrq: This sysrq operation is disabled", NULL) ?
		     " (the kernel says \"sysrq: This sysrq operation is disabled.\")" : "",
		     access("/proc/sysrq-trigger", F_OK) ?
		     " (this kernel has no /proc/sysrq-trigger: built without CONFIG_MAGIC_SYSRQ, so drivers/xen/manage.c registers no control/sysrq watch)" : "");
	free(before);
	free(after);
}

/* --- nmi ------------------------------------------------------------------------------- */

#define LC_NMIS 3	/* dom0 sends this many, 2 s apart */

/* the NMIs the kernel has taken: the sum of /proc/interrupts' "NMI:" row, -1 if none */
static long long lc_nmi_count(void)
{
	char line[1024], *p, *e;
	long long sum = -1;
	FILE *f = fopen("/proc/interrupts", "r");

	while (f && fgets(line, sizeof(line), f)) {
		p = line + strspn(line, " ");
		if (strncmp(p, "NMI:", 4))
			continue;
		sum = 0;
		for (p += 4;; p = e) {
			long long v = strtoll(p, &e, 10);

			if (e == p)
				break;
			sum += v;
		}
	}
	if (f)
		fclose(f);
	return sum;
}

/*
 * xl trigger GUEST nmi, LC_NMIS times: Xen lets a vCPU's next virtual NMI in only once the
 * guest has returned from the last one with the iret hypercall, so each must be taken (a
 * return from an NMI that skipped the hypercall would leave the later ones blocked)
 */
static void lc_nmi(void)
{
	char detail[160] = "";
	long long n0 = lc_nmi_count(), n = n0;
	double t0;
	int rc;

	if (n0 < 0) {
		FAIL("xl-nmi", "no NMI row in /proc/interrupts");
		return;
	}
	rc = lc_action("nmi", detail, sizeof(detail));
	if (rc) {
		FAIL("xl-nmi", "dom0: xl trigger nmi failed (rc %d%s%s)", rc, detail[0] ? ": " : "", detail);
		return;
	}
	for (t0 = now_ms(); now_ms() - t0 < 10000; sleep(1)) {
		n = lc_nmi_count();
		if (n - n0 >= LC_NMIS)
			break;
	}
	if (n - n0 == LC_NMIS)
		PASS("xl-nmi", "%d NMIs sent by dom0 (xl trigger nmi, 2 s apart), %lld taken (/proc/interrupts NMI)",
		     LC_NMIS, n - n0);
	else
		FAIL("xl-nmi", "%d NMIs sent by dom0 (xl trigger nmi, 2 s apart), %lld taken in 10 s after the last (/proc/interrupts NMI)",
		     LC_NMIS, n - n0);
}

/* --- balloon --------------------------------------------------------------------------- */

static long long lc_meminfo(const char *key)
{
	char line[128];
	long long v = -1;
	size_t kl = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':')
			v = atoll(line + kl + 1);
	if (f)
		fclose(f);
	return v;
}

static long long lc_sysval(const char *path)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");
	long long v = -1;

	if (f) {
		if (fgets(buf, sizeof(buf), f))
			v = atoll(buf);
		fclose(f);
	}
	return v;
}

#define BALLOON "/sys/devices/system/xen_memory/xen_memory0"

/*
 * Inside Xen's PV shim the domain also holds the shim's own memory, which the guest never gets:
 * the guest boots short of its target by that share (the shim's "failed to allocate N extents
 * ... for onlining") and reaches a target only up to the domain's size less the share. The
 * domain's size is the larger of the target at first and the target now. lc_balloon() sets
 * both from what the guest had at first; 0 for a plain PV guest.
 */
static long long lc_balloon_tgt0, lc_balloon_share;

/*
 * waits up to SECS until current_kb is within 2 MiB of what target_kb lets the guest have (the
 * target itself for a plain PV guest); the time in ms, or -1
 */
static double lc_balloon_settle_s(long long *cur, long long *tgt, int secs)
{
	double t0 = now_ms();
	long long want;

	for (;;) {
		*cur = lc_sysval(BALLOON "/info/current_kb");
		*tgt = lc_sysval(BALLOON "/target_kb");
		want = (*tgt > lc_balloon_tgt0 ? *tgt : lc_balloon_tgt0) - lc_balloon_share;
		if (want > *tgt)
			want = *tgt;
		if (*cur > 0 && *tgt > 0 && llabs(*cur - want) <= 2048)
			return now_ms() - t0;
		if (now_ms() - t0 > secs * 1000.0)
			return -1;
		usleep(250000);
	}
}

/* the same for LC_WAIT_S */
static double lc_balloon_settle(long long *cur, long long *tgt)
{
	return lc_balloon_settle_s(cur, tgt, LC_WAIT_S);
}

/*
 * balloon-oom: with the guest ballooned down to half, a process allocates and touches memory
 * in 1 MiB steps until the kernel stops it. The OOM killer must pick it (SIGKILL, "Out of
 * memory: Killed process PID" in the kernel log) while a bystander holding 4 MiB of a pattern
 * lives on with its pattern intact. xfault=lc-oom-spare: the hog stops at half of MemFree.
 */
static void lc_oom(long long free_kb)
{
	const size_t by_len = 4u << 20, step = 1u << 20;
	/* in 64 bits: twice 1.7 GiB overflowed the 32-bit guest's size_t (a 1303 MiB hog) */
	unsigned long long want = (unsigned long long)free_kb * 1024 * (fault("lc-oom-spare") ? 1 : 4) / 2;
	size_t limit = want < 0xb0000000ULL ? (size_t)want : 0xb0000000u, got = 0, i;
	int pfd[2], by_cmd[2], st = 0, bst = 0, mib, last = 0;
	char needle[64], *log;
	pid_t hog, by;

	if (pipe(pfd) || pipe(by_cmd)) {
		FAIL("balloon-oom", "pipe: %s", strerror(errno));
		return;
	}
	fflush(stdout);
	by = fork();
	if (by == 0) {
		unsigned char *b = malloc(by_len);
		char c;

		close(pfd[0]);
		close(pfd[1]);
		close(by_cmd[1]);
		for (i = 0; b && i < by_len; i++)
			b[i] = (unsigned char)(i * 7 + 3);
		if (read(by_cmd[0], &c, 1) != 1)
			_exit(2);
		for (i = 0; b && i < by_len && b[i] == (unsigned char)(i * 7 + 3); i++)
			;
		_exit(!b ? 3 : i == by_len ? 0 : 1);
	}
	if (by < 0) {
		FAIL("balloon-oom", "fork: %s", strerror(errno));
		return;
	}
	hog = fork();
	if (hog == 0) {
		unsigned char *m;

		close(pfd[0]);
		close(by_cmd[0]);
		close(by_cmd[1]);
		for (got = 0; got < limit; got += step) {
			m = mmap(NULL, step, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (m == MAP_FAILED)
				_exit(3);
			for (i = 0; i < step; i += 4096)
				m[i] = (unsigned char)(got >> 20);
			mib = (int)(got >> 20) + 1;
			if (!(mib % 8) && write(pfd[1], &mib, sizeof(mib)) != sizeof(mib))
				_exit(4);
		}
		_exit(0);
	}
	close(pfd[1]);
	if (hog < 0) {
		FAIL("balloon-oom", "fork: %s", strerror(errno));
		kill(by, SIGKILL);
		waitpid(by, NULL, 0);
		return;
	}
	/* the hog's progress, every 8 MiB: how far it got */
	while (read(pfd[0], &mib, sizeof(mib)) == sizeof(mib))
		last = mib;
	close(pfd[0]);
	waitpid(hog, &st, 0);
	if (write(by_cmd[1], "c", 1) != 1)
		printf("INFO balloon-oom: telling the bystander to check: %s\n", strerror(errno));
	waitpid(by, &bst, 0);
	close(by_cmd[0]);
	close(by_cmd[1]);
	log = lc_dmesg();
	snprintf(needle, sizeof(needle), "Out of memory: Killed process %d ", (int)hog);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		FAIL("balloon-oom", "the process allocating %zu MiB (of %lld kB free) was not killed: status 0x%x, %d MiB touched",
		     limit >> 20, free_kb, st, last);
	else if (!log || !strstr(log, needle))
		FAIL("balloon-oom", "the allocating process (pid %d) got SIGKILL, but the kernel log has no \"%s\"",
		     (int)hog, needle);
	else if (!WIFEXITED(bst) || WEXITSTATUS(bst))
		FAIL("balloon-oom", "the bystander holding 4 MiB did not come through intact: status 0x%x", bst);
	else
		PASS("balloon-oom", "ballooned to half, a process allocating up to %zu MiB (%lld kB free) was killed by the OOM killer after %d-%d MiB; a bystander's 4 MiB intact, the kernel runs on",
		     limit >> 20, free_kb, last, last + 8);
	free(log);
}

/* what a balloon-max process found: 1 verified (-2 mmap failed, -3 pattern wrong) */
struct lc_bmax_result {
	int ok;
	long long pages, high;	/* pages mapped; of them, pfns at or above 4 GiB */
};

/* a balloon-max process: waits for a length in kB, maps, touches, verifies, counts pfns */
static void lc_bmax_child(int in, int out)
{
	struct lc_bmax_result r = { 0, 0, 0 };
	static uint64_t pm[1024];
	long long len_kb;
	unsigned char *p;
	size_t len, j, k;
	int fd;

	if (read(in, &len_kb, sizeof(len_kb)) != sizeof(len_kb))
		_exit(1);
	len = (size_t)len_kb * 1024;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED) {
		r.ok = -2;
		goto out;
	}
	for (j = 0; j < len; j += 4096)
		p[j] = (unsigned char)(j >> 12) ^ 0x5a;
	r.ok = 1;
	for (j = 0; j < len; j += 4096)
		if (p[j] != ((unsigned char)(j >> 12) ^ 0x5a))
			r.ok = -3;
	/* the frames behind the mapping (root sees PFNs in pagemap: bit 63 present, 0-54 PFN) */
	fd = open("/proc/self/pagemap", O_RDONLY);
	for (j = 0; fd >= 0 && j < len; j += sizeof(pm) / 8 * 4096) {
		ssize_t got = pread(fd, pm, sizeof(pm), (off_t)(((uintptr_t)p + j) >> 12) * 8);

		for (k = 0; got > 0 && k < (size_t)got / 8; k++) {
			if (!(pm[k] >> 63))
				continue;
			r.pages++;
			if ((pm[k] & ((1ULL << 55) - 1)) >= 0x100000)
				r.high++;
		}
	}
	if (fd >= 0)
		close(fd);
out:
	if (write(out, &r, sizeof(r)) != sizeof(r))
		_exit(4);
	pause();
	_exit(0);
}

/*
 * balloon-max (xmaxmem=MiB, boot-xen.sh MAXMEM): with a maxmem above memory, dom0 grows the
 * guest to maxmem. The balloon then populates pfns of the extra region the kernel reserved at
 * boot, above 4 GiB of pfns when maxmem is, where the p2m may get page-table entries that
 * page tables made before cannot see. So a process forked before the growth maps, touches and
 * verifies up to 1.5 GiB after it, and counts through /proc/self/pagemap the frames at or
 * above 4 GiB it got: none means the path was not exercised (a failure too). balloon-back:
 * dom0 sets memory again.
 */
static void lc_balloon_max(long long cur0)
{
	char *v = cmdline_value("xmaxmem");
	long long max_kb = v ? atoll(v) * 1024 : 0, tot0, tot1, free1, cur, tgt, len_kb = 0;
	struct lc_bmax_result r = { 0, 0, 0 };
	int rc, st, to[2], from[2], got = 0, wait_s;
	double ms, t0 = 0;
	pid_t kid;

	if (max_kb <= cur0 + 4096)
		return;
	/* for each way: Xen populates a GiB in about 20 s under TCG */
	wait_s = LC_WAIT_S + (int)((max_kb - cur0) >> 20) * 30;
	if (pipe(to) || pipe(from)) {
		FAIL("balloon-max", "pipe: %s", strerror(errno));
		return;
	}
	kid = fork();
	if (kid == 0) {
		close(to[1]);
		close(from[0]);
		lc_bmax_child(to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	tot0 = lc_meminfo("MemTotal");
	rc = lc_action("balloon-max", NULL, 0);
	ms = lc_balloon_settle_s(&cur, &tgt, wait_s);
	tot1 = lc_meminfo("MemTotal");
	free1 = lc_meminfo("MemFree");
	if (rc || ms < 0 || cur < max_kb - 8192 || tot1 - tot0 < (cur - cur0) * 3 / 4) {
		FAIL("balloon-max", "xl mem-set %lld MiB (rc %d): target_kb %lld, current_kb %lld (from %lld) after %.1f s, MemTotal %lld -> %lld kB",
		     max_kb >> 10, rc, tgt, cur, cur0, ms / 1e3, tot0, tot1);
	} else if (kid < 0) {
		FAIL("balloon-max", "fork: %s", strerror(errno));
	} else {
		struct pollfd pf = { .fd = from[0], .events = POLLIN };

		len_kb = free1 - 65536 < 1536 * 1024 ? free1 - 65536 : 1536 * 1024;
		t0 = now_ms();
		if (write(to[1], &len_kb, sizeof(len_kb)) == sizeof(len_kb) &&
		    poll(&pf, 1, (LC_WAIT_S + (int)(len_kb >> 10) / 10) * 1000) == 1)
			got = read(from[0], &r, sizeof(r)) == sizeof(r);
		if (!got)
			FAIL("balloon-max", "a process forked before the growth did not report on %lld MiB within %d s",
			     len_kb >> 10, LC_WAIT_S + (int)(len_kb >> 10) / 10);
		else if (r.ok != 1 || r.high == 0)
			FAIL("balloon-max", "grown to %lld kB; a process forked before mapped %lld MiB: %s, %lld of %lld pages at pfns >= 4 GiB%s",
			     cur, len_kb >> 10, r.ok == 1 ? "verified" : r.ok == -2 ? "mmap failed" : "pattern wrong",
			     r.high, r.pages, r.high ? "" : " (the path is not exercised)");
		else
			PASS("balloon-max", "xl mem-set to maxmem: current_kb %lld -> %lld in %.1f s, MemTotal %lld -> %lld kB; a process forked before mapped, touched and verified %lld MiB in %.1f s, %lld of its %lld pages at pfns >= 4 GiB",
			     cur0, cur, ms / 1e3, tot0, tot1, len_kb >> 10, (now_ms() - t0) / 1e3, r.high, r.pages);
	}
	close(to[1]);
	close(from[0]);
	if (kid > 0) {
		kill(kid, SIGKILL);
		waitpid(kid, &st, 0);
	}
	rc = lc_action("balloon-back", NULL, 0);
	ms = lc_balloon_settle_s(&cur, &tgt, wait_s);
	if (rc || ms < 0 || llabs(cur - cur0) > 8192)
		FAIL("balloon-back", "xl mem-set back (rc %d): current_kb %lld, target_kb %lld (at first %lld)", rc, cur, tgt, cur0);
	else
		PASS("balloon-back", "current_kb back to %lld in %.1f s", cur, ms / 1e3);
}

static void lc_balloon(void)
{
	long long tot0 = lc_meminfo("MemTotal"), free0 = lc_meminfo("MemFree");
	long long cur0 = lc_sysval(BALLOON "/info/current_kb"), cur, tgt, tot1, free1, tot2, free2;
	size_t len, i;
	unsigned char *p;
	double ms;
	int rc;

	if (cur0 < 0) {
		FAIL("balloon-down", "no %s/info/current_kb (balloon driver not there?)", BALLOON);
		return;
	}
	printf("INFO balloon: before: MemTotal %lld kB, MemFree %lld kB, current_kb %lld\n", tot0, free0, cur0);
	tgt = lc_sysval(BALLOON "/target_kb");
	if (tgt > cur0 + 2048) {
		lc_balloon_tgt0 = tgt;
		lc_balloon_share = tgt - cur0;
		printf("INFO balloon: current_kb %lld short of target_kb %lld at first: the domain holds %lld kB the guest never had (Xen's PV shim keeps its own memory there); each target is reached less that\n",
		       cur0, tgt, tgt - cur0);
	}
	rc = lc_action("balloon-down", NULL, 0);
	ms = lc_balloon_settle(&cur, &tgt);
	tot1 = lc_meminfo("MemTotal");
	free1 = lc_meminfo("MemFree");
	if (rc)
		FAIL("balloon-down", "dom0: xl mem-set failed (rc %d)", rc);
	else if (ms < 0 || tgt > cur0 * 3 / 4)
		FAIL("balloon-down", "after xl mem-set to half: target_kb %lld, current_kb %lld (was %lld) after %d s",
		     tgt, cur, cur0, LC_WAIT_S);
	else if (tot0 - tot1 < (cur0 - cur) * 3 / 4 || free1 >= free0)
		FAIL("balloon-down", "current_kb %lld -> %lld but MemTotal %lld -> %lld kB, MemFree %lld -> %lld kB",
		     cur0, cur, tot0, tot1, free0, free1);
	else
		PASS("balloon-down", "current_kb %lld -> %lld (target_kb %lld) in %.1f s; MemTotal %lld -> %lld kB, MemFree %lld -> %lld kB",
		     cur0, cur, tgt, ms / 1e3, tot0, tot1, free0, free1);
	lc_oom(free1);
	free1 = lc_meminfo("MemFree");

	rc = lc_action("balloon-up", NULL, 0);
	ms = lc_balloon_settle(&cur, &tgt);
	tot2 = lc_meminfo("MemTotal");
	free2 = lc_meminfo("MemFree");
	if (rc) {
		FAIL("balloon-up", "dom0: xl mem-set failed (rc %d)", rc);
		return;
	}
	if (ms < 0 || cur < cur0 - 2048) {
		FAIL("balloon-up", "after xl mem-set back: target_kb %lld, current_kb %lld (at first %lld)", tgt, cur, cur0);
		return;
	}
	if (tot2 < tot0 - 2048 || free2 <= free1) {
		FAIL("balloon-up", "current_kb back to %lld but MemTotal %lld kB (at first %lld), MemFree %lld kB (at half %lld)",
		     cur, tot2, tot0, free2, free1);
		return;
	}
	/* and the memory is usable: more than all of the halved guest had free, touched, verified */
	len = (size_t)(free1 + 32768) * 1024;
	if (len > (size_t)(free2 - 24576) * 1024)
		len = (size_t)(free2 - 24576) * 1024;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED) {
		FAIL("balloon-up", "mmap %zu MiB after growing back: %s", len >> 20, strerror(errno));
		return;
	}
	for (i = 0; i < len; i += 4096)
		p[i] = (unsigned char)(i >> 12);
	for (i = 0; i < len && p[i] == (unsigned char)(i >> 12); i += 4096)
		;
	munmap(p, len);
	if (i < len)
		FAIL("balloon-up", "touched memory after growing back reads wrong at +%zu", i);
	else
		PASS("balloon-up", "current_kb back to %lld in %.1f s; MemTotal %lld kB, MemFree %lld kB; %zu MiB (more than the %lld MiB free at half) allocated, touched, verified",
		     cur, ms / 1e3, tot2, free2, len >> 20, free1 >> 10);
	lc_balloon_max(cur0);
}

/* waits up to MS for PATH to exist (WANT 1) or to be gone (WANT 0), polling every 100 ms; 1 if so */
static int lc_wait_path(const char *path, int want, double ms)
{
	double t0 = now_ms();

	while ((access(path, F_OK) == 0) != want) {
		if (now_ms() - t0 >= ms)
			return 0;
		usleep(100000);
	}
	return 1;
}

/* --- block device detach and attach ---------------------------------------------------- */

/*
 * blk-detach: 4 MiB of a seeded pattern on xvdb, then a writer process keeps writing further on
 * (O_DIRECT + fdatasync) while dom0 runs xl block-detach: the writer must get an error, the disk
 * must go, the guest runs on. blk-attach: after xl block-attach, xvdb is back and the 4 MiB
 * written before the detach read back equal. blk-idle: then, with nothing using xvdb, a second
 * xl block-detach and block-attach: xvdb goes and comes back, the 4 MiB read back equal again.
 * xfault=lc-blk-nowrite: the writer stops before the detach (blk-detach fails: no error reached
 * it).
 */
#define LC_BLK "/dev/xvdb"

/* waits (bounded) for xvdb to be usable again and reads the pattern back; 0, or -1 with why */
static int lc_blk_readback(uint64_t seed, unsigned char *b, char *why, size_t n)
{
	double t0 = now_ms();
	int fd = -1;
	size_t i;

	while (fd < 0 && now_ms() - t0 < LC_WAIT_S * 1e3) {
		fd = access("/sys/block/xvdb", F_OK) ? -1 : open(LC_BLK, O_RDONLY | O_DIRECT);
		if (fd < 0)
			usleep(100000);
	}
	if (fd < 0) {
		snprintf(why, n, "no usable %s %d s after xl block-attach: %s", LC_BLK, LC_WAIT_S, strerror(errno));
		return -1;
	}
	if (pread_all(fd, b, LC_FILE_LEN, 0)) {
		snprintf(why, n, "reading %u bytes of %s after the attach: %s", LC_FILE_LEN, LC_BLK, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	for (i = 0; i < LC_FILE_LEN && b[i] == lc_byte(seed ^ 0xb1c, i); i++)
		;
	if (i != LC_FILE_LEN) {
		snprintf(why, n, "%s after the attach differs from the data written before the detach at byte %zu",
			 LC_BLK, i);
		return -1;
	}
	return 0;
}

/* blk-idle: xl block-detach and block-attach with nothing using xvdb */
static void lc_blk_idle(uint64_t seed, unsigned char *b)
{
	char why[200];
	double t0 = now_ms();
	int rc;

	rc = lc_action("blk-detach", NULL, 0);
	if (rc) {
		FAIL("blk-idle", "dom0: xl block-detach of the idle xvdb failed (rc %d)", rc);
		return;
	}
	if (!lc_wait_path("/sys/block/xvdb", 0, LC_WAIT_S * 1e3)) {
		FAIL("blk-idle", "/sys/block/xvdb, idle, still there %d s after xl block-detach", LC_WAIT_S);
		return;
	}
	rc = lc_action("blk-attach", NULL, 0);
	if (rc)
		FAIL("blk-idle", "dom0: xl block-attach after the idle detach failed (rc %d)", rc);
	else if (lc_blk_readback(seed, b, why, sizeof(why)))
		FAIL("blk-idle", "after the idle detach: %s", why);
	else
		PASS("blk-idle", "the idle xvdb gone after xl block-detach and back after block-attach in %.1f s; the %u bytes read back equal again",
		     (now_ms() - t0) / 1e3, LC_FILE_LEN);
}

static void lc_blk_cycle(void)
{
	uint64_t seed = random_seed();
	int fd, pfd[2], st = 0, gone, res[2] = { 0, 0 }, rc;
	unsigned char *b = NULL;
	double t0, t_err = 0, t_ready;
	char why[200];
	size_t i;
	pid_t w;

	fd = open(LC_BLK, O_RDWR | O_DIRECT);
	if (fd < 0 || posix_memalign((void **)&b, 4096, LC_FILE_LEN)) {
		FAIL("blk-detach", "open %s: %s", LC_BLK, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	for (i = 0; i < LC_FILE_LEN; i++)
		b[i] = lc_byte(seed ^ 0xb1c, i);
	if (pwrite(fd, b, LC_FILE_LEN, 0) != LC_FILE_LEN || fsync(fd)) {
		FAIL("blk-detach", "writing %u bytes to %s: %s", LC_FILE_LEN, LC_BLK, strerror(errno));
		close(fd);
		free(b);
		return;
	}
	if (pipe(pfd)) {
		FAIL("blk-detach", "pipe: %s", strerror(errno));
		close(fd);
		free(b);
		return;
	}
	fflush(stdout);
	w = fork();
	if (w == 0) {	/* the writer: res = { writes done, errno of the first failure } */
		off_t off = LC_FILE_LEN;

		close(pfd[0]);
		t0 = now_ms();
		while (!res[1] && now_ms() - t0 < 240e3 && !(fault("lc-blk-nowrite") && res[0] >= 16)) {
			if (pwrite(fd, b, 65536, off) != 65536 || fdatasync(fd)) {
				res[1] = errno ? errno : EIO;
				t_err = now_ms();
			} else
				res[0]++;
			off = off + 65536 >= (off_t)(3 * LC_FILE_LEN) ? (off_t)LC_FILE_LEN : off + 65536;
		}
		if (write(pfd[1], res, sizeof(res)) != sizeof(res) ||
		    write(pfd[1], &t_err, sizeof(t_err)) != sizeof(t_err))
			_exit(2);
		_exit(0);
	}
	close(pfd[1]);
	close(fd);
	usleep(500000);		/* the writer is under way */
	t_ready = now_ms();
	rc = lc_action("blk-detach", NULL, 0);
	gone = lc_wait_path("/sys/block/xvdb", 0, LC_WAIT_S * 1e3);
	if (w < 0 || read(pfd[0], res, sizeof(res)) != sizeof(res) ||
	    read(pfd[0], &t_err, sizeof(t_err)) != sizeof(t_err))
		res[0] = -1;
	close(pfd[0]);
	if (w > 0)
		waitpid(w, &st, 0);
	if (rc)
		FAIL("blk-detach", "dom0: xl block-detach failed (rc %d)", rc);
	else if (!gone)
		FAIL("blk-detach", "/sys/block/xvdb still there %d s after xl block-detach", LC_WAIT_S);
	else if (res[0] < 0 || !res[1])
		FAIL("blk-detach", "the process writing to %s got no error from the detach (%d writes done, status 0x%x)",
		     LC_BLK, res[0], st);
	else if (t_err < t_ready)
		FAIL("blk-detach", "the process writing to %s got \"%s\" %.0f ms before the detach was asked for",
		     LC_BLK, strerror(res[1]), t_ready - t_err);
	else
		PASS("blk-detach", "xvdb gone after xl block-detach; the process writing to it got \"%s\" %.1f s after ready, after %d writes of 64 KiB; the guest runs on",
		     strerror(res[1]), (t_err - t_ready) / 1e3, res[0]);

	rc = lc_action("blk-attach", NULL, 0);
	t0 = now_ms();
	if (rc) {
		FAIL("blk-attach", "dom0: xl block-attach failed (rc %d)", rc);
	} else if (lc_blk_readback(seed, b, why, sizeof(why))) {
		FAIL("blk-attach", "%s", why);
	} else {
		PASS("blk-attach", "xvdb back %.1f s after xl block-attach; the %u bytes written before the detach read back equal (O_DIRECT)",
		     (now_ms() - t0) / 1e3, LC_FILE_LEN);
		lc_blk_idle(seed, b);
	}
	free(b);
}

/* --- network detach and attach ----------------------------------------------------------- */

/* 64 KiB through a new connection to dom0's echo server, every byte back equal; 0 or -1 */
static int lc_echo_once(char *why, size_t n)
{
	static unsigned char out[65536], in[65536];
	size_t got = 0;
	ssize_t r;
	int s = dom0_connect(LC_ECHO_PORT, why, n);

	if (s < 0)
		return -1;
	fill_pattern(out, sizeof(out), random_seed());
	while (got < sizeof(out)) {
		r = write(s, out + got, sizeof(out) - got);
		if (r <= 0) {
			snprintf(why, n, "send: %s", r ? strerror(errno) : "wrote nothing");
			close(s);
			return -1;
		}
		got += r;
	}
	got = 0;
	while (got < sizeof(in) && (r = read(s, in + got, sizeof(in) - got)) > 0)
		got += r;
	close(s);
	if (got != sizeof(in) || memcmp(in, out, sizeof(in))) {
		snprintf(why, n, "%zu of %zu bytes echoed%s", got, sizeof(in), got == sizeof(in) ? ", not equal" : "");
		return -1;
	}
	return 0;
}

/*
 * net-cycle: dom0 runs xl network-detach, waits for the guest's "net gone" line on the console,
 * runs xl network-attach and only then answers (its answer comes over the network). The guest:
 * eth0 goes, a connect() to dom0 fails at once (net-detach); eth0 comes back, the guest
 * configures it as at boot, the control connection carries dom0's answer and a new connection
 * echoes 64 KiB (net-attach). xfault=lc-net-noconfig: the guest leaves the new eth0 down.
 */
static void lc_net_cycle(void)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(LC_ECHO_PORT) };
	char why[160] = "", detail[160];
	int s, e = 0, gone, rc;
	double t0;

	inet_pton(AF_INET, DOM0_IP, &dst.sin_addr);
	printf("XTEST-LIFECYCLE: ready for net-cycle (boot %d step %d)\n", lc_boot, ++lc_step);
	fflush(stdout);
	t0 = now_ms();
	gone = lc_wait_path("/sys/class/net/eth0", 0, 120e3);
	if (gone) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s >= 0 && connect(s, (struct sockaddr *)&dst, sizeof(dst)))
			e = errno;
		if (s >= 0)
			close(s);
	}
	printf("XTEST-LIFECYCLE: net gone: %s (connect to dom0: %s)\n", gone ? "eth0 unregistered" : "eth0 still there after 120 s",
	       e ? strerror(e) : "no error");
	fflush(stdout);
	if (!gone)
		FAIL("net-detach", "/sys/class/net/eth0 still there 120 s after dom0 was asked for xl network-detach");
	else if (e != ENETUNREACH && e != EHOSTUNREACH)
		FAIL("net-detach", "eth0 gone, but a connect() to dom0 got %s, not ENETUNREACH", e ? strerror(e) : "no error");
	else
		PASS("net-detach", "eth0 gone after xl network-detach %.1f s after ready; a connect() to dom0 got \"%s\" at once, the guest runs on",
		     (now_ms() - t0) / 1e3, strerror(e));
	t0 = now_ms();
	if (!lc_wait_path("/sys/class/net/eth0", 1, 120e3)) {
		FAIL("net-attach", "no eth0 120 s after dom0 was asked for xl network-attach");
		return;
	}
	if (fault("lc-net-noconfig"))
		printf("INFO xfault=lc-net-noconfig: the new eth0 stays unconfigured\n");
	else if (net_up(why, sizeof(why))) {
		FAIL("net-attach", "eth0 back, but: %s", why);
		return;
	}
	/* dom0 answers over the control connection once it sees eth0's vif again (TCP retransmits) */
	if (fault("lc-net-noconfig")) {
		rc = lc_echo_once(why, sizeof(why));
		FAIL("net-attach", "eth0 back but left unconfigured: echo %s", rc ? why : "worked");
		if (!net_up(why, sizeof(why)))	/* then as it should be, for the items after */
			lc_action_wait("net-cycle", NULL, 0);
		return;
	}
	/* bounded: with no working network the answer never comes */
	{
		struct timeval tv = { .tv_sec = 180 };

		setsockopt(lc_ctl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		rc = lc_action_wait("net-cycle", detail, sizeof(detail));
		tv.tv_sec = 0;
		setsockopt(lc_ctl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	if (rc < 0)
		FAIL("net-attach", "eth0 back and configured, but dom0's answer did not come over the control connection in 180 s");
	else if (rc)
		FAIL("net-attach", "dom0 reports net-cycle failed (rc %d): %s", rc, detail);
	else if (lc_echo_once(why, sizeof(why)))
		FAIL("net-attach", "eth0 back %.1f s after it went and configured, control connection carried on, but a new connection to dom0: %s",
		     (now_ms() - t0) / 1e3, why);
	else
		PASS("net-attach", "eth0 back %.1f s after it went, configured as at boot; the control connection carried dom0's answer, a new connection echoed 64 KiB equal",
		     (now_ms() - t0) / 1e3);
}

/*
 * The block and network items run with the save item's work in flight (a process holding
 * memory, an echo stream to dom0, a clock sampler, a file on xvda at OFF): PREFIX-mem, -tcp,
 * -clock, -timer and -file check that the rest of the guest ran on and xvda's data is intact.
 * For the network item ("vif") that echo stream is the network under I/O: vif-tcp checks that
 * its one connection survived the vif's detach and attach, every byte echoed back equal.
 */
static void lc_with_work(const char *prefix, off_t off, void (*item)(void))
{
	struct lc_work w;
	double t0;

	if (lc_work_start(&w, prefix, off))
		return;
	t0 = now_ms();
	item();
	lc_work_check(&w, prefix, off, now_ms() - t0);
}

/* --- vCPU hotplug ---------------------------------------------------------------------- */

static void lc_readstr(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (f) {
		if (!fgets(buf, n, f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
}

/* background load: NW unpinned busy processes counting rounds in shared memory */
#define LC_NW 2
static volatile unsigned long long *lc_load_ctr;
static pid_t lc_load_pid[LC_NW];

static void lc_load_start(void)
{
	int i;

	lc_load_ctr = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fflush(stdout);
	for (i = 0; i < LC_NW; i++) {
		lc_load_pid[i] = fork();
		if (lc_load_pid[i] == 0) {
			uint64_t x = i + 1;

			for (;;) {
				x = lc_word(x, 1);
				lc_load_ctr[i]++;
				if (!(lc_load_ctr[i] & 0xfff))
					sched_yield();
			}
		}
	}
}

static int lc_load_alive(void)
{
	int i, st;

	for (i = 0; i < LC_NW; i++)
		if (waitpid(lc_load_pid[i], &st, WNOHANG) != 0)
			return 0;
	return 1;
}

static void lc_load_stop(void)
{
	int i, st;

	for (i = 0; i < LC_NW; i++) {
		kill(lc_load_pid[i], SIGKILL);
		waitpid(lc_load_pid[i], &st, 0);
	}
}

/* CLOCK_MONOTONIC read on CPU (the caller pinned there for the read); -1 when it cannot run there */
static long long lc_mono_on(int cpu)
{
	cpu_set_t set, old;
	long long t = -1;

	sched_getaffinity(0, sizeof(old), &old);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (!sched_setaffinity(0, sizeof(set), &set) && sched_getcpu() == cpu)
		t = mono_ns();
	sched_setaffinity(0, sizeof(old), &old);
	return t;
}

static void lc_vcpu(void)
{
	char online[64], c1[16];
	unsigned long long before[LC_NW], mid[LC_NW];
	struct smp_result *res;
	double t0, ms, rtt, t_item = now_ms();
	long long d0, d1, g0[2], g1[2];
	char why[160] = "";
	int rc, i, cpu, st, bad = 0;
	pid_t pids[2];

	lc_readstr("/sys/devices/system/cpu/online", online, sizeof(online));
	if (sysconf(_SC_NPROCESSORS_ONLN) != 2) {
		FAIL("vcpu-down", "the guest should start with 2 vCPUs online, has %ld (%s)",
		     sysconf(_SC_NPROCESSORS_ONLN), online);
		return;
	}
	/* each vCPU's CLOCK_MONOTONIC against dom0's, across the hotplug (vcpu-clock) */
	if (dom0_time(&d0, &rtt, why, sizeof(why)))
		d0 = -1;
	g0[0] = lc_mono_on(0);
	g0[1] = lc_mono_on(1);
	if (fault("lc-clock-back") && g0[1] > 0)	/* as if cpu1's clock had read 10 s later */
		g0[1] += 10000000000LL;
	lc_load_start();
	usleep(300000);
	for (i = 0; i < LC_NW; i++)
		before[i] = lc_load_ctr[i];
	rc = lc_action("vcpu-down", NULL, 0);
	t0 = now_ms();
	while (sysconf(_SC_NPROCESSORS_ONLN) != 1 && now_ms() - t0 < LC_WAIT_S * 1000.0)
		usleep(250000);
	ms = now_ms() - t0;
	lc_readstr("/sys/devices/system/cpu/online", online, sizeof(online));
	usleep(500000);
	for (i = 0; i < LC_NW; i++)
		mid[i] = lc_load_ctr[i];
	if (rc)
		FAIL("vcpu-down", "dom0: xl vcpu-set 1 failed (rc %d)", rc);
	else if (sysconf(_SC_NPROCESSORS_ONLN) != 1 || strcmp(online, "0"))
		FAIL("vcpu-down", "after xl vcpu-set 1: %ld CPUs online (%s) after %d s", sysconf(_SC_NPROCESSORS_ONLN),
		     online, LC_WAIT_S);
	else if (!lc_load_alive() || mid[0] <= before[0] || mid[1] <= before[1])
		FAIL("vcpu-down", "the busy processes died or stopped (%llu->%llu, %llu->%llu rounds)", before[0], mid[0],
		     before[1], mid[1]);
	else
		PASS("vcpu-down", "cpu1 went offline %.1f s after xl vcpu-set 1 (online: %s, cpu1 %s); 2 busy processes kept running",
		     ms / 1e3, online, access("/sys/devices/system/cpu/cpu1", F_OK) ? "unregistered" : "still registered");

	rc = lc_action("vcpu-up", NULL, 0);
	t0 = now_ms();
	/* Linux makes cpu1 present again; onlining it is userspace's job (a udev rule) */
	while (access("/sys/devices/system/cpu/cpu1/online", W_OK) && now_ms() - t0 < LC_WAIT_S * 1000.0)
		usleep(250000);
	lc_readstr("/sys/devices/system/cpu/cpu1/online", c1, sizeof(c1));
	if (rc) {
		FAIL("vcpu-up", "dom0: xl vcpu-set 2 failed (rc %d)", rc);
		goto out;
	}
	if (access("/sys/devices/system/cpu/cpu1/online", W_OK)) {
		FAIL("vcpu-up", "no /sys/devices/system/cpu/cpu1/online %d s after xl vcpu-set 2", LC_WAIT_S);
		goto out;
	}
	if (strcmp(c1, "1")) {
		int fd = open("/sys/devices/system/cpu/cpu1/online", O_WRONLY);

		if (fd < 0 || write(fd, "1", 1) != 1) {
			FAIL("vcpu-up", "writing 1 to cpu1/online (as a udev rule would): %s", strerror(errno));
			if (fd >= 0)
				close(fd);
			goto out;
		}
		close(fd);
	}
	ms = now_ms() - t0;
	lc_readstr("/sys/devices/system/cpu/online", online, sizeof(online));
	if (sysconf(_SC_NPROCESSORS_ONLN) != 2) {
		FAIL("vcpu-up", "cpu1 onlined, but %ld CPUs online (%s)", sysconf(_SC_NPROCESSORS_ONLN), online);
		goto out;
	}
	/* both vCPUs used again: a pinned busy worker on each, sched_getcpu checked */
	res = mmap(NULL, 2 * sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memset(res, 0, 2 * sizeof(*res));
	fflush(stdout);
	for (cpu = 0; cpu < 2; cpu++) {
		pids[cpu] = fork();
		if (pids[cpu] == 0) {
			smp_worker(cpu, &res[cpu]);
			_exit(0);
		}
	}
	for (cpu = 0; cpu < 2; cpu++)
		waitpid(pids[cpu], &st, 0);
	for (cpu = 0; cpu < 2; cpu++)
		if (res[cpu].err[0] || !res[cpu].ran || res[cpu].wrong_cpu) {
			FAIL("vcpu-up", "worker pinned to cpu%d: %s (%d of %d sched_getcpu checks wrong)", cpu,
			     res[cpu].err[0] ? res[cpu].err : res[cpu].ran ? "ran elsewhere" : "did not finish",
			     res[cpu].wrong_cpu, res[cpu].checks);
			bad = 1;
		}
	if (!bad && !lc_load_alive()) {
		FAIL("vcpu-up", "the busy processes died");
		bad = 1;
	}
	for (cpu = 0; cpu < 2 && !bad; cpu++)
		if (res[cpu].end_ms - res[cpu].start_ms > 120000) {
			FAIL("vcpu-up", "the worker pinned to cpu%d measured %.0f ms of CLOCK_MONOTONIC (its reads: %.3f s at start, %.3f s at end; the item began at %.3f s) for %.0f ms of CPU time (the whole item so far took %.0f ms)",
			     cpu, res[cpu].end_ms - res[cpu].start_ms, res[cpu].start_ms / 1e3, res[cpu].end_ms / 1e3,
			     t_item / 1e3, res[cpu].cpu_ms, now_ms() - t_item);
			bad = 1;
		}
	/* vcpu-clock: both vCPUs' CLOCK_MONOTONIC advanced as dom0's did (within 5 s: TCP, TCG) */
	g1[0] = lc_mono_on(0);
	g1[1] = lc_mono_on(1);
	if (d0 < 0 || dom0_time(&d1, &rtt, why, sizeof(why))) {
		FAIL("vcpu-clock", "dom0's time server: %s", why);
	} else {
		double dd = (d1 - d0) / 1e9, e0 = (g1[0] - g0[0]) / 1e9, e1 = (g1[1] - g0[1]) / 1e9;

		if (g0[0] < 0 || g0[1] < 0 || g1[0] < 0 || g1[1] < 0)
			FAIL("vcpu-clock", "could not run on both vCPUs to read their clocks");
		else if (fabs(e0 - dd) > 5 || fabs(e1 - dd) > 5)
			FAIL("vcpu-clock", "across vcpu-set 1 and 2 dom0's CLOCK_MONOTONIC advanced %.3f s, the guest's %.3f s read on cpu0 and %.3f s on cpu1",
			     dd, e0, e1);
		else
			PASS("vcpu-clock", "across vcpu-set 1 and 2: dom0's CLOCK_MONOTONIC +%.3f s, the guest's +%.3f s on cpu0, +%.3f s on cpu1",
			     dd, e0, e1);
	}
	if (!bad)
		PASS("vcpu-up", "cpu1 present again after xl vcpu-set 2, onlined by writing cpu1/online (%.1f s); online %s; pinned workers ran on cpu0 (%.0f ms) and cpu1 (%.0f ms), sched_getcpu always right",
		     ms / 1e3, online, res[0].end_ms - res[0].start_ms, res[1].end_ms - res[1].start_ms);
	munmap(res, 2 * sizeof(*res));
	if (!bad) {
		rc = lc_action("vcpu-check", NULL, 0);	/* dom0 looks at xl's view */
		if (rc)
			printf("INFO vcpu-check: dom0 rc %d\n", rc);
	}
out:
	lc_load_stop();
}

/* --- PV spinlocks under contention ----------------------------------------------------- */

/*
 * The per-CPU "spinlock" lines of /proc/interrupts: the event channels Xen's pv_kick()
 * signals and pv_wait() polls, one per vCPU. The kernel keeps them masked (a kick ends a
 * SCHEDOP_poll, it is never delivered), so their counts stay 0: only their number says
 * something. Returns how many there are; desc gets "name/name".
 */
static int lc_spin_irqs(char *desc, size_t n)
{
	char line[512];
	int lines = 0;
	FILE *f = fopen("/proc/interrupts", "r");

	desc[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		char *nm = strstr(line, "spinlock");
		size_t l = strlen(desc);

		if (!strchr(line, ':') || !nm)
			continue;
		snprintf(desc + l, n - l, "%s%.*s", lines ? "/" : "", (int)strcspn(nm, " \n"), nm);
		lines++;
	}
	if (f)
		fclose(f);
	return lines;
}

/*
 * The PV qspinlock slow path's event counts (CONFIG_LOCK_EVENT_COUNTS, in the debug kernel:
 * debugfs lock_event_counts/): how often a waiter halted in pv_wait() (pv_wait_node,
 * pv_wait_head) and an unlocker kicked one (pv_kick_unlock). 0 when the kernel has them,
 * -1 when not.
 */
#define LC_LOCKEV "/sys/kernel/debug/lock_event_counts/"
static const char *const lc_lockev_names[] = { "pv_wait_node", "pv_wait_head", "pv_kick_unlock", "pv_kick_wake" };
#define LC_NLOCKEV (sizeof(lc_lockev_names) / sizeof(lc_lockev_names[0]))

static int lc_lockev(long long *v)
{
	char path[128];
	unsigned i;

	if (access(LC_LOCKEV, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	for (i = 0; i < LC_NLOCKEV; i++) {
		snprintf(path, sizeof(path), LC_LOCKEV "%s", lc_lockev_names[i]);
		v[i] = lc_sysval(path);
		if (v[i] < 0)
			return -1;
	}
	return 0;
}

#define SPIN_W 4		/* writers (2 pinned to each CPU) */
#define SPIN_R 2		/* readers (1 per CPU) */
#define SPIN_N 20000		/* records per writer */

static void lc_spinlock(void)
{
	struct { unsigned long long cnt[SPIN_W], sum[SPIN_W], order_bad; } *t;
	char irqs[256], pin[256], ev[256] = "", *dm = lc_dmesg();
	int lines = lc_spin_irqs(irqs, sizeof(irqs)), fds[2], i, st, bad = 0, pinned, have_ev;
	long long e0[LC_NLOCKEV], e1[LC_NLOCKEV], slow = 0;
	pid_t pids[SPIN_W + SPIN_R];
	double t0;
	int pvhash = dm && strstr(dm, "PV qspinlock hash table");

	free(dm);
	t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memset(t, 0, sizeof(*t));
	if (pipe(fds)) {
		FAIL("spinlock", "pipe: %s", strerror(errno));
		return;
	}
	/*
	 * dom0 pins both vCPUs on one physical CPU for the run: then a vCPU is often descheduled
	 * holding a lock the other wants, the case PV spinlocks are for (the waiter halts in
	 * pv_wait(), the unlocker's pv_kick() wakes it). With a physical CPU each, they rarely are.
	 */
	pinned = !lc_action("spin-pin", pin, sizeof(pin));
	have_ev = !lc_lockev(e0);
	t0 = now_ms();
	fflush(stdout);
	for (i = 0; i < SPIN_W + SPIN_R; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(i & 1, &set);
			sched_setaffinity(0, sizeof(set), &set);
			if (i < SPIN_W) {	/* writer i: records (i, seq), 8 bytes, atomic */
				uint32_t rec[2];
				unsigned n;

				close(fds[0]);
				for (n = 0; n < SPIN_N; n++) {
					rec[0] = i;
					rec[1] = n + (fault("lc-spin-race") && i == 1 && n == SPIN_N / 2);
					if (write(fds[1], rec, 8) != 8)
						_exit(2);
				}
				_exit(0);
			} else {		/* reader: per writer, counts, sums, order */
				uint32_t buf[512], last[SPIN_W];
				unsigned char part[8];
				size_t have = 0;
				ssize_t r, k;

				close(fds[1]);
				memset(last, 0xff, sizeof(last));
				while ((r = read(fds[0], (char *)buf + have, sizeof(buf) - have)) > 0) {
					r += have;
					for (k = 0; k + 8 <= r; k += 8) {
						uint32_t w = buf[k / 4], s = buf[k / 4 + 1];

						if (w >= SPIN_W) {
							__atomic_add_fetch(&t->order_bad, 1, __ATOMIC_SEQ_CST);
							continue;
						}
						if (last[w] != 0xffffffffu && s <= last[w])
							__atomic_add_fetch(&t->order_bad, 1, __ATOMIC_SEQ_CST);
						last[w] = s;
						__atomic_add_fetch(&t->cnt[w], 1, __ATOMIC_SEQ_CST);
						__atomic_add_fetch(&t->sum[w], s, __ATOMIC_SEQ_CST);
					}
					have = r - k;
					memcpy(part, (char *)buf + k, have);
					memcpy(buf, part, have);
				}
				_exit(have ? 3 : 0);
			}
		}
	}
	close(fds[0]);
	close(fds[1]);
	for (i = 0; i < SPIN_W + SPIN_R; i++) {
		waitpid(pids[i], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			bad++;
	}
	t0 = now_ms() - t0;
	if (have_ev && !lc_lockev(e1)) {
		for (i = 0; i < (int)LC_NLOCKEV; i++) {
			size_t l = strlen(ev);

			snprintf(ev + l, sizeof(ev) - l, "%s%s %lld", i ? ", " : "", lc_lockev_names[i], e1[i] - e0[i]);
		}
		slow = (e1[0] - e0[0]) + (e1[1] - e0[1]) + (e1[2] - e0[2]);
	} else {
		have_ev = 0;
	}
	if (pinned)
		lc_action("spin-unpin", NULL, 0);
	for (i = 0; i < SPIN_W; i++)
		if (t->cnt[i] != SPIN_N || t->sum[i] != (unsigned long long)SPIN_N * (SPIN_N - 1) / 2)
			bad++;
	printf("INFO spinlock: vCPUs %s; kick event channels in /proc/interrupts: %s; PV slow path during the run: %s\n",
	       pinned ? "pinned on one physical CPU by dom0" : "not pinned (dom0 did not pin them)",
	       lines ? irqs : "none", have_ev ? ev : "not counted (a kernel without CONFIG_LOCK_EVENT_COUNTS)");
	if (bad || t->order_bad)
		FAIL("spinlock", "%d writers x %d 8-byte records through one pipe, %d readers, on both vCPUs: %d process(es) failed or counts/sums wrong, %llu records out of order (per writer: %llu %llu %llu %llu)",
		     SPIN_W, SPIN_N, SPIN_R, bad, t->order_bad, t->cnt[0], t->cnt[1], t->cnt[2], t->cnt[3]);
	else if (lines < 2 || !pvhash)
		FAIL("spinlock", "contention run correct, but PV spinlocks are not in use: %d spinlock kick channels in /proc/interrupts, \"PV qspinlock hash table\" %sin the kernel log",
		     lines, pvhash ? "" : "not ");
	else if (!pinned)
		FAIL("spinlock", "contention run correct, but dom0 did not pin the vCPUs on one physical CPU, so lock holders were hardly ever preempted");
	else if (have_ev && !slow)
		FAIL("spinlock", "contention run correct, but no waiter went to pv_wait() and no unlocker to pv_kick() with both vCPUs on one physical CPU (%s)", ev);
	else
		PASS("spinlock", "%d writers x %d records through one pipe to %d readers, pinned on both vCPUs, both vCPUs on one physical CPU: every record once, in order, in %.0f ms; PV qspinlock hash table in the kernel log, %d kick channels%s%s",
		     SPIN_W, SPIN_N, SPIN_R, t0, lines, have_ev ? "; slow path: " : "", have_ev ? ev : "");
	munmap(t, sizeof(*t));
}

/* --- the run ---------------------------------------------------------------------------- */

/* as /sbin/reboot (the kernel's orderly_reboot after xl reboot): marks the disk, reboots */
static int reboot_main(void)
{
	int boot = 0;
	char state[32] = "";
	unsigned long long token = 0;

	setup_console();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!same_file("/proc/1/exe", "/proc/self/exe")) {
		fprintf(stderr, "reboot: this is testinit's reboot, and PID 1 is not testinit: refusing\n");
		return 1;
	}
	if (lc_mark_read(&boot, state, sizeof(state), &token) || !boot)
		printf("INFO reboot: no lifecycle marker on xvda\n");
	else if (lc_mark_write(boot, "rebooting", token))
		printf("INFO reboot: cannot update the marker on xvda\n");
	printf("XTEST-LIFECYCLE: /sbin/reboot run by the kernel (pid %d): rebooting (boot %d)\n", getpid(), boot);
	fflush(stdout);
	sync();
	reboot(RB_AUTOBOOT);
	printf("TESTINIT: reboot failed (%s)\n", strerror(errno));
	return 1;
}

static void lc_run(void)
{
	char state[32] = "", why[160], *v = cmdline_value("xrounds"), *items;
	unsigned long long token = 0;
	int boot = 0, rc, round, rounds = v ? atoi(v) : 1;

	free(v);
	if (rounds < 1)
		rounds = 1;
	if (lc_mark_read(&boot, state, sizeof(state), &token)) {
		FAIL("lifecycle", "cannot read the boot marker on xvda (%s)",
		     access("/dev/xvda", F_OK) ? "no /dev/xvda: blkfront did not connect it" : strerror(errno));
		return;
	}
	lc_boot = boot + 1;
	printf("XTEST-LIFECYCLE: boot %d (marker on xvda: %s)\n", lc_boot,
	       boot ? state : "none");
	if (boot == 1) {
		/* xl reboot: the first boot ran /sbin/reboot, and this is the restarted domain */
		if (!strcmp(state, "rebooting"))
			PASS("xl-reboot", "second boot: xvda holds the first boot's marker (token %llx), written by the /sbin/reboot the kernel ran after xl reboot",
			     token);
		else
			FAIL("xl-reboot", "second boot, but the first boot's marker says \"%s\", not rebooting", state);
		lc_mark_write(2, "booted", token);
		return;		/* main() then waits for xl shutdown */
	}
	if (boot == 2) {
		lc_mark_write(3, "booted", token);
		/* dom0 destroys us: no answer expected, no control connection needed */
		printf("XTEST-LIFECYCLE: ready for destroy (boot %d step 1)\n", lc_boot);
		fflush(stdout);
		for (;;)
			pause();
	}
	if (boot) {
		FAIL("lifecycle", "unexpected marker boot=%d state=%s on xvda", boot, state);
		return;
	}
	token = random_seed();
	if (lc_mark_write(1, "booted", token)) {
		FAIL("lifecycle", "cannot write the boot marker on xvda: %s", strerror(errno));
		return;
	}
	if (net_up(why, sizeof(why)) || (lc_ctl = dom0_connect(LC_CTL_PORT, why, sizeof(why))) < 0) {
		FAIL("lifecycle", "control connection to dom0: %s", why);
		return;
	}
	{
		struct timeval tv = { 0 };

		setsockopt(lc_ctl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(lc_ctl, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	/* xlcitems=a,b (boot-xen.sh LC_ITEMS): only those items; the reboot and what follows always */
	items = cmdline_value("xlcitems");
#define LC_ITEM(name, call) do { double t_ = now_ms(); if (items && !list_has(items, name)) break; \
	printf("TESTINIT: running %s\n", name); call; \
	printf("TESTINIT: %s took %.0f ms\n", name, now_ms() - t_); fflush(stdout); } while (0)
	LC_ITEM("sysrq", lc_sysrq());
	LC_ITEM("nmi", lc_nmi());
	/* xrounds=N (boot-xen.sh ROUNDS): the suspend items N times, a soak of the suspend path */
	for (round = 1; round <= rounds; round++) {
		if (rounds > 1)
			printf("INFO save: round %d of %d\n", round, rounds);
		LC_ITEM("save", lc_suspend_item("save-restore", "save", LC_FILE_OFF, 1));
		LC_ITEM("migrate", lc_suspend_item("migrate", "migrate", LC_FILE_OFF + (8u << 20), 0));
	}
	LC_ITEM("balloon", lc_balloon());
	LC_ITEM("vcpu", lc_vcpu());
	LC_ITEM("spinlock", lc_spinlock());
	LC_ITEM("blk", lc_with_work("blk", LC_BLK_OFF, lc_blk_cycle));
	LC_ITEM("net", lc_with_work("vif", LC_VIF_OFF, lc_net_cycle));
	/* xl reboot: the kernel runs /sbin/reboot (reboot_main), the domain restarts */
	printf("TESTINIT: running reboot\n");
	printf("TESTINIT: boot 1: %d passed, %d failed\n", counts->pass, counts->fail);
	rc = lc_action("reboot", NULL, 0);
	sleep(60);
	FAIL("xl-reboot", "dom0 said DONE for reboot (rc %d), and this boot is still running 60 s later", rc);
	/* go on as boot 2 would (xl shutdown, then boot 3 for xl destroy) */
	lc_mark_write(2, "reboot-failed", token);
}

/* ------------------------------------------------------------------------------------- */
/* dom0's servers for net-tcp (sink) and sleep-clock (time)                               */
/* ------------------------------------------------------------------------------------- */

static int serve(const char *mode, int port, const char *file)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	static unsigned char buf[65536];
	int one = 1, ls, c, fd;
	unsigned long long n;
	char line[64];
	ssize_t r;

	signal(SIGPIPE, SIG_IGN);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 8)) {
		fprintf(stderr, "testinit --serve %s: port %d: %s\n", mode, port, strerror(errno));
		return 1;
	}
	for (;;) {
		c = accept(ls, NULL, NULL);
		if (c < 0)
			continue;
		if (!strcmp(mode, "time")) {
			snprintf(line, sizeof(line), "%lld\n", mono_ns());
			if (write(c, line, strlen(line)) < 0)
				fprintf(stderr, "testinit --serve time: write: %s\n", strerror(errno));
		} else {
			fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			n = 0;
			while ((r = read(c, buf, sizeof(buf))) > 0) {
				if (fd < 0 || write(fd, buf, r) != r)
					break;
				n += r;
			}
			if (fd < 0 || close(fd))
				fprintf(stderr, "testinit --serve sink: %s: %s\n", file, strerror(errno));
			snprintf(line, sizeof(line), "RECEIVED %llu\n", n);
			if (write(c, line, strlen(line)) < 0)
				fprintf(stderr, "testinit --serve sink: write: %s\n", strerror(errno));
		}
		close(c);
	}
}

/* a listening TCP socket on PORT, or -1 */
static int serve_listen(const char *mode, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0);

	if (ls >= 0)
		setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 8)) {
		fprintf(stderr, "testinit --serve %s: port %d: %s\n", mode, port, strerror(errno));
		return -1;
	}
	return ls;
}

/* (dom0, lifecycle) echoes every byte of each connection back, a process per connection */
static int serve_echo(int port)
{
	static unsigned char buf[65536];
	int ls = serve_listen("echo", port), c;
	ssize_t r, w, k;

	if (ls < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		c = accept(ls, NULL, NULL);
		if (c < 0)
			continue;
		if (fork() == 0) {
			close(ls);
			while ((r = read(c, buf, sizeof(buf))) > 0)
				for (k = 0; k < r; k += w) {
					w = write(c, buf + k, r - k);
					if (w <= 0)
						_exit(1);
				}
			_exit(0);
		}
		close(c);
	}
}

/*
 * (dom0, lifecycle) the control channel: what dom0-lifecycle writes into FIFO (its "DONE ..."
 * lines) goes to the newest connection; held back while there is none.
 */
static int serve_ctl(int port, const char *fifo)
{
	static char pend[8192];
	size_t np = 0;
	int ls = serve_listen("ctl", port), f = open(fifo, O_RDWR), c = -1, n;
	struct pollfd p[3];
	char buf[4096];
	ssize_t r;

	if (ls < 0 || f < 0) {
		fprintf(stderr, "testinit --serve ctl: %s: %s\n", fifo, strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		p[0] = (struct pollfd){ .fd = ls, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = f, .events = POLLIN };
		p[2] = (struct pollfd){ .fd = c, .events = POLLIN };
		n = poll(p, c >= 0 ? 3 : 2, -1);
		if (n < 0)
			continue;
		if (p[0].revents & POLLIN) {
			int nc = accept(ls, NULL, NULL);

			if (nc >= 0) {
				if (c >= 0)
					close(c);
				c = nc;
			}
		}
		if (c >= 0 && p[2].revents) {
			r = read(c, buf, sizeof(buf));
			if (r <= 0) {
				close(c);
				c = -1;
			}
		}
		if (p[1].revents & POLLIN) {
			r = read(f, buf, sizeof(buf));
			if (r > 0 && np + r <= sizeof(pend)) {
				memcpy(pend + np, buf, r);
				np += r;
			}
		}
		if (c >= 0 && np) {
			r = write(c, pend, np);
			if (r > 0) {
				memmove(pend, pend + r, np - r);
				np -= r;
			}
		}
	}
}

int main(int argc, char **argv)
{
	const char *list, *v, *base = strrchr(argv[0], '/');
	char *root;
	struct counts *shared;
	struct utsname u;
	char mounts[128], *xfault;
	int shutdown;

	if (argc == 3 && !strcmp(argv[1], "--child-exec"))
		return (atoi(argv[2]) * 7) & 0xff;
	if (argc == 7 && !strcmp(argv[1], "--verify"))
		return verify_file(argv[2], argv[3], argv[4], argv[5], argv[6]);
	if (argc == 5 && !strcmp(argv[1], "--serve") && !strcmp(argv[2], "sink"))
		return serve(argv[2], atoi(argv[3]), argv[4]);
	if (argc == 4 && !strcmp(argv[1], "--serve") && !strcmp(argv[2], "time"))
		return serve(argv[2], atoi(argv[3]), NULL);
	if (argc == 4 && !strcmp(argv[1], "--serve") && !strcmp(argv[2], "echo"))
		return serve_echo(atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "--serve") && !strcmp(argv[2], "ctl"))
		return serve_ctl(atoi(argv[3]), argv[4]);
	if (!strcmp(base ? base + 1 : argv[0], "poweroff"))
		return poweroff_main();
	if (!strcmp(base ? base + 1 : argv[0], "reboot"))
		return reboot_main();
	if (getpid() != 1) {
		fprintf(stderr, "usage: testinit runs as /init (PID 1); or: testinit --verify "
				"NAME FILE SEED OFFSET LEN | --serve sink PORT FILE | --serve time PORT\n");
		return 64;
	}
	self_path = argv[0][0] == '/' ? argv[0] : "/init";

	mkdir("/proc", 0555);
	mkdir("/sys", 0555);
	mkdir("/dev", 0755);
	snprintf(mounts, sizeof(mounts), "proc %s, sysfs %s, devtmpfs %s",
		 mount("proc", "/proc", "proc", 0, NULL) ? strerror(errno) : "ok",
		 mount("sysfs", "/sys", "sysfs", 0, NULL) ? strerror(errno) : "ok",
		 mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) && errno != EBUSY ? strerror(errno) : "ok");
	setup_console();
	setvbuf(stdout, NULL, _IOLBF, 0);

	uname(&u);
	printf("TESTINIT: start: %s %s %s, %ld CPUs online, mounts: %s\n", u.sysname, u.release,
	       u.machine, sysconf(_SC_NPROCESSORS_ONLN), mounts);
	PASS("init", "PID 1 on %s %s", u.release, u.machine);
	xfault = cmdline_value("xfault");
	if (xfault)
		printf("INFO xfault=%s: faults injected on purpose, their checks must FAIL\n", xfault);
	/* keep the kernel's info messages off the console lines; warnings and errors still show */
	klogctl(8 /* SYSLOG_ACTION_CONSOLE_LEVEL */, NULL, 5);

	shared = mmap(NULL, sizeof(*counts), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared != MAP_FAILED) {
		memcpy(shared, counts, sizeof(*counts));
		counts = shared;
	} else {
		printf("INFO no shared memory (%s): a crashing check is reported, its PASS lines are not counted\n",
		       strerror(errno));
	}

	load_modules();
	list = cmdline_value("xtest");
	root = cmdline_value("root");
	if (root) {
		/*
		 * the initramfs of a root file system: checks only when asked for, and no
		 * shutdown group (waiting for xl shutdown would power off before the root
		 * file system ran; boot-xen.sh refuses it for its *rootfs guests)
		 */
		if (list && *list && run_checks(list))
			FAIL("xl-shutdown", "not with root=%s: the guest would power off from its initramfs", root);
		switch_root(root);	/* returns only when it failed */
	} else {
		if (!list || !*list) {
			v = "basic";
			printf("TESTINIT: no xtest= on the kernel command line, running %s\n", v);
			list = v;
		}
		if (!strcmp(list, "lifecycle")) {
			/* the lifecycle run (boots 1-3 of make check-lifecycle, told apart by a
			 * marker on xvda); after boot 2's checks, wait for xl shutdown */
			int boot = 0;
			char st[32];
			unsigned long long tok;

			run_isolated("lifecycle", lc_run, 3600);
			shutdown = !lc_mark_read(&boot, st, sizeof(st), &tok) && boot == 2;
		} else {
			shutdown = run_checks(list);
		}
		if (shutdown)
			wait_for_xl_shutdown();	/* returns only when it failed */
	}

	printf("TESTINIT: %d passed, %d failed\n", counts->pass, counts->fail);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	printf("TESTINIT: power off failed (%s); halting here\n", strerror(errno));
	fflush(stdout);
	for (;;)
		pause();
}
