// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite object counters, for tests and operators:
 * /sys/kernel/debug/ib_core_lite/objects, one "NAME COUNT" line per type.
 * Each counts objects that exist now (hardware objects for the verbs
 * types, pinned pages for pinned_pages); all are 0 when nothing is open.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "lite_uverbs.h"

static atomic_long_t lite_stats[LITE_STAT_MAX];
static struct dentry *lite_debugfs;

static const char * const lite_stat_names[LITE_STAT_MAX] = {
	[LITE_STAT_UFILE] = "ufile",
	[LITE_STAT_UCONTEXT] = "ucontext",
	[LITE_STAT_PD] = "pd",
	[LITE_STAT_MR] = "mr",
	[LITE_STAT_MW] = "mw",
	[LITE_STAT_CQ] = "cq",
	[LITE_STAT_QP] = "qp",
	[LITE_STAT_SRQ] = "srq",
	[LITE_STAT_AH] = "ah",
	[LITE_STAT_COMP_CHANNEL] = "comp_channel",
	[LITE_STAT_UMAP] = "umap",
	[LITE_STAT_PINNED_PAGES] = "pinned_pages",
};

void lite_stat_add(enum lite_stat stat, long n)
{
	atomic_long_add(n, &lite_stats[stat]);
}

static int lite_objects_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < LITE_STAT_MAX; i++)
		seq_printf(m, "%s %ld\n", lite_stat_names[i],
			   atomic_long_read(&lite_stats[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lite_objects);

void lite_stats_init(void)
{
	/* debugfs is best effort: errors leave the counters unexposed. */
	lite_debugfs = debugfs_create_dir("ib_core_lite", NULL);
	debugfs_create_file("objects", 0444, lite_debugfs, NULL,
			    &lite_objects_fops);
}

void lite_stats_exit(void)
{
	debugfs_remove_recursive(lite_debugfs);
}
