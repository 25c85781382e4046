"""Reads across mentors, KUBE and visits: the mentor's own KUBE, compliance and reports."""

import datetime

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone

from groups.models import Kube
from mentors.models import Assignment, FieldVisit, Mentor, MentorSettings
from mentors.scope import active_assignment_q


def with_last_visit(kubes: QuerySet) -> QuerySet:
    """Annotate `last_visited_on` (any visit that was not returned) and `mentor_name` (current)."""
    visits = FieldVisit.objects.filter(kube=OuterRef("pk")).exclude(status="dikembalikan").order_by("-visited_on")
    current = Assignment.objects.filter(active_assignment_q(), kube=OuterRef("pk"))
    return kubes.annotate(
        last_visited_on=Subquery(visits.values("visited_on")[:1]),
        mentor_id=Subquery(current.values("mentor_id")[:1]),
        mentor_name=Subquery(current.values("mentor__name")[:1]),
    )


def overdue_q(today: datetime.date, days: int) -> Q:
    return Q(last_visited_on__isnull=True) | Q(last_visited_on__lt=today - datetime.timedelta(days=days))


def days_since(last: datetime.date | None, today: datetime.date | None = None) -> int | None:
    if last is None:
        return None
    return ((today or timezone.localdate()) - last).days


def my_kube(user) -> QuerySet:
    """The mentor's KUBE, most overdue first (never visited on top)."""
    return (
        with_last_visit(Kube.objects.visible_to(user))
        .select_related("kecamatan")
        .with_member_count()
        .order_by(F("last_visited_on").asc(nulls_first=True), "name", "id")
    )


def assigned_kube(user) -> QuerySet:
    """KUBE in the user's scope that have a mentor now, with their last visit."""
    assigned = Assignment.objects.filter(active_assignment_q(), kube=OuterRef("pk"))
    return with_last_visit(Kube.objects.visible_to(user).filter(Exists(assigned)))


def overdue_by_mentor(user, *, today: datetime.date, days: int) -> list[dict]:
    rows = (
        assigned_kube(user)
        .values("mentor_id", "mentor_name")
        .annotate(total=Count("pk"), overdue=Count("pk", filter=overdue_q(today, days)))
        .order_by("-overdue", "mentor_name")
    )
    return list(rows)


def overdue_by_kabkota(user, *, today: datetime.date, days: int) -> list[dict]:
    from django.db.models.functions import Substr

    from regions.models import Region

    rows = list(
        assigned_kube(user)
        .annotate(kabkota=Substr("region_code", 1, 5))
        .values("kabkota")
        .annotate(total=Count("pk"), overdue=Count("pk", filter=overdue_q(today, days)))
        .order_by("kabkota")
    )
    names = dict(Region.objects.filter(code__in=[row["kabkota"] for row in rows]).values_list("code", "name"))
    for row in rows:
        row["name"] = names.get(row["kabkota"], row["kabkota"])
    return rows


def visits_per_mentor_month(user, *, year: int) -> tuple[list[datetime.date], list[dict]]:
    """A row per mentor in scope: visits in each month of `year` and the total."""
    months = [datetime.date(year, month, 1) for month in range(1, 13)]
    counts = (
        FieldVisit.objects.visible_to(user)
        .filter(visited_on__year=year)
        .annotate(month=TruncMonth("visited_on"))
        .values("mentor_id", "month")
        .annotate(n=Count("pk"))
    )
    by_mentor: dict[int, dict] = {}
    for row in counts:
        by_mentor.setdefault(row["mentor_id"], {})[row["month"]] = row["n"]
    mentors = Mentor.objects.visible_to(user).filter(pk__in=by_mentor.keys()).order_by("name")
    table = []
    for mentor in mentors:
        per_month = by_mentor[mentor.pk]
        cells = [per_month.get(month, 0) for month in months]
        table.append({"mentor": mentor, "cells": cells, "total": sum(cells)})
    return months, table


def overdue_days() -> int:
    return MentorSettings.objects.current().overdue_days
