"""Two people edit the same record: the second save, made from the old page, is refused with the diff.

For each edit form of a register record (household with members, KUBE, mentor, assignment,
graduation criteria): both open the page, the first saves, the second saves what they
typed on the old page. The second gets the form back with their input kept, a message
showing what is stored now against what they typed, and nothing of theirs written; saving
again from that page (it now carries the current version) goes through.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Role
from accounts.tests.factories import UserFactory
from beneficiaries.models import Household, Relationship
from beneficiaries.tests.factories import HouseholdFactory, MemberFactory
from conftest import KOTA_BANDUNG
from graduation.models import CriteriaSet
from groups.models import Kube
from groups.tests.factories import KubeFactory
from kube_portal.concurrency import StaleEdit
from mentors import services as mentor_services
from mentors.models import Assignment, Mentor
from mentors.tests.factories import AssignmentFactory, MentorFactory
from tests.pages import client_for, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_officer(regions):
    return UserFactory(username="dinsos_bandung_2", role=Role.DINSOS_KABKOTA, region=regions[KOTA_BANDUNG])


def opened(client, url, *names) -> dict:
    """The page's forms as the browser holds them after loading it."""
    context = client.get(url).context
    return form_data(*(context[name] for name in names))


@dataclass
class Editor:
    """Someone with the edit page open in their browser."""

    client: Client
    url: str
    page: dict

    def save(self, data: dict | None = None, **changes):
        return self.client.post(self.url, {**(data or self.page), **changes})


def both_open(url, first_user, second_user, *names) -> tuple[Editor, Editor]:
    """Two people open the same edit page, before either saves."""
    names = names or ("form",)
    editors = []
    for user in (first_user, second_user):
        client = client_for(user)
        editors.append(Editor(client, url, opened(client, url, *names)))
    return editors[0], editors[1]


def refused(response) -> dict[str, tuple[str, str]]:
    """The differences a refused save shows: {label: (stored now, typed)}; the page shows them too."""
    assert response.status_code == 200
    stale = response.context["form"].stale
    assert isinstance(stale, StaleEdit), "the save was not refused as stale"
    html = response.content.decode()
    assert 'data-testid="stale-edit"' in html
    for difference in stale.differences:
        assert difference.label in html
    return {d.label: (d.theirs, d.yours) for d in stale.differences}


def resubmitted(response, **changes) -> dict:
    """What the re-rendered page would send: the user's input and the version it now carries."""
    names = [name for name in ("form", "formset") if name in response.context]
    return {**form_data(*(response.context[name] for name in names)), **changes}


def test_household_second_save_is_refused_with_the_diff(officer_bandung, second_officer):
    household = HouseholdFactory(address="Jl. Sukarasa 1", phone="")
    head = MemberFactory(household=household, relationship=Relationship.HEAD, name="Asep Sunandar")
    url = reverse("beneficiaries:household_edit", args=[household.pk])
    first, second = both_open(url, officer_bandung, second_officer, "form", "formset")

    assert first.save(address="Jl. Sukajadi 9", **{"members-0-name": "Asep S."}).status_code == 302
    response = second.save(phone="081200000000")
    diff = refused(response)
    assert diff["Alamat"] == ("Jl. Sukajadi 9", "Jl. Sukarasa 1")
    assert diff["Asep S.: Nama"] == ("Asep S.", "Asep Sunandar")
    assert diff["Telepon"] == ("—", "081200000000")
    assert "diubah oleh dinsos_bandung" in response.content.decode()
    household.refresh_from_db()
    head.refresh_from_db()
    assert (household.address, household.phone, head.name) == ("Jl. Sukajadi 9", "", "Asep S.")
    # Nothing lost: the page shows what the second officer typed.
    assert response.context["form"]["phone"].value() == "081200000000"

    # Having seen the other change, the second officer keeps the new address and saves again.
    again = resubmitted(response, address="Jl. Sukajadi 9", **{"members-0-name": "Asep S."})
    assert second.save(again).status_code == 302
    household.refresh_from_db()
    assert (household.address, household.phone) == ("Jl. Sukajadi 9", "081200000000")


def test_household_members_added_meanwhile_are_shown(officer_bandung, second_officer):
    household = HouseholdFactory()
    MemberFactory(household=household, relationship=Relationship.HEAD)
    url = reverse("beneficiaries:household_edit", args=[household.pk])
    page = opened(client_for(second_officer), url, "form", "formset")
    added = MemberFactory(household=household, relationship=Relationship.CHILD, name="Dewi Lestari")
    Household.objects.filter(pk=household.pk).update(version=household.version + 1)  # as the services do

    diff = refused(client_for(second_officer).post(url, {**page, "rt": "009"}))
    assert diff["Anggota"] == (f"Dewi Lestari ({added.nik})", "tidak ada di formulir")


def test_kube_second_save_is_refused_with_the_diff(officer_bandung, second_officer):
    kube = KubeFactory(name="KUBE Melati", bank_account_number="001200000001")
    url = reverse("groups:kube_edit", args=[kube.pk])
    first, second = both_open(url, officer_bandung, second_officer)

    assert first.save(name="KUBE Melati Jaya").status_code == 302
    response = second.save(bank_account_number="009900000001")
    diff = refused(response)
    assert diff["Nama KUBE"] == ("KUBE Melati Jaya", "KUBE Melati")
    assert diff["Nomor rekening"] == ("001200000001", "009900000001")
    kube.refresh_from_db()
    assert (kube.name, kube.bank_account_number) == ("KUBE Melati Jaya", "001200000001")

    assert second.save(resubmitted(response, name="KUBE Melati Jaya")).status_code == 302
    kube.refresh_from_db()
    assert (kube.name, kube.bank_account_number) == ("KUBE Melati Jaya", "009900000001")


def test_a_stale_save_that_changes_nothing_stored_goes_through(officer_bandung, second_officer):
    kube = KubeFactory(name="KUBE Melati")
    url = reverse("groups:kube_edit", args=[kube.pk])
    first, second = both_open(url, officer_bandung, second_officer)
    assert first.save(name="X").status_code == 302
    Kube.objects.filter(pk=kube.pk).update(name="KUBE Melati")  # changed and changed back
    assert second.save().status_code == 302


def test_mentor_second_save_is_refused_with_the_diff(officer_bandung, second_officer):
    mentor = MentorFactory(name="Budi Santoso", phone="081111111111")
    url = reverse("mentors:mentor_edit", args=[mentor.pk])
    first, second = both_open(url, officer_bandung, second_officer)

    assert first.save(phone="082222222222").status_code == 302
    response = second.save(name="Budi Santosa", contract_end="2027-06-30")
    diff = refused(response)
    assert diff["Telepon"] == ("082222222222", "081111111111")
    assert diff["Nama"] == ("Budi Santoso", "Budi Santosa")
    assert diff["Kontrak berakhir"] == ("31 Des 2026", "30 Jun 2027")  # as Indonesian readers write dates
    mentor.refresh_from_db()
    assert (mentor.name, mentor.phone) == ("Budi Santoso", "082222222222")


def test_reassignment_made_meanwhile_is_not_undone_blindly(officer_bandung, second_officer, admin_user):
    kube = KubeFactory(status="aktif")
    AssignmentFactory(kube=kube, mentor=MentorFactory(name="Pendamping Lama"), created_by=admin_user)
    first_choice, second_choice = MentorFactory(name="Ani Rahmawati"), MentorFactory(name="Joko Widodo")
    url = reverse("mentors:kube_assign", args=[kube.pk])
    first, second = both_open(url, officer_bandung, second_officer)
    today = timezone.localdate().isoformat()

    assert first.save(mentor=first_choice.pk, started_on=today).status_code == 302
    response = second.save(mentor=second_choice.pk, started_on=today)
    diff = refused(response)
    assert diff["Pendamping"] == (f"Ani Rahmawati, sejak {timezone.localdate():%d-%m-%Y}", "Joko Widodo")
    assert Assignment.objects.get(kube=kube, ended_on__isnull=True).mentor == first_choice

    assert second.save(resubmitted(response)).status_code == 302
    assert Assignment.objects.get(kube=kube, ended_on__isnull=True).mentor == second_choice


def test_assignment_end_second_save_is_refused_with_the_diff(officer_bandung, second_officer, admin_user):
    assignment = AssignmentFactory(kube=KubeFactory(status="aktif"), created_by=admin_user)
    url = reverse("mentors:assignment_end", args=[assignment.pk])
    first, second = both_open(url, officer_bandung, second_officer)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    assert first.save(reason="Kontrak selesai").status_code == 302
    response = second.save(ended_on=yesterday.isoformat(), reason="Pindah tugas")
    diff = refused(response)
    assert diff["Alasan berakhir"] == ("Kontrak selesai", "Pindah tugas")
    assert diff["Berakhir"] == (date_format(timezone.localdate(), "j M Y"), date_format(yesterday, "j M Y"))
    assignment.refresh_from_db()
    assert (assignment.ended_on, assignment.end_reason) == (timezone.localdate(), "Kontrak selesai")


def test_criteria_second_save_is_refused_with_the_diff(regions, admin_user):
    other_admin = UserFactory(username="admin_2", role=Role.ADMIN, is_superuser=True, is_staff=True)
    url = reverse("graduation:criteria_list")
    first, second = both_open(url, admin_user, other_admin)

    assert first.save(income_multiple="2.00", note="Tahun 2027").status_code == 302
    response = second.save(assets_threshold="6000000")
    diff = refused(response)
    assert diff["Kelipatan garis kemiskinan"] == ("2", "1.5")
    assert diff["Ambang tabungan atau aset produktif (Rp)"] == ("5000000", "6000000")
    active = CriteriaSet.objects.active()
    assert (active.version, active.income_multiple, active.assets_threshold) == (2, 2, 5_000_000)

    assert second.save(resubmitted(response, income_multiple="2.00")).status_code == 302
    active = CriteriaSet.objects.active()
    assert (active.version, active.income_multiple, active.assets_threshold) == (3, 2, 6_000_000)


def test_the_service_refuses_with_the_current_object_for_the_api(officer_bandung):
    mentor = MentorFactory(name="Budi Santoso")
    data = {
        "nik": mentor.nik,
        "name": "Budi",
        "phone": mentor.phone,
        "education": mentor.education,
        "work_area": mentor.work_area,
        "status": mentor.status,
        "contract_start": mentor.contract_start,
        "contract_end": mentor.contract_end,
    }
    mentor_services.mentor_update(user=officer_bandung, mentor=mentor, data=data, version=mentor.version)
    with pytest.raises(StaleEdit) as refused_save:
        mentor_services.mentor_update(user=officer_bandung, mentor=mentor, data={**data, "name": "Budi S."}, version=1)
    assert refused_save.value.current.pk == mentor.pk
    assert refused_save.value.current.version == Mentor.objects.get(pk=mentor.pk).version == 2
