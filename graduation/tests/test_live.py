"""Readiness follows every change at once (DESIGN.md section 4: the page never says "tomorrow").

Saving an assessment, a membership change, a member added, edited or removed, a household edit or
import, a business report (through the KUBE's maturity) and a KUBE's status change recompute the
households concerned in the same transaction, with the Python engine, written as the nightly run
writes: these tests check the stored readiness right after each service call, without any run.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import Household, Member
from beneficiaries.services import HOUSEHOLD_FIELDS, MEMBER_FIELDS, MemberChange, household_update
from graduation.models import GraduationStatus, GraduationStatusChange
from graduation.readiness import compute
from graduation.services import assessment_record
from graduation.tests.helpers import garut_household, join
from groups.maturity import classify_all
from groups.models import BusinessReport, Kube, MaturityLevel
from groups.tests.factories import KubeFactory
from kube_portal.dates import month_start

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def status_of(household) -> GraduationStatus:
    return GraduationStatus.objects.get(household=household)


def equals_the_python_engine(household) -> None:
    """What is stored is what the engine computes for today (so the nightly run would change nothing)."""
    result = compute([household.pk], run_date=today())[household.pk]
    stored = status_of(household)
    assert (stored.state, stored.score, stored.explanation, stored.inputs) == (
        result.state,
        result.score,
        result.explanation,
        result.inputs,
    )


def record(user, household, **values):
    data = {"monthly_income": 0, "savings": 0, "productive_assets": 0, "housing_condition": "layak"} | values
    return assessment_record(user=user, household=household, assessed_on=today(), **data)


def berkembang_kube(**kwargs) -> Kube:
    """An active KUBE in Garut Kota classified Berkembang today (12 profitable months, active 30 months)."""
    kube = KubeFactory(garut=True, status="aktif", activated_on=month_start(today(), -30), **kwargs)
    BusinessReport.objects.bulk_create(
        BusinessReport(kube=kube, month=month_start(today(), -n), revenue=6_000_000, costs=5_000_000)
        for n in range(1, 13)
    )
    classify_all(as_of=today())
    kube.refresh_from_db()
    assert kube.maturity_level == MaturityLevel.BERKEMBANG
    return kube


def test_an_assessment_recomputes_at_once_and_the_page_says_so(regions, officer_garut, client):
    household = garut_household(desil=6)
    client.force_login(officer_garut)
    response = client.post(
        reverse("graduation:assessment_create", args=[household.pk]),
        {
            "assessed_on": today().isoformat(),
            "monthly_income": "1000000",
            "savings": "6000000",
            "productive_assets": "0",
            "housing_condition": "layak",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "sudah dihitung ulang" in html and "malam" not in html
    status = status_of(household)
    assert (status.state, status.needs_assessment, status.run_id) == ("menuju", False, None)
    assert [c.to_state for c in GraduationStatusChange.objects.filter(household=household)] == ["menuju"]
    equals_the_python_engine(household)


def test_joining_and_leaving_a_kube_recompute_the_household(regions, officer_garut):
    from groups.services import membership_add, membership_end

    household = garut_household()
    kube = berkembang_kube()
    membership = membership_add(kube=kube, user=officer_garut, household=household, joined_on=month_start(today(), -13))
    assert status_of(household).explanation["kube"]["verdict"] == "met"
    # Leaving later (a date still in the future) keeps the household a member until then.
    membership_end(membership=membership, user=officer_garut, reason="Pindah", left_on=today() + datetime.timedelta(1))
    assert status_of(household).explanation["kube"]["verdict"] == "met"
    equals_the_python_engine(household)


def test_leaving_today_recomputes_the_household(regions, officer_garut):
    from groups.services import membership_end

    household = garut_household()
    membership = join(household, berkembang_kube(), on=month_start(today(), -13))
    membership_end(membership=membership, user=officer_garut, reason="Pindah")
    assert status_of(household).explanation["kube"]["code"] == "no_membership"


def test_a_member_added_edited_or_removed_recomputes_the_household(regions, officer_garut):
    household = garut_household(receives_pkh=True)
    head = household.members.get()

    def members(*changes):
        household_update(
            user=officer_garut,
            household=household,
            data={name: getattr(household, name) for name in HOUSEHOLD_FIELDS},
            members=[MemberChange(data={f: getattr(head, f) for f in MEMBER_FIELDS}, id=head.pk), *changes],
        )

    members()
    assert status_of(household).alamiah_candidate is True  # PKH, adults only
    child = {
        "nik": "3205014101150001",
        "name": "Siti Aminah",
        "sex": "P",
        "birth_date": datetime.date(2015, 1, 1),
        "relationship": "anak",
        "has_disability": False,
        "is_pregnant": False,
        "education": "",
        "occupation": "",
    }
    members(MemberChange(data=child))
    assert status_of(household).alamiah_candidate is False
    assert status_of(household).explanation["alamiah"]["school_age"] == 1
    added = Member.objects.get(nik=child["nik"])
    # The NIK encodes the birth date: the household rules hold in the service too.
    grown_up = {**child, "nik": "3205014101900001", "birth_date": datetime.date(1990, 1, 1)}
    members(MemberChange(data=grown_up, id=added.pk))
    assert status_of(household).alamiah_candidate is True
    members(MemberChange(data=child, id=added.pk, delete=True))
    assert status_of(household).explanation["alamiah"]["members"] == 1
    equals_the_python_engine(household)


def test_a_bulk_desil_update_recomputes_the_households(regions, officer_garut):
    from beneficiaries.services import households_bulk_update

    households = [garut_household(desil=2) for _ in range(3)]
    households_bulk_update(user=officer_garut, household_ids=[h.pk for h in households], changes={"desil": 8})
    assert {status_of(h).explanation["desil"]["verdict"] for h in households} == {"met"}


def test_an_import_computes_the_readiness_of_the_households_it_wrote(regions, officer_bandung, tmp_path):
    from beneficiaries.importing import households_import
    from beneficiaries.tests.test_importing import GOOD, write_csv

    households_import(user=officer_bandung, path=write_csv(tmp_path, GOOD), dry_run=False)
    imported = Household.objects.filter(no_kk__in=[row["no_kk"] for row in GOOD])
    assert GraduationStatus.objects.filter(household__in=imported).count() == 2
    for household in imported:
        equals_the_python_engine(household)


def test_a_business_report_reclassifies_the_kube_and_recomputes_its_members(regions, officer_garut):
    from groups.services import report_save

    kube = KubeFactory(garut=True, status="aktif", activated_on=month_start(today(), -30))
    BusinessReport.objects.bulk_create(
        BusinessReport(kube=kube, month=month_start(today(), -n), revenue=6_000_000, costs=5_000_000)
        for n in range(2, 7)
    )
    household = garut_household()
    join(household, kube, on=month_start(today(), -20))
    record(officer_garut, household)  # a first readiness: the KUBE is Tumbuh
    assert status_of(household).explanation["kube"]["verdict"] == "not_met"
    report_save(kube=kube, user=officer_garut, month=month_start(today(), -1), data={"revenue": 6, "costs": 5})
    kube.refresh_from_db()
    assert kube.maturity_level == MaturityLevel.BERKEMBANG  # the sixth profitable month
    assert status_of(household).explanation["kube"]["verdict"] == "met"
    equals_the_python_engine(household)


def test_a_kube_that_stops_being_active_recomputes_its_members(regions, officer_garut):
    from groups.services import kube_transition

    kube = berkembang_kube()
    household = garut_household()
    join(household, kube, on=month_start(today(), -13))
    record(officer_garut, household)
    assert status_of(household).explanation["kube"]["verdict"] == "met"
    kube_transition(kube=kube, user=officer_garut, action="nonaktifkan", comment="Usaha berhenti")
    assert status_of(household).explanation["kube"]["verdict"] == "not_met"


def test_a_household_without_readiness_is_never_promised_for_tomorrow(regions, officer_garut, client):
    household = garut_household()
    client.force_login(officer_garut)
    html = client.get(reverse("graduation:household_readiness", args=[household.pk])).content.decode()
    assert "belum dihitung" in html and "malam" not in html
