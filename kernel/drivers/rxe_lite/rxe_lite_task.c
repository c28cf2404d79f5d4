// SPDX-License-Identifier: GPL-2.0
/*
 * rxe_lite per-QP execution context (struct rxe_lite_task).
 *
 * Everything a QP does on its own initiative runs from its task: the
 * requester (first sends, resends after a NAK, an RNR wait or a
 * retransmission timeout) and the timeout checks themselves. The
 * retransmission/RNR timer only schedules the task; the completer only
 * schedules it. One instance of ->run() executes at a time, either inline
 * in the doorbell syscall (latency: no thread hand-off) or from the
 * driver's workqueue. A run that used up its budget (more to send) is
 * continued from the workqueue, so a long send never runs thousands of
 * packets in one syscall or work item.
 *
 * States, all under ->lock: ->busy (->run() executing), ->queued (the work
 * item is queued), ->pending (a run was asked for and not yet served),
 * ->stopped (pause depth: no run starts). rxe_lite_task_pause() waits
 * until no run executes and none is queued; rxe_lite_task_stop() is the
 * last pause of a QP's life (destroy), after which the task never runs
 * again and rxe_lite_task_sched() does nothing.
 */
#include <linux/sched.h>

#include "rxe_lite.h"

/* Inline runs (doorbell) served before the rest goes to the workqueue. */
#define RXE_LITE_TASK_LOOPS	8

static struct workqueue_struct *rxe_lite_wq;

/* Caller holds ->lock and has set ->busy; clears it. */
static void rxe_lite_task_loop(struct rxe_lite_task *t, bool inline_run)
{
	unsigned int n;
	bool more;

	for (n = 0; t->pending && !t->stopped; n++) {
		if (n == RXE_LITE_TASK_LOOPS) {
			/* Yield: the rest runs from the workqueue. */
			t->queued = true;
			queue_work(rxe_lite_wq, &t->work);
			break;
		}
		t->pending = false;
		spin_unlock_bh(&t->lock);
		more = t->run(t);
		spin_lock_bh(&t->lock);
		if (!more)
			continue;
		t->pending = true;
		if (inline_run && !t->stopped) {
			t->queued = true;
			queue_work(rxe_lite_wq, &t->work);
			break;
		}
	}
	t->busy = false;
	if (t->stopped)
		wake_up_all(&t->idle);
}

static void rxe_lite_task_work(struct work_struct *work)
{
	struct rxe_lite_task *t = container_of(work, struct rxe_lite_task,
					       work);

	spin_lock_bh(&t->lock);
	t->queued = false;
	if (t->stopped || t->busy) {
		/* A pause took over (pending stays for the resume). */
		if (t->stopped)
			wake_up_all(&t->idle);
		spin_unlock_bh(&t->lock);
		return;
	}
	t->busy = true;
	rxe_lite_task_loop(t, false);
	spin_unlock_bh(&t->lock);
	cond_resched();
}

void rxe_lite_task_init(struct rxe_lite_task *t,
			bool (*run)(struct rxe_lite_task *t))
{
	spin_lock_init(&t->lock);
	init_waitqueue_head(&t->idle);
	INIT_WORK(&t->work, rxe_lite_task_work);
	t->run = run;
}

/* Run now in this context if no run executes, else have it run again. */
void rxe_lite_task_run(struct rxe_lite_task *t)
{
	spin_lock_bh(&t->lock);
	t->pending = true;
	if (!t->busy && !t->queued && !t->stopped) {
		t->busy = true;
		rxe_lite_task_loop(t, true);
	}
	spin_unlock_bh(&t->lock);
}

/* Have it run from the workqueue (any context, never sleeps). */
void rxe_lite_task_sched(struct rxe_lite_task *t)
{
	spin_lock_bh(&t->lock);
	t->pending = true;
	if (!t->busy && !t->queued && !t->stopped) {
		t->queued = true;
		queue_work(rxe_lite_wq, &t->work);
	}
	spin_unlock_bh(&t->lock);
}

static bool rxe_lite_task_quiet(struct rxe_lite_task *t)
{
	bool quiet;

	spin_lock_bh(&t->lock);
	quiet = !t->busy && !t->queued;
	spin_unlock_bh(&t->lock);
	return quiet;
}

/*
 * No run executes or starts until the matching resume. Sleeps; never
 * called from the task itself.
 */
void rxe_lite_task_pause(struct rxe_lite_task *t)
{
	spin_lock_bh(&t->lock);
	t->stopped++;
	spin_unlock_bh(&t->lock);
	if (cancel_work_sync(&t->work)) {
		spin_lock_bh(&t->lock);
		t->queued = false;
		spin_unlock_bh(&t->lock);
	}
	wait_event(t->idle, rxe_lite_task_quiet(t));
}

/* End a pause; a run asked for meanwhile is started. */
void rxe_lite_task_resume(struct rxe_lite_task *t)
{
	spin_lock_bh(&t->lock);
	if (!WARN_ON_ONCE(!t->stopped) && !--t->stopped && t->pending &&
	    !t->busy && !t->queued) {
		t->queued = true;
		queue_work(rxe_lite_wq, &t->work);
	}
	spin_unlock_bh(&t->lock);
}

/* The QP's shutdown point: from here on nothing of the task runs. */
void rxe_lite_task_stop(struct rxe_lite_task *t)
{
	rxe_lite_task_pause(t);
}

int rxe_lite_task_init_wq(void)
{
	rxe_lite_wq = alloc_workqueue("rxe_lite", WQ_UNBOUND, 0);
	return rxe_lite_wq ? 0 : -ENOMEM;
}

void rxe_lite_task_exit_wq(void)
{
	destroy_workqueue(rxe_lite_wq);
}
