// SPDX-License-Identifier: GPL-2.0
/*
 * uffd_block DEV MODE: block one uverbs command on a user page fault that
 * only completes when we say so, to show that the device's removal does
 * not wait for it (tests/guest/tests/32-fault-fence.sh).
 *
 * MODE get_context: a raw GET_CONTEXT on a new fd of DEV's uverbs node,
 *                   its response buffer in a missing page;
 *      reg_mr:      ibv_reg_mr() of a missing page;
 *      create_qp:   a raw CREATE_QP whose response is in a missing page.
 * The pages are registered with userfaultfd (MISSING mode, kernel faults
 * allowed). A thread issues the command; once its fault reaches us we
 * print "blocked", then wait for a line on stdin, resolve the fault with
 * UFFDIO_ZEROPAGE, and print "result: ERRNO" of the command ("result: 0"
 * if it succeeded). Exit 0 if all of that worked, 1 on any other error.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <rdma/ib_user_verbs.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "progs.h"

static struct ibv_context *ctx;
static struct ibv_pd *pd;
static struct ibv_cq *cq;
static const char *mode;
static char *page;
static long page_size;
static int raw_fd = -1;
static int result = -1;

static void die(const char *what)
{
	fprintf(stderr, "uffd_block: %s: %s (%s)\n", what, strerror(errno),
		progs_ename(errno));
	exit(1);
}

/* write() of a legacy command; 0 or the errno. */
static int raw_cmd(int fd, __u32 command, void *req, size_t req_len,
		   size_t resp_len)
{
	char buf[512];
	struct ib_uverbs_cmd_hdr hdr = {
		.command = command,
		.in_words = (sizeof(hdr) + req_len) / 4,
		.out_words = resp_len / 4,
	};

	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), req, req_len);
	if (write(fd, buf, sizeof(hdr) + req_len) < 0)
		return errno;
	return 0;
}

static void *blocker(void *arg)
{
	(void)arg;
	if (!strcmp(mode, "get_context")) {
		struct ib_uverbs_get_context req = {
			.response = (uintptr_t)page,
		};

		result = raw_cmd(raw_fd, IB_USER_VERBS_CMD_GET_CONTEXT, &req,
				 sizeof(req),
				 sizeof(struct ib_uverbs_get_context_resp));
	} else if (!strcmp(mode, "reg_mr")) {
		struct ibv_mr *mr = ibv_reg_mr(pd, page, page_size,
					       IBV_ACCESS_LOCAL_WRITE);

		result = mr ? 0 : errno;
	} else {
		struct ib_uverbs_create_qp req = {
			.response = (uintptr_t)page,
			.pd_handle = pd->handle,
			.send_cq_handle = cq->handle,
			.recv_cq_handle = cq->handle,
			.max_send_wr = 1,
			.max_recv_wr = 1,
			.max_send_sge = 1,
			.max_recv_sge = 1,
			.qp_type = IBV_QPT_RC,
		};

		result = raw_cmd(ctx->cmd_fd, IB_USER_VERBS_CMD_CREATE_QP, &req,
				 sizeof(req),
				 sizeof(struct ib_uverbs_create_qp_resp));
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {};
	struct uffdio_zeropage zp = {};
	struct uffd_msg msg;
	const char *what = NULL;
	char path[128], line[64];
	pthread_t thread;
	int uffd;

	if (argc != 3) {
		fprintf(stderr, "usage: uffd_block DEV get_context|reg_mr|create_qp\n");
		return 2;
	}
	mode = argv[2];
	if (strcmp(mode, "get_context") && strcmp(mode, "reg_mr") &&
	    strcmp(mode, "create_qp")) {
		fprintf(stderr, "uffd_block: unknown mode %s\n", mode);
		return 2;
	}
	page_size = sysconf(_SC_PAGESIZE);

	ctx = progs_open_by_name(argv[1], &what);
	if (!ctx)
		die(what ? what : "open device");
	pd = ibv_alloc_pd(ctx);
	if (!pd)
		die("ibv_alloc_pd");
	cq = ibv_create_cq(ctx, 4, NULL, NULL, 0);
	if (!cq)
		die("ibv_create_cq");
	snprintf(path, sizeof(path), "/dev/infiniband/%s",
		 ctx->device->dev_name);
	if (!strcmp(mode, "get_context")) {
		raw_fd = open(path, O_RDWR | O_CLOEXEC);
		if (raw_fd < 0)
			die(path);
	}

	page = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		die("mmap");
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		die("userfaultfd");
	if (ioctl(uffd, UFFDIO_API, &api))
		die("UFFDIO_API");
	reg.range.start = (uintptr_t)page;
	reg.range.len = page_size;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		die("UFFDIO_REGISTER");

	errno = pthread_create(&thread, NULL, blocker, NULL);
	if (errno)
		die("pthread_create");
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
		die("read userfaultfd");
	if (msg.event != UFFD_EVENT_PAGEFAULT) {
		fprintf(stderr, "uffd_block: unexpected uffd event %u\n",
			msg.event);
		return 1;
	}
	printf("blocked\n");
	fflush(stdout);

	if (!fgets(line, sizeof(line), stdin))
		die("read stdin");
	zp.range.start = (uintptr_t)page;
	zp.range.len = page_size;
	if (ioctl(uffd, UFFDIO_ZEROPAGE, &zp))
		die("UFFDIO_ZEROPAGE");
	errno = pthread_join(thread, NULL);
	if (errno)
		die("pthread_join");
	printf("result: %s\n", result ? progs_ename(result) : "0");
	/* Everything is released by exit (close of the fds). */
	return 0;
}
