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


def enqueue(task: Task | str, *args, **kwargs) -> None:
    """Publish `task` (a Celery task, or the name of one) with these arguments.

    A workflow module publishes its own app's tasks by name: its `tasks` module imports it,
    so importing the task back would close an import cycle.
    """
    signature = celery_app.signature(task) if isinstance(task, str) else task
    try:
        signature.apply_async(args=args, kwargs=kwargs)
    except (OperationalError, redis.RedisError, OSError) as error:
        logger.warning("queue unavailable: %s was not published (%s)", signature.name, error)
        raise QueueUnavailable(str(error)) from error
