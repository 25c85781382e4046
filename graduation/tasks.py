"""Celery tasks of the graduation app: thin, by id; they end, whatever happens inside.

The nightly run is a canvas over any number of workers (DESIGN.md sections 5 and 7):

    chain(maturity, chord(group(one task per province), finish: totals → dashboards → done))

`recompute_graduation_task` starts (or resumes) the run in the ledger and publishes what is
left of it; each task then takes its part from the ledger and records it there, so a task
published twice does its part once. The chord's callback finishes the run once every province
is in the ledger. A task that fails marks the run failed with the reason and ends normally, so
the chord always completes; a worker that dies mid-province leaves the province started with its
liveness lock free, and the sweep (`recompute_runs_recover`, beat every minute and at worker
start) publishes it again with a callback of its own.
"""

import logging

from celery import chain, chord, group, shared_task

from graduation import recompute
from graduation.recompute import RecomputeBusy, RecomputeGaveUp, recompute_runs_recover
from kube_portal.queue import enqueue

logger = logging.getLogger(__name__)


def _ended(work, *args, **kwargs) -> dict:
    """Run one piece of a run; an error was recorded in the run (failed, with the reason) and is logged."""
    try:
        return work(*args, **kwargs)
    except Exception:
        logger.exception("graduation run: %s failed", work.__name__)
        return {"failed": True}


def run_canvas(run_pk: int, left: recompute.Plan):
    """The Celery canvas of what is left of the run."""
    finish = recompute_finish_task.si(run_pk)
    steps = [recompute_step_task.si(run_pk, name) for name in left.before]
    if left.parts:
        # The chord's header results are counted in the result backend; they carry only a few numbers.
        steps.append(chord(group(recompute_part_task.si(run_pk, left.parted, part) for part in left.parts), finish))
    else:
        steps.append(finish)
    return chain(*steps)


# reject_on_worker_lost: a task whose worker process died goes back to the queue (its part is
# done once: the ledger and the part's liveness lock say whether it still needs doing).
@shared_task(acks_late=True, reject_on_worker_lost=True)
def recompute_graduation_task(province: str = "", user_id: int | None = None) -> dict:
    """The nightly run (also the admins' *run now*): started here, run by the workers as a canvas."""
    from accounts.models import User

    try:
        user = User.objects.filter(pk=user_id).first() if user_id else None
        run, left = recompute.run_begin(province=province, user=user)
    except RecomputeBusy:
        return {"busy": True}
    except RecomputeGaveUp:
        return {"gave_up": True}
    except Exception:
        logger.exception("graduation run failed to start")
        return {"failed": True}
    run_canvas(run.pk, left).apply_async()
    return {"busy": False, "run": run.pk}


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def recompute_resume_task(self, run_pk: int) -> dict:
    """Publish again what is left of a run on the workers (the sweep's, after a lost worker or message)."""
    run = recompute.RecomputeRun.objects.filter(pk=run_pk).first()
    if run is None or run.finished:
        return {"skipped": True}
    run_canvas(run.pk, recompute.plan(run)).apply_async()
    return {"published": run.pk}


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def recompute_step_task(self, run_pk: int, name: str) -> dict:
    return _ended(recompute.run_step_stage, run_pk, name, worker=self.request.hostname or "")


# ignore_result=False: a chord's header tasks report to the result backend, which counts them.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=False)
def recompute_part_task(self, run_pk: int, name: str, part: str) -> dict:
    return _ended(recompute.run_part_stage, run_pk, name, part, worker=self.request.hostname or "")


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def recompute_finish_task(self, run_pk: int) -> dict:
    return _ended(recompute.run_finish_stage, run_pk, worker=self.request.hostname or "")


@shared_task
def recompute_runs_recover_task() -> list[int]:
    return recompute_runs_recover()


def enqueue_recompute(*, province: str = "", user_id: int | None = None) -> None:
    """Queue a run now; raises kube_portal.queue.QueueUnavailable when the broker does not take it."""
    enqueue(recompute_graduation_task, province=province, user_id=user_id)
