"""A mentor's scope is exactly the KUBE assigned to them now, and those KUBE's member households."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from beneficiaries.models import Household, Member
from groups.models import BusinessReport, Kube, Membership
from groups.tests.factories import BusinessReportFactory, KubeFactory, MembershipFactory, complete_members
from mentors import services
from mentors.models import Assignment, FieldVisit
from mentors.tests.factories import AssignmentFactory, FieldVisitFactory

pytestmark = pytest.mark.django_db


def test_mentor_sees_their_assigned_kube_and_its_member_households(mentor_bandung, assignment, kube):
    other = KubeFactory(status="aktif")
    complete_members(other, 5)

    assert list(Kube.objects.visible_to(mentor_bandung)) == [kube]
    members = set(kube.memberships.values_list("household_id", flat=True))
    assert set(Household.objects.visible_to(mentor_bandung).values_list("pk", flat=True)) == members
    assert set(Member.objects.visible_to(mentor_bandung).values_list("household_id", flat=True)) == members
    assert Membership.objects.visible_to(mentor_bandung).count() == 5


def test_a_household_that_left_and_rejoined_is_listed_once(mentor_bandung, assignment, kube):
    membership = kube.memberships.filter(role="anggota").first()
    membership.left_on = datetime.date(2025, 3, 1)
    membership.save()
    MembershipFactory(kube=kube, household=membership.household, joined_on=datetime.date(2025, 4, 1))

    ids = list(Household.objects.visible_to(mentor_bandung).values_list("pk", flat=True))
    assert len(ids) == len(set(ids)) == 5


def test_a_household_that_left_is_out_of_scope(mentor_bandung, assignment, kube):
    membership = kube.memberships.filter(role="anggota").first()
    membership.left_on = datetime.date(2025, 3, 1)
    membership.save()
    assert not Household.objects.visible_to(mentor_bandung).filter(pk=membership.household_id).exists()


def test_nothing_after_the_assignment_ends(mentor_bandung, officer_bandung, assignment, kube):
    BusinessReportFactory(kube=kube)
    FieldVisitFactory(mentor=assignment.mentor, kube=kube)
    services.assignment_end(user=officer_bandung, assignment=assignment)

    assert not Kube.objects.visible_to(mentor_bandung).exists()
    assert not Household.objects.visible_to(mentor_bandung).exists()
    assert not BusinessReport.objects.visible_to(mentor_bandung).exists()
    assert not FieldVisit.objects.visible_to(mentor_bandung).exists()
    assert not Assignment.objects.visible_to(mentor_bandung).exists()


def test_an_assignment_that_starts_tomorrow_gives_nothing_yet(mentor, mentor_bandung, kube, admin_user):
    AssignmentFactory(
        mentor=mentor, kube=kube, started_on=timezone.localdate() + datetime.timedelta(days=1), created_by=admin_user
    )
    assert not Kube.objects.visible_to(mentor_bandung).exists()


def test_a_mentor_login_without_a_mentor_record_sees_no_kube(mentor_bandung, kube):
    assert not Kube.objects.visible_to(mentor_bandung).exists()
    assert not Household.objects.visible_to(mentor_bandung).exists()


def test_the_mentor_gets_404_on_another_kube(mentor_bandung, assignment, kube):
    other = KubeFactory(status="aktif")
    client = Client()
    client.force_login(mentor_bandung)
    assert client.get(f"/kube/{kube.pk}/").status_code == 200
    assert client.get(f"/kube/{other.pk}/").status_code == 404
    assert client.get(f"/pendamping/kunjungan/catat/{other.pk}/").status_code == 404
    assert client.get(f"/pendamping/kunjungan/catat/{kube.pk}/").status_code == 200


def test_the_kube_list_shows_the_mentor_only_their_kube(mentor_bandung, assignment, kube):
    KubeFactory(status="aktif", name="Bukan milik saya")
    client = Client()
    client.force_login(mentor_bandung)
    response = client.get("/kube/")
    assert [k.pk for k in response.context["page"].object_list] == [kube.pk]


def test_the_mentors_household_list_shows_exactly_their_kube_members(mentor_bandung, assignment, kube):
    from django.urls import reverse

    outsider = KubeFactory(status="aktif")
    complete_members(outsider, 5)
    client = Client()
    client.force_login(mentor_bandung)
    response = client.get(reverse("beneficiaries:household_list"))
    assert response.status_code == 200
    shown = {household.pk for household in response.context["page"]}
    assert shown == set(kube.memberships.values_list("household_id", flat=True))
    menu = [item["url_name"] for item in response.context["nav_items"]]
    assert "beneficiaries:household_list" in menu
