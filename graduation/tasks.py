"""Celery tasks of the graduation app: thin, by id, enqueued with transaction.on_commit."""

from celery import shared_task
from django.db import transaction

from graduation.recompute import RecomputeBusy, recompute_graduation


@shared_task(acks_late=True)
def recompute_graduation_task(province: str = "", user_id: int | None = None) -> dict:
    """The nightly run (also the admins' *run now*); a run already going means this one says busy."""
    from accounts.models import User

    user = User.objects.filter(pk=user_id).first() if user_id else None
    try:
        run = recompute_graduation(province=province, user=user)
    except RecomputeBusy:
        return {"busy": True}
    return {"busy": False, "run": run.pk, "changed": run.households_changed}


def enqueue_recompute(*, province: str = "", user_id: int | None = None) -> None:
    transaction.on_commit(lambda: recompute_graduation_task.delay(province=province, user_id=user_id))
