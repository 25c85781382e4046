"""The overdue clock (DESIGN.md section 4) at its boundaries, and the pages that all read it.

A KUBE is overdue when it has a mentor now and more than 30 whole days have passed since
the later of its last visit and the start of the current assignment.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.models import Kube
from groups.tests.factories import KubeFactory
from mentors.selectors import days_since, with_visit_clock
from mentors.tests.factories import AssignmentFactory, FieldVisitFactory, MentorFactory
from tests.pages import client_for

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 31)
LONG_AGO = 400


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


# name: (assignments as (started days ago, ended days ago or None), visits as (days ago, status),
#        days setting, expected (clock days, overdue, clock from the assignment)).
CASES = {
    "assigned today, never visited": ([(0, None)], [], 30, (0, False, True)),
    "assigned 30 days ago, never visited": ([(30, None)], [], 30, (30, False, True)),
    "assigned 31 days ago, never visited": ([(31, None)], [], 30, (31, True, True)),
    "visited today": ([(LONG_AGO, None)], [(0, "diajukan")], 30, (0, False, False)),
    "visited 30 days ago": ([(LONG_AGO, None)], [(30, "diverifikasi")], 30, (30, False, False)),
    "visited 31 days ago": ([(LONG_AGO, None)], [(31, "diverifikasi")], 30, (31, True, False)),
    "the latest of several visits counts": ([(LONG_AGO, None)], [(90, "diverifikasi"), (12, "diajukan")], 30, (12, False, False)),
    "a returned visit does not count": ([(LONG_AGO, None)], [(2, "dikembalikan"), (45, "diverifikasi")], 30, (45, True, False)),
    "last visit before the assignment: clock from the assignment": ([(10, None)], [(100, "diverifikasi")], 30, (10, False, True)),
    "last visit before an assignment 31 days old": ([(31, None)], [(40, "diverifikasi")], 30, (31, True, True)),
    "visit on the day of the assignment": ([(31, None)], [(31, "diverifikasi")], 30, (31, True, False)),
    "reassigned 5 days ago: clock from the new assignment": ([(LONG_AGO, 5), (5, None)], [(60, "diverifikasi")], 30, (5, False, True)),
    "reassigned 31 days ago, not visited since": ([(LONG_AGO, 31), (31, None)], [(35, "diverifikasi")], 30, (31, True, True)),
    "assignment ends today: no mentor, never overdue": ([(LONG_AGO, 0)], [(90, "diverifikasi")], 30, (90, False, False)),
    "a visit dated after today is not read": ([(LONG_AGO, None)], [(-1, "diajukan"), (40, "diverifikasi")], 30, (40, True, False)),
    "configured 7 days: 7 is on time": ([(LONG_AGO, None)], [(7, "diverifikasi")], 7, (7, False, False)),
    "configured 7 days: 8 is overdue": ([(LONG_AGO, None)], [(8, "diverifikasi")], 7, (8, True, False)),
}  # fmt: skip


@pytest.mark.parametrize("name", CASES)
def test_the_overdue_clock_at_its_boundaries(name, regions, admin_user):
    assignments, visits, days, expected = CASES[name]
    kube = KubeFactory(status="aktif")
    mentors = []
    for started, ended in assignments:
        mentor = MentorFactory()
        mentors.append(mentor)
        AssignmentFactory(
            mentor=mentor,
            kube=kube,
            started_on=ago(started),
            ended_on=None if ended is None else ago(ended),
            created_by=admin_user,
        )
    for visited, status in visits:
        comment = "Foto kurang jelas." if status == "dikembalikan" else ""
        FieldVisitFactory(mentor=mentors[0], kube=kube, visited_on=ago(visited), status=status, review_comment=comment)

    clocked = with_visit_clock(Kube.objects.filter(pk=kube.pk), today=TODAY, days=days).get()

    from_assignment = clocked.clock_from != clocked.last_visited_on
    assert (days_since(clocked.clock_from, TODAY), clocked.is_overdue, from_assignment) == expected
    current = [m for m, (_s, ended) in zip(mentors, assignments, strict=True) if ended is None or ended > 0]
    assert clocked.mentor_id == (current[-1].pk if current else None)


def test_a_kube_assigned_today_is_not_overdue_on_any_page(officer_bandung, mentor_bandung, admin_user, settings):
    mentor = MentorFactory(user=mentor_bandung, name="Rina Pendamping")
    today = timezone.localdate()
    kube = KubeFactory(status="aktif", name="Baru Ditugaskan")
    AssignmentFactory(mentor=mentor, kube=kube, started_on=today, created_by=admin_user)

    compliance = client_for(officer_bandung).get(reverse("mentors:compliance"))
    assert list(compliance.context["page"]) == []
    assert [(row["total"], row["overdue"]) for row in compliance.context["by_mentor"]] == [(1, 0)]
    assert [(row["total"], row["overdue"]) for row in compliance.context["by_kabkota"]] == [(1, 0)]
    home = client_for(mentor_bandung).get(reverse("mentors:visit_home"))
    assert [(k.name, k.is_overdue, k.clock_from) for k in home.context["kubes"]] == [("Baru Ditugaskan", False, today)]
    assert "text-bg-danger" not in home.content.decode()
    detail = client_for(officer_bandung).get(reverse("mentors:mentor_detail", args=[mentor.pk]))
    assert [(k.is_overdue, k.clock_from) for k in detail.context["current_kube"]] == [(False, today)]
    assert "dihitung sejak penugasan" in detail.content.decode()
    assert "1 dari 10 KUBE" in detail.content.decode()
    english = client_for(officer_bandung)
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = english.get(reverse("mentors:compliance"), {"tampil": "semua"}).content.decode()
    assert "counted from the assignment on" in body and "whichever is later" in body


def test_every_page_counts_the_same_kube_overdue(officer_bandung, mentor_bandung, admin_user):
    mentor = MentorFactory(user=mentor_bandung, name="Rina Pendamping")
    today = timezone.localdate()
    stories = {
        # name: (assignment started days ago, last visit days ago or None)
        "Tepat 30": (60, 30),
        "Lewat 31": (60, 31),
        "Tugas 30": (30, None),
        "Tugas 31": (31, None),
        "Pindah 3": (3, 90),
    }
    for name, (started, visited) in stories.items():
        kube = KubeFactory(status="aktif", name=name)
        AssignmentFactory(
            mentor=mentor, kube=kube, started_on=today - datetime.timedelta(days=started), created_by=admin_user
        )
        if visited is not None:
            FieldVisitFactory(mentor=mentor, kube=kube, visited_on=today - datetime.timedelta(days=visited))
    overdue = {"Lewat 31", "Tugas 31"}

    compliance = client_for(officer_bandung).get(reverse("mentors:compliance"))
    assert {kube.name for kube in compliance.context["page"]} == overdue
    assert compliance.context["by_mentor"][0]["overdue"] == len(overdue)
    home = client_for(mentor_bandung).get(reverse("mentors:visit_home"))
    assert {kube.name for kube in home.context["kubes"] if kube.is_overdue} == overdue
    # Longest-running clock first.
    assert [kube.name for kube in home.context["kubes"]][:2] == ["Lewat 31", "Tugas 31"]
    detail = client_for(officer_bandung).get(reverse("mentors:mentor_detail", args=[mentor.pk]))
    assert {kube.name for kube in detail.context["current_kube"] if kube.is_overdue} == overdue
    assignments = client_for(officer_bandung).get(reverse("mentors:assignment_list"))
    assert {kube.name for kube in assignments.context["page"] if kube.is_overdue} == overdue
