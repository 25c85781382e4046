"""Reads across mentors, KUBE and visits: the mentor's own KUBE, compliance and reports."""

import datetime
from typing import Any

from django.db.models import BooleanField, Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Greatest, TruncMonth
from django.utils import timezone

from accounts.models import User
from groups.models import Kube, KubeQuerySet
from kube_portal.hooks import Hook
from mentors.models import Assignment, FieldVisit, Mentor, MentorSettings, VisitStatus
from mentors.scope import active_assignment_q

#: KUBE annotated with the visit clock (`with_visit_clock`): django-stubs would spell out every
#: annotation's type, so its rows are typed as Any.
ClockedKubes = KubeQuerySet[Any]


def overdue_cutoff(today: datetime.date, *, days: int) -> datetime.date:
    """A KUBE whose visit clock started before this day is overdue on `today` (see `with_visit_clock`)."""
    return today - datetime.timedelta(days=days)


def with_visit_clock(
    kubes: KubeQuerySet[Any], *, today: datetime.date | None = None, days: int | None = None
) -> ClockedKubes:
    """The one rule for "overdue", as annotations on a KUBE queryset (DESIGN.md section 4).

    - `last_visited_on`: the latest visit on or before `today` that was not returned;
    - `mentor_id`, `mentor_name`, `assigned_on`: the current assignment (the latest started one
      that has not ended on `today`) and its first day;
    - `clock_from`: the later of `last_visited_on` and `assigned_on`. The visit clock restarts
      with each visit and with each new assignment, so a KUBE assigned today is not overdue.
      It differs from `last_visited_on` when it runs from the assignment;
    - `is_overdue`: the KUBE has a mentor now and more than `days` (default: the configured
      30) whole days have passed since `clock_from`. "Not visited in 30 days" counts 30 whole
      days after the clock's first day: a visit 30 days after the last one (or 30 days after
      the assignment) is on time, the KUBE becomes overdue on day 31; a mentor who visits
      every 30 days is never overdue.

    Days for the page come from `days_since(clock_from)`.
    """
    today = today or timezone.localdate()
    cutoff = overdue_cutoff(today, days=overdue_days() if days is None else days)
    visits = FieldVisit.objects.filter(kube=OuterRef("pk"), visited_on__lte=today).exclude(status=VisitStatus.RETURNED)
    current = Assignment.objects.filter(active_assignment_q(on=today), kube=OuterRef("pk")).order_by(
        "-started_on", "-id"
    )
    return kubes.annotate(
        last_visited_on=Subquery(visits.order_by("-visited_on").values("visited_on")[:1]),
        mentor_id=Subquery(current.values("mentor_id")[:1]),
        mentor_name=Subquery(current.values("mentor__name")[:1]),
        assigned_on=Subquery(current.values("started_on")[:1]),
        # GREATEST skips NULLs in PostgreSQL: a KUBE never visited counts from its assignment.
        clock_from=Greatest("last_visited_on", "assigned_on"),
        # The same comparison as clock_from < cutoff, written so that each subquery appears once:
        # every expression more makes PostgreSQL's JIT compile longer on large scopes.
        is_overdue=Case(
            When(Q(assigned_on__lt=cutoff) & ~Exists(visits.filter(visited_on__gte=cutoff)), then=True),
            default=False,
            output_field=BooleanField(),
        ),
    )


def days_since(day: datetime.date | None, today: datetime.date | None = None) -> int | None:
    """Whole days from `day` to `today`; None for a day that never was (a KUBE never visited)."""
    if day is None:
        return None
    return ((today or timezone.localdate()) - day).days


def most_overdue_first(kubes: ClockedKubes) -> ClockedKubes:
    """KUBE of `with_visit_clock` by how long their clock has run, the longest first."""
    return kubes.order_by(F("clock_from").asc(nulls_first=True), "name", "id")


def my_kube(user: User) -> ClockedKubes:
    """The mentor's KUBE, most overdue first."""
    return most_overdue_first(
        with_visit_clock(Kube.objects.visible_to(user)).select_related("kecamatan").with_member_count()
    )


def assigned_kube(user: User, *, today: datetime.date | None = None, days: int | None = None) -> ClockedKubes:
    """KUBE in the user's scope that have a mentor now, with their visit clock."""
    return with_visit_clock(Kube.objects.visible_to(user).with_mentor(on=today), today=today, days=days)


def overdue_by_mentor(user: User, *, today: datetime.date, days: int) -> list[dict[str, Any]]:
    rows = (
        assigned_kube(user, today=today, days=days)
        .values("mentor_id", "mentor_name")
        .annotate(total=Count("pk"), overdue=Count("pk", filter=Q(is_overdue=True)))
        .order_by("-overdue", "mentor_name")
    )
    return list(rows)


def overdue_by_kabkota(user: User, *, today: datetime.date, days: int) -> list[dict[str, Any]]:
    from django.db.models.functions import Substr

    from regions.models import Region

    rows = (
        assigned_kube(user, today=today, days=days)
        .annotate(kabkota=Substr("region_code", 1, 5))
        .values("kabkota")
        .annotate(total=Count("pk"), overdue=Count("pk", filter=Q(is_overdue=True)))
        .order_by("kabkota")
    )
    names = dict(Region.objects.filter(code__in=[row["kabkota"] for row in rows]).values_list("code", "name"))
    return [{**row, "name": names.get(row["kabkota"], row["kabkota"])} for row in rows]


def visits_per_mentor_month(user: User, *, year: int) -> tuple[list[datetime.date], list[dict[str, Any]]]:
    """A row per mentor in scope: visits in each month of `year` and the total."""
    months = [datetime.date(year, month, 1) for month in range(1, 13)]
    counts = (
        FieldVisit.objects.visible_to(user)
        .filter(visited_on__year=year)
        .annotate(month=TruncMonth("visited_on"))
        .values("mentor_id", "month")
        .annotate(n=Count("pk"))
    )
    by_mentor: dict[int, dict[datetime.date, int]] = {}
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


# --- The mentor's day (the field app's home) -------------------------------------------------------

#: Households of a queryset that need an assessment on a day (provided by graduation).
HOUSEHOLDS_TO_ASSESS = Hook("mentors.selectors.HOUSEHOLDS_TO_ASSESS")

#: Households to assess listed on the home and kept offline at most (one page each on a slow link).
MAX_ASSESSMENTS = 40


def households_to_assess(user) -> QuerySet:
    """Current members of the mentor's KUBE that need a household assessment, with head and KUBE names."""
    from beneficiaries.models import Household
    from groups.models import Membership

    current = Membership.objects.filter(
        household=OuterRef("pk"), left_on__isnull=True, kube__in=Kube.objects.visible_to(user)
    )
    members = Household.objects.visible_to(user).filter(Exists(current))
    return (
        HOUSEHOLDS_TO_ASSESS(members, today=timezone.localdate())
        .annotate(kube_name=Subquery(current.values("kube__name")[:1]))
        .order_by("kube_name", "pk")
    )


def reports_due(user, *, month: datetime.date) -> QuerySet:
    """The mentor's reporting KUBE without a business report for `month` (the month just ended)."""
    from groups.models import BusinessReport, Status

    reported = BusinessReport.objects.filter(kube=OuterRef("pk"), month=month)
    return (
        Kube.objects.visible_to(user)
        .filter(status__in=(Status.AKTIF, Status.NONAKTIF))
        .filter(~Exists(reported))
        .order_by("name", "pk")
    )


def returned_visits(user) -> QuerySet:
    """The mentor's visits sent back by the district office for a correction, oldest first."""
    return (
        FieldVisit.objects.visible_to(user)
        .filter(status=VisitStatus.RETURNED)
        .select_related("kube")
        .order_by("visited_on", "id")
    )
