/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the test programs (header only: each program is
 * one file built on its own by tests/progs/Makefile).
 */
#ifndef LITE_PROGS_H
#define LITE_PROGS_H

#include <errno.h>
#include <infiniband/verbs.h>
#include <string.h>
#include <time.h>

/* CLOCK_MONOTONIC in milliseconds. */
static inline double progs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The symbolic name of an errno value ("ENODEV"). */
static inline const char *progs_ename(int e)
{
	const char *n;

	if (!e)
		return "no errno";
	n = strerrorname_np(e);
	return n ? n : "unknown errno";
}

/*
 * Open the RDMA device named @name through libibverbs. NULL with errno
 * set on failure (ENODEV if no such device is listed); *@what (if given)
 * names the call that failed.
 */
static inline struct ibv_context *progs_open_by_name(const char *name,
						     const char **what)
{
	struct ibv_context *c = NULL;
	struct ibv_device **list;
	const char *w = "no such device";
	int i, n, err = ENODEV;

	list = ibv_get_device_list(&n);
	if (!list) {
		if (what)
			*what = "ibv_get_device_list";
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(ibv_get_device_name(list[i]), name))
			continue;
		c = ibv_open_device(list[i]);
		w = "ibv_open_device";
		err = errno;
		break;
	}
	ibv_free_device_list(list);
	if (!c) {
		if (what)
			*what = w;
		errno = err;
	}
	return c;
}

#endif
