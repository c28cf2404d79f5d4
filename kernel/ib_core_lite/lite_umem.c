// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite user memory of MRs (struct lite_umem).
 *
 * The pages are pinned long-term (FOLL_LONGTERM: the page may be used by
 * the device for as long as the MR exists, so it must not sit in movable
 * zones or CMA; since 6.1 mm copies pinned anonymous pages at fork, so the
 * registering process keeps them), for writing if the MR's access allows
 * any write. Pinned pages are accounted to the registering mm's pinned_vm
 * and limited by RLIMIT_MEMLOCK unless the process has CAP_IPC_LOCK, the
 * same rule as the kernel's ib_umem_get(). The owning mm is held (mmgrab)
 * so that the account can be given back when the MR goes away in another
 * context (close at exit, revoke from a kernel thread).
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "lite_uverbs.h"

struct lite_umem *lite_umem_get(u64 addr, u64 length, bool writable)
{
	unsigned int gup_flags = FOLL_LONGTERM | (writable ? FOLL_WRITE : 0);
	unsigned long npages, done = 0, lock_limit, new_pinned;
	struct mm_struct *mm = current->mm;
	struct lite_umem *umem;
	u64 end;
	int ret;

	if (!length || check_add_overflow(addr, length, &end) ||
	    end > TASK_SIZE)
		return ERR_PTR(-EINVAL);
	if (!mm)
		return ERR_PTR(-EINVAL);
	npages = (PAGE_ALIGN(end) - (addr & PAGE_MASK)) >> PAGE_SHIFT;
	if (npages > UINT_MAX)
		return ERR_PTR(-EINVAL);

	umem = kzalloc(sizeof(*umem), GFP_KERNEL);
	if (!umem)
		return ERR_PTR(-ENOMEM);
	umem->address = addr;
	umem->length = length;
	umem->writable = writable;
	umem->npages = npages;
	umem->owning_mm = mm;
	mmgrab(mm);

	lock_limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	new_pinned = atomic64_add_return(npages, &mm->pinned_vm);
	if (new_pinned > lock_limit && !capable(CAP_IPC_LOCK)) {
		ret = -ENOMEM;
		goto err_account;
	}

	umem->pages = kvmalloc_array(npages, sizeof(*umem->pages),
				     GFP_KERNEL);
	if (!umem->pages) {
		ret = -ENOMEM;
		goto err_account;
	}
	while (done < npages) {
		ret = pin_user_pages_fast((addr & PAGE_MASK) + done * PAGE_SIZE,
					  min_t(unsigned long, npages - done,
						INT_MAX),
					  gup_flags, umem->pages + done);
		if (ret <= 0) {
			ret = ret ? ret : -EFAULT;
			goto err_unpin;
		}
		done += ret;
		cond_resched();
	}
	lite_stat_add(LITE_STAT_PINNED_PAGES, npages);
	return umem;

err_unpin:
	unpin_user_pages(umem->pages, done);
	kvfree(umem->pages);
err_account:
	atomic64_sub(npages, &mm->pinned_vm);
	mmdrop(mm);
	kfree(umem);
	return ERR_PTR(ret);
}

/* After the driver let go of the MR: unpin, give back the account. */
void lite_umem_release(struct lite_umem *umem)
{
	unpin_user_pages_dirty_lock(umem->pages, umem->npages, umem->writable);
	kvfree(umem->pages);
	atomic64_sub(umem->npages, &umem->owning_mm->pinned_vm);
	mmdrop(umem->owning_mm);
	lite_stat_add(LITE_STAT_PINNED_PAGES, -(long)umem->npages);
	kfree(umem);
}
