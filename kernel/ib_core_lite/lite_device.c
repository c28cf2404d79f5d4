// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite device and client registries.
 *
 * Locking
 * -------
 * device_rwsem protects the devices xarray, its DEVICE_REGISTERED mark and
 * the uniqueness of device names. It is held for write to assign a name and
 * to set or clear the mark, and for read by anyone who walks registered
 * devices and needs the set to stay stable (the client add loop, netlink
 * dumps, name lookups). A device sits in the xarray from name assignment
 * until it is deallocated; only the mark says it is registered.
 *
 * client_mutex protects the clients xarray, its CLIENT_REGISTERED mark and
 * highest_client_id. Client ids are handed out in registration order, so
 * walking ids downwards removes clients in reverse registration order.
 *
 * dev->client_data_rwsem protects dev->client_data and its
 * CLIENT_DATA_REGISTERED mark (set when add() completed and remove() has not
 * started).
 *
 * Lock order: device_rwsem -> client_mutex -> dev->client_data_rwsem.
 * A client's add() runs with device_rwsem (read or write) and client_mutex
 * held, so it must not call the registration APIs. No core lock is held
 * while a client's remove() runs: remove() may block for a long time and
 * may call back into this module.
 *
 * Fences are refcounts with completions, never locks:
 *  - dev->refcount (the registration lock): one reference for "registered",
 *    one per client context, one per lite_device_try_get() holder.
 *    Unregistration waits on dev->unreg_completion for it to reach zero,
 *    warning every LITE_UNREG_WARN_SECS with who holds the others:
 *    dev->holders counts them beside the refcount by holder (a client
 *    for a context, the caller's module for try_get), only ever read to
 *    report. dev->holders_lock only serialises claiming a slot; it nests
 *    inside everything and may be taken in any context.
 *  - client->uses: one reference for "registered" and one per client
 *    context. lite_unregister_client() waits on client->uses_zero, so no
 *    callback of that client runs once it returns.
 *
 * Memory lifetime is the struct device kref; its release (core code) frees
 * the device with kfree_rcu(), so RCU walkers of the xarray may look at a
 * device whose registration is gone and fail lite_device_try_get().
 */
#include <linux/error-injection.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "lite_core_priv.h"

#define DEVICE_REGISTERED	XA_MARK_1
#define CLIENT_REGISTERED	XA_MARK_1
#define CLIENT_DATA_REGISTERED	XA_MARK_1

/* Every device from name assignment to dealloc; index = dev->index. */
static DEFINE_XARRAY_FLAGS(devices, XA_FLAGS_ALLOC);
/*
 * Protects devices, its DEVICE_REGISTERED mark and name uniqueness.
 * Taken before client_mutex and dev->client_data_rwsem.
 */
static DECLARE_RWSEM(device_rwsem);
static u32 device_next_index;		/* cyclic allocation, device_rwsem */

/* Registered clients; index = client id = registration order. */
static DEFINE_XARRAY_FLAGS(clients, XA_FLAGS_ALLOC);
/*
 * Protects clients, its CLIENT_REGISTERED mark and highest_client_id.
 * Taken after device_rwsem, before dev->client_data_rwsem.
 */
static DEFINE_MUTEX(client_mutex);
static u32 highest_client_id;		/* client_mutex */

/* How long unregistration waits before it reports who still holds on. */
#define LITE_UNREG_WARN_SECS	10

/* Drop a registration reference; the last one lets unregistration go on. */
static void device_ref_put(struct lite_device *dev)
{
	if (refcount_dec_and_test(&dev->refcount))
		complete(&dev->unreg_completion);
}

static bool holder_is(const struct lite_device_holder *h, const char *name,
		      bool client)
{
	return h->client == client &&
	       !strncmp(h->name, name, sizeof(h->name) - 1);
}

/*
 * The reference counter of holder @name on @dev, claiming a slot on first
 * use. Lock-free once claimed; names are compared by content, so a holder
 * whose get and put come from different files (string copies) or that
 * unloaded and came back finds its own slot.
 */
static atomic_t *holder_count(struct lite_device *dev, const char *name,
			      bool client)
{
	atomic_t *count = &dev->holders_other;
	struct lite_device_holder *h;
	unsigned long flags;
	unsigned int i, n;

	/* Pairs with the release below: slots [0, n) have their names. */
	n = smp_load_acquire(&dev->nr_holders);
	for (i = 0; i < n; i++)
		if (holder_is(&dev->holders[i], name, client))
			return &dev->holders[i].count;

	spin_lock_irqsave(&dev->holders_lock, flags);
	for (; i < dev->nr_holders; i++) {
		if (holder_is(&dev->holders[i], name, client)) {
			count = &dev->holders[i].count;
			goto out;
		}
	}
	if (i < LITE_DEVICE_HOLDERS) {
		h = &dev->holders[i];
		strscpy(h->name, name, sizeof(h->name));
		h->client = client;
		count = &h->count;
		/* The name before the count of claimed slots that covers it. */
		smp_store_release(&dev->nr_holders, i + 1);
	}
out:
	spin_unlock_irqrestore(&dev->holders_lock, flags);
	return count;
}

bool __lite_device_try_get(struct lite_device *dev, const char *modname)
{
	if (!refcount_inc_not_zero(&dev->refcount))
		return false;
	atomic_inc(holder_count(dev, modname, false));
	return true;
}
EXPORT_SYMBOL_GPL(__lite_device_try_get);

void __lite_device_put(struct lite_device *dev, const char *modname)
{
	atomic_dec(holder_count(dev, modname, false));
	device_ref_put(dev);
}
EXPORT_SYMBOL_GPL(__lite_device_put);

/* A client context's registration reference, counted under its name. */
static void client_ctx_put(struct lite_device *dev, struct lite_client *client)
{
	atomic_dec(holder_count(dev, client->name, true));
	device_ref_put(dev);
}

static void lite_client_put(struct lite_client *client)
{
	if (refcount_dec_and_test(&client->uses))
		complete(&client->uses_zero);
}

static void lite_device_release(struct device *device)
{
	struct lite_device *dev = container_of(device, struct lite_device, dev);

	WARN_ON(!xa_empty(&dev->client_data));
	mutex_destroy(&dev->gid_lock);
	mutex_destroy(&dev->unregistration_lock);
	xa_destroy(&dev->client_data);
	kfree_rcu(dev, rcu);
}

struct lite_device *_lite_alloc_device(size_t size)
{
	struct lite_device *dev;

	if (WARN_ON(size < sizeof(*dev)))
		return NULL;
	dev = kzalloc(size, GFP_KERNEL);
	if (!dev)
		return NULL;

	device_initialize(&dev->dev);
	dev->dev.class = &lite_ib_class;
	dev->dev.release = lite_device_release;
	dev->node_type = LITE_NODE_CA;
	refcount_set(&dev->refcount, 0);
	init_completion(&dev->unreg_completion);
	spin_lock_init(&dev->holders_lock);
	mutex_init(&dev->unregistration_lock);
	/*
	 * ALLOC: a NULL entry is stored as a reserved entry, so a context
	 * without client data still exists and can carry its mark.
	 */
	xa_init_flags(&dev->client_data, XA_FLAGS_ALLOC);
	init_rwsem(&dev->client_data_rwsem);
	mutex_init(&dev->gid_lock);
	return dev;
}
EXPORT_SYMBOL_GPL(_lite_alloc_device);
ALLOW_ERROR_INJECTION(_lite_alloc_device, NULL);

/*
 * The end of a device: releases its name and index, its netdev and the
 * initial struct device reference. Called by the driver for a device whose
 * registration failed, and by the core after ops->dealloc_driver().
 */
void lite_dealloc_device(struct lite_device *dev)
{
	WARN_ON(refcount_read(&dev->refcount));
	down_write(&device_rwsem);
	if (xa_load(&devices, dev->index) == dev)
		xa_erase(&devices, dev->index);
	up_write(&device_rwsem);

	if (dev->netdev) {
		netdev_put(dev->netdev, &dev->netdev_tracker);
		dev->netdev = NULL;
	}
	put_device(&dev->dev);
}
EXPORT_SYMBOL_GPL(lite_dealloc_device);

static struct lite_device *__lite_device_find_name(const char *name)
{
	struct lite_device *dev;
	unsigned long index;

	lockdep_assert_held(&device_rwsem);
	xa_for_each(&devices, index, dev)
		if (!strcmp(dev->name, name))
			return dev;
	return NULL;
}

/* Name uniqueness covers every device in the xarray, registered or not. */
static int assign_name(struct lite_device *dev, const char *name)
{
	int ret;

	if (!name[0] || strlen(name) >= LITE_DEVICE_NAME_MAX ||
	    strchr(name, '%') || strchr(name, '/'))
		return -EINVAL;

	down_write(&device_rwsem);
	if (__lite_device_find_name(name)) {
		ret = -EEXIST;
		goto out;
	}
	strscpy(dev->name, name, sizeof(dev->name));
	ret = dev_set_name(&dev->dev, "%s", name);
	if (ret)
		goto out;
	ret = xa_alloc_cyclic(&devices, &dev->index, dev, xa_limit_31b,
			      &device_next_index, GFP_KERNEL);
	ret = ret < 0 ? ret : 0;
out:
	up_write(&device_rwsem);
	return ret;
}

/*
 * Create the context of @client on @dev and call its add(). Idempotent: a
 * context that exists already is left alone. Called with device_rwsem and
 * client_mutex held, so neither the device nor the client can go away.
 */
static void add_client_context(struct lite_device *dev,
			       struct lite_client *client)
{
	int ret;

	down_write(&dev->client_data_rwsem);
	if (xa_get_mark(&dev->client_data, client->client_id,
			CLIENT_DATA_REGISTERED))
		goto out_unlock;
	if (!refcount_inc_not_zero(&client->uses))
		goto out_unlock;
	refcount_inc(&dev->refcount);
	atomic_inc(holder_count(dev, client->name, true));

	ret = xa_err(xa_store(&dev->client_data, client->client_id, NULL,
			      GFP_KERNEL));
	if (ret)
		goto out_put;

	/* Readers see the client only once add() has completed. */
	downgrade_write(&dev->client_data_rwsem);
	ret = client->add ? client->add(dev) : 0;
	if (!ret) {
		xa_set_mark(&dev->client_data, client->client_id,
			    CLIENT_DATA_REGISTERED);
		up_read(&dev->client_data_rwsem);
		return;
	}
	up_read(&dev->client_data_rwsem);
	dev_warn(&dev->dev, "client %s add failed: %d\n", client->name, ret);

	down_write(&dev->client_data_rwsem);
	xa_erase(&dev->client_data, client->client_id);
out_put:
	client_ctx_put(dev, client);
	lite_client_put(client);
out_unlock:
	up_write(&dev->client_data_rwsem);
}

/*
 * Remove the context of client @client_id from @dev. Exactly one caller
 * wins and calls remove(), with no lock held; a loser returns at once, so
 * this is not a fence (the fences are the two refcounts).
 */
static void remove_client_context(struct lite_device *dev, u32 client_id)
{
	struct lite_client *client;
	void *client_data;

	down_write(&dev->client_data_rwsem);
	if (!xa_get_mark(&dev->client_data, client_id,
			 CLIENT_DATA_REGISTERED)) {
		up_write(&dev->client_data_rwsem);
		return;
	}
	client_data = xa_load(&dev->client_data, client_id);
	xa_clear_mark(&dev->client_data, client_id, CLIENT_DATA_REGISTERED);
	/* The context holds a client->uses reference: the client is alive. */
	client = xa_load(&clients, client_id);
	up_write(&dev->client_data_rwsem);

	if (client->remove)
		client->remove(dev, client_data);

	xa_erase(&dev->client_data, client_id);
	client_ctx_put(dev, client);
	lite_client_put(client);
}

void lite_set_client_data(struct lite_device *dev, struct lite_client *client,
			  void *data)
{
	WARN_ON(xa_is_err(xa_store(&dev->client_data, client->client_id, data,
				   GFP_KERNEL)));
}
EXPORT_SYMBOL_GPL(lite_set_client_data);

/* Make the device visible and attach every registered client, in id order. */
static void enable_device(struct lite_device *dev)
{
	struct lite_client *client;
	unsigned long index;

	/* One reference for "registered", one for the registering thread. */
	refcount_set(&dev->refcount, 2);

	down_write(&device_rwsem);
	xa_set_mark(&devices, dev->index, DEVICE_REGISTERED);
	downgrade_write(&device_rwsem);

	mutex_lock(&client_mutex);
	xa_for_each_marked(&clients, index, client, CLIENT_REGISTERED)
		add_client_context(dev, client);
	mutex_unlock(&client_mutex);
	up_read(&device_rwsem);
}

/*
 * Name whoever keeps a stalled unregistration waiting: the client contexts
 * whose remove() has not returned (a concurrent lite_unregister_client()
 * won the context) and the lite_device_try_get() holders, by name.
 */
static void report_holders(struct lite_device *dev)
{
	struct lite_device_holder *h;
	unsigned int i;
	int n;

	dev_warn(&dev->dev,
		 "unregistration waits for %u reference(s) to the device\n",
		 refcount_read(&dev->refcount));
	/* Pairs with holder_count()'s release: the names are there. */
	for (i = 0; i < smp_load_acquire(&dev->nr_holders); i++) {
		h = &dev->holders[i];
		n = atomic_read(&h->count);
		if (n > 0)
			dev_warn(&dev->dev, "  held by %s %s: %d\n",
				 h->client ? "client" : "module", h->name, n);
	}
	n = atomic_read(&dev->holders_other);
	if (n > 0)
		dev_warn(&dev->dev, "  held by others: %d\n", n);
}

/*
 * Hide the device, remove every client context in reverse registration
 * order and wait until no in-kernel user holds the registration. Never
 * waits for userspace: clients (uverbs) disassociate instead of waiting.
 */
static void disable_device(struct lite_device *dev)
{
	u32 cid;

	down_write(&device_rwsem);
	xa_clear_mark(&devices, dev->index, DEVICE_REGISTERED);
	up_write(&device_rwsem);

	/*
	 * Clients registering from now on no longer see the device, so the
	 * snapshot covers every context that can exist.
	 */
	mutex_lock(&client_mutex);
	cid = highest_client_id;
	mutex_unlock(&client_mutex);
	while (cid) {
		cid--;
		remove_client_context(dev, cid);
	}

	device_ref_put(dev);
	while (!wait_for_completion_timeout(&dev->unreg_completion,
					    LITE_UNREG_WARN_SECS * HZ))
		report_holders(dev);
}

int lite_register_device(struct lite_device *dev, const char *name)
{
	int ret;

	if (!dev->ops || !dev->ops->dealloc_driver || !dev->netdev)
		return -EINVAL;

	ret = assign_name(dev, name);
	if (ret)
		return ret;

	lite_roce_setup(dev);
	ret = device_add(&dev->dev);
	if (ret)
		goto err_roce;
	ret = lite_sysfs_add_ports(dev);
	if (ret)
		goto err_del;

	enable_device(dev);
	/* Catch address changes between the first sync and the mark. */
	lite_gid_queue(dev);
	/*
	 * Drop the registering thread's reference. From here a concurrent
	 * unregistration may free the device: do not touch it again.
	 */
	device_ref_put(dev);
	return 0;

err_del:
	device_del(&dev->dev);
err_roce:
	lite_roce_cleanup(dev);
	down_write(&device_rwsem);
	xa_erase(&devices, dev->index);
	up_write(&device_rwsem);
	return ret;
}
EXPORT_SYMBOL_GPL(lite_register_device);
ALLOW_ERROR_INJECTION(lite_register_device, ERRNO);

static void __lite_unregister_device(struct lite_device *dev)
{
	mutex_lock(&dev->unregistration_lock);
	/* Zero: never registered, or another caller finished already. */
	if (!refcount_read(&dev->refcount))
		goto out;

	disable_device(dev);
	lite_roce_cleanup(dev);
	lite_sysfs_del_ports(dev);
	device_del(&dev->dev);

	/* The last call into the driver for this device. */
	dev->ops->dealloc_driver(dev);
	lite_dealloc_device(dev);
out:
	mutex_unlock(&dev->unregistration_lock);
}

void lite_unregister_device(struct lite_device *dev)
{
	get_device(&dev->dev);
	__lite_unregister_device(dev);
	put_device(&dev->dev);
}
EXPORT_SYMBOL_GPL(lite_unregister_device);

/*
 * Unregister every device of a driver, registered or not; when this
 * returns no op of that driver can run again. A device stays in
 * the xarray until after its dealloc_driver(), so nothing escapes the walk.
 */
void lite_unregister_driver(enum rdma_driver_id driver_id)
{
	struct lite_device *dev;
	unsigned long index;

	down_read(&device_rwsem);
	xa_for_each(&devices, index, dev) {
		if (dev->ops->driver_id != driver_id)
			continue;
		get_device(&dev->dev);
		up_read(&device_rwsem);
		__lite_unregister_device(dev);
		put_device(&dev->dev);
		down_read(&device_rwsem);
	}
	up_read(&device_rwsem);
}
EXPORT_SYMBOL_GPL(lite_unregister_driver);

/* Lookups for netlink: a registration reference, or NULL. */
struct lite_device *lite_device_get_by_index(u32 index)
{
	struct lite_device *dev;

	down_read(&device_rwsem);
	dev = xa_load(&devices, index);
	if (dev && (!xa_get_mark(&devices, index, DEVICE_REGISTERED) ||
		    !lite_device_try_get(dev)))
		dev = NULL;
	up_read(&device_rwsem);
	return dev;
}

struct lite_device *lite_device_get_by_name(const char *name)
{
	struct lite_device *dev;

	down_read(&device_rwsem);
	dev = __lite_device_find_name(name);
	if (dev && (!xa_get_mark(&devices, dev->index, DEVICE_REGISTERED) ||
		    !lite_device_try_get(dev)))
		dev = NULL;
	up_read(&device_rwsem);
	return dev;
}

/*
 * Call @fn on each registered device from index *start on, under
 * device_rwsem (read). Stops at the first non-zero return and leaves
 * *start at that device, so a netlink dump can resume there.
 */
int lite_walk_devices(u32 *start,
		      int (*fn)(struct lite_device *dev, void *arg),
		      void *arg)
{
	unsigned long index = *start;
	struct lite_device *dev;
	int ret = 0;

	down_read(&device_rwsem);
	for (dev = xa_find(&devices, &index, U32_MAX, DEVICE_REGISTERED); dev;
	     dev = xa_find_after(&devices, &index, U32_MAX, DEVICE_REGISTERED)) {
		ret = fn(dev, arg);
		if (ret)
			break;
	}
	/* Resume at the device that did not fit, or past the last one. */
	*start = dev ? index : U32_MAX;
	up_read(&device_rwsem);
	return ret;
}

/*
 * Call @fn on each registered device bound to @ndev, holding a registration
 * reference. Safe in atomic context (netdev and address notifiers).
 */
void lite_walk_netdev_devices(struct net_device *ndev,
			      void (*fn)(struct lite_device *dev))
{
	struct lite_device *dev;
	unsigned long index;

	rcu_read_lock();
	xa_for_each_marked(&devices, index, dev, DEVICE_REGISTERED) {
		if (READ_ONCE(dev->netdev) != ndev || !lite_device_try_get(dev))
			continue;
		fn(dev);
		lite_device_put(dev);
	}
	rcu_read_unlock();
}

int lite_register_client(struct lite_client *client)
{
	struct lite_client *other;
	struct lite_device *dev;
	unsigned long index;
	int ret;

	refcount_set(&client->uses, 1);
	init_completion(&client->uses_zero);

	/*
	 * device_rwsem for write keeps device registration from interleaving
	 * with this add loop: every device gets the client exactly once,
	 * either here or in enable_device().
	 */
	down_write(&device_rwsem);
	mutex_lock(&client_mutex);
	xa_for_each(&clients, index, other) {
		if (!strcmp(other->name, client->name)) {
			ret = -EEXIST;
			goto out;
		}
	}
	client->client_id = highest_client_id;
	ret = xa_insert(&clients, client->client_id, client, GFP_KERNEL);
	if (ret)
		goto out;
	highest_client_id++;
	xa_set_mark(&clients, client->client_id, CLIENT_REGISTERED);

	xa_for_each_marked(&devices, index, dev, DEVICE_REGISTERED)
		add_client_context(dev, client);
out:
	mutex_unlock(&client_mutex);
	up_write(&device_rwsem);
	return ret;
}
EXPORT_SYMBOL_GPL(lite_register_client);
ALLOW_ERROR_INJECTION(lite_register_client, ERRNO);

void lite_unregister_client(struct lite_client *client)
{
	struct lite_client *other;
	struct lite_device *dev;
	unsigned long index;

	mutex_lock(&client_mutex);
	xa_clear_mark(&clients, client->client_id, CLIENT_REGISTERED);
	lite_client_put(client);
	mutex_unlock(&client_mutex);

	/* No lock across remove(): walk under RCU, pin with try_get. */
	rcu_read_lock();
	xa_for_each(&devices, index, dev) {
		if (!lite_device_try_get(dev))
			continue;
		rcu_read_unlock();
		remove_client_context(dev, client->client_id);
		lite_device_put(dev);
		rcu_read_lock();
	}
	rcu_read_unlock();

	/* Contexts removed by a concurrent unregistration finish here. */
	wait_for_completion(&client->uses_zero);

	mutex_lock(&client_mutex);
	xa_erase(&clients, client->client_id);
	highest_client_id = 0;
	xa_for_each(&clients, index, other)
		highest_client_id = index + 1;
	mutex_unlock(&client_mutex);
}
EXPORT_SYMBOL_GPL(lite_unregister_client);

int lite_get_client_nl_info(struct lite_device *dev, const char *client_name,
			    struct lite_client_nl_info *res)
{
	struct lite_client *client;
	unsigned long index;
	int ret = -ENOENT;

	mutex_lock(&client_mutex);
	xa_for_each_marked(&clients, index, client, CLIENT_REGISTERED) {
		if (strcmp(client->name, client_name))
			continue;
		if (!client->get_nl_info) {
			ret = -EOPNOTSUPP;
			break;
		}
		down_read(&dev->client_data_rwsem);
		if (xa_get_mark(&dev->client_data, index,
				CLIENT_DATA_REGISTERED))
			ret = client->get_nl_info(dev,
					xa_load(&dev->client_data, index), res);
		up_read(&dev->client_data_rwsem);
		break;
	}
	mutex_unlock(&client_mutex);
	return ret;
}

/*
 * Tell every client added to @dev about a port event. Only reads the
 * client data (a client whose remove() started is skipped), so it may run
 * from work that unregistration flushes after removing the clients.
 */
void lite_dispatch_event(struct lite_device *dev, u32 event)
{
	struct lite_client *client;
	unsigned long index;
	void *data;

	down_read(&dev->client_data_rwsem);
	xa_for_each_marked(&dev->client_data, index, data,
			   CLIENT_DATA_REGISTERED) {
		/* Registered client data keeps its client registered. */
		client = xa_load(&clients, index);
		if (client && client->event)
			client->event(dev, data, event);
	}
	up_read(&dev->client_data_rwsem);
}

void lite_device_exit(void)
{
	WARN_ON(!xa_empty(&devices));
	WARN_ON(!xa_empty(&clients));
}
