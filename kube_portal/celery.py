"""The Celery app. Beat schedules are declared in code here (see `beat_schedule`)."""

import logging
import os
import resource

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_process_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kube_portal.settings")

logger = logging.getLogger(__name__)

app = Celery("kube_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

#: Sweeps that find jobs left pending or running by a dead worker or a lost task, and start
#: them again or end them (each app's task; named here, so this module imports no app).
RECOVERY_TASKS = [
    "beneficiaries.tasks.import_jobs_recover_task",
    "graduation.tasks.recompute_runs_recover_task",
]

# Nightly jobs run in Asia/Jakarta time (CELERY_TIMEZONE). Apps add their entries here.
app.conf.beat_schedule = {
    # KUBE maturity → household readiness (→ dashboard figures), in graduation.recompute.
    "graduation-nightly": {"task": "graduation.tasks.recompute_graduation_task", "schedule": crontab(hour=1, minute=0)},
    **{
        f"recover-{name.split('.')[0]}": {"task": name, "schedule": 60.0, "options": {"expires": 55}}
        for name in RECOVERY_TASKS
    },
}


@worker_process_init.connect
def limit_memory(**_kwargs) -> None:
    """A hard ceiling on each pool process's address space (settings.WORKER_MEMORY_LIMIT_MB).

    A task that asks for more gets a MemoryError, which its job turns into a failed job with a
    message; without the ceiling the kernel's OOM killer ends the process (or the machine
    swaps), and every task on the worker with it.
    """
    from django.conf import settings

    limit_mb = getattr(settings, "WORKER_MEMORY_LIMIT_MB", 0)
    if limit_mb > 0:
        limit = limit_mb * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


@worker_ready.connect
def recover_on_start(sender=None, **_kwargs) -> None:
    """A worker that (re)starts picks up at once what its predecessor left behind."""
    for name in RECOVERY_TASKS:
        try:
            app.send_task(name)
        except Exception:  # noqa: BLE001 - beat runs them again within a minute
            logger.warning("could not queue %s at worker start", name, exc_info=True)
