// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite sysfs: class "infiniband" as rdma-core 44 reads it.
 *
 *   /sys/class/infiniband/<dev>/{node_type,node_guid,sys_image_guid,node_desc}
 *   /sys/class/infiniband/<dev>/ports/1/{state,phys_state,link_layer,lid,...}
 *   /sys/class/infiniband/<dev>/ports/1/gids/<i>
 *   /sys/class/infiniband/<dev>/ports/1/gid_attrs/{types,ndevs}/<i>
 *   /sys/class/infiniband/<dev>/ports/1/pkeys/0
 *
 * Lifetime: the port directory is a struct lite_port_sysfs, created after
 * device_add() and deleted before device_del(). Its show functions use the
 * lite_device and its netdev, which are valid until then: kobject_del()
 * drains running shows. The attribute descriptors are shared by all ports
 * (they carry the table index, the port object carries the device).
 */
#include <linux/error-injection.h>
#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "lite_core_priv.h"

struct lite_port_sysfs {
	struct kobject kobj;		/* ports/1; its release frees this */
	struct kobject gid_attrs_kobj;	/* ports/1/gid_attrs */
	struct kobject *ports_kobj;	/* ports */
	struct lite_device *dev;
};

struct lite_port_attribute {
	struct attribute attr;
	ssize_t (*show)(struct lite_device *dev, unsigned int index, char *buf);
	unsigned int index;
	char name[8];
};

#define to_port_attr(a) container_of(a, struct lite_port_attribute, attr)

static ssize_t node_type_show(struct device *device,
			      struct device_attribute *attr, char *buf)
{
	struct lite_device *dev = container_of(device, struct lite_device, dev);

	return sysfs_emit(buf, "%u: %s\n", dev->node_type,
			  dev->node_type == LITE_NODE_CA ? "CA" : "unknown");
}
static DEVICE_ATTR_RO(node_type);

static ssize_t print_guid(char *buf, __be64 guid)
{
	u64 g = be64_to_cpu(guid);

	return sysfs_emit(buf, "%04x:%04x:%04x:%04x\n", (u16)(g >> 48),
			  (u16)(g >> 32), (u16)(g >> 16), (u16)g);
}

static ssize_t node_guid_show(struct device *device,
			      struct device_attribute *attr, char *buf)
{
	return print_guid(buf, container_of(device, struct lite_device,
					    dev)->node_guid);
}
static DEVICE_ATTR_RO(node_guid);

/* One node per system: the system image GUID is the node GUID. */
static ssize_t sys_image_guid_show(struct device *device,
				   struct device_attribute *attr, char *buf)
{
	return print_guid(buf, container_of(device, struct lite_device,
					    dev)->node_guid);
}
static DEVICE_ATTR_RO(sys_image_guid);

static ssize_t node_desc_show(struct device *device,
			      struct device_attribute *attr, char *buf)
{
	struct lite_device *dev = container_of(device, struct lite_device, dev);

	return sysfs_emit(buf, "%s\n", dev->name);
}
static DEVICE_ATTR_RO(node_desc);

static struct attribute *lite_dev_attrs[] = {
	&dev_attr_node_type.attr,
	&dev_attr_node_guid.attr,
	&dev_attr_sys_image_guid.attr,
	&dev_attr_node_desc.attr,
	NULL,
};
ATTRIBUTE_GROUPS(lite_dev);

struct class lite_ib_class = {
	.name = "infiniband",
	.dev_groups = lite_dev_groups,
};

/* ---- ports/1 ---- */

static ssize_t state_show(struct lite_device *dev, unsigned int i, char *buf)
{
	u8 state = lite_port_state(dev);

	return sysfs_emit(buf, "%u: %s\n", state,
			  state == LITE_PORT_ACTIVE ? "ACTIVE" : "DOWN");
}

static ssize_t phys_state_show(struct lite_device *dev, unsigned int i,
			       char *buf)
{
	u8 state = lite_port_phys_state(dev);

	return sysfs_emit(buf, "%u: %s\n", state,
			  state == LITE_PORT_PHYS_LINK_UP ? "LinkUp" :
							    "Disabled");
}

static ssize_t link_layer_show(struct lite_device *dev, unsigned int i,
			       char *buf)
{
	return sysfs_emit(buf, "Ethernet\n");
}

/* RoCE has no LIDs and no subnet manager. */
static ssize_t zero_lid_show(struct lite_device *dev, unsigned int i,
			     char *buf)
{
	return sysfs_emit(buf, "0x0\n");
}

static ssize_t lmc_show(struct lite_device *dev, unsigned int i, char *buf)
{
	return sysfs_emit(buf, "0\n");
}

/* IB_PORT_CM_SUP | IB_PORT_IP_BASED_GIDS, as Linux reports for RoCE. */
static ssize_t cap_mask_show(struct lite_device *dev, unsigned int i,
			     char *buf)
{
	return sysfs_emit(buf, "0x%08x\n", (1U << 16) | (1U << 26));
}

static ssize_t gid_show(struct lite_device *dev, unsigned int i, char *buf)
{
	union lite_gid gid;

	lite_gid_get(dev, i, &gid);
	return sysfs_emit(buf, "%pI6\n", gid.raw);
}

/* Empty entries fail with EINVAL: libibverbs relies on that. */
static bool lite_gid_valid(struct lite_device *dev, unsigned int i)
{
	union lite_gid gid;

	lite_gid_get(dev, i, &gid);
	return !lite_gid_is_zero(&gid);
}

static ssize_t gid_type_show(struct lite_device *dev, unsigned int i,
			     char *buf)
{
	return lite_gid_valid(dev, i) ? sysfs_emit(buf, "RoCE v2\n") : -EINVAL;
}

static ssize_t gid_ndev_show(struct lite_device *dev, unsigned int i,
			     char *buf)
{
	return lite_gid_valid(dev, i) ?
		sysfs_emit(buf, "%s\n", netdev_name(dev->netdev)) : -EINVAL;
}

static ssize_t pkey_show(struct lite_device *dev, unsigned int i, char *buf)
{
	return sysfs_emit(buf, "0xffff\n");
}

#define LITE_PORT_ATTR(_name, _show) \
	{ .attr = { .name = _name, .mode = 0444 }, .show = _show }

static struct lite_port_attribute port_attrs[] = {
	LITE_PORT_ATTR("state", state_show),
	LITE_PORT_ATTR("phys_state", phys_state_show),
	LITE_PORT_ATTR("link_layer", link_layer_show),
	LITE_PORT_ATTR("lid", zero_lid_show),
	LITE_PORT_ATTR("sm_lid", zero_lid_show),
	LITE_PORT_ATTR("lid_mask_count", lmc_show),
	LITE_PORT_ATTR("cap_mask", cap_mask_show),
};

static struct lite_port_attribute pkey_attr = LITE_PORT_ATTR("0", pkey_show);

/* Tables of LITE_GID_TBL_LEN entries named "0".."N-1", built at init. */
static struct lite_port_attribute gid_attrs[LITE_GID_TBL_LEN];
static struct lite_port_attribute type_attrs[LITE_GID_TBL_LEN];
static struct lite_port_attribute ndev_attrs[LITE_GID_TBL_LEN];

static struct attribute *port_attr_ptrs[ARRAY_SIZE(port_attrs) + 1];
static struct attribute *gid_attr_ptrs[LITE_GID_TBL_LEN + 1];
static struct attribute *type_attr_ptrs[LITE_GID_TBL_LEN + 1];
static struct attribute *ndev_attr_ptrs[LITE_GID_TBL_LEN + 1];
static struct attribute *pkey_attr_ptrs[] = { &pkey_attr.attr, NULL };

static const struct attribute_group port_group = { .attrs = port_attr_ptrs };

static const struct attribute_group gids_group = {
	.name = "gids", .attrs = gid_attr_ptrs,
};

static const struct attribute_group pkeys_group = {
	.name = "pkeys", .attrs = pkey_attr_ptrs,
};

static const struct attribute_group types_group = {
	.name = "types", .attrs = type_attr_ptrs,
};

static const struct attribute_group ndevs_group = {
	.name = "ndevs", .attrs = ndev_attr_ptrs,
};

static const struct attribute_group *port_groups[] = {
	&port_group, &gids_group, &pkeys_group, NULL,
};

static const struct attribute_group *gid_attrs_groups[] = {
	&types_group, &ndevs_group, NULL,
};

static ssize_t port_attr_show(struct kobject *kobj, struct attribute *attr,
			      char *buf)
{
	struct lite_port_sysfs *p =
		container_of(kobj, struct lite_port_sysfs, kobj);
	struct lite_port_attribute *a = to_port_attr(attr);

	return a->show(p->dev, a->index, buf);
}

static ssize_t gid_attrs_show(struct kobject *kobj, struct attribute *attr,
			      char *buf)
{
	struct lite_port_sysfs *p =
		container_of(kobj, struct lite_port_sysfs, gid_attrs_kobj);
	struct lite_port_attribute *a = to_port_attr(attr);

	return a->show(p->dev, a->index, buf);
}

static const struct sysfs_ops port_sysfs_ops = { .show = port_attr_show };
static const struct sysfs_ops gid_attrs_sysfs_ops = { .show = gid_attrs_show };

static void port_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct lite_port_sysfs, kobj));
}

/* Embedded in the port object, which outlives it (it pins its parent). */
static void gid_attrs_release(struct kobject *kobj)
{
}

static struct kobj_type port_ktype = {
	.release = port_release,
	.sysfs_ops = &port_sysfs_ops,
	.default_groups = port_groups,
};

static struct kobj_type gid_attrs_ktype = {
	.release = gid_attrs_release,
	.sysfs_ops = &gid_attrs_sysfs_ops,
	.default_groups = gid_attrs_groups,
};

int lite_sysfs_add_ports(struct lite_device *dev)
{
	struct lite_port_sysfs *p;
	int ret;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->dev = dev;

	p->ports_kobj = kobject_create_and_add("ports", &dev->dev.kobj);
	if (!p->ports_kobj) {
		kfree(p);
		return -ENOMEM;
	}
	ret = kobject_init_and_add(&p->kobj, &port_ktype, p->ports_kobj, "%u",
				   LITE_PORT);
	if (ret)
		goto err_port;
	ret = kobject_init_and_add(&p->gid_attrs_kobj, &gid_attrs_ktype,
				   &p->kobj, "gid_attrs");
	if (ret)
		goto err_gid_attrs;

	dev->port_sysfs = p;
	return 0;

err_gid_attrs:
	kobject_put(&p->gid_attrs_kobj);
	kobject_del(&p->kobj);
err_port:
	kobject_put(p->ports_kobj);
	kobject_put(&p->kobj);	/* frees p */
	return ret;
}

ALLOW_ERROR_INJECTION(lite_sysfs_add_ports, ERRNO);

void lite_sysfs_del_ports(struct lite_device *dev)
{
	struct lite_port_sysfs *p = dev->port_sysfs;
	struct kobject *ports = p->ports_kobj;

	dev->port_sysfs = NULL;
	kobject_del(&p->gid_attrs_kobj);
	kobject_put(&p->gid_attrs_kobj);
	kobject_del(&p->kobj);
	kobject_put(&p->kobj);
	kobject_del(ports);
	kobject_put(ports);
}

static void init_table(struct lite_port_attribute *attrs,
		       struct attribute **ptrs,
		       ssize_t (*show)(struct lite_device *, unsigned int,
				       char *))
{
	unsigned int i;

	for (i = 0; i < LITE_GID_TBL_LEN; i++) {
		snprintf(attrs[i].name, sizeof(attrs[i].name), "%u", i);
		attrs[i].attr.name = attrs[i].name;
		attrs[i].attr.mode = 0444;
		attrs[i].show = show;
		attrs[i].index = i;
		ptrs[i] = &attrs[i].attr;
	}
}

int lite_sysfs_init(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(port_attrs); i++)
		port_attr_ptrs[i] = &port_attrs[i].attr;
	init_table(gid_attrs, gid_attr_ptrs, gid_show);
	init_table(type_attrs, type_attr_ptrs, gid_type_show);
	init_table(ndev_attrs, ndev_attr_ptrs, gid_ndev_show);

	return class_register(&lite_ib_class);
}

void lite_sysfs_exit(void)
{
	class_unregister(&lite_ib_class);
}
