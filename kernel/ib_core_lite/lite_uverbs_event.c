// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite event files: the async event fd of a user context.
 *
 * One struct ib_uverbs_async_event_desc (16 bytes) per read(); a smaller
 * buffer gets -EINVAL. read() blocks until an event arrives, or returns
 * -EAGAIN with O_NONBLOCK. Once the queue is closed (the device went away)
 * read() still returns what is queued, then -ENODEV; poll() reports
 * EPOLLERR from then on, with EPOLLIN while events remain.
 *
 * Every fop here is the core's: an event fd keeps ib_core_lite loaded,
 * never the driver, and works after the driver is gone.
 */
#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "lite_uverbs.h"

struct lite_event {
	struct list_head list;
	struct ib_uverbs_async_event_desc desc;
};

static void lite_event_queue_init(struct lite_event_queue *q)
{
	spin_lock_init(&q->lock);
	INIT_LIST_HEAD(&q->events);
	init_waitqueue_head(&q->wait);
}

static void lite_event_queue_flush(struct lite_event_queue *q)
{
	struct lite_event *ev, *tmp;

	list_for_each_entry_safe(ev, tmp, &q->events, list) {
		list_del(&ev->list);
		kfree(ev);
	}
}

/* No more events: wake readers so they drain and then see -ENODEV. */
void lite_event_queue_close(struct lite_event_queue *q)
{
	spin_lock_irq(&q->lock);
	q->closed = true;
	spin_unlock_irq(&q->lock);
	wake_up_interruptible(&q->wait);
	kill_fasync(&q->fasync, SIGIO, POLL_ERR);
}

static void lite_event_queue_add(struct lite_event_queue *q, u64 element,
				 u32 type)
{
	struct lite_event *ev;
	unsigned long flags;

	ev = kmalloc(sizeof(*ev), GFP_ATOMIC);
	if (!ev)
		return;
	ev->desc.element = element;
	ev->desc.event_type = type;
	ev->desc.reserved = 0;

	spin_lock_irqsave(&q->lock, flags);
	if (q->closed) {
		spin_unlock_irqrestore(&q->lock, flags);
		kfree(ev);
		return;
	}
	list_add_tail(&ev->list, &q->events);
	spin_unlock_irqrestore(&q->lock, flags);
	wake_up_interruptible(&q->wait);
	kill_fasync(&q->fasync, SIGIO, POLL_IN);
}

static ssize_t lite_event_queue_read(struct lite_event_queue *q,
				     struct file *filp, char __user *buf,
				     size_t count)
{
	struct lite_event *ev;
	int ret;

	if (count < sizeof(ev->desc))
		return -EINVAL;

	spin_lock_irq(&q->lock);
	while (list_empty(&q->events)) {
		if (q->closed) {
			spin_unlock_irq(&q->lock);
			return -ENODEV;
		}
		spin_unlock_irq(&q->lock);
		if (filp->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(q->wait,
					       !list_empty(&q->events) ||
					       READ_ONCE(q->closed));
		if (ret)
			return ret;
		spin_lock_irq(&q->lock);
	}
	ev = list_first_entry(&q->events, struct lite_event, list);
	list_del(&ev->list);
	spin_unlock_irq(&q->lock);

	ret = copy_to_user(buf, &ev->desc, sizeof(ev->desc)) ? -EFAULT :
							       sizeof(ev->desc);
	kfree(ev);
	return ret;
}

static __poll_t lite_event_queue_poll(struct lite_event_queue *q,
				      struct file *filp,
				      struct poll_table_struct *wait)
{
	__poll_t mask = 0;

	poll_wait(filp, &q->wait, wait);
	spin_lock_irq(&q->lock);
	if (!list_empty(&q->events))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (q->closed)
		mask |= EPOLLERR;
	spin_unlock_irq(&q->lock);
	return mask;
}

static void lite_async_file_free(struct kref *ref)
{
	struct lite_async_file *async =
		container_of(ref, struct lite_async_file, ref);

	lite_event_queue_flush(&async->q);
	kfree(async);
}

struct lite_async_file *lite_async_file_alloc(void)
{
	struct lite_async_file *async = kzalloc(sizeof(*async), GFP_KERNEL);

	if (!async)
		return NULL;
	kref_init(&async->ref);
	lite_event_queue_init(&async->q);
	return async;
}

void lite_async_file_put(struct lite_async_file *async)
{
	kref_put(&async->ref, lite_async_file_free);
}

void lite_async_event(struct lite_async_file *async, u64 element, u32 type)
{
	lite_event_queue_add(&async->q, element, type);
}

static ssize_t lite_async_read(struct file *filp, char __user *buf,
			       size_t count, loff_t *pos)
{
	struct lite_async_file *async = filp->private_data;

	return lite_event_queue_read(&async->q, filp, buf, count);
}

static __poll_t lite_async_poll(struct file *filp,
				struct poll_table_struct *wait)
{
	struct lite_async_file *async = filp->private_data;

	return lite_event_queue_poll(&async->q, filp, wait);
}

static int lite_async_fasync(int fd, struct file *filp, int on)
{
	struct lite_async_file *async = filp->private_data;

	return fasync_helper(fd, filp, on, &async->q.fasync);
}

static int lite_async_release(struct inode *inode, struct file *filp)
{
	struct lite_async_file *async = filp->private_data;

	lite_async_file_put(async);
	return 0;
}

static const struct file_operations lite_async_fops = {
	.owner = THIS_MODULE,
	.read = lite_async_read,
	.poll = lite_async_poll,
	.fasync = lite_async_fasync,
	.release = lite_async_release,
	.llseek = no_llseek,
};

/* A new struct file for @async; it takes its own reference. */
struct file *lite_async_file_open(struct lite_async_file *async)
{
	struct file *filp;

	kref_get(&async->ref);
	filp = anon_inode_getfile("[infinibandevent]", &lite_async_fops,
				  async, O_RDONLY);
	if (IS_ERR(filp))
		lite_async_file_put(async);
	return filp;
}
