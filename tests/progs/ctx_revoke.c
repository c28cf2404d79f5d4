// SPDX-License-Identifier: GPL-2.0
/*
 * ctx_revoke: an unmodified-libibverbs user context survives the removal
 * of its device the documented way.
 *
 * usage: ctx_revoke IBDEV 'SHELL COMMAND THAT REMOVES IBDEV'
 *
 * Opens IBDEV, checks QUERY_PORT, blocks a thread in ibv_get_async_event(),
 * runs the command, then checks: the command finished in bounded time; the
 * blocked reader woke with IBV_EVENT_DEVICE_FATAL; the next read fails
 * with ENODEV; poll() on the async fd reports POLLERR; ibv_query_port()
 * fails with ENODEV, ibv_alloc_pd() too; ibv_dealloc_pd() of a PD allocated
 * before succeeds; ibv_close_device() succeeds. Prints what it saw and
 * exits 0 only if all of that holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <infiniband/verbs.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct ibv_context *ctx;
static int event_type = -1, event_errno;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Read async events until DEVICE_FATAL (or an error). Port events may
 * come first: deleting the netdev takes the port down before the device.
 */
static void *reader(void *arg)
{
	struct ibv_async_event ev;

	(void)arg;
	do {
		if (ibv_get_async_event(ctx, &ev)) {
			event_errno = errno;
			return NULL;
		}
		event_type = ev.event_type;
		ibv_ack_async_event(&ev);
		if (event_type != IBV_EVENT_DEVICE_FATAL)
			printf("async event before removal: %s\n",
			       ibv_event_type_str(event_type));
	} while (event_type == IBV_EVENT_PORT_ERR ||
		 event_type == IBV_EVENT_PORT_ACTIVE ||
		 event_type == IBV_EVENT_GID_CHANGE);
	return NULL;
}

static struct ibv_context *open_by_name(const char *name)
{
	struct ibv_device **list;
	struct ibv_context *c = NULL;
	int i, n;

	list = ibv_get_device_list(&n);
	if (!list) {
		fprintf(stderr, "ibv_get_device_list: %s\n", strerror(errno));
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(ibv_get_device_name(list[i]), name))
			continue;
		c = ibv_open_device(list[i]);
		if (!c)
			fprintf(stderr, "ibv_open_device %s: %s\n", name,
				strerror(errno));
	}
	ibv_free_device_list(list);
	if (!c && i == n)
		fprintf(stderr, "%s: no such device (or open failed)\n", name);
	return c;
}

int main(int argc, char **argv)
{
	struct ibv_async_event ev;
	struct ibv_port_attr port;
	struct ibv_pd *pd;
	struct pollfd pfd;
	pthread_t thread;
	double t0, took;
	int ret, fail = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IBDEV 'REMOVE COMMAND'\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	ctx = open_by_name(argv[1]);
	if (!ctx)
		return 1;
	ret = ibv_query_port(ctx, 1, &port);
	if (ret || port.state != IBV_PORT_ACTIVE) {
		fprintf(stderr, "ibv_query_port: ret %d state %d\n", ret,
			port.state);
		return 1;
	}
	pd = ibv_alloc_pd(ctx);
	if (!pd) {
		fprintf(stderr, "ibv_alloc_pd: %s\n", strerror(errno));
		return 1;
	}
	if (pthread_create(&thread, NULL, reader, NULL)) {
		perror("pthread_create");
		return 1;
	}
	usleep(100000);	/* let the reader block; not needed for correctness */

	t0 = now();
	ret = system(argv[2]);
	took = now() - t0;
	printf("remove command: exit %d, %.0f ms\n", ret, took * 1000);
	if (ret) {
		fprintf(stderr, "remove command failed\n");
		fail = 1;
	}

	pthread_join(thread, NULL);
	printf("blocked reader woke: event %d (%s), errno %d\n", event_type,
	       event_type >= 0 ? ibv_event_type_str(event_type) : "-",
	       event_errno);
	if (event_type != IBV_EVENT_DEVICE_FATAL)
		fail = 1;

	errno = 0;
	ret = ibv_get_async_event(ctx, &ev);
	printf("next ibv_get_async_event: %d, errno %s\n", ret,
	       strerror(errno));
	if (ret != -1 || errno != ENODEV)
		fail = 1;

	pfd.fd = ctx->async_fd;
	pfd.events = POLLIN;
	ret = poll(&pfd, 1, 0);
	printf("poll(async_fd): %d, revents 0x%x\n", ret, pfd.revents);
	if (ret != 1 || !(pfd.revents & POLLERR))
		fail = 1;

	ret = ibv_query_port(ctx, 1, &port);
	printf("ibv_query_port after removal: %s\n", strerror(ret));
	if (ret != ENODEV)
		fail = 1;

	errno = 0;
	printf("ibv_alloc_pd after removal: %s\n",
	       ibv_alloc_pd(ctx) ? "succeeded" : strerror(errno));
	if (errno != ENODEV)
		fail = 1;

	ret = ibv_dealloc_pd(pd);
	printf("ibv_dealloc_pd of the old PD: %d\n", ret);
	if (ret)
		fail = 1;

	ret = ibv_close_device(ctx);
	printf("ibv_close_device: %d\n", ret);
	if (ret)
		fail = 1;
	printf("%s\n", fail ? "FAILED" : "ok");
	return fail;
}
