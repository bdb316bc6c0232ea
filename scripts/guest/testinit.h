/*
 * testinit.h: what the files of testinit, the rig's guest /init, share (testinit.c is the
 * program; testinit-*.c hold its checks by area): the includes, the PASS/FAIL counts and
 * report(), the helpers of testinit.c, and what each area's file offers the others: its
 * check entry points (run_checks() in testinit.c names them) and the helpers used elsewhere.
 */
#ifndef TESTINIT_H
#define TESTINIT_H

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

#define GUEST_IP "10.0.0.2"
#define DOM0_IP "10.0.0.1"

/* testinit.c: PASS/FAIL counts, shared with the per-check child processes */
struct counts {
	int pass, fail;
};
extern struct counts *counts;

void report(int ok, const char *name, const char *fmt, ...);
#define PASS(name, ...) report(1, name, __VA_ARGS__)
#define FAIL(name, ...) report(0, name, __VA_ARGS__)

/* testinit.c: the shared helpers */
double now_ms(void);
long long mono_ns(void);
uint64_t random_seed(void);
void fill_pattern(unsigned char *buf, size_t len, uint64_t seed);
char *cmdline_value(const char *name);
int list_has(const char *list, const char *name);
int fault(const char *name);
void setup_console(void);
int is_xen_guest(void);
int same_file(const char *a, const char *b);

/* testinit-basic.c */
extern const char *self_path;
void check_fork(void);
void check_exec(void);
void check_pthread(void);
void check_signal(void);
void check_mmap(void);
void check_vsyscall(void);
void check_kunit(void);
void check_vdso(void);

/* testinit-net.c */
int net_up(char *why, size_t n);
int dom0_connect(int port, char *why, size_t n);
int dom0_time(long long *ns, double *rtt, char *why, size_t n);
void check_net(void);
void check_tcp(void);
void check_clock(void);

/* testinit-blk.c */
int wait_blockdev(const char *name, char *path, size_t n, double ms);
int pread_all(int fd, unsigned char *buf, size_t len, off_t off);
void check_blk(void);
void check_fs(void);
int verify_file(const char *name, const char *file, const char *seed_s, const char *off_s,
		const char *len_s);

/* testinit-smp.c */
struct smp_result {
	int ran, wrong_cpu, seen_cpu, checks;
	double start_ms, end_ms, cpu_ms;
	uint64_t sum;
	char err[96];
};
void smp_worker(int cpu, struct smp_result *res);
void check_smp(void);
void check_storm(void);
void check_iret_window(void);

/* testinit-hostile.c */
void check_hostile(void);
void check_meltdown(void);
void check_ldt(void);

/* testinit-lifecycle.c */
char *lc_dmesg(void);
int lc_mark_read(int *boot, char *state, size_t sn, unsigned long long *token);
void lc_run(void);
int reboot_main(void);

/* testinit-serve.c */
int serve(const char *mode, int port, const char *file);
int serve_echo(int port);
int serve_ctl(int port, const char *fifo);

#endif
