// SPDX-License-Identifier: GPL-2.0
/*
 * revoke_mmap: the CQ/QP/SRQ rings an unmodified-libibverbs process has
 * mapped stay usable memory after its device is revoked: reads and writes
 * work (no SIGBUS), in a forked child too, in a VMA split by mprotect()
 * and in what is left after a partial munmap(); mmap() of the old fd
 * fails with ENODEV; the child keeps its mappings after the parent closed
 * the device.
 *
 * usage: revoke_mmap IBDEV        (prints "ready", waits for a line on
 *                                  stdin after which the device must be
 *                                  gone, then checks)
 *        revoke_mmap -x IBDEV MS  (sets up, then exits after MS ms: the
 *                                  test runs these during the removal)
 *
 * One line per check; exits 0 only if every check passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <infiniband/verbs.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "progs.h"

#define MAX_MAPS	16

struct ring_map {
	char *start;
	size_t len;
	unsigned long long offset;	/* file offset: the ring's mmap key */
};

static struct ring_map maps[MAX_MAPS];
static int nmaps, failures;
static size_t page;
static sigjmp_buf jump;
static volatile sig_atomic_t last_sig;

static struct ibv_context *ctx;
static struct ibv_pd *pd;
static struct ibv_cq *cq;
static struct ibv_srq *srq;
static struct ibv_qp *qp;

static void check(int ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check(int ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("%s %s: ", ok ? "ok  " : "FAIL", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		failures++;
}

static void on_signal(int sig)
{
	last_sig = sig;
	siglongjmp(jump, 1);
}

/* Touch one byte: read it, write a value, read it back. 0 or the signal. */
static int touch(volatile char *p, char v)
{
	last_sig = 0;
	if (sigsetjmp(jump, 1))
		return last_sig;
	(void)*p;
	*p = v;
	if (*p != v)
		return -1;
	return 0;
}

/* Read one byte. 0 or the signal. */
static int peek(volatile char *p)
{
	last_sig = 0;
	if (sigsetjmp(jump, 1))
		return last_sig;
	(void)*p;
	return 0;
}

static const char *signame(int s)
{
	return s == SIGBUS ? "SIGBUS" : s == SIGSEGV ? "SIGSEGV" :
	       s == -1 ? "read-back mismatch" : s ? "signal" : "none";
}

static void die(const char *call)
{
	printf("FAIL %s: %s\n", call, strerror(errno));
	exit(1);
}

static struct ibv_context *open_dev(const char *name)
{
	const char *what;
	struct ibv_context *c = progs_open_by_name(name, &what);

	if (!c)
		die(what);
	return c;
}

/* PD, CQ, SRQ and an RC QP: each ring is a mapping of the uverbs fd. */
static void setup(const char *name)
{
	struct ibv_srq_init_attr sattr = {
		.attr = { .max_wr = 256, .max_sge = 1 },
	};
	struct ibv_qp_init_attr qattr = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 256, .max_recv_wr = 256,
			 .max_send_sge = 4, .max_recv_sge = 4 },
	};

	ctx = open_dev(name);
	pd = ibv_alloc_pd(ctx);
	if (!pd)
		die("ibv_alloc_pd");
	cq = ibv_create_cq(ctx, 512, NULL, NULL, 0);
	if (!cq)
		die("ibv_create_cq");
	srq = ibv_create_srq(pd, &sattr);
	if (!srq)
		die("ibv_create_srq");
	qattr.send_cq = cq;
	qattr.recv_cq = cq;
	qp = ibv_create_qp(pd, &qattr);
	if (!qp)
		die("ibv_create_qp");
}

/* The mappings of /dev/infiniband/ in /proc/self/maps. */
static void find_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];

	if (!f)
		die("fopen /proc/self/maps");
	nmaps = 0;
	while (fgets(line, sizeof(line), f) && nmaps < MAX_MAPS) {
		unsigned long s, e;
		unsigned long long off;

		if (!strstr(line, "/dev/infiniband/"))
			continue;
		if (sscanf(line, "%lx-%lx %*s %llx", &s, &e, &off) != 3)
			continue;
		maps[nmaps].start = (char *)s;
		maps[nmaps].len = e - s;
		maps[nmaps].offset = off;
		nmaps++;
	}
	fclose(f);
}

/* The largest mapping (most pages), for the split and munmap cases. */
static int biggest(int skip)
{
	int i, b = -1;

	for (i = 0; i < nmaps; i++)
		if (i != skip && (b < 0 || maps[i].len > maps[b].len))
			b = i;
	return b;
}

/* Read and write the first byte of every page of every mapping. */
static int touch_all(const char *who, char *hole, char *ro)
{
	int i, s, bad = 0;
	size_t o;

	for (i = 0; i < nmaps; i++)
		for (o = 0; o < maps[i].len; o += page) {
			char *p = maps[i].start + o;

			if (p == hole || p == ro)
				continue;
			s = touch(p, (char)(0x5a ^ i ^ (o / page)));
			if (s) {
				printf("  %s: page %p of ring %d: %s\n", who,
				       (void *)p, i, signame(s));
				bad++;
			}
		}
	return bad;
}

static int exit_mode(const char *name, int ms)
{
	setup(name);
	usleep(ms * 1000);
	return 0;	/* exit with everything open, maybe while revoked */
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int split, cut, s, status, go[2];
	char *ro, *hole, line[16];
	pid_t child;
	void *m;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page = sysconf(_SC_PAGESIZE);
	if (argc == 4 && !strcmp(argv[1], "-x"))
		return exit_mode(argv[2], atoi(argv[3]));
	if (argc != 2) {
		fprintf(stderr, "usage: revoke_mmap IBDEV | -x IBDEV MS\n");
		return 2;
	}
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);

	setup(argv[1]);
	find_maps();
	check(nmaps >= 3, "rings mapped", "%d mappings of the uverbs fd", nmaps);
	split = biggest(-1);
	cut = biggest(split);
	if (split < 0 || cut < 0 || maps[split].len < 3 * page ||
	    maps[cut].len < 2 * page) {
		printf("FAIL ring sizes: need a 3-page and a 2-page ring\n");
		return 1;
	}
	/* Split one ring's VMA in three, cut the last page off another. */
	ro = maps[split].start + page;
	s = mprotect(ro, page, PROT_READ);
	check(!s, "mprotect(PROT_READ) of a middle page", "%s",
	      s ? strerror(errno) : "VMA split in three");
	hole = maps[cut].start + maps[cut].len - page;
	s = munmap(hole, page);
	check(!s, "munmap of a ring's last page", "%s",
	      s ? strerror(errno) : "done");

	if (pipe(go))
		die("pipe");
	child = fork();
	if (child < 0)
		die("fork");
	if (!child) {
		/* Holds the mappings; touches them after the parent closed all. */
		close(go[1]);
		if (read(go[0], line, 1) != 1)
			_exit(3);
		s = 0;
		find_maps();
		for (int i = 0; i < nmaps; i++)
			for (size_t o = 0; o < maps[i].len; o += page)
				if (maps[i].start + o != ro &&
				    touch(maps[i].start + o, 0x33))
					s++;
		if (!nmaps)
			s = 1;
		printf("%s child: %d ring mappings after revoke and the parent's close: %d bad pages\n",
		       s ? "FAIL" : "ok  ", nmaps, s);
		_exit(s ? 1 : 0);
	}
	close(go[0]);

	printf("ready\n");
	if (!fgets(line, sizeof(line), stdin))
		die("read the go line");

	/* The device is gone now. */
	check(!touch_all("parent", hole, ro), "read+write every ring page after revoke",
	      "%d mappings", nmaps);
	s = peek(ro);
	check(!s, "read the PROT_READ page of the split VMA", "%s", signame(s));
	s = touch(ro, 1);
	check(s == SIGSEGV, "write to the PROT_READ page", "%s (SIGSEGV expected)",
	      signame(s));
	s = mprotect(ro, page, PROT_READ | PROT_WRITE);
	check(!s, "mprotect back to read-write after revoke", "%s",
	      s ? strerror(errno) : "done");
	s = touch(ro, 2);
	check(!s, "write to it then", "%s", signame(s));
	s = peek(hole);
	check(s == SIGSEGV, "the munmapped page", "%s (SIGSEGV expected)", signame(s));
	m = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, ctx->cmd_fd,
		 maps[0].offset);
	check(m == MAP_FAILED && errno == ENODEV, "mmap() of the old fd",
	      "%s", m == MAP_FAILED ? strerror(errno) : "succeeded");

	/* Destroys succeed (the provider unmaps), close too; the child still maps. */
	check(!ibv_destroy_qp(qp), "ibv_destroy_qp", "after revoke");
	check(!ibv_destroy_srq(srq), "ibv_destroy_srq", "after revoke");
	check(!ibv_destroy_cq(cq), "ibv_destroy_cq", "after revoke");
	check(!ibv_dealloc_pd(pd), "ibv_dealloc_pd", "after revoke");
	check(!ibv_close_device(ctx), "ibv_close_device", "after revoke");
	if (write(go[1], "g", 1) != 1)
		die("write to the child");
	if (waitpid(child, &status, 0) < 0)
		die("waitpid");
	check(WIFEXITED(status) && !WEXITSTATUS(status), "forked child",
	      "status %d", status);
	printf("%s\n", failures ? "FAILED" : "all ok");
	return failures ? 1 : 0;
}
