// SPDX-License-Identifier: GPL-2.0
/*
 * selftest-runner: /init of the rig's selftests initramfs (scripts/rig/mk-selftests-initramfs.sh).
 *
 * As PID 1: mounts proc, sysfs, devtmpfs, a tmpfs on /tmp and devpts, then runs every program in
 * /selftests (the tree's tools/testing/selftests/x86 *_32 binaries), one at a time and in name
 * order, each in its own session with stdin /dev/null and its working directory /tmp. Its
 * stdout and stderr are a pseudo-terminal (devpts; a pipe if there is none), so that its stdio
 * is line-buffered as on a terminal: with a pipe, output a test buffers before fork() shows
 * twice and a test that _exit()s from a signal handler loses what it printed. Every line a
 * test prints goes to the console as "[name] line". A test still running after its time limit
 * (guest time) is killed with its whole process group; after each test every process left
 * but PID 1 is killed (a daemon in its own session too). Then, per test:
 *
 *   SELFTEST name: PASS rc=0 (1.2 s)
 *   SELFTEST name: SKIP rc=4 (0.1 s)                        kselftest's KSFT_SKIP
 *   SELFTEST name: FAIL rc=1 (3.4 s)                        any other exit status
 *   SELFTEST name: FAIL rc=139 (0.2 s): killed by signal 11 (Segmentation fault)
 *   SELFTEST name: FAIL rc=137 (60.0 s): timeout: still running after 60 s, killed
 *   SELFTEST name: SKIP rc=4 (0.0 s): excluded (stx_exclude=)
 *
 * and at the end "SELFTESTS: N pass, N fail, N skip" and "SELFTESTS-DONE"; then it syncs and
 * powers the machine off. PID 1 never exits (a failed power off halts in pause()).
 *
 * Kernel command line: stx_timeout=SECONDS (per test, default 60), stx_exclude=a,b (names,
 * with or without _32, reported as SKIP without running), stx_only=a,b (run only these).
 *
 * Build: gcc -m32 -static -O2 -Wall -Wextra -o selftest-runner selftest-runner.c
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define DIR_TESTS	"/selftests"
#define KSFT_SKIP	4
#define MAX_TESTS	256
#define LINE_MAX_LEN	1024

static int timeout_s = 60;
static char exclude[1024], only[1024];
static int npass, nfail, nskip;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
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

/* the value of KEY=value on the kernel command line, copied to buf ("" when absent) */
static void cmdline_arg(const char *cmdline, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p;

	buf[0] = 0;
	for (p = cmdline; (p = strstr(p, key)); p++) {
		if ((p == cmdline || p[-1] == ' ') && p[klen] == '=') {
			p += klen + 1;
			snprintf(buf, len, "%.*s", (int)strcspn(p, " \n"), p);
			return;
		}
	}
}

static void read_cmdline(void)
{
	char cmdline[4096], v[32];
	ssize_t n;
	int fd;

	fd = open("/proc/cmdline", O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, cmdline, sizeof(cmdline) - 1);
	close(fd);
	cmdline[n > 0 ? n : 0] = 0;
	cmdline_arg(cmdline, "stx_timeout", v, sizeof(v));
	if (atoi(v) > 0)
		timeout_s = atoi(v);
	cmdline_arg(cmdline, "stx_exclude", exclude, sizeof(exclude));
	cmdline_arg(cmdline, "stx_only", only, sizeof(only));
}

/* is name (e.g. "sigreturn_32") in the comma-separated list, with or without its "_32"? */
static int in_list(const char *list, const char *name)
{
	size_t nlen = strlen(name), blen = nlen;
	const char *p = list;

	if (nlen > 3 && !strcmp(name + nlen - 3, "_32"))
		blen = nlen - 3;
	while (*p) {
		size_t l = strcspn(p, ",");

		if ((l == nlen && !strncmp(p, name, l)) || (l == blen && !strncmp(p, name, l)))
			return 1;
		p += l;
		if (*p)
			p++;
	}
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the tests: executable regular files in DIR_TESTS, sorted */
static int list_tests(char **names, int max)
{
	struct dirent *de;
	struct stat st;
	char path[512];
	DIR *d;
	int n = 0;

	d = opendir(DIR_TESTS);
	if (!d) {
		printf("SELFTESTS: cannot open %s: %s\n", DIR_TESTS, strerror(errno));
		return 0;
	}
	while ((de = readdir(d)) && n < max) {
		snprintf(path, sizeof(path), "%s/%s", DIR_TESTS, de->d_name);
		if (de->d_name[0] == '.' || stat(path, &st) || !S_ISREG(st.st_mode) ||
		    !(st.st_mode & 0111))
			continue;
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);
	return n;
}

/* print the complete lines in buf with the test's prefix; keep a partial last line */
static void emit_lines(const char *name, char *buf, size_t *len, int flush)
{
	char *start = buf, *nl;

	while ((nl = memchr(start, '\n', buf + *len - start))) {
		*nl = 0;
		printf("[%s] %s\n", name, start);
		start = nl + 1;
	}
	*len -= start - buf;
	memmove(buf, start, *len);
	if (*len && (flush || *len >= LINE_MAX_LEN - 1)) {
		buf[*len] = 0;
		printf("[%s] %s\n", name, buf);
		*len = 0;
	}
	fflush(stdout);
}

static void result(const char *name, const char *res, int rc, double secs, const char *why)
{
	printf("SELFTEST %s: %s rc=%d (%.1f s)%s%s\n", name, res, rc, secs, *why ? ": " : "", why);
	fflush(stdout);
	if (!strcmp(res, "PASS"))
		npass++;
	else if (!strcmp(res, "SKIP"))
		nskip++;
	else
		nfail++;
}

/* reap any orphans that were reparented to us; returns the status if `pid` was among them */
static int reap_others(pid_t pid, int *st)
{
	pid_t r;
	int s, got = 0;

	while ((r = waitpid(-1, &s, WNOHANG)) > 0) {
		if (r == pid) {
			*st = s;
			got = 1;
		}
	}
	return got;
}

/*
 * The test's output channel: pfd[0] the end we read, pfd[1] the test's stdout and stderr. A
 * pty in raw mode (no \r added) when devpts works, else a pipe (said once).
 */
static int open_channel(int pfd[2])
{
	static int warned;
	struct termios tio;
	int m, s;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m >= 0 && !grantpt(m) && !unlockpt(m) && ptsname(m)) {
		s = open(ptsname(m), O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (s >= 0 && !tcgetattr(s, &tio)) {
			cfmakeraw(&tio);
			tcsetattr(s, TCSANOW, &tio);
			pfd[0] = m;
			pfd[1] = s;
			return 0;
		}
		if (s >= 0)
			close(s);
	}
	if (!warned++)
		printf("SELFTESTS: no pseudo-terminal (%s), the tests write to a pipe\n",
		       strerror(errno));
	if (m >= 0)
		close(m);
	return pipe2(pfd, O_CLOEXEC);
}

static void run_test(const char *name)
{
	char path[512], buf[LINE_MAX_LEN], why[160] = "";
	int pfd[2], st = 0, exited = 0, eof = 0, timed_out = 0, rc, dummy;
	double t0 = now_s(), t_exit = 0;
	size_t len = 0;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", DIR_TESTS, name);
	printf("SELFTEST-RUN %s (time limit %d s)\n", name, timeout_s);
	fflush(stdout);
	if (open_channel(pfd)) {
		snprintf(why, sizeof(why), "pipe: %s", strerror(errno));
		result(name, "FAIL", -1, 0, why);
		return;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(why, sizeof(why), "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		result(name, "FAIL", -1, 0, why);
		return;
	}
	if (pid == 0) {
		char *argv[] = { path, NULL };
		char *envp[] = { "PATH=/selftests:/bin", "HOME=/tmp", "TMPDIR=/tmp", "LANG=C", NULL };
		int fd = open("/dev/null", O_RDONLY);

		setsid();	/* its own process group: a timeout kills all it started */
		if (fd >= 0) {
			dup2(fd, 0);
			close(fd);
		}
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		if (chdir("/tmp"))
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		execve(path, argv, envp);
		dprintf(2, "execve %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);

	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		double now;

		if (!eof && poll(&p, 1, 100) > 0) {
			ssize_t n = read(pfd[0], buf + len, sizeof(buf) - 1 - len);

			if (n > 0) {
				len += n;
				emit_lines(name, buf, &len, 0);
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {	/* EIO: pty */
				eof = 1;
			}
		} else if (eof) {
			usleep(50000);
		}
		if (!exited) {
			pid_t r = waitpid(pid, &st, WNOHANG);

			if (r == pid || (r == 0 && reap_others(pid, &st))) {
				exited = 1;
				t_exit = now_s();
			}
		} else {
			reap_others(0, &dummy);
		}
		now = now_s();
		/* done: the test exited and its output ended (or its descendants hold the pipe) */
		if (exited && (eof || now - t_exit > 2.0))
			break;
		if (!exited && !timed_out && now - t0 > timeout_s) {
			timed_out = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
		}
	}
	emit_lines(name, buf, &len, 1);
	/*
	 * Leftovers of the test (children still holding the pty, daemons in their own session)
	 * go too: tests run one at a time, so nothing but PID 1 is meant to be alive now.
	 */
	kill(-1, SIGKILL);
	close(pfd[0]);
	usleep(10000);
	reap_others(0, &dummy);

	if (timed_out) {
		snprintf(why, sizeof(why), "timeout: still running after %d s, killed", timeout_s);
		result(name, "FAIL", 128 + SIGKILL, now_s() - t0, why);
	} else if (WIFSIGNALED(st)) {
		snprintf(why, sizeof(why), "killed by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
		result(name, "FAIL", 128 + WTERMSIG(st), t_exit - t0, why);
	} else {
		rc = WEXITSTATUS(st);
		result(name, rc == 0 ? "PASS" : rc == KSFT_SKIP ? "SKIP" : "FAIL", rc, t_exit - t0, "");
	}
}

/* mount fstype on dir (made first); "ok" or the error (EBUSY counts as mounted: devtmpfs) */
static const char *do_mount(const char *src, const char *dir, const char *fstype,
			    const char *opts)
{
	mkdir(dir, 0755);
	if (mount(src, dir, fstype, 0, opts) && errno != EBUSY)
		return strerror(errno);
	return "ok";
}

static void add_mount(char *buf, size_t len, const char *what, const char *res)
{
	size_t l = strlen(buf);

	snprintf(buf + l, len - l, ", %s %s", what, res);
}

int main(void)
{
	char *names[MAX_TESTS], mounts[200];
	struct utsname u;
	double t0;
	int i, n;

	if (getpid() != 1) {
		fprintf(stderr, "selftest-runner runs as /init (PID 1)\n");
		return 64;
	}
	snprintf(mounts, sizeof(mounts), "proc %s", do_mount("proc", "/proc", "proc", NULL));
	add_mount(mounts, sizeof(mounts), "sysfs", do_mount("sysfs", "/sys", "sysfs", NULL));
	add_mount(mounts, sizeof(mounts), "devtmpfs", do_mount("devtmpfs", "/dev", "devtmpfs", NULL));
	add_mount(mounts, sizeof(mounts), "tmpfs", do_mount("tmpfs", "/tmp", "tmpfs", "mode=1777"));
	add_mount(mounts, sizeof(mounts), "devpts",
		  do_mount("devpts", "/dev/pts", "devpts", "ptmxmode=0666,mode=0620"));
	setup_console();
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	/* keep the kernel's info messages off the console; warnings and errors still show */
	klogctl(8 /* SYSLOG_ACTION_CONSOLE_LEVEL */, NULL, 5);
	read_cmdline();

	uname(&u);
	n = list_tests(names, MAX_TESTS);
	printf("SELFTESTS: start: %s %s %s, %ld CPUs online, mounts: %s; %d tests, time limit %d s each%s%s%s%s\n",
	       u.sysname, u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN), mounts, n, timeout_s,
	       *exclude ? ", excluded: " : "", exclude, *only ? ", only: " : "", only);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		if (*only && !in_list(only, names[i]))
			continue;
		if (*exclude && in_list(exclude, names[i]))
			result(names[i], "SKIP", KSFT_SKIP, 0, "excluded (stx_exclude=)");
		else
			run_test(names[i]);
	}
	printf("SELFTESTS: %d pass, %d fail, %d skip in %.1f s\n", npass, nfail, nskip, now_s() - t0);
	printf("SELFTESTS-DONE\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	printf("SELFTESTS: power off failed (%s); halting here\n", strerror(errno));
	fflush(stdout);
	for (;;)
		pause();
}
