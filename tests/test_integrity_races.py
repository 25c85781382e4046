"""Unique values posted at the same moment answer the form's message, never a 500.

Each form that writes a value the database keeps unique is posted by several people at
once (threads on their own connections, released together by a barrier): exactly one
save goes through, every other answer is the form with its message, and no answer is a
500. Because threads may happen to run one after the other, each case is also played
with `holding`: the competing row is written but not committed while the request runs,
so the request always passes the "is it free?" check and meets the unique constraint.
"""

import datetime
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from accounts.tests.factories import NEW_PASSWORD, UserFactory
from beneficiaries.models import Household, Member, Relationship
from beneficiaries.tests.factories import BANDUNG_VILLAGE, HouseholdFactory, MemberFactory, compose_nik, compose_no_kk
from conftest import KOTA_BANDUNG
from graduation.models import CriteriaSet
from groups.models import BusinessReport, Grant, Membership, Status
from groups.tests.factories import GrantFactory, KubeFactory, MembershipFactory, household_in
from mentors.models import Assignment, FieldVisit, Mentor
from mentors.tests.factories import AssignmentFactory, MentorFactory
from tests.pages import form_data, holding, in_parallel

pytestmark = pytest.mark.django_db(transaction=True)


def client_of(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def poster(user, url, data):
    client = client_of(user)
    return lambda: client.post(url, data)


def page(user, url, *names) -> dict:
    context = client_of(user).get(url).context
    return form_data(*(context[name] for name in names))


def codes(responses) -> list[int]:
    return sorted(response.status_code for response in responses)


def officers(regions, count):
    return [
        UserFactory(username=f"dinsos_bandung_{index}", role=Role.DINSOS_KABKOTA, region=regions[KOTA_BANDUNG])
        for index in range(count)
    ]


# --- Grants -------------------------------------------------------------------------------------

GRANT = {"amount": "Rp 20.000.000", "disbursed_on": "2025-03-03", "stage": "sekaligus"}
REFERENCE_TAKEN = "Referensi transfer ini sudah tercatat."


def test_parallel_duplicate_grant_reference(regions):
    users = officers(regions, 4)
    kubes = [KubeFactory(status=Status.DITETAPKAN) for _ in users]
    data = {**GRANT, "transfer_reference": "SP2D-2025-077"}
    responses = in_parallel(
        *(
            poster(user, reverse("groups:grant_add", args=[kube.pk]), data)
            for user, kube in zip(users, kubes, strict=True)
        )
    )
    assert codes(responses) == [200, 200, 200, 302]
    assert all(REFERENCE_TAKEN in r.content.decode() for r in responses if r.status_code == 200)
    assert Grant.objects.filter(transfer_reference="SP2D-2025-077").count() == 1


def test_grant_reference_taken_while_the_form_was_saved(regions, officer_bandung):
    kube, other = KubeFactory(status=Status.DITETAPKAN), KubeFactory(status=Status.AKTIF)
    client = client_of(officer_bandung)
    with holding(lambda: GrantFactory(kube=other, transfer_reference="SP2D-88", recorded_by=officer_bandung)):
        response = client.post(reverse("groups:grant_add", args=[kube.pk]), {**GRANT, "transfer_reference": "SP2D-88"})
    assert response.status_code == 200
    assert REFERENCE_TAKEN in response.content.decode()
    assert response.context["form"]["transfer_reference"].value() == "SP2D-88"
    kube.refresh_from_db()
    assert kube.status == Status.DITETAPKAN and not kube.grants.exists()


# --- Households and members ---------------------------------------------------------------------------

BORN = datetime.date(1980, 6, 15)


def household_form(user, *, no_kk: str, nik: str) -> dict:
    data = page(user, reverse("beneficiaries:household_create"), "form", "formset")
    data.update(
        {
            "no_kk": no_kk,
            "village": BANDUNG_VILLAGE,
            "address": "Jl. Sukarasa 1",
            "members-0-nik": nik,
            "members-0-name": "Asep Sunandar",
            "members-0-sex": "L",
            "members-0-birth_date": BORN.isoformat(),
            "members-0-relationship": Relationship.HEAD,
        }
    )
    return data


def no_kk(serial: int) -> str:
    return compose_no_kk(BANDUNG_VILLAGE, datetime.date(2015, 3, 10), serial)


def nik(serial: int) -> str:
    return compose_nik(BANDUNG_VILLAGE, BORN, "L", serial)


def test_parallel_duplicate_no_kk_and_nik(regions):
    users = officers(regions, 3)
    url = reverse("beneficiaries:household_create")
    same_kk = [household_form(user, no_kk=no_kk(7), nik=nik(10 + i)) for i, user in enumerate(users)]
    responses = in_parallel(*(poster(user, url, data) for user, data in zip(users, same_kk, strict=True)))
    assert codes(responses) == [200, 200, 302]
    assert Household.objects.filter(no_kk=no_kk(7)).count() == 1

    same_nik = [household_form(user, no_kk=no_kk(20 + i), nik=nik(30)) for i, user in enumerate(users)]
    responses = in_parallel(*(poster(user, url, data) for user, data in zip(users, same_nik, strict=True)))
    assert codes(responses) == [200, 200, 302]
    assert Member.objects.filter(nik=nik(30)).count() == 1
    assert Household.objects.filter(no_kk__in=[no_kk(20), no_kk(21), no_kk(22)]).count() == 1


def test_no_kk_and_nik_taken_while_the_form_was_saved(regions, officer_bandung):
    client = client_of(officer_bandung)
    url = reverse("beneficiaries:household_create")
    with holding(lambda: HouseholdFactory(no_kk=no_kk(40))):
        response = client.post(url, household_form(officer_bandung, no_kk=no_kk(40), nik=nik(41)))
    assert response.status_code == 200
    assert "No. KK ini sudah terdaftar" in response.content.decode()
    assert not Member.objects.filter(nik=nik(41)).exists()

    with holding(lambda: MemberFactory(nik=nik(50), household=HouseholdFactory(no_kk=no_kk(51)))):
        response = client.post(url, household_form(officer_bandung, no_kk=no_kk(52), nik=nik(50)))
    assert response.status_code == 200
    assert f"NIK ini sudah terdaftar pada keluarga dengan No. KK {no_kk(51)}" in response.content.decode()
    assert not Household.objects.filter(no_kk=no_kk(52)).exists()


# --- Logins and mentors -------------------------------------------------------------------------


def login_form(user, username: str) -> dict:
    data = page(user, reverse("accounts:user_create"), "form")
    data.update(
        username=username,
        first_name="Siti",
        last_name="Rahayu",
        role=Role.PENDAMPING,
        region=KOTA_BANDUNG,
        password1=NEW_PASSWORD,
        password2=NEW_PASSWORD,
    )
    return data


def mentor_form(user, *, username: str, nik: str) -> dict:
    data = page(user, reverse("mentors:mentor_create"), "form")
    data.update(
        name="Dewi Lestari",
        nik=nik,
        education="s1",
        work_area=KOTA_BANDUNG,
        status="calon",
        username=username,
        password1=NEW_PASSWORD,
        password2=NEW_PASSWORD,
    )
    return data


def test_parallel_duplicate_username_and_mentor_nik(regions):
    users = officers(regions, 3)
    url = reverse("accounts:user_create")
    responses = in_parallel(*(poster(user, url, login_form(user, "siti.pdp")) for user in users))
    assert codes(responses) == [200, 200, 302]
    assert User.objects.filter(username="siti.pdp").count() == 1

    mentor_nik = compose_nik("32.73.01", datetime.date(1990, 5, 17), "P", 77)
    url = reverse("mentors:mentor_create")
    forms = [mentor_form(user, username=f"dewi{i}", nik=mentor_nik) for i, user in enumerate(users)]
    responses = in_parallel(*(poster(user, url, data) for user, data in zip(users, forms, strict=True)))
    assert codes(responses) == [200, 200, 302]
    assert Mentor.objects.filter(nik=mentor_nik).count() == 1
    # The refused mentors' logins were not created either: one transaction per save.
    assert User.objects.filter(username__startswith="dewi").count() == 1


def test_username_and_mentor_nik_taken_while_the_form_was_saved(regions, officer_bandung):
    client = client_of(officer_bandung)
    with holding(lambda: UserFactory(username="budi.pdp", role=Role.PENDAMPING, region=regions[KOTA_BANDUNG])):
        response = client.post(reverse("accounts:user_create"), login_form(officer_bandung, "budi.pdp"))
    assert response.status_code == 200
    assert "Nama pengguna ini sudah dipakai." in response.content.decode()

    mentor_nik = compose_nik("32.73.01", datetime.date(1990, 5, 17), "P", 88)
    with holding(lambda: MentorFactory(nik=mentor_nik)):
        response = client.post(
            reverse("mentors:mentor_create"), mentor_form(officer_bandung, username="rina.pdp", nik=mentor_nik)
        )
    assert response.status_code == 200
    assert "NIK ini sudah terdaftar sebagai pendamping." in response.content.decode()
    assert not User.objects.filter(username="rina.pdp").exists()


# --- Criteria, reports, memberships, assignments, visits ------------------------------------------


def test_parallel_criteria_revisions_from_one_page(regions):
    admins = [UserFactory(username=f"admin_{i}", role=Role.ADMIN, is_superuser=True) for i in range(3)]
    url = reverse("graduation:criteria_list")
    forms = [{**page(admin, url, "form"), "assets_threshold": str(6_000_000 + i)} for i, admin in enumerate(admins)]
    responses = in_parallel(*(poster(admin, url, data) for admin, data in zip(admins, forms, strict=True)))
    assert codes(responses) == [200, 200, 302]
    assert all(r.context["form"].stale for r in responses if r.status_code == 200)
    assert CriteriaSet.objects.filter(is_active=True).count() == 1
    assert sorted(CriteriaSet.objects.values_list("version", flat=True)) == [1, 2]


def test_parallel_reports_of_one_month(regions):
    users = officers(regions, 3)
    kube = KubeFactory(status=Status.AKTIF)
    url = reverse("groups:report_add", args=[kube.pk])
    forms = [
        {
            **page(user, url, "form"),
            **{"month": "2025-04", "revenue": str(1_000_000 * (i + 1)), "costs": "500000", "cash": "0"},
            **{"group_savings": "0", "assets_value": "0", "members_present": "5"},
        }
        for i, user in enumerate(users)
    ]
    responses = in_parallel(*(poster(user, url, data) for user, data in zip(users, forms, strict=True)))
    assert codes(responses) == [200, 200, 302]
    assert all("Laporan bulan ini sudah ada" in r.content.decode() for r in responses if r.status_code == 200)
    assert BusinessReport.objects.filter(kube=kube).count() == 1


def test_parallel_membership_and_assignment_of_one_kube(regions, admin_user):
    users = officers(regions, 3)
    kube = KubeFactory(status=Status.AKTIF)
    household = household_in(kube.kecamatan_id)
    url = reverse("groups:membership_add", args=[kube.pk])
    data = {"household": household.pk, "role": "anggota", "joined_on": "2025-02-01"}
    responses = in_parallel(*(poster(user, url, data) for user in users))
    assert codes(responses) == [200, 200, 302]
    assert Membership.objects.filter(kube=kube, household=household).count() == 1

    mentors = [MentorFactory() for _ in users]
    url = reverse("mentors:kube_assign", args=[kube.pk])
    today = timezone.localdate().isoformat()
    forms = [
        {**page(user, url, "form"), "mentor": mentor.pk, "started_on": today}
        for user, mentor in zip(users, mentors, strict=True)
    ]
    responses = in_parallel(*(poster(user, url, data) for user, data in zip(users, forms, strict=True)))
    assert codes(responses) == [200, 200, 302]
    assert Assignment.objects.filter(kube=kube, ended_on__isnull=True).count() == 1


def test_one_visit_code_sent_for_two_kube_at_once(regions, admin_user, mentor_bandung):
    mentor = MentorFactory(user=mentor_bandung)
    kubes = [KubeFactory(status=Status.AKTIF) for _ in range(2)]
    for kube in kubes:
        MembershipFactory(kube=kube)
        AssignmentFactory(mentor=mentor, kube=kube, created_by=admin_user)
    code = str(uuid.uuid4())
    data = {
        "client_uuid": code,
        "visited_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "topics": ["pembukuan"],
    }
    calls = [poster(mentor_bandung, reverse("mentors:visit_create", args=[kube.pk]), data) for kube in kubes]
    responses = in_parallel(*calls)
    assert codes(responses) == [302, 400]
    assert FieldVisit.objects.filter(client_uuid=code).count() == 1
