"""The Celery app. Beat schedules are declared in code here (see `beat_schedule`)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kube_portal.settings")

app = Celery("kube_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Nightly jobs run in Asia/Jakarta time (CELERY_TIMEZONE). Apps add their entries here.
app.conf.beat_schedule = {
    # KUBE maturity → household readiness (→ dashboard figures), in graduation.recompute.
    "graduation-nightly": {"task": "graduation.tasks.recompute_graduation_task", "schedule": crontab(hour=1, minute=0)},
}
