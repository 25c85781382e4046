from celery import shared_task

from dashboards.refresh import refresh_all


@shared_task(acks_late=True)
def refresh_dashboards(trigger: str = "task") -> int:
    """Rebuild the dashboard aggregates; idempotent, so a retried or repeated run is harmless."""
    return refresh_all(trigger=trigger).pk
