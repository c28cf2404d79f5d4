// SPDX-License-Identifier: GPL-2.0
/*
 * lite_bad: a test-only module that does one wrong thing on purpose, so the
 * debug-kernel suite can prove its net catches it.
 *
 *   insmod lite_bad.ko what=lockorder   A->B then B->A: a lockdep report
 *   insmod lite_bad.ko what=uaf         read after kfree(): a KASAN report
 *   insmod lite_bad.ko what=leak        an unreachable allocation: kmemleak
 *
 * The module then loads normally and can be removed. Never load it outside
 * tests/guest/debug/.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

static char *what = "";
module_param(what, charp, 0444);
MODULE_PARM_DESC(what, "lockorder, uaf or leak");

static DEFINE_MUTEX(lite_bad_a);
static DEFINE_MUTEX(lite_bad_b);

static noinline void lite_bad_lockorder(void)
{
	mutex_lock(&lite_bad_a);
	mutex_lock(&lite_bad_b);
	mutex_unlock(&lite_bad_b);
	mutex_unlock(&lite_bad_a);

	/* One thread, so no real deadlock: only the inverted order. */
	mutex_lock(&lite_bad_b);
	mutex_lock(&lite_bad_a);
	mutex_unlock(&lite_bad_a);
	mutex_unlock(&lite_bad_b);
}

static noinline void lite_bad_uaf(void)
{
	char *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return;
	kfree(p);
	pr_info("lite_bad: read after free: %d\n", READ_ONCE(p[8]));
}

static void *lite_bad_keep;

static noinline void lite_bad_leak(void)
{
	/* Store the pointer, then forget it: only kmemleak notices. */
	lite_bad_keep = kmalloc(128, GFP_KERNEL);
	WRITE_ONCE(lite_bad_keep, NULL);
}

static int __init lite_bad_init(void)
{
	if (!strcmp(what, "lockorder"))
		lite_bad_lockorder();
	else if (!strcmp(what, "uaf"))
		lite_bad_uaf();
	else if (!strcmp(what, "leak"))
		lite_bad_leak();
	else
		return -EINVAL;
	return 0;
}

static void __exit lite_bad_exit(void)
{
}

module_init(lite_bad_init);
module_exit(lite_bad_exit);

MODULE_DESCRIPTION("ib_core_lite test: deliberate lock inversion, use-after-free, leak");
MODULE_LICENSE("GPL");
