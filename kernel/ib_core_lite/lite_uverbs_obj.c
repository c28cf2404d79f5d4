// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite user objects: the per-file table of handles.
 *
 * A handle names one object of one type in one file: a handle from another
 * file, an unknown handle and a handle of another type are all "not
 * found". An object that others were created on (a PD with MRs or QPs)
 * counts them in ->usecnt and cannot be destroyed while it is non-zero
 * (-EBUSY). Objects are kept in creation order, so tearing a file down
 * newest first destroys dependents before what they depend on.
 *
 * Locking: ufile->obj_rwsem, see lite_uverbs.h. Hardware objects are
 * destroyed through the driver only inside the file's SRCU fence (commands)
 * or by remove()/close() after it (revoke), never after the driver left.
 */
#include <linux/slab.h>

#include "lite_uverbs.h"

/* Destroy the hardware object behind @uobj through the driver. */
static void lite_uobj_destroy_hw(struct lite_uobj *uobj,
				 struct lite_device *ibdev)
{
	switch (uobj->type) {
	case LITE_UOBJ_PD:
		ibdev->ops->dealloc_pd(uobj->object);
		break;
	}
	kfree(uobj->object);
	uobj->object = NULL;
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

/* Give @object a handle. Caller holds obj_rwsem for write. */
int lite_uobj_add(struct lite_ufile *ufile, enum lite_uobj_type type,
		  void *object, struct lite_uobj *parent, u32 *handle)
{
	struct lite_uobj *uobj;
	int ret;

	lockdep_assert_held_write(&ufile->obj_rwsem);
	uobj = kzalloc(sizeof(*uobj), GFP_KERNEL);
	if (!uobj)
		return -ENOMEM;
	ret = xa_alloc(&ufile->handles, &uobj->handle, uobj, xa_limit_32b,
		       GFP_KERNEL);
	if (ret) {
		kfree(uobj);
		return ret;
	}
	uobj->type = type;
	uobj->object = object;
	uobj->parent = parent;
	if (parent)
		parent->usecnt++;
	list_add_tail(&uobj->list, &ufile->uobjs);
	*handle = uobj->handle;
	return 0;
}

static void lite_uobj_free(struct lite_ufile *ufile, struct lite_uobj *uobj)
{
	if (uobj->parent)
		uobj->parent->usecnt--;
	xa_erase(&ufile->handles, uobj->handle);
	list_del(&uobj->list);
	kfree(uobj);
}

/*
 * A DESTROY command. @ibdev is NULL after removal: the hardware object is
 * gone already and only the handle remains. Caller holds obj_rwsem for
 * write.
 */
int lite_uobj_destroy(struct lite_ufile *ufile, struct lite_uobj *uobj,
		      struct lite_device *ibdev)
{
	lockdep_assert_held_write(&ufile->obj_rwsem);
	if (uobj->usecnt)
		return -EBUSY;
	if (uobj->object)
		lite_uobj_destroy_hw(uobj, ibdev);
	lite_uobj_free(ufile, uobj);
	return 0;
}

/*
 * Tear down every object of a file, newest first: at close (@forget: the
 * handles go too) or at removal (handles stay for later DESTROY commands).
 * No command runs on the file meanwhile (close: no fd reference left;
 * removal: after synchronize_srcu), but take obj_rwsem anyway for lockdep.
 */
void lite_ufile_destroy_objs(struct lite_ufile *ufile,
			     struct lite_device *ibdev, bool forget)
{
	struct lite_uobj *uobj, *tmp;

	down_write(&ufile->obj_rwsem);
	list_for_each_entry_safe_reverse(uobj, tmp, &ufile->uobjs, list) {
		if (uobj->object && ibdev)
			lite_uobj_destroy_hw(uobj, ibdev);
		if (forget)
			lite_uobj_free(ufile, uobj);
	}
	up_write(&ufile->obj_rwsem);
	if (forget)
		xa_destroy(&ufile->handles);
}
