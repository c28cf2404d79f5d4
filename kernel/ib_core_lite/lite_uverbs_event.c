// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite event files: the async event fd of a user context and its
 * completion channels.
 *
 * One event per read(): a struct ib_uverbs_async_event_desc (16 bytes) on
 * the async fd, a struct ib_uverbs_comp_event_desc (8 bytes) on a
 * completion channel; a smaller buffer gets -EINVAL. read() blocks until
 * an event arrives, or returns -EAGAIN with O_NONBLOCK. Once the queue is
 * closed (the device went away) read() still returns what is queued, then
 * -ENODEV; poll() reports EPOLLERR from then on, with EPOLLIN while events
 * remain. A completion channel's queue is emptied when it is closed.
 *
 * An event affiliated with an object (CQ, QP, SRQ) is also linked on that
 * object's list, under the queue's lock: reading it counts it in the
 * object's *_events_reported, destroying the object drops it unread.
 *
 * Every fop here is the core's: an event fd keeps ib_core_lite loaded,
 * never the driver, and works after the driver is gone.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "lite_uverbs.h"

struct lite_event {
	struct list_head list;		/* in the queue */
	struct list_head obj_list;	/* in the object's list, or empty */
	u32 *counter;			/* the object's, or NULL */
	union {
		struct ib_uverbs_async_event_desc async;
		struct ib_uverbs_comp_event_desc comp;
	} desc;
};

static void lite_event_queue_init(struct lite_event_queue *q, size_t size)
{
	spin_lock_init(&q->lock);
	INIT_LIST_HEAD(&q->events);
	init_waitqueue_head(&q->wait);
	q->desc_size = size;
}

/* Drop every queued event, unread. Caller holds q->lock. */
static void lite_event_queue_flush_locked(struct lite_event_queue *q)
{
	struct lite_event *ev, *tmp;

	list_for_each_entry_safe(ev, tmp, &q->events, list) {
		list_del(&ev->list);
		list_del(&ev->obj_list);
		kfree(ev);
	}
}

/*
 * No more events: wake readers so they drain and then see -ENODEV.
 * With @flush, drop the queued ones first (completion channels).
 */
void lite_event_queue_close(struct lite_event_queue *q, bool flush)
{
	spin_lock_irq(&q->lock);
	if (flush)
		lite_event_queue_flush_locked(q);
	q->closed = true;
	spin_unlock_irq(&q->lock);
	wake_up_interruptible(&q->wait);
	kill_fasync(&q->fasync, SIGIO, POLL_ERR);
}

/*
 * Queue one event (@desc: q->desc_size bytes). With @obj_list, it is also
 * linked there and read() counts it in @counter. Any context.
 */
static void lite_event_queue_add(struct lite_event_queue *q, const void *desc,
				 struct list_head *obj_list, u32 *counter)
{
	struct lite_event *ev;
	unsigned long flags;

	ev = kmalloc(sizeof(*ev), GFP_ATOMIC);
	if (!ev)
		return;
	memcpy(&ev->desc, desc, q->desc_size);
	ev->counter = counter;

	spin_lock_irqsave(&q->lock, flags);
	if (q->closed) {
		spin_unlock_irqrestore(&q->lock, flags);
		kfree(ev);
		return;
	}
	list_add_tail(&ev->list, &q->events);
	if (obj_list)
		list_add_tail(&ev->obj_list, obj_list);
	else
		INIT_LIST_HEAD(&ev->obj_list);
	spin_unlock_irqrestore(&q->lock, flags);
	wake_up_interruptible(&q->wait);
	kill_fasync(&q->fasync, SIGIO, POLL_IN);
}

static ssize_t lite_event_queue_read(struct lite_event_queue *q,
				     struct file *filp, char __user *buf,
				     size_t count)
{
	size_t size = q->desc_size;
	struct lite_event *ev;
	int ret;

	if (count < size)
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
	list_del(&ev->obj_list);
	/* Counted when dequeued: a failed copy loses the event, as in Linux. */
	if (ev->counter)
		(*ev->counter)++;
	spin_unlock_irq(&q->lock);

	ret = copy_to_user(buf, &ev->desc, size) ? -EFAULT : size;
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

/* Drop the unread events of @list, queued on @q. */
static void lite_event_list_drop(struct lite_event_queue *q,
				 struct list_head *list)
{
	struct lite_event *ev, *tmp;

	spin_lock_irq(&q->lock);
	list_for_each_entry_safe(ev, tmp, list, obj_list) {
		list_del(&ev->list);
		list_del(&ev->obj_list);
		kfree(ev);
	}
	spin_unlock_irq(&q->lock);
}

/*
 * The object is going away: drop its unread events. The hardware object
 * is destroyed already, so no new ones come.
 */
void lite_uobj_drop_events(struct lite_uobj *uobj)
{
	if (uobj->comp)
		lite_event_list_drop(&uobj->comp->q, &uobj->comp_events);
	/* ->async is set before any object exists and never changes. */
	if (uobj->ufile->async)
		lite_event_list_drop(&uobj->ufile->async->q,
				     &uobj->async_events);
}

/* ---- the async event fd ------------------------------------------------ */

static void lite_async_file_free(struct kref *ref)
{
	struct lite_async_file *async =
		container_of(ref, struct lite_async_file, ref);

	spin_lock_irq(&async->q.lock);
	lite_event_queue_flush_locked(&async->q);
	spin_unlock_irq(&async->q.lock);
	kfree(async);
}

struct lite_async_file *lite_async_file_alloc(void)
{
	struct lite_async_file *async = kzalloc(sizeof(*async), GFP_KERNEL);

	if (!async)
		return NULL;
	kref_init(&async->ref);
	lite_event_queue_init(&async->q,
			      sizeof(struct ib_uverbs_async_event_desc));
	return async;
}

void lite_async_file_put(struct lite_async_file *async)
{
	kref_put(&async->ref, lite_async_file_free);
}

/* An unaffiliated event (port, device) for the whole context. */
void lite_async_event(struct lite_async_file *async, u64 element, u32 type)
{
	struct ib_uverbs_async_event_desc desc = {
		.element = element,
		.event_type = type,
	};

	lite_event_queue_add(&async->q, &desc, NULL, NULL);
}

/* An event affiliated with @uobj (a CQ, QP or SRQ). Any context. */
void lite_uobj_async_event(struct lite_uobj *uobj, u32 type)
{
	struct ib_uverbs_async_event_desc desc = {
		.element = uobj->user_handle,
		.event_type = type,
	};

	lite_event_queue_add(&uobj->ufile->async->q, &desc,
			     &uobj->async_events,
			     &uobj->async_events_reported);
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

/* ---- completion channels ------------------------------------------------ */

static void lite_comp_file_free(struct kref *ref)
{
	struct lite_comp_file *comp =
		container_of(ref, struct lite_comp_file, ref);
	struct lite_ufile *ufile = comp->ufile;

	mutex_lock(&ufile->comp_lock);
	list_del(&comp->list);
	mutex_unlock(&ufile->comp_lock);
	spin_lock_irq(&comp->q.lock);
	lite_event_queue_flush_locked(&comp->q);
	spin_unlock_irq(&comp->q.lock);
	kfree(comp);
	lite_stat_dec(LITE_STAT_COMP_CHANNEL);
	lite_ufile_put(ufile);
}

void lite_comp_file_put(struct lite_comp_file *comp)
{
	kref_put(&comp->ref, lite_comp_file_free);
}

static ssize_t lite_comp_read(struct file *filp, char __user *buf,
			      size_t count, loff_t *pos)
{
	struct lite_comp_file *comp = filp->private_data;

	return lite_event_queue_read(&comp->q, filp, buf, count);
}

static __poll_t lite_comp_poll(struct file *filp,
			       struct poll_table_struct *wait)
{
	struct lite_comp_file *comp = filp->private_data;

	return lite_event_queue_poll(&comp->q, filp, wait);
}

static int lite_comp_fasync(int fd, struct file *filp, int on)
{
	struct lite_comp_file *comp = filp->private_data;

	return fasync_helper(fd, filp, on, &comp->q.fasync);
}

static int lite_comp_release(struct inode *inode, struct file *filp)
{
	struct lite_comp_file *comp = filp->private_data;

	lite_comp_file_put(comp);
	return 0;
}

static const struct file_operations lite_comp_fops = {
	.owner = THIS_MODULE,
	.read = lite_comp_read,
	.poll = lite_comp_poll,
	.fasync = lite_comp_fasync,
	.release = lite_comp_release,
	.llseek = no_llseek,
};

/*
 * CREATE_COMP_CHANNEL: a new channel of @ufile. Returns a reserved fd and
 * sets *@filp; the caller answers, then installs the fd, or on failure
 * puts both (fput() frees the channel).
 */
int lite_comp_file_create(struct lite_ufile *ufile, struct file **filp)
{
	struct lite_comp_file *comp;
	int fd;

	comp = kzalloc(sizeof(*comp), GFP_KERNEL);
	if (!comp)
		return -ENOMEM;
	kref_init(&comp->ref);			/* the file's */
	lite_event_queue_init(&comp->q,
			      sizeof(struct ib_uverbs_comp_event_desc));
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		kfree(comp);
		return fd;
	}
	*filp = anon_inode_getfile("[infinibandevent]", &lite_comp_fops, comp,
				   O_RDONLY);
	if (IS_ERR(*filp)) {
		put_unused_fd(fd);
		kfree(comp);
		return PTR_ERR(*filp);
	}
	kref_get(&ufile->ref);
	comp->ufile = ufile;
	lite_stat_inc(LITE_STAT_COMP_CHANNEL);
	mutex_lock(&ufile->comp_lock);
	list_add_tail(&comp->list, &ufile->comp_files);
	mutex_unlock(&ufile->comp_lock);
	return fd;
}

/*
 * The completion channel @fd of @ufile (a reference), or NULL if @fd is
 * not one or belongs to another context.
 */
struct lite_comp_file *lite_comp_file_get(struct lite_ufile *ufile, int fd)
{
	struct lite_comp_file *comp = NULL;
	struct fd f = fdget(fd);

	if (!f.file)
		return NULL;
	if (f.file->f_op == &lite_comp_fops) {
		comp = f.file->private_data;
		if (comp->ufile == ufile)
			kref_get(&comp->ref);
		else
			comp = NULL;
	}
	fdput(f);
	return comp;
}

/* Revoke: every channel of the file drops its events and reports the end. */
void lite_ufile_close_comp_files(struct lite_ufile *ufile)
{
	struct lite_comp_file *comp;

	mutex_lock(&ufile->comp_lock);
	list_for_each_entry(comp, &ufile->comp_files, list)
		lite_event_queue_close(&comp->q, true);
	mutex_unlock(&ufile->comp_lock);
}

/* Completion notification: see lite_cq_completion() in the header. */
void lite_cq_completion(struct lite_cq *cq, bool solicited)
{
	unsigned long want = BIT(LITE_CQ_ARMED_NEXT);
	struct ib_uverbs_comp_event_desc desc;
	struct lite_uobj *uobj = cq->uobj;
	unsigned long old;

	if (solicited)
		want |= BIT(LITE_CQ_ARMED_SOL);
	/*
	 * The completion is published (the driver's release store of its
	 * producer index) before the arm is read: pairs with REQ_NOTIFY_CQ's
	 * set_bit, after which userspace polls the CQ again. Without the
	 * full barrier both sides could miss each other and the process
	 * would sleep with a completion in its CQ.
	 */
	smp_mb();
	do {
		old = READ_ONCE(cq->notify);
		if (!(old & want))
			return;
	} while (cmpxchg(&cq->notify, old, 0) != old);

	if (!uobj->comp)
		return;
	desc.cq_handle = uobj->user_handle;
	lite_event_queue_add(&uobj->comp->q, &desc, &uobj->comp_events,
			     &uobj->comp_events_reported);
}
EXPORT_SYMBOL_GPL(lite_cq_completion);

void lite_cq_event(struct lite_cq *cq, u32 event)
{
	lite_uobj_async_event(cq->uobj, event);
}
EXPORT_SYMBOL_GPL(lite_cq_event);

void lite_qp_event(struct lite_qp *qp, u32 event)
{
	lite_uobj_async_event(qp->uobj, event);
}
EXPORT_SYMBOL_GPL(lite_qp_event);

void lite_srq_event(struct lite_srq *srq, u32 event)
{
	lite_uobj_async_event(srq->uobj, event);
}
EXPORT_SYMBOL_GPL(lite_srq_event);
