// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite uverbs: the client that gives each registered device a
 * character device /dev/infiniband/uverbsN (class "infiniband_verbs"), and
 * the file operations of those devices: open, release and the write()
 * command dispatcher. Objects and lifetimes: lite_uverbs.h.
 *
 * Every file_operations here belongs to this module (the core), never to a
 * driver: an open fd pins ib_core_lite, not the driver module.
 *
 * Removal of a device (remove_one) never waits for userspace: it stops new
 * opens, fences running syscalls with SRCU, then disassociates every open
 * file (its user context is destroyed through the driver, DEVICE_FATAL is
 * queued on its async fd). Afterwards every command on the old fd fails
 * with -ENODEV and close() just frees memory.
 */
#include <linux/cred.h>
#include <linux/error-injection.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "lite_uverbs.h"

#define LITE_UVERBS_MAX_DEVICES	256
/* The global uverbs ABI (class attribute abi_version); rdma-core wants 6. */
#define LITE_UVERBS_ABI_VERSION	6

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

static void lite_ufile_free(struct kref *ref)
{
	struct lite_ufile *ufile = container_of(ref, struct lite_ufile, ref);

	/* release() freed the objects; what is left is memory. */
	WARN_ON(!list_empty(&ufile->uobjs));
	xa_destroy(&ufile->handles);
	lite_ufile_drop_umaps(ufile);
	if (ufile->async)
		lite_async_file_put(ufile->async);
	put_device(&ufile->udev->dev);
	kfree(ufile);
	lite_stat_dec(LITE_STAT_UFILE);
}

void lite_ufile_put(struct lite_ufile *ufile)
{
	kref_put(&ufile->ref, lite_ufile_free);
}

/*
 * Destroy the file's objects, newest first, then its user context, all
 * through the driver; once per file: at close, or at the device's removal,
 * whichever comes first. @ibdev is registered, under the caller's fence
 * (close) or before the client's remove() returns (revoke). @forget: the
 * handles go too (close); a revoke keeps them for DESTROY commands.
 */
static void lite_ufile_destroy_ucontext(struct lite_ufile *ufile,
					struct lite_device *ibdev, bool forget)
{
	mutex_lock(&ufile->ucontext_lock);
	lite_ufile_destroy_objs(ufile, ibdev, forget);
	if (ufile->ucontext) {
		ibdev->ops->dealloc_ucontext(ufile->ucontext);
		kfree(ufile->ucontext);
		ufile->ucontext = NULL;
		lite_stat_dec(LITE_STAT_UCONTEXT);
	}
	mutex_unlock(&ufile->ucontext_lock);
}

static int lite_uverbs_open(struct inode *inode, struct file *filp)
{
	struct lite_uverbs_device *udev =
		container_of(inode->i_cdev, struct lite_uverbs_device, cdev);
	struct lite_ufile *ufile;
	int srcu_key, ret = 0;

	ufile = kzalloc(sizeof(*ufile), GFP_KERNEL);
	if (!ufile)
		return -ENOMEM;
	kref_init(&ufile->ref);		/* the open file's */
	init_completion(&ufile->disassociated);
	mutex_init(&ufile->ucontext_lock);
	lite_ufile_init_objs(ufile);
	lite_ufile_init_umaps(ufile);
	mutex_init(&ufile->comp_lock);
	INIT_LIST_HEAD(&ufile->comp_files);
	lite_stat_inc(LITE_STAT_UFILE);
	/* chrdev_open() holds the cdev, whose parent is udev->dev. */
	ufile->udev = udev;
	get_device(&udev->dev);

	srcu_key = srcu_read_lock(&udev->srcu);
	mutex_lock(&udev->files_lock);
	/*
	 * Checked under files_lock: remove() clears ibdev before it takes
	 * the list, so a file that gets on the list is disassociated later.
	 */
	if (!srcu_dereference(udev->ibdev, &udev->srcu)) {
		ret = -ENODEV;
	} else {
		/* The list holds a reference: remove() may pop it any time. */
		kref_get(&ufile->ref);
		list_add_tail(&ufile->list, &udev->files);
	}
	mutex_unlock(&udev->files_lock);
	srcu_read_unlock(&udev->srcu, srcu_key);
	if (ret) {
		lite_ufile_put(ufile);
		return ret;
	}

	filp->private_data = ufile;
	return nonseekable_open(inode, filp);
}

/*
 * close() never blocks on anything userspace holds. With the device
 * gone, it waits for remove() to finish disassociating the file (bounded:
 * remove() never waits for userspace), then frees the handles.
 */
static int lite_uverbs_release(struct inode *inode, struct file *filp)
{
	struct lite_ufile *ufile = filp->private_data;
	struct lite_uverbs_device *udev = ufile->udev;
	struct lite_device *ibdev;
	int srcu_key;

	srcu_key = srcu_read_lock(&udev->srcu);
	ibdev = srcu_dereference(udev->ibdev, &udev->srcu);
	if (ibdev)
		lite_ufile_destroy_ucontext(ufile, ibdev, true);
	srcu_read_unlock(&udev->srcu, srcu_key);

	/*
	 * With the device gone, remove() owns the list: it disassociates the
	 * file (if it has not yet) and drops the list's reference. Otherwise
	 * take the file off the list, unless remove() popped it meanwhile.
	 */
	if (ibdev) {
		mutex_lock(&udev->files_lock);
		if (!list_empty(&ufile->list)) {
			list_del_init(&ufile->list);
			lite_ufile_put(ufile);
		}
		mutex_unlock(&udev->files_lock);
	} else {
		wait_for_completion(&ufile->disassociated);
		lite_ufile_destroy_objs(ufile, NULL, true);
	}
	/* Completion channels still open keep the memory, not the objects. */
	lite_ufile_drop_umaps(ufile);
	lite_ufile_put(ufile);
	return 0;
}

/*
 * Commands may only come from the context that opened the file (a setuid
 * program handed our fd must not act for its opener; CVE-2016-4565).
 */
static bool lite_safe_file_access(struct file *filp)
{
	return filp->f_cred == current_cred();
}

/* Where a command's request and response are in user memory. */
struct lite_cmd_user {
	const void __user *in;	/* core request, then driver request */
	size_t inlen;
	void __user *out;	/* core response, then driver response */
	size_t outlen;
};

/*
 * Check a command header against its definition and fill in the sizes of
 * the core and driver parts of the request and response, and where they
 * are in user memory (each pair is contiguous there).
 */
static int lite_cmd_setup(struct lite_cmd *cmd, const struct lite_cmd_def *def,
			  const struct ib_uverbs_cmd_hdr *hdr,
			  const char __user *buf, size_t count,
			  struct lite_cmd_user *u)
{
	struct ib_uverbs_ex_cmd_hdr ex;
	u64 response = 0;
	size_t in, out;

	if (!def->is_ex) {
		if (hdr->in_words * 4 != count)
			return -EINVAL;
		in = count - sizeof(*hdr);
		out = hdr->out_words * 4;
		if (in < def->req_size || out < def->resp_size)
			return -ENOSPC;
		buf += sizeof(*hdr);
		/* Commands with a response start with its user address. */
		if (def->resp_size && get_user(response, (const u64 __user *)buf))
			return -EFAULT;
		/* Without a response there is no address to write to. */
		if (!def->resp_size)
			out = 0;
		cmd->inlen = def->has_udata ? def->req_size : in;
		cmd->outlen = def->has_udata ? def->resp_size : out;
		if (def->has_udata) {
			cmd->udata.inlen = in - def->req_size;
			cmd->udata.outlen = out - def->resp_size;
		}
		u->in = buf;
		u->inlen = in;
		u->out = u64_to_user_ptr(response);
		u->outlen = out;
		return 0;
	}

	if (count < sizeof(*hdr) + sizeof(ex))
		return -EINVAL;
	if (copy_from_user(&ex, buf + sizeof(*hdr), sizeof(ex)))
		return -EFAULT;
	if ((hdr->in_words + ex.provider_in_words) * 8 !=
	    count - sizeof(*hdr) - sizeof(ex) || ex.cmd_hdr_reserved)
		return -EINVAL;
	if (hdr->in_words * 8 < def->req_size)
		return -ENOSPC;
	if (ex.response) {
		if (!hdr->out_words && !ex.provider_out_words)
			return -EINVAL;
		if (hdr->out_words * 8 < def->resp_size)
			return -ENOSPC;
	} else if (hdr->out_words || ex.provider_out_words) {
		return -EINVAL;
	}
	cmd->inlen = hdr->in_words * 8;
	cmd->outlen = hdr->out_words * 8;
	cmd->udata.inlen = ex.provider_in_words * 8;
	cmd->udata.outlen = ex.provider_out_words * 8;
	u->in = buf + sizeof(*hdr) + sizeof(ex);
	u->inlen = cmd->inlen + cmd->udata.inlen;
	u->out = u64_to_user_ptr(ex.response);
	u->outlen = cmd->outlen + cmd->udata.outlen;
	return 0;
}

/*
 * Copy a command's request into kernel memory and give it a zeroed
 * kernel response buffer: its handler and the driver never touch user
 * memory inside the fence. One allocation: request, then response.
 */
static void *lite_cmd_copy_in(struct lite_cmd *cmd,
			      const struct lite_cmd_user *u)
{
	void *kbuf;

	kbuf = kvzalloc(u->inlen + u->outlen ?: 1, GFP_KERNEL_ACCOUNT);
	if (!kbuf)
		return ERR_PTR(-ENOMEM);
	/*
	 * Zero the response in user memory now: a bad response address
	 * fails here, before anything is created, and the copy out after
	 * the fence can then only fail if the caller unmaps it meanwhile.
	 */
	if (copy_from_user(kbuf, u->in, u->inlen) ||
	    (u->outlen && clear_user(u->out, u->outlen))) {
		kvfree(kbuf);
		return ERR_PTR(-EFAULT);
	}
	cmd->inbuf = kbuf;
	cmd->udata.inbuf = kbuf + cmd->inlen;
	cmd->outbuf = kbuf + u->inlen;
	cmd->udata.outbuf = cmd->outbuf + cmd->outlen;
	return kbuf;
}

/*
 * After the fence: the response, then the driver's extra write. The
 * response area was writable before the fence (lite_cmd_copy_in()); if
 * the caller unmapped it since, the command fails with -EFAULT but what
 * it created stays (handle, fd, context), to go at close() or removal.
 */
static int lite_cmd_copy_out(struct lite_cmd *cmd,
			     const struct lite_cmd_user *u)
{
	if (u->outlen && copy_to_user(u->out, cmd->outbuf, u->outlen))
		return -EFAULT;
	if (cmd->udata.post_len &&
	    copy_to_user(u64_to_user_ptr(cmd->udata.post_addr),
			 cmd->udata.post_data, cmd->udata.post_len))
		return -EFAULT;
	return 0;
}

/*
 * The command ABI of include/uapi/rdma/ib_user_verbs.h. Returns count on
 * success, never a short count; -ENODEV once the device is gone.
 */
static ssize_t lite_uverbs_write(struct file *filp, const char __user *buf,
				 size_t count, loff_t *pos)
{
	struct lite_ufile *ufile = filp->private_data;
	struct lite_uverbs_device *udev = ufile->udev;
	const struct lite_cmd_def *def;
	struct ib_uverbs_cmd_hdr hdr;
	struct lite_cmd cmd = { .ufile = ufile };
	struct lite_cmd_user u;
	int srcu_key, ret;
	void *kbuf;

	if (!lite_safe_file_access(filp))
		return -EACCES;
	if (count < sizeof(hdr))
		return -EINVAL;
	if (copy_from_user(&hdr, buf, sizeof(hdr)))
		return -EFAULT;
	def = lite_uverbs_cmd_lookup(hdr.command);
	if (!def)
		return -EOPNOTSUPP;
	ret = lite_cmd_setup(&cmd, def, &hdr, buf, count, &u);
	if (ret)
		return ret;
	kbuf = lite_cmd_copy_in(&cmd, &u);
	if (IS_ERR(kbuf))
		return PTR_ERR(kbuf);

	if (def->prepare)
		def->prepare(&cmd);

	/* No user memory from here to srcu_read_unlock(). */
	srcu_key = srcu_read_lock(&udev->srcu);
	cmd.ibdev = srcu_dereference(udev->ibdev, &udev->srcu);
	ret = cmd.ibdev ? def->handler(&cmd) : -ENODEV;
	srcu_read_unlock(&udev->srcu, srcu_key);

	/*
	 * After removal only DESTROY commands run, with ibdev NULL: they
	 * release the handle and succeed, so libibverbs and the provider
	 * release their mappings. They wait until remove() has destroyed
	 * this file's hardware objects (bounded: it never waits for us).
	 */
	if (!cmd.ibdev && def->is_destroy) {
		wait_for_completion(&ufile->disassociated);
		ret = def->handler(&cmd);
	}
	/* What the handler did not take (failed, or the device is gone). */
	if (!IS_ERR_OR_NULL(cmd.umem))
		lite_umem_release(cmd.umem);
	if (!ret)
		ret = lite_cmd_copy_out(&cmd, &u);
	kvfree(kbuf);
	return ret ? ret : count;
}

static const struct file_operations lite_uverbs_fops = {
	.owner = THIS_MODULE,
	.open = lite_uverbs_open,
	.release = lite_uverbs_release,
	.write = lite_uverbs_write,
	.mmap = lite_uverbs_mmap,
	/* No .unlocked_ioctl: the VFS answers ENOTTY, so libibverbs uses write(). */
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

	mutex_init(&udev->files_lock);
	INIT_LIST_HEAD(&udev->files);
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
 * Disassociate one open file: destroy its user context through the driver
 * and tell userspace on the async fd. After this the driver is never
 * called for the file again.
 */
static void lite_ufile_disassociate(struct lite_ufile *ufile,
				    struct lite_device *ibdev)
{
	lite_ufile_destroy_ucontext(ufile, ibdev, false);

	lite_ufile_close_comp_files(ufile);
	/* ->async is set once by GET_CONTEXT, which can no longer run. */
	if (ufile->async) {
		lite_async_event(ufile->async, 0, LITE_EVENT_DEVICE_FATAL);
		lite_event_queue_close(&ufile->async->q, false);
	}
}

/*
 * Stop new opens, fence running syscalls, disassociate every open file.
 * Never waits for an fd to be closed: open files keep the udev memory,
 * not the device.
 */
static void lite_uverbs_remove_one(struct lite_device *ibdev, void *data)
{
	struct lite_uverbs_device *udev = data;
	struct lite_ufile *ufile;

	cdev_device_del(&udev->cdev, &udev->dev);
	rcu_assign_pointer(udev->ibdev, NULL);
	synchronize_srcu(&udev->srcu);

	/* No syscall is inside now, and open() adds no file any more. */
	mutex_lock(&udev->files_lock);
	while (!list_empty(&udev->files)) {
		ufile = list_first_entry(&udev->files, struct lite_ufile, list);
		list_del_init(&ufile->list);	/* its reference is ours */
		mutex_unlock(&udev->files_lock);

		lite_ufile_disassociate(ufile, ibdev);
		complete_all(&ufile->disassociated);
		lite_ufile_put(ufile);
		mutex_lock(&udev->files_lock);
	}
	mutex_unlock(&udev->files_lock);

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

/* A port event goes to the async fd of every user context of the device. */
static void lite_uverbs_event(struct lite_device *ibdev, void *data, u32 event)
{
	struct lite_uverbs_device *udev = data;
	struct lite_ufile *ufile;

	mutex_lock(&udev->files_lock);
	list_for_each_entry(ufile, &udev->files, list) {
		/*
		 * Not under ucontext_lock (a command may hold it): ->async
		 * is published with release once the context is whole and
		 * lives as long as the ufile, which files_lock keeps listed.
		 * An event racing with the context's destruction is queued
		 * on a queue nobody reads any more: harmless.
		 */
		struct lite_async_file *async = smp_load_acquire(&ufile->async);

		if (async)
			lite_async_event(async, LITE_PORT, event);
	}
	mutex_unlock(&udev->files_lock);
}

static struct lite_client lite_uverbs_client = {
	.name = "uverbs",
	.event = lite_uverbs_event,
	.add = lite_uverbs_add_one,
	.remove = lite_uverbs_remove_one,
	.get_nl_info = lite_uverbs_get_nl_info,
};

int lite_uverbs_init(void)
{
	int ret;

	lite_stats_init();
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
	lite_stats_exit();
	return ret;
}

void lite_uverbs_exit(void)
{
	lite_unregister_client(&lite_uverbs_client);
	class_unregister(&lite_uverbs_class);
	unregister_chrdev_region(lite_uverbs_base, LITE_UVERBS_MAX_DEVICES);
	ida_destroy(&lite_uverbs_ida);
	lite_stats_exit();
}
