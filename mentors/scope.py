"""When an assignment runs: the condition behind a mentor's scope (`mentors.models.assigned_kube_ids`)."""

from django.db.models import Q
from django.utils import timezone


def active_assignment_q(prefix: str = "", *, on=None) -> Q:
    """Assignments that have started and not ended on `on` (today by default).

    `ended_on` is the day the assignment stopped: from that day on the KUBE is no longer
    the mentor's.
    """
    on = on or timezone.localdate()
    return Q(**{f"{prefix}started_on__lte": on}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gt": on})
    )
