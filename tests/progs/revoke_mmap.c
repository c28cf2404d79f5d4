// SPDX-License-Identifier: GPL-2.0
/*
 * revoke_mmap: the CQ, SRQ and QP rings an unmodified-libibverbs process
 * has mapped stay plain memory after its device is revoked (Documentation/
 * uverbs.md "When the device goes away": reads and writes work, no SIGBUS,
 * in forked children, split VMAs and partly unmapped ones too; mmap() of
 * the old fd fails with ENODEV; the memory goes with the last mapping).
 *
 * usage: revoke_mmap IBDEV SCENARIO unbind AUXDEV
 *        revoke_mmap IBDEV SCENARIO cmd 'SHELL COMMAND'
 *
 * "unbind": this process removes the device with open() + write() of
 * AUXDEV to /sys/bus/auxiliary/drivers/rxe_lite/unbind; "cmd": system().
 * Prints "removal took N ms" (the caller checks the bound). The caller
 * brings the device back between runs.
 *
 * Every scenario but "exit" opens IBDEV, creates a PD, a CQ (256 CQEs),
 * an SRQ (128 WRs) and an RC QP (128 send and 128 receive WRs): four
 * rings, each its own shared mapping of /dev/infiniband/uverbsN, found in
 * /proc/self/maps (address, length, and the mmap offset the kernel gave
 * the provider). No work request is ever posted, so nothing but this
 * process writes the ring slots: before the removal every byte after the
 * 384-byte ring header (struct rxe_queue_buf: sizes and indices) gets a
 * pattern; "every byte" checks read each byte of a page, compare the slot
 * bytes with the pattern last written and the header's element size and
 * index mask with their values at creation, then (where asked) write
 * every byte (slot bytes with a new pattern; header bytes, once the
 * objects are gone, with their own value) and read it back. A signal during any of that fails the check
 * (SIGBUS/SIGSEGV handler, siglongjmp to the next page); SIGSEGV is
 * expected only where the test removed access itself (munmap, mprotect).
 *
 * Scenarios (each a fresh context and one removal):
 *   rw          after the removal (MADV_DONTNEED first on two rings, so
 *               they fault again after it): every byte of every ring reads
 *               back the pattern from before and is writable; munmap()
 *               works (the pages are gone after it); ibv_close_device 0.
 *   fork        a child forked before the removal closes its copies of
 *               the fds (only the mappings hold the device file); after
 *               the removal the parent checks and rewrites every byte,
 *               destroys its objects (0; the provider unmaps its rings)
 *               and closes the device (0); then the child sees the
 *               parent's post-removal bytes (the pages are still shared),
 *               writes every byte, munmaps and exits 0.
 *   fork-early  the same child, but the parent destroys everything and
 *               closes the device before the removal; the child's
 *               mappings keep the rings (umap 4) and the file (ufile 1);
 *               after the removal the child checks and writes every byte
 *               and exits with its mappings in place.
 *   split       mprotect(PROT_READ) of the middle page of every ring before
 *               the removal (each VMA in three); after it: every byte
 *               reads back, writable pages take writes, a write to the
 *               read-only page gets SIGSEGV (normal), a further split after
 *               the removal works (four VMAs), mprotect back to read-write
 *               works and then every byte of every page is writable;
 *               ibv_destroy_* (the provider unmaps the split rings) and
 *               ibv_close_device return 0.
 *   cut         munmap() of the first page of one ring and the last page of
 *               another before the removal, of a middle page of a third
 *               after it: the rest reads back and is writable, the holes
 *               give SIGSEGV (normal); ibv_destroy_* and close return 0.
 *   close       after the removal mmap() of the command fd at each ring's
 *               old offset (and at a fresh one) fails with ENODEV; the
 *               object counters show the objects and the user context
 *               gone, the four rings (umap) and the file (ufile) kept by
 *               the mappings; ibv_close_device() returns 0 with the rings
 *               mapped; they stay usable; munmap() of each frees its ring
 *               (umap 3, 2, 1, 0) and the last one the file (ufile 0).
 *   exit        8 child processes each open IBDEV with the four rings
 *               mapped and filled, then stay busy on a CPU until this
 *               process flags the go (shared memory) and writes the
 *               unbind: 2 exit right then; 2 read and write their rings
 *               in a loop (from before the go) and exit, 2 do the same
 *               and SIGKILL themselves, 2 destroy everything and close the
 *               device (each call must return 0), after random delays of
 *               up to 30 ms x LITE_SLOW_FACTOR (about twice an unbind), so
 *               that most act while the unbind runs, some after it (when
 *               is reported, not asserted). All must end as planned (exit
 *               0 or SIGKILL; no signal or wrong byte in a loop), the
 *               removal is timed as usual, and once all are reaped no
 *               file, context, object or ring is left (the core's
 *               counters).
 * Every scenario ends with the core's ufile, ucontext, pd, cq, qp, srq
 * and umap counters at 0 (waited for up to 5 s x LITE_SLOW_FACTOR). The
 * counters are global: the test must run alone, with debugfs mounted.
 *
 * One line per check: "ok   NAME: what was seen" or "FAIL NAME: ...";
 * children's lines start with "child". Exits 0 only if every check
 * passed. A watchdog names the stage a hang happened in.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <infiniband/verbs.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "progs.h"

#define UNBIND_PATH	"/sys/bus/auxiliary/drivers/rxe_lite/unbind"
#define OBJECTS_PATH	"/sys/kernel/debug/ib_core_lite/objects"
#define RING_HDR	384	/* sizeof(struct rxe_queue_buf): slots follow */
#define NRINGS		4	/* CQ, SRQ, QP send and receive queues */
#define MAX_MAPS	16
#define EXIT_CHILDREN	8
/* Slot patterns: every byte differs between two seeds. */
enum { SEED_A = 1, SEED_B = 2, SEED_C = 3, NONE = -1 };
enum { PG_RW, PG_RO, PG_HOLE };

struct ring {
	char *start;
	size_t len, pages;
	unsigned long long off;		/* its mmap offset in the fd */
	unsigned char hdr[8];		/* log2_elem_size, index_mask */
	unsigned char *state;		/* PG_* per page */
};

struct dev {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_srq *srq;
	struct ibv_qp *qp;
	char path[96];			/* /dev/infiniband/uverbsN */
	struct ring r[NRINGS];
};

static const char *ibdev, *rm_mode, *rm_arg;
static const char *who = "";		/* "child N: " in children */
static const char *volatile stage = "start";
static int failures, slow = 1;
static size_t page;
static double rm_start, rm_end;		/* the last removal, progs_now_ms() */
/*
 * Header bytes are rewritten (with their own values) only once the
 * objects are gone: before, the kernel may update the indices.
 */
static bool hdr_writes;
/* "exit": shared with the children: the go, when each child acted. */
static struct {
	volatile double go;
	volatile double acted[EXIT_CHILDREN];
} *xs;

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_armed;
static volatile int fault_sig, fault_code;
static void *volatile fault_addr;

static void check(bool ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%s%s %s: ", who, ok ? "ok  " : "FAIL", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		failures++;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void die(const char *fmt, ...)
{
	va_list ap;

	printf("%sFAIL %s: ", who, stage);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	_exit(1);
}

static void watchdog(int sig)
{
	(void)sig;
	dprintf(1, "%sFAIL watchdog: no progress in %d s, stuck in: %s\n",
		who, 60 * slow, stage);
	_exit(1);
}

/*
 * SIGBUS/SIGSEGV: where a check armed the handler, note the signal and
 * jump back into it; anywhere else take the default action (the access
 * is retried and kills the process, as without a handler).
 */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (!fault_armed) {
		signal(sig, SIG_DFL);
		return;
	}
	fault_armed = 0;
	fault_sig = sig;
	fault_code = si->si_code;
	fault_addr = si->si_addr;
	siglongjmp(fault_jmp, 1);
}

static const char *signame(int sig)
{
	return !sig ? "no signal" : sig == SIGBUS ? "SIGBUS" :
	       sig == SIGSEGV ? "SIGSEGV" : "a signal";
}

static const char *codename(int sig, int code)
{
	if (sig == SIGSEGV)
		return code == SEGV_MAPERR ? "SEGV_MAPERR" :
		       code == SEGV_ACCERR ? "SEGV_ACCERR" : "other code";
	if (sig == SIGBUS)
		return code == BUS_ADRERR ? "BUS_ADRERR" :
		       code == BUS_ADRALN ? "BUS_ADRALN" :
		       code == BUS_OBJERR ? "BUS_OBJERR" : "other code";
	return "";
}

static unsigned char pat(int seed, int ring, size_t o)
{
	return (unsigned char)((o * 7) ^ (o >> 8) ^ (ring * 101) ^
			       (seed * 37));
}

/*
 * One page of ring @ri: read every byte (slot bytes must equal pattern
 * @want, the header's first 8 bytes their value at creation, if @want is
 * a seed), then if @put is a seed write every byte (header bytes with
 * their own value, if hdr_writes; slot bytes with pattern @put) and read
 * each back.
 * Returns the signal (0 if none); *@bad counts mismatches, *@first is the
 * ring offset of the first.
 */
static int page_rw(struct ring *r, int ri, size_t pg, int want, int put,
		   size_t *bad, size_t *first)
{
	volatile unsigned char *p = (volatile unsigned char *)r->start +
				    pg * page;
	size_t base = pg * page, i;

	*bad = 0;
	if (sigsetjmp(fault_jmp, 0))
		return fault_sig;
	fault_sig = 0;
	fault_armed = 1;
	for (i = 0; i < page; i++) {
		size_t o = base + i;
		unsigned char v = p[i], w;

		if (want == NONE)
			continue;
		w = o >= RING_HDR ? pat(want, ri, o) :
		    o < sizeof(r->hdr) ? r->hdr[o] : v;
		if (v != w && !(*bad)++)
			*first = o;
	}
	if (put != NONE) {
		for (i = 0; i < page; i++) {
			size_t o = base + i;
			unsigned char w;

			if (o < RING_HDR && !hdr_writes)
				continue;
			w = o >= RING_HDR ? pat(put, ri, o) : p[i];
			p[i] = w;
			if (p[i] != w && !(*bad)++)
				*first = o;
		}
	}
	fault_armed = 0;
	return 0;
}

/* Read (and write, if @write) one byte at @p: 0 or the signal. */
static int probe(volatile char *p, bool write)
{
	if (sigsetjmp(fault_jmp, 0))
		return fault_sig;
	fault_sig = 0;
	fault_armed = 1;
	if (write)
		*p = *p;
	else
		(void)*p;
	fault_armed = 0;
	return 0;
}

/*
 * page_rw() over every mapped page of every ring (read-only pages: no
 * writes). Prints the first few problems; returns how many pages had one.
 */
static int sweep_pages(struct dev *d, int want, int put)
{
	int ri, bad_pages = 0;
	size_t pg, bad = 0, first = 0;

	for (ri = 0; ri < NRINGS; ri++) {
		struct ring *r = &d->r[ri];

		for (pg = 0; pg < r->pages; pg++) {
			int sig;

			if (r->state[pg] == PG_HOLE)
				continue;
			sig = page_rw(r, ri, pg, want,
				      r->state[pg] == PG_RO ? NONE : put,
				      &bad, &first);
			if (!sig && !bad)
				continue;
			if (bad_pages++ < 5) {
				if (sig)
					printf("%s  ring %d page %zu: %s (%s) at %p\n",
					       who, ri, pg, signame(sig),
					       codename(sig, fault_code),
					       fault_addr);
				else
					printf("%s  ring %d page %zu: %zu bytes differ, first at ring offset %zu\n",
					       who, ri, pg, bad, first);
			}
		}
	}
	return bad_pages;
}

/* A check that every mapped byte reads (and takes writes) as it should. */
static void sweep(struct dev *d, const char *name, int want, int put)
{
	size_t pages = 0, ro = 0, holes = 0, pg;
	int ri, bad;

	stage = name;
	bad = sweep_pages(d, want, put);
	for (ri = 0; ri < NRINGS; ri++)
		for (pg = 0; pg < d->r[ri].pages; pg++) {
			pages += d->r[ri].state[pg] != PG_HOLE;
			ro += d->r[ri].state[pg] == PG_RO;
			holes += d->r[ri].state[pg] == PG_HOLE;
		}
	check(!bad, name, "%zu pages (%zu read-only, %zu unmapped skipped): every byte read%s%s, %d pages with a signal or a wrong byte",
	      pages, ro, holes,
	      want != NONE ? " and as written before" : "",
	      put != NONE ? ", written and read back" : "", bad);
}

/* A byte the test took away itself: SIGSEGV with @code is expected. */
static void expect_segv(const char *name, void *p, bool write, int code)
{
	int sig = probe(p, write);

	check(sig == SIGSEGV && fault_code == code, name,
	      "%s %p: %s%s%s (want SIGSEGV, %s)", write ? "write to" : "read of",
	      p, signame(sig), sig ? ", " : "",
	      sig ? codename(sig, fault_code) : "",
	      codename(SIGSEGV, code));
}

static long counter(const char *name)
{
	FILE *f = fopen(OBJECTS_PATH, "r");
	char n[32];
	long v, ret = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%31s %ld", n, &v) == 2)
		if (!strcmp(n, name))
			ret = v;
	fclose(f);
	return ret;
}

/* The core's counter @name reaches @want within 5 s x LITE_SLOW_FACTOR. */
static void expect_counter(const char *name, long want, const char *when)
{
	double deadline = progs_now_ms() + 5000.0 * slow;
	long v;
	char what[96];

	while ((v = counter(name)) != want && progs_now_ms() < deadline)
		usleep(20000);
	snprintf(what, sizeof(what), "%s counter %s", name, when);
	check(v == want, what, "%ld (want %ld)%s", v, want,
	      v < 0 ? "; is debugfs mounted?" : "");
}

/* Nothing of the core's is left: files, contexts, objects, rings. */
static void expect_all_gone(const char *when)
{
	static const char *const names[] = {
		"ufile", "ucontext", "pd", "cq", "qp", "srq", "umap",
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		expect_counter(names[i], 0, when);
}

static struct ibv_context *open_by_name(const char *name)
{
	struct ibv_context *c;
	const char *what;

	c = progs_open_by_name(name, &what);
	if (!c)
		die("%s(%s): %s", what, name, progs_ename(errno));
	return c;
}

/* The mappings of d->path, in address order; returns how many. */
static int read_maps(struct dev *d, char **start, size_t *len,
		     unsigned long long *off)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], path[256];
	int n = 0;

	if (!f)
		die("fopen(/proc/self/maps): %s", progs_ename(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		unsigned long long o;

		if (sscanf(line, "%lx-%lx %*s %llx %*s %*s %255s", &s, &e, &o,
			   path) != 4 || strcmp(path, d->path))
			continue;
		if (n < MAX_MAPS) {
			start[n] = (char *)s;
			len[n] = e - s;
			off[n] = o;
		}
		n++;
	}
	fclose(f);
	return n;
}

/* The VMAs inside [r->start, r->start + r->len), whatever their path. */
static int count_vmas(struct ring *r)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	if (!f)
		die("fopen(/proc/self/maps): %s", progs_ename(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx", &s, &e) == 2 &&
		    s >= (unsigned long)r->start &&
		    e <= (unsigned long)r->start + r->len)
			n++;
	}
	fclose(f);
	return n;
}

/* PD, CQ, SRQ, RC QP; the four rings, in mmap offset order. */
static void setup(struct dev *d)
{
	struct ibv_srq_init_attr sia = {
		.attr = { .max_wr = 128, .max_sge = 1 },
	};
	struct ibv_qp_init_attr qia = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 128, .max_recv_wr = 128,
			 .max_send_sge = 2, .max_recv_sge = 2 },
	};
	char *start[MAX_MAPS];
	size_t len[MAX_MAPS];
	unsigned long long off[MAX_MAPS];
	int i, j, n;

	stage = "setup";
	memset(d, 0, sizeof(*d));
	d->ctx = open_by_name(ibdev);
	snprintf(d->path, sizeof(d->path), "/dev/infiniband/%s",
		 d->ctx->device->dev_name);
	d->pd = ibv_alloc_pd(d->ctx);
	if (!d->pd)
		die("ibv_alloc_pd: %s", progs_ename(errno));
	d->cq = ibv_create_cq(d->ctx, 256, NULL, NULL, 0);
	if (!d->cq)
		die("ibv_create_cq: %s", progs_ename(errno));
	d->srq = ibv_create_srq(d->pd, &sia);
	if (!d->srq)
		die("ibv_create_srq: %s", progs_ename(errno));
	qia.send_cq = d->cq;
	qia.recv_cq = d->cq;
	d->qp = ibv_create_qp(d->pd, &qia);
	if (!d->qp)
		die("ibv_create_qp: %s", progs_ename(errno));

	n = read_maps(d, start, len, off);
	if (n != NRINGS)
		die("%d mappings of %s after creating a CQ, an SRQ and a QP (want %d)",
		    n, d->path, NRINGS);
	/* Offset order: the order the kernel handed them out. */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (off[j] < off[i]) {
				char *ts = start[i];
				size_t tl = len[i];
				unsigned long long to = off[i];

				start[i] = start[j], len[i] = len[j], off[i] = off[j];
				start[j] = ts, len[j] = tl, off[j] = to;
			}
	for (i = 0; i < n; i++) {
		struct ring *r = &d->r[i];

		r->start = start[i];
		r->len = len[i];
		r->pages = len[i] / page;
		r->off = off[i];
		if (r->pages < 3)
			die("ring %d: %zu pages (want at least 3)", i, r->pages);
		memcpy(r->hdr, r->start, sizeof(r->hdr));
		r->state = calloc(r->pages, 1);
		if (!r->state)
			die("calloc");
	}
}

static void describe(struct dev *d)
{
	int i;

	printf("%s%s (%s): %d rings mapped:", who, ibdev, d->path, NRINGS);
	for (i = 0; i < NRINGS; i++)
		printf(" %zu pages at offset 0x%llx%s", d->r[i].pages,
		       d->r[i].off, i + 1 < NRINGS ? "," : "\n");
}

static void fill(struct dev *d, int seed)
{
	stage = "writing the pattern before the removal";
	if (sweep_pages(d, NONE, seed))
		die("rings not writable before the removal");
}

static void remove_device(void)
{
	double t0;
	int ret;

	stage = "removal";
	if (!strcmp(rm_mode, "unbind")) {
		ssize_t n;
		int fd, err = 0;

		t0 = progs_now_ms();
		fd = open(UNBIND_PATH, O_WRONLY);
		if (fd < 0)
			die("open(%s): %s", UNBIND_PATH, progs_ename(errno));
		n = write(fd, rm_arg, strlen(rm_arg));
		if (n < 0)
			err = errno;
		close(fd);
		check(n == (ssize_t)strlen(rm_arg), "removal",
		      "write(unbind, \"%s\") returned %zd (%s)", rm_arg, n,
		      progs_ename(err));
	} else {
		t0 = progs_now_ms();
		ret = system(rm_arg);
		check(ret == 0, "removal", "system(\"%s\"): status 0x%x",
		      rm_arg, ret);
	}
	rm_start = t0;
	rm_end = progs_now_ms();
	hdr_writes = true;
	printf("removal took %.0f ms\n", rm_end - t0);
}

#define EXPECT_ZERO(call) do {						\
	int ret_;							\
	stage = #call;							\
	errno = 0;							\
	ret_ = (call);							\
	check(ret_ == 0, #call, "%d%s%s (want 0)", ret_,		\
	      ret_ ? ", " : "", ret_ ? progs_ename(ret_ > 0 ? ret_ : errno) : ""); \
} while (0)

static void destroy_all(struct dev *d)
{
	EXPECT_ZERO(ibv_destroy_qp(d->qp));
	EXPECT_ZERO(ibv_destroy_srq(d->srq));
	EXPECT_ZERO(ibv_destroy_cq(d->cq));
	EXPECT_ZERO(ibv_dealloc_pd(d->pd));
}

/* munmap() of all of every ring; then the first byte of each faults. */
static void unmap_all(struct dev *d, const char *when)
{
	int i, bad = 0;

	stage = "munmap";
	for (i = 0; i < NRINGS; i++)
		if (munmap(d->r[i].start, d->r[i].len)) {
			printf("%s  munmap(ring %d): %s\n", who, i, progs_ename(errno));
			bad++;
		}
	check(!bad, "munmap of every ring", "%s: %d failed", when, bad);
	for (i = 0; i < NRINGS; i++)
		expect_segv("an unmapped ring", d->r[i].start, false,
			    SEGV_MAPERR);
}

static void madvise_dontneed(struct dev *d, int ri)
{
	int ret = madvise(d->r[ri].start, d->r[ri].len, MADV_DONTNEED);

	check(!ret, "madvise(MADV_DONTNEED)", "ring %d: %s (the next access faults the pages in again)",
	      ri, progs_ename(ret ? errno : 0));
}

/* (a) After the removal: every byte as before, writable; munmap works. */
static void scenario_rw(void)
{
	struct dev d;

	setup(&d);
	describe(&d);
	fill(&d, SEED_A);
	remove_device();
	madvise_dontneed(&d, 0);
	madvise_dontneed(&d, 2);
	sweep(&d, "after the removal", SEED_A, SEED_B);
	sweep(&d, "again", SEED_B, NONE);
	unmap_all(&d, "after the removal");
	EXPECT_ZERO(ibv_close_device(d.ctx));
	expect_all_gone("after munmap and close");
}

/*
 * The forked child of "fork"/"fork-early": only its mappings hold the
 * device file; after the go it checks the bytes the parent left (@want),
 * writes every byte, and unmaps (or exits with the rings mapped).
 */
static void fork_child(struct dev *d, int ready, int go, int want,
		       bool unmap)
{
	char c;

	who = "child: ";
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(60 * slow);
	close(d->ctx->cmd_fd);
	close(d->ctx->async_fd);
	sweep(d, "child before the removal", SEED_A, NONE);
	if (write(ready, "r", 1) != 1)
		die("write(ready): %s", progs_ename(errno));
	stage = "child waiting for the go";
	if (read(go, &c, 1) != 1)
		die("read(go): %s", progs_ename(errno));
	hdr_writes = true;		/* the device is gone now */
	sweep(d, "child after the removal and the parent's close", want,
	      SEED_C);
	sweep(d, "child again", SEED_C, NONE);
	if (unmap)
		unmap_all(d, "child, after the removal");
	fflush(stdout);
	_exit(failures ? 1 : 0);
}

/* (b) A forked child keeps using the rings after the parent let go. */
static void scenario_fork(bool early)
{
	int ready[2], go[2], status;
	struct dev d;
	pid_t child;
	char c;

	setup(&d);
	describe(&d);
	fill(&d, SEED_A);
	if (pipe(ready) || pipe(go))
		die("pipe: %s", progs_ename(errno));
	child = fork();
	if (child < 0)
		die("fork: %s", progs_ename(errno));
	if (!child) {
		close(ready[0]);
		close(go[1]);
		fork_child(&d, ready[1], go[0], early ? SEED_A : SEED_B, !early);
	}
	close(ready[1]);
	close(go[0]);
	stage = "waiting for the child";
	if (read(ready[0], &c, 1) != 1)
		die("the child did not get ready");
	if (early) {
		/* Everything of the parent's goes before the removal. */
		destroy_all(&d);
		EXPECT_ZERO(ibv_close_device(d.ctx));
		expect_counter("umap", NRINGS, "with only the child's mappings");
		expect_counter("ufile", 1, "with only the child's mappings");
		remove_device();
	} else {
		remove_device();
		sweep(&d, "parent after the removal", SEED_A, SEED_B);
		destroy_all(&d);
		EXPECT_ZERO(ibv_close_device(d.ctx));
		expect_counter("umap", NRINGS, "after the parent's close (the child's mappings)");
		expect_counter("ufile", 1, "after the parent's close (the child's mappings)");
	}
	if (write(go[1], "g", 1) != 1)
		die("write(go): %s", progs_ename(errno));
	stage = "waiting for the child to exit";
	if (waitpid(child, &status, 0) != child)
		die("waitpid: %s", progs_ename(errno));
	check(WIFEXITED(status) && !WEXITSTATUS(status), "forked child",
	      "status 0x%x (want exit 0)", status);
	expect_all_gone("after the child's exit");
}

/* (c) VMAs split by mprotect() before and after the removal. */
static void scenario_split(void)
{
	struct dev d;
	int i, n, ret, bad = 0;

	setup(&d);
	describe(&d);
	fill(&d, SEED_A);
	stage = "mprotect before the removal";
	for (i = 0; i < NRINGS; i++) {
		struct ring *r = &d.r[i];
		size_t mid = r->pages / 2;

		ret = mprotect(r->start + mid * page, page, PROT_READ);
		n = count_vmas(r);
		if (ret || n != 3) {
			printf("  ring %d: mprotect(page %zu, PROT_READ): %s, %d VMAs\n",
			       i, mid, progs_ename(ret ? errno : 0), n);
			bad++;
		}
		r->state[mid] = PG_RO;
	}
	check(!bad, "mprotect(PROT_READ) of a middle page before the removal",
	      "every ring's VMA split in 3");
	remove_device();
	for (i = 0; i < NRINGS; i++)
		expect_segv("write to the read-only page",
			    d.r[i].start + d.r[i].pages / 2 * page, true,
			    SEGV_ACCERR);
	sweep(&d, "after the removal", SEED_A, SEED_B);
	/* One more split, after the removal: the last page read-only. */
	stage = "mprotect after the removal";
	for (i = 0, bad = 0; i < NRINGS; i++) {
		struct ring *r = &d.r[i];

		ret = mprotect(r->start + r->len - page, page, PROT_READ);
		n = count_vmas(r);
		if (ret || n != 4) {
			printf("  ring %d: mprotect(last page, PROT_READ): %s, %d VMAs\n",
			       i, progs_ename(ret ? errno : 0), n);
			bad++;
		}
		r->state[r->pages - 1] = PG_RO;
	}
	check(!bad, "mprotect(PROT_READ) of the last page after the removal",
	      "every ring in 4 VMAs");
	for (i = 0; i < NRINGS; i++)
		expect_segv("write to the new read-only page",
			    d.r[i].start + d.r[i].len - page, true,
			    SEGV_ACCERR);
	sweep(&d, "read-only pages read, the others as written", NONE, NONE);
	stage = "mprotect back";
	for (i = 0, bad = 0; i < NRINGS; i++) {
		struct ring *r = &d.r[i];

		if (mprotect(r->start, r->len, PROT_READ | PROT_WRITE)) {
			printf("  ring %d: mprotect(PROT_READ|PROT_WRITE): %s\n",
			       i, progs_ename(errno));
			bad++;
		}
		memset(r->state, PG_RW, r->pages);
	}
	check(!bad, "mprotect back to read-write after the removal",
	      "every ring");
	sweep(&d, "every page after mprotect back", NONE, SEED_C);
	sweep(&d, "again", SEED_C, NONE);
	destroy_all(&d);
	for (i = 0; i < NRINGS; i++)
		expect_segv("a ring the provider unmapped", d.r[i].start, false,
			    SEGV_MAPERR);
	EXPECT_ZERO(ibv_close_device(d.ctx));
	expect_all_gone("after destroy and close");
}

/* (d) Partly unmapped rings, before and after the removal. */
static void scenario_cut(void)
{
	struct ring *r0, *r1, *r2;
	struct dev d;
	size_t mid;
	int ret, i;

	setup(&d);
	describe(&d);
	fill(&d, SEED_A);
	r0 = &d.r[0];
	r1 = &d.r[1];
	r2 = &d.r[2];
	stage = "munmap before the removal";
	ret = munmap(r0->start, page);
	check(!ret, "munmap of ring 0's first page", "%s", progs_ename(ret ? errno : 0));
	r0->state[0] = PG_HOLE;
	ret = munmap(r1->start + r1->len - page, page);
	check(!ret, "munmap of ring 1's last page", "%s", progs_ename(ret ? errno : 0));
	r1->state[r1->pages - 1] = PG_HOLE;
	remove_device();
	expect_segv("read of ring 0's unmapped first page", r0->start, false,
		    SEGV_MAPERR);
	expect_segv("read of ring 1's unmapped last page",
		    r1->start + r1->len - page, false, SEGV_MAPERR);
	sweep(&d, "after the removal", SEED_A, SEED_B);
	stage = "munmap after the removal";
	mid = r2->pages / 2;
	ret = munmap(r2->start + mid * page, page);
	check(!ret, "munmap of a middle page of ring 2 after the removal", "%s",
	      progs_ename(ret ? errno : 0));
	r2->state[mid] = PG_HOLE;
	expect_segv("read of it", r2->start + mid * page, false, SEGV_MAPERR);
	sweep(&d, "the rest after that", SEED_B, SEED_C);
	destroy_all(&d);
	for (i = 0; i < NRINGS; i++)
		expect_segv("the last page of a ring the provider unmapped",
			    d.r[i].start + d.r[i].len - 2 * page, false,
			    SEGV_MAPERR);
	EXPECT_ZERO(ibv_close_device(d.ctx));
	expect_all_gone("after destroy and close");
}

/* (f) mmap() fails; close with the rings mapped; freed by the last munmap. */
static void scenario_close(void)
{
	unsigned long long fresh = 0;
	struct dev d;
	char what[64];
	void *m;
	int i, ret;

	setup(&d);
	describe(&d);
	fill(&d, SEED_A);
	remove_device();
	stage = "mmap after the removal";
	for (i = 0; i <= NRINGS; i++) {
		unsigned long long off;
		size_t len;

		if (i < NRINGS) {
			off = d.r[i].off;
			len = d.r[i].len;
			if (off + len > fresh)
				fresh = off + len;
			snprintf(what, sizeof(what), "mmap(ring %d's offset 0x%llx)",
				 i, off);
		} else {
			off = fresh;
			len = page;
			snprintf(what, sizeof(what), "mmap(unused offset 0x%llx)",
				 off);
		}
		errno = 0;
		m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 d.ctx->cmd_fd, off);
		check(m == MAP_FAILED && errno == ENODEV, what, "%s (want ENODEV)",
		      m == MAP_FAILED ? progs_ename(errno) : "succeeded");
		if (m != MAP_FAILED)
			munmap(m, len);
	}
	expect_counter("ucontext", 0, "after the removal");
	expect_counter("qp", 0, "after the removal");
	expect_counter("srq", 0, "after the removal");
	expect_counter("cq", 0, "after the removal");
	expect_counter("pd", 0, "after the removal");
	expect_counter("umap", NRINGS, "after the removal, rings mapped");
	EXPECT_ZERO(ibv_close_device(d.ctx));
	expect_counter("umap", NRINGS, "after close, rings mapped");
	expect_counter("ufile", 1, "after close, rings mapped");
	sweep(&d, "after the removal and the close", SEED_A, SEED_B);
	sweep(&d, "again", SEED_B, NONE);
	stage = "munmap one by one";
	for (i = 0; i < NRINGS; i++) {
		ret = munmap(d.r[i].start, d.r[i].len);
		snprintf(what, sizeof(what), "munmap(ring %d)", i);
		check(!ret, what, "%s", progs_ename(ret ? errno : 0));
		expect_counter("umap", NRINGS - 1 - i, "after it");
	}
	expect_all_gone("after the last munmap");
}

/*
 * A child of "exit": the four rings mapped and filled, then "r" on
 * @ready; from then on it is busy (on a CPU) until the parent sets
 * xs->go at the moment it starts the unbind: @mode 0 exits right then;
 * 1 checks and rewrites its rings in a loop (from "r" on) until @delay_ms
 * after the go, then exits; 2 the same, then SIGKILLs itself; 3 spins
 * until @delay_ms after the go, then destroys everything and closes the
 * device (each call must return 0). Exit status 3: a signal or a wrong
 * byte in the loop; 1: a failed check; 5: no go within the watchdog time.
 */
static void exit_child(int i, int mode, double delay_ms, int ready)
{
	static char name[32];
	double limit, go;
	struct dev d;

	snprintf(name, sizeof(name), "child %d: ", i);
	who = name;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(60 * slow);
	setup(&d);
	fill(&d, SEED_A);
	if (write(ready, "r", 1) != 1)
		_exit(1);
	close(ready);		/* the parent sees EOF once all wrote or died */
	stage = "child waiting for the go";
	limit = progs_now_ms() + 60000.0 * slow;
	while (!(go = xs->go) || progs_now_ms() < go + delay_ms) {
		if (progs_now_ms() > limit)
			_exit(5);
		if ((mode == 1 || mode == 2) &&
		    sweep_pages(&d, SEED_A, SEED_A)) {
			printf("%sFAIL ring loop: a signal or a wrong byte, %s\n",
			       who, go ? "after the go" : "before the go");
			fflush(stdout);
			_exit(3);
		}
	}
	xs->acted[i] = progs_now_ms();
	switch (mode) {
	case 0:
	case 1:
		_exit(0);
	case 2:
		raise(SIGKILL);
		_exit(4);
	default:
		destroy_all(&d);
		EXPECT_ZERO(ibv_close_device(d.ctx));
		fflush(stdout);
		_exit(failures ? 1 : 0);
	}
}

/* (e) Processes exiting (or killed) while the removal runs. */
static void scenario_exit(void)
{
	static const char *const how[] = {
		"exit at once", "ring loop, exit", "ring loop, SIGKILL",
		"destroy + close",
	};
	pid_t pids[EXIT_CHILDREN];
	int ready[2], i, n = 0, bad = 0, during = 0, status;
	double span = 30.0 * slow, delay[EXIT_CHILDREN];
	char c;

	if (pipe(ready))
		die("pipe: %s", progs_ename(errno));
	xs = mmap(NULL, sizeof(*xs), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (xs == MAP_FAILED)
		die("mmap(MAP_ANONYMOUS): %s", progs_ename(errno));
	srand(getpid());
	for (i = 0; i < EXIT_CHILDREN; i++) {
		/*
		 * Random over about twice an unbind (10-30 ms on the stock
		 * kernel), so that some act while and some after it runs;
		 * the timing is only reported.
		 */
		delay[i] = i % 4 ? span * (rand() % 1000) / 1000 : 0;
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork: %s", progs_ename(errno));
		if (!pids[i]) {
			close(ready[0]);
			exit_child(i, i % 4, delay[i], ready[1]);
		}
	}
	close(ready[1]);
	stage = "waiting for the children to get ready";
	while (n < EXIT_CHILDREN && read(ready[0], &c, 1) == 1)
		n++;
	check(n == EXIT_CHILDREN, "children ready",
	      "%d of %d with a context and 4 rings mapped and filled", n,
	      EXIT_CHILDREN);
	xs->go = progs_now_ms();		/* the go: now */
	remove_device();
	stage = "reaping the children";
	for (i = 0; i < EXIT_CHILDREN; i++) {
		double acted, at;
		bool ok;

		if (waitpid(pids[i], &status, 0) != pids[i])
			die("waitpid: %s", progs_ename(errno));
		acted = xs->acted[i];
		at = acted - rm_start;
		ok = i % 4 == 2 ? WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL :
		     WIFEXITED(status) && !WEXITSTATUS(status);
		if (acted && acted <= rm_end && acted >= rm_start)
			during++;
		printf("  child %d: %s (%.0f ms after the go), at %+.1f ms from the unbind's start%s: %s %d%s\n",
		       i, how[i % 4], delay[i], acted ? at : 0.0,
		       !acted ? " (did not get there)" :
		       acted < rm_start ? " (before)" :
		       acted <= rm_end ? " (while it ran)" : " (after it)",
		       WIFSIGNALED(status) ? "killed by signal" : "exit status",
		       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
		       ok ? "" : " (unexpected)");
		bad += !ok;
	}
	printf("  %d of %d children acted while the unbind ran (%.0f ms)\n",
	       during, EXIT_CHILDREN, rm_end - rm_start);
	check(!bad, "children", "%d of %d ended as planned", EXIT_CHILDREN - bad,
	      EXIT_CHILDREN);
	expect_all_gone("after all children were reaped");
}

int main(int argc, char **argv)
{
	struct sigaction sa = {
		.sa_sigaction = on_fault,
		.sa_flags = SA_SIGINFO | SA_NODEFER,
	};
	const char *scenario, *env;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 5 || (strcmp(argv[3], "unbind") && strcmp(argv[3], "cmd"))) {
		fprintf(stderr, "usage: %s IBDEV SCENARIO unbind AUXDEV\n"
			"       %s IBDEV SCENARIO cmd 'SHELL COMMAND'\n"
			"SCENARIO: rw fork fork-early split cut close exit\n",
			argv[0], argv[0]);
		return 2;
	}
	ibdev = argv[1];
	scenario = argv[2];
	rm_mode = argv[3];
	rm_arg = argv[4];
	env = getenv("LITE_SLOW_FACTOR");
	if (env && atoi(env) > 1)
		slow = atoi(env);
	page = sysconf(_SC_PAGESIZE);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	signal(SIGALRM, watchdog);
	alarm(60 * slow);

	if (!strcmp(scenario, "rw"))
		scenario_rw();
	else if (!strcmp(scenario, "fork"))
		scenario_fork(false);
	else if (!strcmp(scenario, "fork-early"))
		scenario_fork(true);
	else if (!strcmp(scenario, "split"))
		scenario_split();
	else if (!strcmp(scenario, "cut"))
		scenario_cut();
	else if (!strcmp(scenario, "close"))
		scenario_close();
	else if (!strcmp(scenario, "exit"))
		scenario_exit();
	else {
		fprintf(stderr, "%s: unknown scenario %s\n", argv[0], scenario);
		return 2;
	}
	printf("%s\n", failures ? "FAILED" : "all ok");
	return failures ? 1 : 0;
}
