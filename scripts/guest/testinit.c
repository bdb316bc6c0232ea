/*
 * testinit: /init of the xen-i386 rig's guests. Build: gcc -m32 -static -O2 -pthread
 * (one 32-bit binary for i386 guests and, through IA32 emulation, for 64-bit ones).
 *
 * As PID 1: mounts proc, sysfs and devtmpfs, loads the modules listed in /lib/modules/xtest
 * (if built for the running kernel), runs the checks named on the kernel command line
 * (xtest=basic,net,blk,fs), prints one line per check, "PASS name[: detail]" or
 * "FAIL name: what was seen", then "TESTINIT: N passed, N failed", and powers off. Each
 * check runs in a child process with a time limit: a crash or hang is that check's FAIL.
 *
 * With root=DEV on the kernel command line, testinit is the initramfs of a root file system
 * (Debian's kernel has xen-blkfront and ext4 as modules): after the modules (and the checks
 * of xtest=, only if given), it mounts DEV (ext4, read-write with rw), moves /dev, /proc and
 * /sys into it, makes it / and execs init= (default /sbin/init) there as PID 1, like an
 * initramfs-tools initramfs would: "PASS switch-root: ..." or "FAIL switch-root: ...".
 *
 * Other modes:
 *   testinit --child-exec TOKEN            exit status (TOKEN * 7) & 0xff (the basic-exec check)
 *   testinit --verify NAME FILE SEED OFFSET LEN
 *                                          check that FILE holds the pattern of SEED at OFFSET
 *                                          and print PASS/FAIL NAME (run in dom0 on the guest's
 *                                          disk image, blk-dom0, and on its file, fs-dom0)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BLK_OFFSET (1u << 20)	/* pattern written at 1 MiB ... */
#define BLK_LEN (4u << 20)	/* ... 4 MiB long */
#define FS_LEN (1u << 20)	/* the fs check's file: 1 MiB */
#define FS_FILE "/mnt/xtest.dat"
#define GUEST_IP "10.0.0.2"
#define DOM0_IP "10.0.0.1"

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

static void check_net(void)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in dst = { .sin_family = AF_INET };
	unsigned char pkt[64], buf[1500];
	struct icmphdr *icmp = (struct icmphdr *)pkt;
	uint16_t id = (uint16_t)random_seed();
	double t0 = now_ms(), deadline, sent;
	int s, r, seq, got = 0;

	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0) {
		FAIL("net-ping", "socket: %s", strerror(errno));
		return;
	}
	strcpy(ifr.ifr_name, "eth0");
	while (ioctl(s, SIOCGIFINDEX, &ifr)) {
		if (now_ms() - t0 > 20000) {
			FAIL("net-ping", "no eth0 after 20 s (netfront not probed?)");
			close(s);
			return;
		}
		usleep(100000);
	}
	link_up(s, "lo");
	if (set_addr(s, "eth0", SIOCSIFADDR, GUEST_IP) ||
	    set_addr(s, "eth0", SIOCSIFNETMASK, "255.255.255.0") || link_up(s, "eth0")) {
		FAIL("net-ping", "configuring eth0 %s/24: %s", GUEST_IP, strerror(errno));
		close(s);
		return;
	}
	close(s);

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

static char cmdline[4096];

static void read_cmdline(void)
{
	int fd = open("/proc/cmdline", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, cmdline, sizeof(cmdline) - 1) : -1;

	if (fd >= 0)
		close(fd);
	cmdline[n > 0 ? n : 0] = 0;
	cmdline[strcspn(cmdline, "\n")] = 0;
}

/*
 * cmdline_arg("xtest", buf, n): copies the value of xtest= on the kernel command line into
 * buf and returns buf, or NULL when there is none. The last one counts, as for the kernel.
 */
static const char *cmdline_arg(const char *key, char *buf, size_t n)
{
	size_t kl = strlen(key);
	const char *p, *found = NULL;

	if (!cmdline[0])
		read_cmdline();
	for (p = cmdline; (p = strstr(p, key)); p++)
		if ((p == cmdline || p[-1] == ' ') && p[kl] == '=')
			found = p + kl + 1;
	if (!found)
		return NULL;
	snprintf(buf, n, "%.*s", (int)strcspn(found, " "), found);
	return buf;
}

/* the last of the words a and b on the command line (rw/ro): 1 for a, 0 for b or neither */
static int cmdline_last_word(const char *a, const char *b)
{
	char c[sizeof(cmdline)], *p, *save;
	int r = 0;

	if (!cmdline[0])
		read_cmdline();
	snprintf(c, sizeof(c), "%s", cmdline);
	for (p = strtok_r(c, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
		if (!strcmp(p, a))
			r = 1;
		else if (!strcmp(p, b))
			r = 0;
	}
	return r;
}

static const char *tests_from_cmdline(void)
{
	static char list[1024];
	const char *v = getenv("xtest");

	return v ? v : cmdline_arg("xtest", list, sizeof(list));
}

/*
 * root=DEV: mount it on /newroot, move the API file systems into it, make it / and exec init=
 * there (as PID 1). Returns only on failure, after its FAIL line.
 */
static void switch_root(const char *root)
{
	static const char *const fstypes[] = { "ext4", "ext3", "ext2" };
	static const char *const api[] = { "/dev", "/proc", "/sys" };
	char dev[64], init[256], target[300], fsbuf[32];
	const char *fstype = cmdline_arg("rootfstype", fsbuf, sizeof(fsbuf));
	int rw = cmdline_last_word("rw", "ro");	/* the kernel's default is ro */
	unsigned long flags = rw ? 0 : MS_RDONLY;
	double t0 = now_ms();
	size_t i;
	int err = 0;

	if (!cmdline_arg("init", init, sizeof(init)))
		snprintf(init, sizeof(init), "/sbin/init");
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

static void run_checks(const char *list)
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
		{ "net", "net-ping", check_net, 90 },
		{ "blk", "blk-rw", check_blk, 120 },
		{ "fs", "fs-file", check_fs, 120 },
	};
	char buf[256], *save, *t;
	size_t i;
	int known;

	snprintf(buf, sizeof(buf), "%s", list);
	for (t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		double t0 = now_ms();

		printf("TESTINIT: running %s\n", t);
		known = 0;
		for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
			if (!strcmp(t, checks[i].group)) {
				run_isolated(checks[i].name, checks[i].fn, checks[i].timeout_s);
				known = 1;
			}
		}
		if (!known)
			FAIL(t, "unknown check (known: basic, net, blk, fs)");
		printf("TESTINIT: %s took %.0f ms\n", t, now_ms() - t0);
	}
}

int main(int argc, char **argv)
{
	const char *list, *v, *root;
	char rootbuf[64];
	struct counts *shared;
	struct utsname u;
	char mounts[128];

	if (argc == 3 && !strcmp(argv[1], "--child-exec"))
		return (atoi(argv[2]) * 7) & 0xff;
	if (argc == 7 && !strcmp(argv[1], "--verify"))
		return verify_file(argv[2], argv[3], argv[4], argv[5], argv[6]);
	if (getpid() != 1) {
		fprintf(stderr, "usage: testinit runs as /init (PID 1); or: testinit --verify "
				"NAME FILE SEED OFFSET LEN\n");
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
	list = tests_from_cmdline();
	root = cmdline_arg("root", rootbuf, sizeof(rootbuf));
	if (root) {
		/* the initramfs of a root file system: checks only when asked for */
		if (list && *list)
			run_checks(list);
		switch_root(root);
	} else {
		if (!list || !*list) {
			v = "basic";
			printf("TESTINIT: no xtest= on the kernel command line, running %s\n", v);
			list = v;
		}
		run_checks(list);
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
