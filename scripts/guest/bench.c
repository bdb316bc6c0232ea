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
 *   null        a system call number no kernel implements (ENOSYS), by glibc's syscall():
 *               the libc/vDSO entry path (SYSENTER where the kernel offers it), entry and
 *               exit alone
 *   null-int80  the same by a raw "int $0x80"
 *   getppid     syscall(SYS_getppid): a real system call that glibc does not cache
 *   fork        fork + _exit(0) in the child + waitpid
 *   forkexec    fork + execve of this binary with "--exit" (exits at once) + waitpid
 *   pagefault   per page: mmap 16 MiB anonymous, write one byte of each page, munmap
 *   mmap        mmap + munmap of 1 MiB anonymous, untouched
 *   mprotect    mprotect of 1 MiB of populated anonymous memory (256 PTEs), read-only and
 *               read-write in turn
 *   pipe        a one-byte round trip between two processes over two pipes, both pinned to
 *               CPU 0 (sched_setaffinity), so each round trip is two context switches
 *   signal      kill(getpid(), SIGUSR1) with a handler installed: delivery + sigreturn
 *   unpack      the macro job: fork + execve of "bench --unpack", which extracts the ustar
 *               archive /bench/archive.tar (real source files, about 2 MiB) into /unpack,
 *               checks every file against the archive's SHA256SUMS (SHA-256: sha256.h),
 *               and removes the tree again
 *
 * Under Xen the rig's dom0 reads the hypervisor's performance counters around each timed
 * pass: with bench_sync=xenstore the guest writes "ready <seq> <name>" to its xenstore key
 * data/bench/state after the warmup and waits until dom0 answers with the same words in
 * data/bench/go (dom0 has reset the counters); after the timed pass it writes "done <seq>
 * <name>" and waits again (dom0 has read them); at the end it writes "end" and waits for the
 * same answer before it powers off. The guest talks to xenstored through
 * /dev/xen/xenbus (devtmpfs); the timed pass itself sees no dom0 activity.
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
 *   bench_sync=xenstore  the handshake with dom0 above
 *
 * Other modes: bench --exit   exits 0 at once (the program forkexec executes);
 *              bench --unpack ARCHIVE DIR   one round of the macro job (exit 0 if every
 *              checksum matched).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
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

#include "sha256.h"

#define PF_PAGES 4096		/* pagefault: 16 MiB per mmap */
#define MMAP_LEN (1u << 20)	/* mmap, mprotect: 1 MiB */
#define NR_NONE 0x3ff		/* no kernel has a system call of this number */
#define ARCHIVE "/bench/archive.tar"
#define UNPACK_DIR "/unpack"

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
		syscall(NR_NONE);
	return 0;
}

static int b_null_int80(long n)
{
	long i, r;

	for (i = 0; i < n; i++)
		asm volatile("int $0x80" : "=a"(r) : "0"((long)NR_NONE) : "memory");
	return 0;
}

static int b_getppid(long n)
{
	long i;

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
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

static int b_mprotect(long n)
{
	long i;
	char *p;

	p = mmap(NULL, MMAP_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		die("mprotect: mmap");
		return -1;
	}
	for (i = 0; i < (long)(MMAP_LEN / 4096); i++)
		p[i * 4096L] = 1;
	for (i = 0; i < n; i++) {
		if (mprotect(p, MMAP_LEN, i & 1 ? PROT_READ | PROT_WRITE : PROT_READ)) {
			die("mprotect");
			munmap(p, MMAP_LEN);
			return -1;
		}
	}
	munmap(p, MMAP_LEN);
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

/* ---- the macro job: unpack an archive, check every file's SHA-256, remove the tree ---- */

/* the whole of a file, malloc()ed; NULL and errno on failure */
static unsigned char *slurp(const char *path, size_t *len)
{
	unsigned char *buf = NULL;
	size_t size = 0, n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	for (;;) {
		if (n == size) {
			unsigned char *nb = realloc(buf, size = size ? 2 * size : 65536);

			if (!nb)
				break;
			buf = nb;
		}
		r = read(fd, buf + n, size - n);
		if (r <= 0) {
			if (r == 0) {
				close(fd);
				*len = n;
				return buf;
			}
			break;
		}
		n += r;
	}
	free(buf);
	close(fd);
	return NULL;
}

#define UNPACK_MAX 512	/* entries in the archive */

/*
 * bench --unpack ARCHIVE DIR: extract the ustar ARCHIVE (directories and regular files)
 * under DIR, check each file SHA256SUMS names against its SHA-256 (sha256sum's format),
 * then remove what was extracted. Exit 0 when every file listed matched and every file
 * extracted was listed.
 */
static int unpack(const char *archive, const char *dir)
{
	static char *names[UNPACK_MAX];
	static char is_dir[UNPACK_MAX];
	unsigned char *tar, *data;
	size_t len, off = 0, size, flen;
	char name[260], hex[65], *sums, *line, *next;
	struct sha256 sha;
	int n = 0, checked = 0, files = 0, bad = 0, fd, i;

	tar = slurp(archive, &len);
	if (!tar) {
		fprintf(stderr, "unpack: %s: %s\n", archive, strerror(errno));
		return 1;
	}
	if (mkdir(dir, 0755) || chdir(dir)) {
		fprintf(stderr, "unpack: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	while (off + 512 <= len && tar[off]) {
		const char *h = (const char *)tar + off;

		if (memcmp(h + 257, "ustar", 5) || n == UNPACK_MAX) {
			fprintf(stderr, "unpack: not a ustar header at %zu, or too many entries\n", off);
			return 1;
		}
		if (h[345])
			snprintf(name, sizeof(name), "%.155s/%.100s", h + 345, h);
		else
			snprintf(name, sizeof(name), "%.100s", h);
		size = strtoul(h + 124, NULL, 8);
		off += 512;
		if (off + size > len) {
			fprintf(stderr, "unpack: %s: truncated archive\n", name);
			return 1;
		}
		if (h[156] == '5') {
			if (name[0] && name[strlen(name) - 1] == '/')
				name[strlen(name) - 1] = '\0';
			if (mkdir(name, 0755) && errno != EEXIST) {
				fprintf(stderr, "unpack: mkdir %s: %s\n", name, strerror(errno));
				return 1;
			}
			is_dir[n] = 1;
		} else if (h[156] == '0' || h[156] == '\0') {
			fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0 || write(fd, tar + off, size) != (ssize_t)size || close(fd)) {
				fprintf(stderr, "unpack: %s: %s\n", name, strerror(errno));
				return 1;
			}
			is_dir[n] = 0;
			files++;
		} else {
			fprintf(stderr, "unpack: %s: entry type '%c' not handled\n", name, h[156]);
			return 1;
		}
		names[n++] = strdup(name);
		off += (size + 511) & ~(size_t)511;
	}
	free(tar);

	sums = (char *)slurp("SHA256SUMS", &len);
	if (!sums) {
		fprintf(stderr, "unpack: SHA256SUMS: %s\n", strerror(errno));
		return 1;
	}
	sums = realloc(sums, len + 1);
	sums[len] = '\0';
	for (line = sums; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (next - line < 67 || line[64] != ' ' || line[65] != ' ')
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(next - line - 66 - (next[-1] == '\n')),
			 line + 66);
		data = slurp(name, &flen);
		if (!data) {
			fprintf(stderr, "unpack: %s: %s\n", name, strerror(errno));
			bad++;
			continue;
		}
		sha256_init(&sha);
		sha256_update(&sha, data, flen);
		sha256_hex(&sha, hex);
		free(data);
		if (memcmp(hex, line, 64)) {
			fprintf(stderr, "unpack: %s: sha256 %s, SHA256SUMS says %.64s\n", name, hex, line);
			bad++;
		}
		checked++;
	}
	free(sums);
	/* every file but SHA256SUMS itself must have been checked */
	if (checked != files - 1) {
		fprintf(stderr, "unpack: %d files extracted, %d checked\n", files, checked);
		bad++;
	}
	for (i = n - 1; i >= 0; i--) {
		if ((is_dir[i] ? rmdir(names[i]) : unlink(names[i])) && errno != ENOENT) {
			fprintf(stderr, "unpack: remove %s: %s\n", names[i], strerror(errno));
			bad++;
		}
		free(names[i]);
	}
	if (chdir("/") || rmdir(dir)) {
		fprintf(stderr, "unpack: rmdir %s: %s\n", dir, strerror(errno));
		bad++;
	}
	return bad ? 1 : 0;
}

static int b_unpack(long n)
{
	char *const argv[] = { (char *)self_path, "--unpack", ARCHIVE, UNPACK_DIR, NULL };
	long i;
	pid_t pid;

	if (access(ARCHIVE, R_OK)) {
		die("unpack: " ARCHIVE);
		return -1;
	}
	for (i = 0; i < n; i++) {
		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			die("unpack: fork");
			return -1;
		}
		if (pid == 0) {
			execve(self_path, argv, empty_env);
			_exit(127);
		}
		if (reap(pid, "unpack: execve, or a file did not match"))
			return -1;
	}
	return 0;
}

/* ---- the handshake with dom0 through xenstore (bench_sync=xenstore) ---- */

struct xs_hdr {
	uint32_t type, req_id, tx_id, len;
};

enum { XS_READ = 2, XS_WATCH = 4, XS_WRITE = 11, XS_WATCH_EVENT = 15, XS_ERROR = 16 };

#define XS_STATE "data/bench/state"
#define XS_GO "data/bench/go"
#define XS_WAIT_MS (600 * 1000)	/* how long the guest waits for dom0's answer */

static int xs_fd = -1;
static int xs_events;	/* watch events seen while waiting for a reply */
static uint32_t xs_id;

static int read_exact(int fd, void *p, size_t len)
{
	ssize_t r;

	while (len) {
		r = read(fd, p, len);
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		p = (char *)p + r;
		len -= r;
	}
	return 0;
}

static int xs_recv(struct xs_hdr *h, char *buf, size_t size)
{
	if (read_exact(xs_fd, h, sizeof(*h)))
		return -1;
	if (h->len >= size) {
		errno = EMSGSIZE;
		return -1;
	}
	if (read_exact(xs_fd, buf, h->len))
		return -1;
	buf[h->len] = '\0';
	return 0;
}

/* one request: the payload is path, NUL, then arg (with its NUL when arg_nul) */
static int xs_request(uint32_t type, const char *path, const char *arg, int arg_nul,
		      char *reply, size_t size)
{
	char msg[sizeof(struct xs_hdr) + 512];
	struct xs_hdr h = { type, ++xs_id, 0, 0 };
	size_t pl = strlen(path) + 1, al = arg ? strlen(arg) + !!arg_nul : 0;

	if (pl + al > sizeof(msg) - sizeof(h)) {
		errno = EMSGSIZE;
		return -1;
	}
	h.len = pl + al;
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), path, pl);
	if (al)
		memcpy(msg + sizeof(h) + pl, arg, al);
	if (write(xs_fd, msg, sizeof(h) + h.len) != (ssize_t)(sizeof(h) + h.len))
		return -1;
	for (;;) {
		if (xs_recv(&h, reply, size))
			return -1;
		if (h.type == XS_WATCH_EVENT) {
			xs_events++;
			continue;
		}
		if (h.req_id != xs_id)
			continue;
		if (h.type == XS_ERROR) {
			errno = !strcmp(reply, "ENOENT") ? ENOENT : EIO;
			return -1;
		}
		return 0;
	}
}

/* wait until path holds want; the watch on it wakes us */
static int xs_wait(const char *path, const char *want)
{
	struct pollfd pfd = { .fd = xs_fd, .events = POLLIN };
	char v[512];
	struct xs_hdr h;
	int r;

	for (;;) {
		xs_events = 0;
		r = xs_request(XS_READ, path, NULL, 0, v, sizeof(v));
		if (r && errno != ENOENT)
			return -1;
		if (!r && !strcmp(v, want))
			return 0;
		if (xs_events)
			continue;
		r = poll(&pfd, 1, XS_WAIT_MS);
		if (r <= 0) {
			if (r == 0)
				errno = ETIMEDOUT;
			return -1;
		}
		if (xs_recv(&h, v, sizeof(v)))
			return -1;
	}
}

static int xs_open(void)
{
	char v[512];

	mkdir("/dev", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	xs_fd = open("/dev/xen/xenbus", O_RDWR);
	if (xs_fd < 0) {
		die("bench_sync=xenstore: /dev/xen/xenbus");
		return -1;
	}
	if (xs_request(XS_WATCH, XS_GO, "bench", 1, v, sizeof(v))) {
		die("bench_sync=xenstore: watch " XS_GO);
		close(xs_fd);
		xs_fd = -1;
		return -1;
	}
	return 0;
}

/*
 * Tell dom0 where the suite is ("ready i name", "done i name", "end") and wait for its answer
 * (after "end" too: the guest powers off only once dom0 has seen the suite end).
 */
static int bench_sync(const char *what, int index, const char *name)
{
	char v[128], reply[512];

	if (xs_fd < 0)
		return 0;
	if (name)
		snprintf(v, sizeof(v), "%s %d %s", what, index, name);
	else
		snprintf(v, sizeof(v), "%s", what);
	if (xs_request(XS_WRITE, XS_STATE, v, 0, reply, sizeof(reply))) {
		die("bench_sync: write " XS_STATE);
		return -1;
	}
	if (xs_wait(XS_GO, v)) {
		die("bench_sync: no answer from dom0 in " XS_GO);
		return -1;
	}
	return 0;
}

/*
 * Called right before and right after each timed pass. The rig's instruction profiler
 * (the QEMU plugin scripts/rig/insnprof.c, PROFILE=1) starts a new window each time the
 * first instruction of this function runs, so that window 2k+2 of a run holds the k-th
 * timed pass and nothing else: not the warmup, and not the handshake with dom0.
 */
__attribute__((noinline)) void bench_mark(void)
{
	__asm__ volatile("" ::: "memory");
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
	{ "getppid",	b_getppid,	2000000, 1,	   0 },
	{ "fork",	b_fork,		3000,	 1,	   0 },
	{ "forkexec",	b_forkexec,	1000,	 1,	   0 },
	{ "pagefault",	b_pagefault,	131072,	 PF_PAGES, 0 },
	{ "mmap",	b_mmap,		40000,	 1,	   0 },
	{ "mprotect",	b_mprotect,	20000,	 1,	   0 },
	{ "pipe",	b_pipe,		40000,	 1,	   1 },
	{ "signal",	b_signal,	80000,	 1,	   0 },
	{ "unpack",	b_unpack,	20,	 1,	   0 },
};

#define NR_BENCHES (sizeof(benches) / sizeof(benches[0]))

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

/*
 * A benchmark's warmup, the handshake with dom0, and its timed pass between two marks;
 * the pass's time in *ns. 0, or -1 when the benchmark or the handshake failed.
 */
static int timed_pass(const struct bench *b, long warm, long n, uint64_t *ns)
{
	uint64_t t0;
	int err;

	if (b->fn(warm) || bench_sync("ready", b - benches, b->name))
		return -1;
	bench_mark();
	t0 = now_ns();
	err = b->fn(n);
	*ns = now_ns() - t0;
	bench_mark();
	if (err || bench_sync("done", b - benches, b->name))
		return -1;
	return 0;
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
		CPU_ZERO(&set);
		CPU_SET(0, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			die("sched_setaffinity");
			_exit(1);
		}
		if (timed_pass(b, warm, n, &shared[0]))
			_exit(1);
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
	uint64_t ns;

	if (b->pin) {
		if (run_pinned(b, warm, n, &ns))
			return;
	} else if (timed_pass(b, warm, n, &ns)) {
		return;
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
	for (i = 0; i < NR_BENCHES; i++)
		if (selected(benches[i].name))
			run(&benches[i]);
	bench_sync("end", 0, NULL);
	return failed;
}

int main(int argc, char **argv)
{
	const char *v;
	pid_t pid;
	int st;

	if (argc == 2 && !strcmp(argv[1], "--exit"))
		_exit(0);
	if (argc == 4 && !strcmp(argv[1], "--unpack"))
		return unpack(argv[2], argv[3]);
	if (strchr(argv[0], '/'))
		self_path = argv[0];
	else if (getpid() != 1)
		self_path = "/proc/self/exe";
	setvbuf(stdout, NULL, _IOLBF, 0);
	v = getenv("bench_scale");
	if (v && strtod(v, NULL) > 0)
		scale = strtod(v, NULL);
	only = getenv("bench_only");
	v = getenv("bench_sync");

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
	if (v && !strcmp(v, "xenstore"))
		xs_open();
	else if (v) {
		printf("BENCH-ERROR bench_sync=%s: only bench_sync=xenstore is known\n", v);
		failed = 1;
	}
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
