import logging

from celery import shared_task

from dashboards.refresh import refresh_all

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def refresh_dashboards(trigger: str = "task") -> int | None:
    """Rebuild the dashboard aggregates; idempotent, so a retried or repeated run is harmless.

    A failure leaves the previous figures (one transaction) and is logged; the pages keep
    saying how old their figures are.
    """
    try:
        return refresh_all(trigger=trigger).pk
    except Exception:
        logger.exception("dashboard refresh (%s) failed", trigger)
        return None
