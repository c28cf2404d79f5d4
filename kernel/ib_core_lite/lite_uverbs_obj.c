// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite user objects: the per-file table of handles.
 *
 * A handle names one object of one type in one file: a handle from another
 * file, an unknown handle and a handle of another type are all "not
 * found". An object that others were created on (a PD with MRs or QPs, a
 * CQ with QPs) counts them in ->usecnt and cannot be destroyed while it is
 * non-zero (-EBUSY). Objects are kept in creation order, so tearing a file
 * down newest first destroys dependents before what they depend on.
 *
 * Locking: ufile->obj_rwsem, see lite_uverbs.h. Hardware objects are
 * destroyed through the driver only inside the file's SRCU fence (commands)
 * or by remove()/close() after it (revoke), never after the driver left.
 */
#include <linux/slab.h>

#include "lite_uverbs.h"

static const enum lite_stat lite_uobj_stat[] = {
	[LITE_UOBJ_PD] = LITE_STAT_PD,
	[LITE_UOBJ_MR] = LITE_STAT_MR,
	[LITE_UOBJ_MW] = LITE_STAT_MW,
	[LITE_UOBJ_CQ] = LITE_STAT_CQ,
	[LITE_UOBJ_QP] = LITE_STAT_QP,
	[LITE_UOBJ_SRQ] = LITE_STAT_SRQ,
	[LITE_UOBJ_AH] = LITE_STAT_AH,
};

/* Destroy a hardware object through the driver and free the core's part. */
static void lite_obj_destroy(enum lite_uobj_type type, void *obj,
			     struct lite_device *ibdev)
{
	const struct lite_device_ops *ops = ibdev->ops;

	switch (type) {
	case LITE_UOBJ_PD:
		ops->dealloc_pd(obj);
		break;
	case LITE_UOBJ_MR:
		ops->dereg_mr(obj);
		lite_umem_release(((struct lite_mr *)obj)->umem);
		break;
	case LITE_UOBJ_MW:
		ops->dealloc_mw(obj);
		break;
	case LITE_UOBJ_CQ:
		ops->destroy_cq(obj);
		break;
	case LITE_UOBJ_QP:
		ops->destroy_qp(obj);
		break;
	case LITE_UOBJ_SRQ:
		ops->destroy_srq(obj);
		break;
	case LITE_UOBJ_AH:
		ops->destroy_ah(obj);
		break;
	}
	kfree(obj);
	lite_stat_dec(lite_uobj_stat[type]);
}

static void lite_uobj_destroy_hw(struct lite_uobj *uobj,
				 struct lite_device *ibdev)
{
	lite_obj_destroy(uobj->type, uobj->object, ibdev);
	uobj->object = NULL;
}

/* Move @qp to the error state through the driver (a revoke). */
static void lite_qp_flush(struct lite_qp *qp, struct lite_device *ibdev)
{
	struct lite_udata udata = {};
	struct lite_qp_attr attr;

	mutex_lock(&qp->attr_lock);
	if (qp->state != LITE_QPS_RESET && qp->state != LITE_QPS_ERR) {
		attr = qp->attr;
		attr.cur_qp_state = qp->state;
		attr.qp_state = LITE_QPS_ERR;
		if (!ibdev->ops->modify_qp(qp, &attr, LITE_QP_STATE, &udata))
			WRITE_ONCE(qp->state, LITE_QPS_ERR);
	}
	mutex_unlock(&qp->attr_lock);
}

void lite_ufile_init_objs(struct lite_ufile *ufile)
{
	init_rwsem(&ufile->obj_rwsem);
	xa_init_flags(&ufile->handles, XA_FLAGS_ALLOC);
	INIT_LIST_HEAD(&ufile->uobjs);
}

/*
 * The object @handle of @type, or NULL. With @destroy, also one whose
 * hardware object a revoke took away. Caller holds obj_rwsem.
 */
struct lite_uobj *lite_uobj_get(struct lite_ufile *ufile, u32 handle,
				enum lite_uobj_type type, bool destroy)
{
	struct lite_uobj *uobj;

	lockdep_assert_held(&ufile->obj_rwsem);
	uobj = xa_load(&ufile->handles, handle);
	if (!uobj || uobj->type != type || (!uobj->object && !destroy))
		return NULL;
	return uobj;
}

/* The live core object @handle of @type, or NULL. Holds obj_rwsem. */
void *lite_uobj_get_obj(struct lite_ufile *ufile, u32 handle,
			enum lite_uobj_type type)
{
	struct lite_uobj *uobj = lite_uobj_get(ufile, handle, type, false);

	return uobj ? uobj->object : NULL;
}

/*
 * Give the new hardware object @object a handle; it depends on the @ndeps
 * objects @deps (NULL entries are skipped), each counting it in ->usecnt.
 * On failure the object is destroyed. Caller holds obj_rwsem for write.
 */
struct lite_uobj *lite_uobj_add(struct lite_ufile *ufile,
				struct lite_device *ibdev,
				enum lite_uobj_type type, void *object,
				struct lite_uobj **deps, unsigned int ndeps)
{
	struct lite_uobj *uobj;
	unsigned int i;
	int ret = -ENOMEM;

	lockdep_assert_held_write(&ufile->obj_rwsem);
	lite_stat_inc(lite_uobj_stat[type]);
	uobj = kzalloc(sizeof(*uobj), GFP_KERNEL);
	if (!uobj)
		goto err;
	ret = xa_alloc(&ufile->handles, &uobj->handle, uobj, xa_limit_32b,
		       GFP_KERNEL);
	if (ret) {
		kfree(uobj);
		goto err;
	}
	uobj->type = type;
	uobj->object = object;
	uobj->ufile = ufile;
	INIT_LIST_HEAD(&uobj->comp_events);
	INIT_LIST_HEAD(&uobj->async_events);
	for (i = 0; i < ndeps && i < LITE_UOBJ_MAX_DEPS; i++) {
		uobj->deps[i] = deps[i];
		if (deps[i])
			deps[i]->usecnt++;
	}
	list_add_tail(&uobj->list, &ufile->uobjs);
	return uobj;

err:
	lite_obj_destroy(type, object, ibdev);
	return ERR_PTR(ret);
}

static void lite_uobj_free(struct lite_ufile *ufile, struct lite_uobj *uobj)
{
	unsigned int i;

	for (i = 0; i < LITE_UOBJ_MAX_DEPS; i++)
		if (uobj->deps[i])
			uobj->deps[i]->usecnt--;
	lite_uobj_drop_events(uobj);
	if (uobj->comp)
		lite_comp_file_put(uobj->comp);
	xa_erase(&ufile->handles, uobj->handle);
	list_del(&uobj->list);
	kfree(uobj);
}

/*
 * A DESTROY command. @ibdev is NULL after removal: the hardware object is
 * gone already and only the handle remains. The object's unread events are
 * dropped, then the counts of those userspace read are final and returned
 * in @comp_read / @async_read (if not NULL). Caller holds obj_rwsem for
 * write.
 */
int lite_uobj_destroy(struct lite_ufile *ufile, struct lite_uobj *uobj,
		      struct lite_device *ibdev, u32 *comp_read,
		      u32 *async_read)
{
	lockdep_assert_held_write(&ufile->obj_rwsem);
	if (uobj->usecnt)
		return -EBUSY;
	if (uobj->object)
		lite_uobj_destroy_hw(uobj, ibdev);
	lite_uobj_drop_events(uobj);
	if (comp_read)
		*comp_read = uobj->comp_events_reported;
	if (async_read)
		*async_read = uobj->async_events_reported;
	lite_uobj_free(ufile, uobj);
	return 0;
}

/*
 * Undo a create whose response could not be written: the object is new,
 * nothing depends on it yet. Caller holds obj_rwsem for write.
 */
void lite_uobj_abort(struct lite_ufile *ufile, struct lite_uobj *uobj,
		     struct lite_device *ibdev)
{
	WARN_ON(lite_uobj_destroy(ufile, uobj, ibdev, NULL, NULL));
}

/*
 * Tear down every object of a file, newest first: at close (@forget: the
 * handles go too) or at removal (handles stay for later DESTROY commands;
 * @ibdev NULL: the hardware objects are gone already).
 * No command runs on the file meanwhile (close: no fd reference left;
 * removal: after synchronize_srcu), but take obj_rwsem anyway for lockdep.
 */
void lite_ufile_destroy_objs(struct lite_ufile *ufile,
			     struct lite_device *ibdev, bool forget)
{
	struct lite_uobj *uobj, *tmp;

	down_write(&ufile->obj_rwsem);
	/*
	 * A revoke first moves every QP to the error state: the driver
	 * flushes the outstanding work requests into the CQ rings, which
	 * stay mapped, so a process polling them sees its work complete
	 * with WR_FLUSH_ERR instead of waiting forever.
	 */
	if (!forget && ibdev) {
		list_for_each_entry_reverse(uobj, &ufile->uobjs, list)
			if (uobj->type == LITE_UOBJ_QP && uobj->object)
				lite_qp_flush(uobj->object, ibdev);
	}
	list_for_each_entry_safe_reverse(uobj, tmp, &ufile->uobjs, list) {
		if (uobj->object && ibdev)
			lite_uobj_destroy_hw(uobj, ibdev);
		if (forget)
			lite_uobj_free(ufile, uobj);
	}
	up_write(&ufile->obj_rwsem);
}
