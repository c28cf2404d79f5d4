// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite RoCE port: state and GID table derived from the netdev a
 * device's port is bound to.
 *
 * GID table (dev->gid_tbl, under dev->gid_lock): index 0 is the default GID,
 * fe80:: plus the EUI-64 of the MAC; the other entries are the netdev's IPv4
 * addresses (as ::ffff:a.b.c.d) and IPv6 addresses, all RoCE v2. An entry
 * keeps its index while its address exists: a sync clears entries whose
 * address went away and puts new addresses into the lowest free slots.
 *
 * The table is synced at registration and from dev->gid_work, queued by the
 * netdev and address notifiers for registered devices only (they hold a
 * registration reference while queueing). Unregistration cancels the work
 * once the registration reference count is zero, so none is queued after.
 */
#include <linux/inetdevice.h>
#include <net/addrconf.h>
#include <net/if_inet6.h>
#include <net/ipv6.h>

#include "lite_core_priv.h"

void lite_device_set_netdev(struct lite_device *dev, struct net_device *ndev)
{
	netdev_hold(ndev, &dev->netdev_tracker, GFP_KERNEL);
	WRITE_ONCE(dev->netdev, ndev);
}
EXPORT_SYMBOL_GPL(lite_device_set_netdev);

u8 lite_port_state(struct lite_device *dev)
{
	struct net_device *ndev = dev->netdev;

	return netif_running(ndev) && netif_carrier_ok(ndev) ?
		LITE_PORT_ACTIVE : LITE_PORT_DOWN;
}
EXPORT_SYMBOL_GPL(lite_port_state);

u8 lite_port_phys_state(struct lite_device *dev)
{
	struct net_device *ndev = dev->netdev;

	return netif_running(ndev) && netif_carrier_ok(ndev) ?
		LITE_PORT_PHYS_LINK_UP : LITE_PORT_PHYS_DISABLED;
}
EXPORT_SYMBOL_GPL(lite_port_phys_state);

/*
 * RoCEv2 headers around a payload, worst case: IPv6 40, UDP 8, BTH 12,
 * XRC/atomic extension headers 4 + 28, ICRC 4.
 */
#define LITE_ROCE_OVERHEAD	96

u8 lite_port_active_mtu(struct lite_device *dev)
{
	int mtu = READ_ONCE(dev->netdev->mtu) - LITE_ROCE_OVERHEAD;
	u8 ib_mtu = 5;			/* IB_MTU_4096 */

	while (ib_mtu > 1 && mtu < (128 << ib_mtu))
		ib_mtu--;
	return ib_mtu;
}
EXPORT_SYMBOL_GPL(lite_port_active_mtu);

bool lite_gid_is_zero(const union lite_gid *gid)
{
	return !gid->global.subnet_prefix && !gid->global.interface_id;
}

void lite_gid_get(struct lite_device *dev, unsigned int index,
		  union lite_gid *gid)
{
	mutex_lock(&dev->gid_lock);
	*gid = dev->gid_tbl[index];
	mutex_unlock(&dev->gid_lock);
}

static bool gid_in(const union lite_gid *gid, const union lite_gid *set,
		   unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!memcmp(gid, &set[i], sizeof(*gid)))
			return true;
	return false;
}

static unsigned int gid_add_unique(union lite_gid *set, unsigned int n,
				   const union lite_gid *gid)
{
	if (n < LITE_GID_TBL_LEN && !gid_in(gid, set, n))
		set[n++] = *gid;
	return n;
}

/* The GIDs the netdev's addresses call for; want[0] is the default GID. */
static unsigned int gid_collect(struct net_device *ndev, union lite_gid *want)
{
	struct in_device *in_dev;
	struct inet6_ifaddr *ifp;
	struct inet6_dev *idev;
	const struct in_ifaddr *ifa;
	union lite_gid gid;
	unsigned int n = 0;

	want[n].global.subnet_prefix = cpu_to_be64(0xfe80000000000000ULL);
	want[n].global.interface_id = lite_mac_to_guid(ndev->dev_addr);
	n++;

	rcu_read_lock();
	in_dev = __in_dev_get_rcu(ndev);
	if (in_dev) {
		in_dev_for_each_ifa_rcu(ifa, in_dev) {
			ipv6_addr_set_v4mapped(ifa->ifa_local,
					       (struct in6_addr *)gid.raw);
			n = gid_add_unique(want, n, &gid);
		}
	}
	rcu_read_unlock();

	idev = in6_dev_get(ndev);
	if (idev) {
		read_lock_bh(&idev->lock);
		list_for_each_entry(ifp, &idev->addr_list, if_list) {
			if (ifp->flags & IFA_F_DADFAILED)
				continue;
			memcpy(gid.raw, &ifp->addr, sizeof(gid.raw));
			n = gid_add_unique(want, n, &gid);
		}
		read_unlock_bh(&idev->lock);
		in6_dev_put(idev);
	}
	return n;
}

/* Bring the GID table in line with the netdev; true if it changed. */
static bool lite_gid_sync(struct lite_device *dev)
{
	union lite_gid want[LITE_GID_TBL_LEN] = {};
	union lite_gid old[LITE_GID_TBL_LEN];
	unsigned int n, i, j;
	bool changed;

	n = gid_collect(dev->netdev, want);

	mutex_lock(&dev->gid_lock);
	memcpy(old, dev->gid_tbl, sizeof(old));
	dev->gid_tbl[0] = want[0];
	for (i = 1; i < LITE_GID_TBL_LEN; i++)
		if (!gid_in(&dev->gid_tbl[i], want + 1, n - 1))
			memset(&dev->gid_tbl[i], 0, sizeof(dev->gid_tbl[i]));
	for (j = 1; j < n; j++) {
		if (gid_in(&want[j], dev->gid_tbl + 1, LITE_GID_TBL_LEN - 1))
			continue;
		for (i = 1; i < LITE_GID_TBL_LEN; i++) {
			if (lite_gid_is_zero(&dev->gid_tbl[i])) {
				dev->gid_tbl[i] = want[j];
				break;
			}
		}
	}
	changed = memcmp(old, dev->gid_tbl, sizeof(old));
	mutex_unlock(&dev->gid_lock);
	return changed;
}

/*
 * After any netdev or address change: resync the GID table and tell the
 * clients (uverbs passes it to every user context) what changed.
 */
static void lite_gid_work(struct work_struct *work)
{
	struct lite_device *dev =
		container_of(work, struct lite_device, gid_work);
	u8 state = lite_port_state(dev);

	if (lite_gid_sync(dev))
		lite_dispatch_event(dev, LITE_EVENT_GID_CHANGE);
	if (state != dev->port_state_seen) {
		dev->port_state_seen = state;
		lite_dispatch_event(dev, state == LITE_PORT_ACTIVE ?
				    LITE_EVENT_PORT_ACTIVE :
				    LITE_EVENT_PORT_ERR);
	}
}

void lite_gid_queue(struct lite_device *dev)
{
	queue_work(system_unbound_wq, &dev->gid_work);
}

/* Before registration: the table is complete when the device shows up. */
void lite_roce_setup(struct lite_device *dev)
{
	INIT_WORK(&dev->gid_work, lite_gid_work);
	lite_gid_sync(dev);
	dev->port_state_seen = lite_port_state(dev);
}

/* After the registration refcount reached zero: nothing queues any more. */
void lite_roce_cleanup(struct lite_device *dev)
{
	cancel_work_sync(&dev->gid_work);
}

static int lite_netdev_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *ndev = netdev_notifier_info_to_dev(ptr);

	switch (event) {
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
	case NETDEV_CHANGEADDR:
		lite_walk_netdev_devices(ndev, lite_gid_queue);
		break;
	}
	return NOTIFY_DONE;
}

static int lite_inetaddr_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct in_ifaddr *ifa = ptr;

	lite_walk_netdev_devices(ifa->ifa_dev->dev, lite_gid_queue);
	return NOTIFY_DONE;
}

/* Atomic notifier chain: only queue work. */
static int lite_inet6addr_event(struct notifier_block *nb,
				unsigned long event, void *ptr)
{
	struct inet6_ifaddr *ifp = ptr;

	lite_walk_netdev_devices(ifp->idev->dev, lite_gid_queue);
	return NOTIFY_DONE;
}

static struct notifier_block lite_netdev_nb = {
	.notifier_call = lite_netdev_event,
};

static struct notifier_block lite_inetaddr_nb = {
	.notifier_call = lite_inetaddr_event,
};

static struct notifier_block lite_inet6addr_nb = {
	.notifier_call = lite_inet6addr_event,
};

int lite_roce_init(void)
{
	int ret;

	ret = register_netdevice_notifier(&lite_netdev_nb);
	if (ret)
		return ret;
	ret = register_inetaddr_notifier(&lite_inetaddr_nb);
	if (ret)
		goto err_netdev;
	ret = register_inet6addr_notifier(&lite_inet6addr_nb);
	if (ret)
		goto err_inet;
	return 0;

err_inet:
	unregister_inetaddr_notifier(&lite_inetaddr_nb);
err_netdev:
	unregister_netdevice_notifier(&lite_netdev_nb);
	return ret;
}

void lite_roce_exit(void)
{
	unregister_inet6addr_notifier(&lite_inet6addr_nb);
	unregister_inetaddr_notifier(&lite_inetaddr_nb);
	unregister_netdevice_notifier(&lite_netdev_nb);
}
