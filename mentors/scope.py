"""The mentor's scope: the KUBE assigned to them now, for `ScopedQuerySet.mentor_filter`."""

from django.db.models import Q, QuerySet
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


def assigned_kube_ids(user) -> QuerySet:
    """Ids of the KUBE assigned to `user`'s Mentor record now, as a subquery."""
    from mentors.models import Assignment

    return Assignment.objects.filter(active_assignment_q(), mentor__user=user).values("kube_id")
