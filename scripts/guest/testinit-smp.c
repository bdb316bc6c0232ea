/*
 * testinit-smp.c: testinit's checks that load every CPU: smp (smp-load: a pinned busy worker
 * on each online CPU; smp_worker() is the lifecycle vcpu item's too), storm (fork-exec-storm:
 * STORM_N fork + exec, STORM_PAR at a time) and iretwin (iret-window, 32-bit Xen PV only:
 * events aimed at the critical region of the direct return to user space).
 */
#include "testinit.h"

#define STORM_N 300		/* fork-exec-storm: this many fork + exec ... */
#define STORM_PAR 4		/* ... this many at a time */

/* ------------------------------------------------------------------------------------- */
/* smp: a busy worker pinned to each online CPU; fork-exec storm                           */
/* ------------------------------------------------------------------------------------- */

#define SMP_MAX 64
/* struct smp_result: in testinit.h (the lifecycle vcpu item runs smp_worker() too) */

void smp_worker(int cpu, struct smp_result *res)
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

void check_smp(void)
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
void check_storm(void)
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

void check_iret_window(void)
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

