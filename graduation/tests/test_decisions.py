import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from accounts.tests.factories import UserFactory
from beneficiaries.models import DeactivationReason, Household
from conftest import KAB_GARUT
from graduation.models import (
    AssessmentSource,
    DecisionStatus,
    GraduationDecision,
    GraduationKind,
    GraduationStatus,
    HouseholdAssessment,
    ProposalBasis,
)
from graduation.recompute import recompute_graduation
from graduation.services import (
    assessment_record,
    graduation_decide,
    graduation_propose,
    graduation_reject,
    graduation_verify,
)
from graduation.tests.helpers import RUN_DATE, assess, garut_household, join, kube_at_level, months_before

pytestmark = pytest.mark.django_db


@pytest.fixture
def mentor_garut(regions):
    return UserFactory(username="pendamping_garut", role=Role.PENDAMPING, region=regions[KAB_GARUT])


@pytest.fixture
def siap_household(regions):
    household = garut_household(desil=6)
    assess(household, income=1_000_000, savings=6_000_000)
    join(household, kube_at_level(), on=months_before(RUN_DATE, 13))
    recompute_graduation(run_date=RUN_DATE)
    assert GraduationStatus.objects.get(household=household).state == "siap"
    return household


def test_the_district_office_verifies_and_decides_mandiri_and_the_household_leaves_the_active_lists(
    siap_household, officer_garut
):
    decision = graduation_propose(user=officer_garut, household=siap_household, basis=ProposalBasis.SIAP)
    assert decision.status == DecisionStatus.PROPOSED and decision.readiness_at_proposal == "siap"
    assert GraduationStatus.objects.visible_to(officer_garut).siap().count() == 1
    with pytest.raises(ValidationError):
        graduation_decide(user=officer_garut, decision=decision, kind=GraduationKind.MANDIRI)  # not verified yet
    graduation_verify(user=officer_garut, decision=decision, note="Dicek di lapangan")
    decided = graduation_decide(
        user=officer_garut, decision=decision, kind=GraduationKind.MANDIRI, decided_on=datetime.date(2026, 6, 10)
    )
    assert decided.status == DecisionStatus.DECIDED
    assert decided.monitoring_until == datetime.date(2027, 6, 10)
    household = Household.objects.get(pk=siap_household.pk)
    assert not household.is_active and household.deactivation_reason == DeactivationReason.GRADUATED
    assert GraduationStatus.objects.visible_to(officer_garut).siap().count() == 0
    # The nightly run leaves graduated households alone.
    assert recompute_graduation(run_date=RUN_DATE).counts["siap"] == 0


def test_a_household_that_is_neither_siap_nor_alamiah_needs_a_written_reason(regions, officer_garut):
    household = garut_household(desil=2)
    MemberFactory_child(household)
    recompute_graduation(run_date=RUN_DATE)
    with pytest.raises(ValidationError):
        graduation_propose(user=officer_garut, household=household, basis=ProposalBasis.SIAP)
    with pytest.raises(ValidationError):
        graduation_propose(user=officer_garut, household=household, basis=ProposalBasis.ALAMIAH)
    with pytest.raises(ValidationError):
        graduation_propose(user=officer_garut, household=household, basis=ProposalBasis.OTHER, reason="  ")
    decision = graduation_propose(
        user=officer_garut, household=household, basis=ProposalBasis.OTHER, reason="Usaha warung stabil"
    )
    with pytest.raises(ValidationError):  # one open proposal per household
        graduation_propose(user=officer_garut, household=household, basis=ProposalBasis.OTHER, reason="lagi")
    rejected = graduation_reject(user=officer_garut, decision=decision, reason="Pendapatan belum stabil")
    assert rejected.status == DecisionStatus.REJECTED
    assert Household.objects.get(pk=household.pk).is_active


def MemberFactory_child(household):  # noqa: N802 - reads as a factory
    from beneficiaries.tests.factories import MemberFactory

    return MemberFactory(household=household, relationship="anak", birth_date=datetime.date(2018, 1, 1))


def test_alamiah_candidate_is_decided_as_graduasi_alamiah(regions, officer_garut):
    household = garut_household(receives_pkh=True)
    recompute_graduation(run_date=RUN_DATE)
    decision = graduation_propose(user=officer_garut, household=household, basis=ProposalBasis.ALAMIAH)
    graduation_verify(user=officer_garut, decision=decision)
    assert graduation_decide(user=officer_garut, decision=decision, kind=GraduationKind.ALAMIAH).kind == "alamiah"


def test_roles_mentor_proposes_only_the_district_office_decides(
    siap_household, officer_garut, officer_jabar, direktorat_user, mentor_garut
):
    with pytest.raises(PermissionDenied):
        graduation_propose(user=officer_jabar, household=siap_household, basis=ProposalBasis.SIAP)
    decision = GraduationDecision.objects.create(
        household=siap_household, basis=ProposalBasis.SIAP, proposed_by=mentor_garut
    )
    for user in (mentor_garut, officer_jabar, direktorat_user):
        with pytest.raises(PermissionDenied):
            graduation_verify(user=user, decision=decision)
    graduation_verify(user=officer_garut, decision=decision)


def test_another_district_cannot_touch_the_decision(siap_household, officer_garut, officer_bandung):
    decision = graduation_propose(user=officer_garut, household=siap_household, basis=ProposalBasis.SIAP)
    with pytest.raises(GraduationDecision.DoesNotExist):
        graduation_verify(user=officer_bandung, decision=decision)
    with pytest.raises(Household.DoesNotExist):
        assessment_record(
            user=officer_bandung,
            household=siap_household,
            assessed_on=datetime.date(2026, 5, 1),
            monthly_income=1,
            savings=0,
            productive_assets=0,
            housing_condition="layak",
        )


def _graduate(household, officer, on):
    decision = graduation_propose(user=officer, household=household, basis=ProposalBasis.SIAP)
    graduation_verify(user=officer, decision=decision)
    return graduation_decide(user=officer, decision=decision, kind=GraduationKind.MANDIRI, decided_on=on)


@pytest.mark.parametrize(
    ("income", "relapse"),
    [(580_348, True), (580_349, False)],  # the rural line of March 2025, one member
)
def test_an_assessment_below_the_poverty_line_while_monitored_flags_a_relapse(
    siap_household, officer_garut, income, relapse
):
    decision = _graduate(siap_household, officer_garut, datetime.date(2026, 6, 2))
    assessment = assessment_record(
        user=officer_garut,
        household=siap_household,
        assessed_on=datetime.date(2026, 9, 1),
        monthly_income=income,
        savings=0,
        productive_assets=0,
        housing_condition="layak",
    )
    decision.refresh_from_db()
    assert (decision.relapse_on is not None) is relapse
    if relapse:
        assert decision.relapse_assessment == assessment
        assert list(GraduationDecision.objects.visible_to(officer_garut).relapsed()) == [decision]


def test_no_relapse_after_the_twelve_months(siap_household, officer_garut):
    decision = _graduate(siap_household, officer_garut, datetime.date(2025, 1, 10))
    assessment_record(
        user=officer_garut,
        household=siap_household,
        assessed_on=datetime.date(2026, 1, 11),
        monthly_income=10,
        savings=0,
        productive_assets=0,
        housing_condition="layak",
    )
    decision.refresh_from_db()
    assert decision.relapse_on is None


def test_a_mentor_assessment_is_from_a_visit_and_an_office_one_a_survey(siap_household, officer_garut):
    office = assessment_record(
        user=officer_garut,
        household=siap_household,
        assessed_on=datetime.date(2026, 5, 5),
        monthly_income=2_000_000,
        savings=0,
        productive_assets=0,
        housing_condition="layak",
    )
    assert office.source == AssessmentSource.OFFICE_SURVEY and office.assessor == officer_garut
    assert HouseholdAssessment.objects.visible_to(officer_garut).count() == 2


def test_a_mentor_records_an_assessment_from_a_visit_and_proposes(regions, officer_garut):
    from mentors.tests.scope_builders import _garut_visit

    class World:
        pass

    world = World()
    world.officer_garut = officer_garut
    visit = _garut_visit(world)
    mentor_user = visit.mentor.user
    household = visit.kube.memberships.get().household
    assessment = assessment_record(
        user=mentor_user,
        household=household,
        assessed_on=datetime.date(2026, 5, 5),
        monthly_income=3_000_000,
        savings=0,
        productive_assets=0,
        housing_condition="layak",
        visit=visit,
    )
    assert assessment.source == AssessmentSource.MENTOR_VISIT and assessment.visit == visit
    assert assessment.assessor == mentor_user
    decision = graduation_propose(user=mentor_user, household=household, basis=ProposalBasis.OTHER, reason="Maju")
    assert decision.proposed_by == mentor_user
    with pytest.raises(PermissionDenied):
        graduation_verify(user=mentor_user, decision=decision)
    other = garut_household()  # not in the visited KUBE
    with pytest.raises(Household.DoesNotExist):
        assessment_record(
            user=mentor_user,
            household=other,
            assessed_on=datetime.date(2026, 5, 5),
            monthly_income=1,
            savings=0,
            productive_assets=0,
            housing_condition="layak",
            visit=visit,
        )
