"""Publishing Celery tasks so that a broker outage is an answer at once, never a hang or a 500.

The broker's socket timeouts are short (settings: CELERY_BROKER_TRANSPORT_OPTIONS) and a
publish is retried once; after that `QueueUnavailable` lets the caller undo what it prepared
and tell the user to try again later.
"""

import logging

import redis
from celery import Task
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError

from kube_portal.celery import app as celery_app

logger = logging.getLogger(__name__)

#: What a page says when the queue did not take its task.
TRY_AGAIN_LATER = _(
    "Layanan antrean pemrosesan sedang tidak tersedia, jadi belum ada yang dijalankan. Coba lagi nanti."
)


class QueueUnavailable(Exception):
    """The broker did not take the task: nothing was queued."""


def _registered(name: str) -> Task:
    """The task registered under `name`, the apps' `tasks` modules imported first if need be."""
    if name not in celery_app.tasks:
        # Celery imports the apps' tasks modules (autodiscover_tasks) when a worker starts; a web
        # process has to ask. A name still unknown then is a mistake, and raises KeyError.
        celery_app.loader.import_default_modules()
    return celery_app.tasks[name]


def enqueue(task: Task | str, *args, **kwargs) -> None:
    """Publish `task` (a Celery task, or the name of one) with these arguments.

    A workflow module publishes its own app's tasks by name: its `tasks` module imports it,
    so importing the task back would close an import cycle.
    """
    if isinstance(task, str):
        task = _registered(task)
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except (OperationalError, redis.RedisError, OSError) as error:
        logger.warning("queue unavailable: %s was not published (%s)", task.name, error)
        raise QueueUnavailable(str(error)) from error
