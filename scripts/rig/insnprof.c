// SPDX-License-Identifier: GPL-2.0
/*
 * insnprof: a QEMU TCG plugin that counts executed guest instructions per address, in
 * windows delimited by a marker address (bench-native.sh PROFILE=1).
 *
 *   qemu-system-i386 ... -plugin insnprof.so,mark=0x804b410,out=FILE
 *
 * Every guest instruction gets an inline counter (no helper call, so the guest's icount
 * is the same as without the plugin). Each time the instruction at the marker address
 * runs (bench's bench_mark(), called right before and right after each timed pass),
 * the plugin appends to FILE a window: "W <n>" and then "<address> <count>" for every
 * address that ran since the previous marker. Window 2k+2 is then the timed pass of the
 * suite's k-th benchmark (counted from 0). Meant for -smp 1: the counters are not atomic.
 *
 * Written against QEMU's plugin API version 1 (QEMU 6.0 to 8.1, Debian 12 ships 7.2); the
 * few declarations needed are below, since Debian ships no qemu-plugin.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;

#define EXPORT __attribute__((visibility("default")))
#define PLUGIN_INLINE_ADD_U64 0
#define PLUGIN_CB_NO_REGS 0

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   void (*cb)(qemu_plugin_id_t id,
						      struct qemu_plugin_tb *tb));
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    void (*cb)(qemu_plugin_id_t id, void *udata), void *udata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, int op,
						void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    void (*cb)(unsigned int vcpu, void *udata),
					    int flags, void *udata);

EXPORT int qemu_plugin_version = 1;

#define SLOTS (1u << 22)	/* distinct addresses; an i386 kernel + bench use < 200000 */
#define USER64 0x100000000ull	/* from 4 GiB up, user space is 64-bit: one slot */

struct slot {
	uint64_t vaddr;
	uint64_t count;
	uint64_t last;		/* count at the previous marker */
	int used;
};

static struct slot *slots;
static unsigned int nslots;
static uint64_t mark;
static FILE *out;
static unsigned int window;

static struct slot *lookup(uint64_t vaddr)
{
	unsigned int i = (unsigned int)((vaddr * 0x9e3779b97f4a7c15ull) >> 42) & (SLOTS - 1);

	while (slots[i].used && slots[i].vaddr != vaddr)
		i = (i + 1) & (SLOTS - 1);
	if (!slots[i].used) {
		if (++nslots > SLOTS / 2) {
			fprintf(stderr, "insnprof: more than %u addresses\n", SLOTS / 2);
			exit(1);
		}
		slots[i].used = 1;
		slots[i].vaddr = vaddr;
	}
	return &slots[i];
}

static void dump(void)
{
	unsigned int i;

	fprintf(out, "W %u\n", ++window);
	for (i = 0; i < SLOTS; i++) {
		struct slot *s = &slots[i];

		if (s->used && s->count != s->last) {
			fprintf(out, "%llx %llu\n", (unsigned long long)s->vaddr,
				(unsigned long long)(s->count - s->last));
			s->last = s->count;
		}
	}
	fflush(out);
}

static void at_mark(unsigned int vcpu, void *udata)
{
	dump();
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	dump();
	fclose(out);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);

	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t vaddr = qemu_plugin_insn_vaddr(insn);

		if (vaddr == mark)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, at_mark, PLUGIN_CB_NO_REGS,
							       NULL);
		/*
		 * 64-bit user space (dom0's programs under Xen: randomized, so a new set of
		 * addresses for every process) counts as one address, USER64.
		 */
		if (vaddr >= USER64 && vaddr < 0x800000000000ull)
			vaddr = USER64;
		qemu_plugin_register_vcpu_insn_exec_inline(insn, PLUGIN_INLINE_ADD_U64,
							   &lookup(vaddr)->count, 1);
	}
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
			       char **argv)
{
	const char *path = NULL;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "mark=", 5))
			mark = strtoull(argv[i] + 5, NULL, 0);
		else if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
		else {
			fprintf(stderr, "insnprof: unknown argument %s (mark=ADDR out=FILE)\n",
				argv[i]);
			return -1;
		}
	}
	if (!mark || !path) {
		fprintf(stderr, "insnprof: needs mark=ADDR and out=FILE\n");
		return -1;
	}
	out = fopen(path, "w");
	slots = calloc(SLOTS, sizeof(*slots));
	if (!out || !slots) {
		perror("insnprof");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
