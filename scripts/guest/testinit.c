/*
 * testinit: /init of the xen-i386 rig's guests. Build: gcc -m32 -static -O2 -pthread testinit.c
 * testinit-*.c (one 32-bit binary for i386 guests and, through IA32 emulation, for 64-bit ones).
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
 *
 * The files: this one is the program (main(), the groups and run_checks(), the shared helpers:
 * report(), the clocks, the command line, fault injection; the console, the modules,
 * switch-root, run_isolated(), xl-shutdown and poweroff); the checks are in testinit-basic.c
 * (basic, vdso), testinit-net.c (net, tcp, clock), testinit-blk.c (blk, fs, --verify),
 * testinit-smp.c (smp, storm, iretwin), testinit-hostile.c (hostile, meltdown, ldt),
 * testinit-lifecycle.c (the lifecycle run, /sbin/reboot) and testinit-serve.c (--serve);
 * testinit.h declares what they share.
 */
#include "testinit.h"

#define SHUTDOWN_STATE "/xtest-shutdown"	/* PID 1 -> poweroff: counts while waiting */
#define SHUTDOWN_WAIT_S 600	/* PID 1 gives up waiting for xl shutdown after this */

/* PASS/FAIL counts, shared with the per-check child processes (struct counts: testinit.h) */
static struct counts local_counts;
struct counts *counts = &local_counts;

void report(int ok, const char *name, const char *fmt, ...)
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

double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CLOCK_MONOTONIC in ns (sleep-clock, the lifecycle items, --serve time) */
long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

uint64_t random_seed(void)
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
void fill_pattern(unsigned char *buf, size_t len, uint64_t seed)
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
char *cmdline_value(const char *name)
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
int list_has(const char *list, const char *name)
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
int fault(const char *name)
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

void setup_console(void)
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

/* the groups xtest= may name; "full" is all of them (scripts/rig/lib.sh knows the same list) */
#define FULL "kunit,basic,net,tcp,blk,fs,smp,clock,storm,ldt,meltdown,shutdown"

/* runs the checks of LIST (comma-separated groups); returns 1 when it names "shutdown" */
static int run_checks(const char *list)
{
	static const struct {
		const char *group, *name;
		void (*fn)(void);
		int timeout_s;
	} checks[] = {
		{ "kunit", "kunit-boot", check_kunit, 30 },
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

int is_xen_guest(void)
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

int same_file(const char *a, const char *b)
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
