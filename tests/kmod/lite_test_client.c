// SPDX-License-Identifier: GPL-2.0
/*
 * lite_test_client: a test-only ib_core_lite client.
 *
 * At load it registers two permanent clients, "test_order_a" then
 * "test_order_b", and checks on every callback that the core keeps
 * registration order: A is added to a device before B, and B is removed
 * before A. A kthread then registers and unregisters a third client,
 * "test_churn", in a loop for duration_ms (or until 1 is written to the
 * stop parameter) while the test adds and deletes devices, and checks
 * that every add has exactly one remove and that nothing of the client is
 * left when unregistration returns.
 *
 * With hold_ms, test_order_a's remove() takes a registration reference
 * (lite_device_try_get()) and drops it hold_ms later, so unregistration
 * of that device waits and must report this module as the holder.
 *
 * Results are read from /sys/module/lite_test_client/parameters/.
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <rdma_lite/ib_core_lite.h>

static unsigned int duration_ms = 30000;
module_param(duration_ms, uint, 0444);
MODULE_PARM_DESC(duration_ms, "how long the churn thread runs at most");

static bool stop;
module_param(stop, bool, 0644);
MODULE_PARM_DESC(stop, "write 1 to end the churn thread's loop early");

static unsigned int hold_ms;
module_param(hold_ms, uint, 0444);
MODULE_PARM_DESC(hold_ms, "keep a removed device registered this long");

/* Results; written under test_lock, read after done is 1. */
static int adds, removes, errors, rounds, order_errors, done;
module_param(adds, int, 0444);
module_param(removes, int, 0444);
module_param(errors, int, 0444);
module_param(rounds, int, 0444);
module_param(order_errors, int, 0444);
module_param(done, int, 0444);

static DEFINE_MUTEX(test_lock);
/* Devices each client currently has a context on, by device index. */
static DEFINE_XARRAY(churn_devs);
static DEFINE_XARRAY(a_devs);
static DEFINE_XARRAY(b_devs);
static struct task_struct *churn_task;
/* The device whose reference hold_work drops; NULL if none is held. */
static struct lite_device *held_dev;

static void hold_fn(struct work_struct *work)
{
	struct lite_device *dev;

	mutex_lock(&test_lock);
	dev = held_dev;
	held_dev = NULL;
	mutex_unlock(&test_lock);
	if (dev)
		lite_device_put(dev);
}

static DECLARE_DELAYED_WORK(hold_work, hold_fn);

static void set_add(struct xarray *set, struct lite_device *dev, int *errs)
{
	if (xa_load(set, dev->index) ||
	    xa_err(xa_store(set, dev->index, dev, GFP_KERNEL)))
		(*errs)++;
}

static void set_del(struct xarray *set, struct lite_device *dev, int *errs)
{
	if (xa_erase(set, dev->index) != dev)
		(*errs)++;
}

static int churn_add(struct lite_device *dev)
{
	mutex_lock(&test_lock);
	adds++;
	set_add(&churn_devs, dev, &errors);
	mutex_unlock(&test_lock);
	return 0;
}

static void churn_remove(struct lite_device *dev, void *data)
{
	mutex_lock(&test_lock);
	removes++;
	set_del(&churn_devs, dev, &errors);
	mutex_unlock(&test_lock);
}

static struct lite_client churn_client = {
	.name = "test_churn",
	.add = churn_add,
	.remove = churn_remove,
};

static int a_add(struct lite_device *dev)
{
	mutex_lock(&test_lock);
	set_add(&a_devs, dev, &order_errors);
	mutex_unlock(&test_lock);
	return 0;
}

static void a_remove(struct lite_device *dev, void *data)
{
	mutex_lock(&test_lock);
	if (xa_load(&b_devs, dev->index))	/* B must be gone first */
		order_errors++;
	set_del(&a_devs, dev, &order_errors);
	/* Unregistration still holds its own reference: this cannot fail. */
	if (hold_ms && !held_dev && lite_device_try_get(dev)) {
		held_dev = dev;
		schedule_delayed_work(&hold_work, msecs_to_jiffies(hold_ms));
	}
	mutex_unlock(&test_lock);
}

static int b_add(struct lite_device *dev)
{
	mutex_lock(&test_lock);
	if (!xa_load(&a_devs, dev->index))	/* A must be there first */
		order_errors++;
	set_add(&b_devs, dev, &order_errors);
	mutex_unlock(&test_lock);
	return 0;
}

static void b_remove(struct lite_device *dev, void *data)
{
	mutex_lock(&test_lock);
	set_del(&b_devs, dev, &order_errors);
	mutex_unlock(&test_lock);
}

static struct lite_client a_client = {
	.name = "test_order_a", .add = a_add, .remove = a_remove,
};

static struct lite_client b_client = {
	.name = "test_order_b", .add = b_add, .remove = b_remove,
};

static int churn_fn(void *unused)
{
	unsigned long end = jiffies + msecs_to_jiffies(duration_ms);

	while (time_before(jiffies, end) && !READ_ONCE(stop) &&
	       !kthread_should_stop()) {
		if (lite_register_client(&churn_client)) {
			mutex_lock(&test_lock);
			errors++;
			mutex_unlock(&test_lock);
			break;
		}
		usleep_range(100, 100 + get_random_u32_below(5000));
		lite_unregister_client(&churn_client);

		mutex_lock(&test_lock);
		/* After unregistration the client has no context anywhere. */
		if (!xa_empty(&churn_devs))
			errors++;
		rounds++;
		mutex_unlock(&test_lock);
		usleep_range(100, 100 + get_random_u32_below(2000));
	}
	WRITE_ONCE(done, 1);
	while (!kthread_should_stop())
		msleep(20);
	return 0;
}

static int __init lite_test_client_init(void)
{
	int ret;

	ret = lite_register_client(&a_client);
	if (ret)
		return ret;
	ret = lite_register_client(&b_client);
	if (ret)
		goto err_a;
	churn_task = kthread_run(churn_fn, NULL, "lite_test_churn");
	if (IS_ERR(churn_task)) {
		ret = PTR_ERR(churn_task);
		goto err_b;
	}
	return 0;

err_b:
	lite_unregister_client(&b_client);
err_a:
	lite_unregister_client(&a_client);
	return ret;
}

static void __exit lite_test_client_exit(void)
{
	kthread_stop(churn_task);
	lite_unregister_client(&b_client);
	lite_unregister_client(&a_client);
	/* a_remove() may just have taken a hold: drop it now. */
	flush_delayed_work(&hold_work);
	WARN_ON(!xa_empty(&a_devs) || !xa_empty(&b_devs));
	xa_destroy(&churn_devs);
}

module_init(lite_test_client_init);
module_exit(lite_test_client_exit);

MODULE_DESCRIPTION("ib_core_lite test client: registration order and churn");
MODULE_LICENSE("GPL");
