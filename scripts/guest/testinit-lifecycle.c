/*
 * testinit-lifecycle.c: testinit's lifecycle run (xtest=lifecycle, make check-lifecycle:
 * lc_run()), in which dom0's toolstack operates the guest (sysrq, NMIs, save/restore,
 * migrate, balloon, vCPU hotplug, PV spinlocks under contention, block and network detach
 * and attach, reboot, shutdown, destroy) while the guest checks the outcome; and
 * reboot_main(), the program as /sbin/reboot. lc_dmesg() (the kernel log) serves
 * basic-vsyscall and meltdown-report too.
 */
#include "testinit.h"

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
int lc_mark_read(int *boot, char *state, size_t sn, unsigned long long *token)
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
char *lc_dmesg(void)
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
int reboot_main(void)
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

void lc_run(void)
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

