// SPDX-License-Identifier: GPL-2.0
/*
 * rxe_lite object counters for tests: /sys/kernel/debug/rxe_lite/objects,
 * one "NAME COUNT" line per type; each counts objects set up by a create
 * op and not yet torn down by the matching destroy op.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "rxe_lite.h"

static atomic_t rxe_lite_stats[RXE_LITE_STAT_MAX];
static atomic64_t rxe_lite_counters[RXE_LITE_CNT_MAX];
static struct dentry *rxe_lite_debugfs;

static const char * const rxe_lite_stat_names[RXE_LITE_STAT_MAX] = {
	[RXE_LITE_STAT_UCONTEXT] = "ucontext",
	[RXE_LITE_STAT_PD] = "pd",
	[RXE_LITE_STAT_MR] = "mr",
	[RXE_LITE_STAT_MW] = "mw",
	[RXE_LITE_STAT_CQ] = "cq",
	[RXE_LITE_STAT_QP] = "qp",
	[RXE_LITE_STAT_SRQ] = "srq",
	[RXE_LITE_STAT_AH] = "ah",
};

static const char * const rxe_lite_counter_names[RXE_LITE_CNT_MAX] = {
	[RXE_LITE_CNT_SENT] = "sent",
	[RXE_LITE_CNT_RCVD] = "received",
	[RXE_LITE_CNT_DROPPED] = "dropped",
	[RXE_LITE_CNT_BAD_ICRC] = "bad_icrc",
	[RXE_LITE_CNT_NO_QP] = "no_qp",
	[RXE_LITE_CNT_RETRANS] = "retrans_timeouts",
	[RXE_LITE_CNT_SEQ_NAK_SENT] = "seq_naks_sent",
	[RXE_LITE_CNT_RNR_NAK_SENT] = "rnr_naks_sent",
	[RXE_LITE_CNT_READ_AGAIN] = "read_again",
	[RXE_LITE_CNT_DUP] = "duplicates",
	[RXE_LITE_CNT_CQ_OVERFLOW] = "cq_overflows",
};

void rxe_lite_count(enum rxe_lite_counter c)
{
	atomic64_inc(&rxe_lite_counters[c]);
}

static int rxe_lite_counters_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < RXE_LITE_CNT_MAX; i++)
		seq_printf(m, "%s %lld\n", rxe_lite_counter_names[i],
			   atomic64_read(&rxe_lite_counters[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rxe_lite_counters);

void rxe_lite_stat_add(enum rxe_lite_stat stat, int n)
{
	atomic_add(n, &rxe_lite_stats[stat]);
}

static int rxe_lite_objects_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < RXE_LITE_STAT_MAX; i++)
		seq_printf(m, "%s %d\n", rxe_lite_stat_names[i],
			   atomic_read(&rxe_lite_stats[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rxe_lite_objects);

void rxe_lite_stats_init(void)
{
	rxe_lite_debugfs = debugfs_create_dir("rxe_lite", NULL);
	debugfs_create_file("objects", 0444, rxe_lite_debugfs, NULL,
			    &rxe_lite_objects_fops);
	debugfs_create_file("counters", 0444, rxe_lite_debugfs, NULL,
			    &rxe_lite_counters_fops);
}

void rxe_lite_stats_exit(void)
{
	debugfs_remove_recursive(rxe_lite_debugfs);
}
