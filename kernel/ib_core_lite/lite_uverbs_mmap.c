// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite queue memory shared with userspace (struct lite_umap).
 *
 * A driver asks for a buffer when it creates a CQ, QP or SRQ with rings
 * in user memory; the core allocates it (vmalloc_user: zeroed, page
 * aligned) and puts it on the file's pending list under a fresh mmap
 * offset. The process maps it once: mmap(cmd_fd, offset) with at most its
 * size moves it from the pending list to the VMA.
 *
 * Lifetime: a kref held by the driver (until lite_umap_put(), at the
 * object's destroy), by the pending list, and by every VMA (vm_ops
 * open/close: forks and splits take their own). The memory is freed with
 * the last one, so a mapping survives the object, the device and the
 * driver module: vm_ops are the core's, and the VMA's file pins the core.
 * Pages are inserted on fault, looked up by file offset, so split and
 * partially unmapped VMAs keep working.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "lite_uverbs.h"

static void lite_umap_free(struct kref *ref)
{
	struct lite_umap *umap = container_of(ref, struct lite_umap, ref);

	vfree(umap->kva);
	kfree(umap);
	lite_stat_dec(LITE_STAT_UMAP);
}

static void lite_umap_ref_put(struct lite_umap *umap)
{
	kref_put(&umap->ref, lite_umap_free);
}

void lite_ufile_init_umaps(struct lite_ufile *ufile)
{
	mutex_init(&ufile->umap_lock);
	INIT_LIST_HEAD(&ufile->umaps_pending);
	ufile->next_offset = PAGE_SIZE;
}

/*
 * A zeroed buffer of at least @size bytes that the process of @uctx can
 * map at ->offset; the caller holds the returned reference. In syscall
 * context of that file (a create command).
 */
struct lite_umap *lite_umap_alloc(struct lite_ucontext *uctx, size_t size)
{
	struct lite_ufile *ufile = uctx->ufile;
	struct lite_umap *umap;

	if (!size || size > SZ_1G)
		return ERR_PTR(-EINVAL);
	umap = kzalloc(sizeof(*umap), GFP_KERNEL);
	if (!umap)
		return ERR_PTR(-ENOMEM);
	umap->size = PAGE_ALIGN(size);
	umap->kva = vmalloc_user(umap->size);
	if (!umap->kva) {
		kfree(umap);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&umap->ref);			/* the caller's */
	kref_get(&umap->ref);			/* the pending list's */
	umap->ufile = ufile;
	lite_stat_inc(LITE_STAT_UMAP);

	mutex_lock(&ufile->umap_lock);
	umap->offset = ufile->next_offset;
	ufile->next_offset += umap->size;
	list_add_tail(&umap->pending, &ufile->umaps_pending);
	mutex_unlock(&ufile->umap_lock);
	return umap;
}
EXPORT_SYMBOL_GPL(lite_umap_alloc);

/*
 * The driver is done with @umap (its object is destroyed): it can no
 * longer be mapped; existing mappings keep it. Called while the file that
 * allocated it is alive (a command, its close, or the device's removal).
 */
void lite_umap_put(struct lite_umap *umap)
{
	struct lite_ufile *ufile = umap->ufile;
	bool pending;

	mutex_lock(&ufile->umap_lock);
	pending = !list_empty(&umap->pending);
	list_del_init(&umap->pending);
	mutex_unlock(&ufile->umap_lock);
	if (pending)
		lite_umap_ref_put(umap);
	lite_umap_ref_put(umap);
}
EXPORT_SYMBOL_GPL(lite_umap_put);

/* The file goes away: nothing left can be mapped. */
void lite_ufile_drop_umaps(struct lite_ufile *ufile)
{
	struct lite_umap *umap, *tmp;
	LIST_HEAD(list);

	mutex_lock(&ufile->umap_lock);
	list_splice_init(&ufile->umaps_pending, &list);
	mutex_unlock(&ufile->umap_lock);
	list_for_each_entry_safe(umap, tmp, &list, pending) {
		list_del_init(&umap->pending);
		lite_umap_ref_put(umap);
	}
}

static void lite_umap_vm_open(struct vm_area_struct *vma)
{
	struct lite_umap *umap = vma->vm_private_data;

	kref_get(&umap->ref);
}

static void lite_umap_vm_close(struct vm_area_struct *vma)
{
	lite_umap_ref_put(vma->vm_private_data);
}

static vm_fault_t lite_umap_vm_fault(struct vm_fault *vmf)
{
	struct lite_umap *umap = vmf->vma->vm_private_data;
	u64 off = ((u64)vmf->pgoff << PAGE_SHIFT) - umap->offset;
	struct page *page;

	if (off >= umap->size)
		return VM_FAULT_SIGBUS;
	page = vmalloc_to_page(umap->kva + off);
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct lite_umap_vm_ops = {
	.open = lite_umap_vm_open,
	.close = lite_umap_vm_close,
	.fault = lite_umap_vm_fault,
};

/*
 * mmap() of the command fd: map a pending queue buffer, named by its
 * offset. -EINVAL for an unknown offset, one mapped already, a longer
 * length or a private mapping; -ENODEV after the device's removal.
 */
int lite_uverbs_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct lite_ufile *ufile = filp->private_data;
	struct lite_uverbs_device *udev = ufile->udev;
	u64 offset = (u64)vma->vm_pgoff << PAGE_SHIFT;
	size_t len = vma->vm_end - vma->vm_start;
	struct lite_umap *umap, *found = NULL;
	int srcu_key, ret = 0;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;

	srcu_key = srcu_read_lock(&udev->srcu);
	if (!srcu_dereference(udev->ibdev, &udev->srcu)) {
		ret = -ENODEV;
		goto out;
	}
	mutex_lock(&ufile->umap_lock);
	list_for_each_entry(umap, &ufile->umaps_pending, pending) {
		if (umap->offset == offset) {
			found = umap;
			break;
		}
	}
	if (!found || len > found->size) {
		ret = -EINVAL;
	} else {
		/* The pending list's reference becomes the VMA's. */
		list_del_init(&found->pending);
		vma->vm_private_data = found;
		vma->vm_ops = &lite_umap_vm_ops;
		vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	}
	mutex_unlock(&ufile->umap_lock);
out:
	srcu_read_unlock(&udev->srcu, srcu_key);
	return ret;
}
