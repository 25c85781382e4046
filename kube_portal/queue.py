"""Publishing Celery tasks so that a broker outage is an answer at once, never a hang or a 500.

The broker's socket timeouts are short (settings: CELERY_BROKER_TRANSPORT_OPTIONS) and a
publish is retried once; after that `QueueUnavailable` lets the caller undo what it prepared
and tell the user to try again later.
"""

import logging

import redis
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

#: What a page says when the queue did not take its task.
TRY_AGAIN_LATER = _(
    "Layanan antrean pemrosesan sedang tidak tersedia, jadi belum ada yang dijalankan. Coba lagi nanti."
)


class QueueUnavailable(Exception):
    """The broker did not take the task: nothing was queued."""


def enqueue(task, *args, **kwargs) -> None:
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except (OperationalError, redis.RedisError, OSError) as error:
        logger.warning("queue unavailable: %s was not published (%s)", task.name, error)
        raise QueueUnavailable(str(error)) from error
