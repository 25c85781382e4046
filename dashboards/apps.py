import contextlib

from django.apps import AppConfig

#: Celery tasks after whose success the dashboard figures are rebuilt.
REFRESH_AFTER_TASKS = {"beneficiaries.tasks.import_run"}


class DashboardsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboards"

    def ready(self):
        from celery.signals import task_success

        from dashboards import refresh
        from kube_portal import nightly

        task_success.connect(refresh_after_import, dispatch_uid="dashboards.refresh_after_import")
        # The figures add up every province: after a run over one province they would be partial.
        nightly.register(nightly.Step("dashboards", refresh.nightly_step, whole_country_only=True))


def refresh_after_import(sender=None, **kwargs):
    """An import changed the register: queue a refresh, so the dashboards show it without waiting a night."""
    if getattr(sender, "name", None) in REFRESH_AFTER_TASKS:
        from dashboards.tasks import refresh_dashboards
        from kube_portal.queue import QueueUnavailable, enqueue

        # Logged by enqueue when the queue is down; the nightly run refreshes them anyway.
        with contextlib.suppress(QueueUnavailable):
            enqueue(refresh_dashboards, trigger=f"after {sender.name.rsplit('.', 1)[-1]}")
