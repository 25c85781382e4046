"""Celery tasks of the graduation app: thin, by id; they end, whatever happens inside."""

import logging

from celery import shared_task

from graduation.recompute import RecomputeBusy, RecomputeGaveUp, recompute_graduation, recompute_runs_recover
from kube_portal.queue import enqueue

logger = logging.getLogger(__name__)


# reject_on_worker_lost: a run whose worker died goes back to the queue and resumes where it
# stopped (recompute_graduation gives up after MAX_RESUMES starts).
@shared_task(acks_late=True, reject_on_worker_lost=True)
def recompute_graduation_task(province: str = "", user_id: int | None = None) -> dict:
    """The nightly run (also the admins' *run now*); a run already going means this one says busy."""
    from accounts.models import User

    try:
        user = User.objects.filter(pk=user_id).first() if user_id else None
        run = recompute_graduation(province=province, user=user)
    except RecomputeBusy:
        return {"busy": True}
    except RecomputeGaveUp:
        return {"gave_up": True}
    except Exception:
        # The run (if it got that far) is marked failed with the reason; the traceback is logged.
        logger.exception("graduation run failed")
        return {"failed": True}
    return {"busy": False, "run": run.pk, "changed": run.households_changed}


@shared_task
def recompute_runs_recover_task() -> list[int]:
    return recompute_runs_recover()


def enqueue_recompute(*, province: str = "", user_id: int | None = None) -> None:
    """Queue a run now; raises kube_portal.queue.QueueUnavailable when the broker does not take it."""
    enqueue(recompute_graduation_task, province=province, user_id=user_id)
