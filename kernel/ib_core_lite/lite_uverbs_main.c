// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite uverbs: the client that gives each registered device a
 * character device /dev/infiniband/uverbsN (class "infiniband_verbs").
 *
 * Objects and lifetimes
 * ---------------------
 * struct lite_uverbs_device: one per registration of a device (a device
 * that comes back gets a new one). Its struct device is the memory
 * lifetime; the client context holds the initial reference and every open
 * file holds one more. ->ibdev points at the lite_device while it is
 * registered and is cleared by remove(), after which synchronize_srcu()
 * guarantees that no syscall still uses the old pointer: syscalls run
 * inside srcu_read_lock(&udev->srcu) and fail with -ENODEV once ->ibdev is
 * NULL. remove() never waits for userspace.
 *
 * Every file_operations here belongs to this module (the core), never to a
 * driver: an open fd pins ib_core_lite, not the driver module.
 */
#include <linux/cdev.h>
#include <linux/error-injection.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/srcu.h>

#include "lite_core_priv.h"

#define LITE_UVERBS_MAX_DEVICES	256
/* The global uverbs ABI (class attribute abi_version); rdma-core wants 6. */
#define LITE_UVERBS_ABI_VERSION	6

struct lite_uverbs_device {
	struct device dev;		/* class infiniband_verbs; memory */
	struct cdev cdev;
	struct lite_device __rcu *ibdev;
	struct srcu_struct srcu;	/* syscalls vs. remove() */
	int devnum;
	u32 driver_abi;			/* copied: valid after the driver left */
};

/* One per open(): the future home of the user context and its objects. */
struct lite_uverbs_file {
	struct lite_uverbs_device *udev;
};

static dev_t lite_uverbs_base;
static DEFINE_IDA(lite_uverbs_ida);
static struct lite_client lite_uverbs_client;

static char *lite_uverbs_devnode(struct device *dev, umode_t *mode)
{
	if (mode)
		*mode = 0666;
	return kasprintf(GFP_KERNEL, "infiniband/%s", dev_name(dev));
}

static ssize_t abi_version_show(struct class *class,
				struct class_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", LITE_UVERBS_ABI_VERSION);
}

static struct class_attribute class_attr_abi_version = __ATTR_RO(abi_version);

static struct attribute *lite_uverbs_class_attrs[] = {
	&class_attr_abi_version.attr,
	NULL,
};
ATTRIBUTE_GROUPS(lite_uverbs_class);

static ssize_t ibdev_show(struct device *device, struct device_attribute *attr,
			  char *buf)
{
	struct lite_uverbs_device *udev =
		container_of(device, struct lite_uverbs_device, dev);
	struct lite_device *ibdev;
	ssize_t ret = -ENODEV;
	int srcu_key;

	srcu_key = srcu_read_lock(&udev->srcu);
	ibdev = srcu_dereference(udev->ibdev, &udev->srcu);
	if (ibdev)
		ret = sysfs_emit(buf, "%s\n", ibdev->name);
	srcu_read_unlock(&udev->srcu, srcu_key);
	return ret;
}
static DEVICE_ATTR_RO(ibdev);

static ssize_t abi_version_dev_show(struct device *device,
				    struct device_attribute *attr, char *buf)
{
	struct lite_uverbs_device *udev =
		container_of(device, struct lite_uverbs_device, dev);

	return sysfs_emit(buf, "%u\n", udev->driver_abi);
}

static struct device_attribute dev_attr_abi_version =
	__ATTR(abi_version, 0444, abi_version_dev_show, NULL);

static struct attribute *lite_uverbs_dev_attrs[] = {
	&dev_attr_ibdev.attr,
	&dev_attr_abi_version.attr,
	NULL,
};
ATTRIBUTE_GROUPS(lite_uverbs_dev);

static struct class lite_uverbs_class = {
	.name = "infiniband_verbs",
	.devnode = lite_uverbs_devnode,
	.class_groups = lite_uverbs_class_groups,
	.dev_groups = lite_uverbs_dev_groups,
};

static int lite_uverbs_open(struct inode *inode, struct file *filp)
{
	struct lite_uverbs_device *udev =
		container_of(inode->i_cdev, struct lite_uverbs_device, cdev);
	struct lite_uverbs_file *file;
	int srcu_key, ret = 0;

	/* chrdev_open() holds the cdev, whose parent is udev->dev. */
	get_device(&udev->dev);

	srcu_key = srcu_read_lock(&udev->srcu);
	if (!srcu_dereference(udev->ibdev, &udev->srcu)) {
		ret = -ENODEV;
		goto out_unlock;
	}
	file = kzalloc(sizeof(*file), GFP_KERNEL);
	if (!file) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	file->udev = udev;
	filp->private_data = file;
	srcu_read_unlock(&udev->srcu, srcu_key);
	return nonseekable_open(inode, filp);

out_unlock:
	srcu_read_unlock(&udev->srcu, srcu_key);
	put_device(&udev->dev);
	return ret;
}

static int lite_uverbs_release(struct inode *inode, struct file *filp)
{
	struct lite_uverbs_file *file = filp->private_data;
	struct lite_uverbs_device *udev = file->udev;

	kfree(file);
	put_device(&udev->dev);
	return 0;
}

/* The command ABI is the next slice; the fence is already the final one. */
static ssize_t lite_uverbs_write(struct file *filp, const char __user *buf,
				 size_t count, loff_t *pos)
{
	struct lite_uverbs_file *file = filp->private_data;
	struct lite_uverbs_device *udev = file->udev;
	ssize_t ret = -EOPNOTSUPP;
	int srcu_key;

	srcu_key = srcu_read_lock(&udev->srcu);
	if (!srcu_dereference(udev->ibdev, &udev->srcu))
		ret = -ENODEV;
	srcu_read_unlock(&udev->srcu, srcu_key);
	return ret;
}

/* No verbs ioctl: libibverbs then uses write() for everything. */
static long lite_uverbs_ioctl(struct file *filp, unsigned int cmd,
			      unsigned long arg)
{
	return -ENOTTY;
}

static const struct file_operations lite_uverbs_fops = {
	.owner = THIS_MODULE,
	.open = lite_uverbs_open,
	.release = lite_uverbs_release,
	.write = lite_uverbs_write,
	.unlocked_ioctl = lite_uverbs_ioctl,
	.llseek = no_llseek,
};

static void lite_uverbs_dev_release(struct device *device)
{
	struct lite_uverbs_device *udev =
		container_of(device, struct lite_uverbs_device, dev);

	cleanup_srcu_struct(&udev->srcu);
	kfree(udev);
}

static int lite_uverbs_add_one(struct lite_device *ibdev)
{
	struct lite_uverbs_device *udev;
	int devnum, ret;

	udev = kzalloc(sizeof(*udev), GFP_KERNEL);
	if (!udev)
		return -ENOMEM;
	ret = init_srcu_struct(&udev->srcu);
	if (ret) {
		kfree(udev);
		return ret;
	}

	device_initialize(&udev->dev);
	udev->dev.class = &lite_uverbs_class;
	udev->dev.parent = ibdev->dev.parent;
	udev->dev.release = lite_uverbs_dev_release;
	udev->driver_abi = ibdev->ops->uverbs_abi_ver;
	rcu_assign_pointer(udev->ibdev, ibdev);

	devnum = ida_alloc_max(&lite_uverbs_ida, LITE_UVERBS_MAX_DEVICES - 1,
			       GFP_KERNEL);
	if (devnum < 0) {
		ret = devnum;
		goto err_put;
	}
	udev->devnum = devnum;
	udev->dev.devt = MKDEV(MAJOR(lite_uverbs_base),
			       MINOR(lite_uverbs_base) + devnum);
	ret = dev_set_name(&udev->dev, "uverbs%d", devnum);
	if (ret)
		goto err_ida;

	cdev_init(&udev->cdev, &lite_uverbs_fops);
	udev->cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&udev->cdev, &udev->dev);
	if (ret)
		goto err_ida;

	lite_set_client_data(ibdev, &lite_uverbs_client, udev);
	return 0;

err_ida:
	ida_free(&lite_uverbs_ida, devnum);
err_put:
	put_device(&udev->dev);
	return ret;
}

ALLOW_ERROR_INJECTION(lite_uverbs_add_one, ERRNO);

/*
 * Stop new opens and fence running syscalls. Never waits for an fd to be
 * closed: open files keep the udev memory, not the device.
 */
static void lite_uverbs_remove_one(struct lite_device *ibdev, void *data)
{
	struct lite_uverbs_device *udev = data;

	cdev_device_del(&udev->cdev, &udev->dev);
	rcu_assign_pointer(udev->ibdev, NULL);
	synchronize_srcu(&udev->srcu);
	ida_free(&lite_uverbs_ida, udev->devnum);
	put_device(&udev->dev);
}

static int lite_uverbs_get_nl_info(struct lite_device *ibdev, void *data,
				   struct lite_client_nl_info *res)
{
	struct lite_uverbs_device *udev = data;

	res->cdev = get_device(&udev->dev);
	res->abi = udev->driver_abi;
	res->driver_id = ibdev->ops->driver_id;
	return 0;
}

static struct lite_client lite_uverbs_client = {
	.name = "uverbs",
	.add = lite_uverbs_add_one,
	.remove = lite_uverbs_remove_one,
	.get_nl_info = lite_uverbs_get_nl_info,
};

int lite_uverbs_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&lite_uverbs_base, 0,
				  LITE_UVERBS_MAX_DEVICES, "infiniband_verbs");
	if (ret)
		return ret;
	ret = class_register(&lite_uverbs_class);
	if (ret)
		goto err_region;
	ret = lite_register_client(&lite_uverbs_client);
	if (ret)
		goto err_class;
	return 0;

err_class:
	class_unregister(&lite_uverbs_class);
err_region:
	unregister_chrdev_region(lite_uverbs_base, LITE_UVERBS_MAX_DEVICES);
	return ret;
}

void lite_uverbs_exit(void)
{
	lite_unregister_client(&lite_uverbs_client);
	class_unregister(&lite_uverbs_class);
	unregister_chrdev_region(lite_uverbs_base, LITE_UVERBS_MAX_DEVICES);
	ida_destroy(&lite_uverbs_ida);
}
