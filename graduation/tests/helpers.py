"""Households in Kabupaten Garut with the facts the readiness rules read."""

import datetime

from accounts.models import Role
from beneficiaries.tests.factories import MemberFactory
from graduation.models import AssessmentSource, HouseholdAssessment
from groups.models import BusinessReport, MaturityLevel, Membership
from groups.tests.factories import GARUT_KECAMATAN, KubeFactory, household_in
from kube_portal.dates import add_months

RUN_DATE = datetime.date(2026, 6, 1)
# 1.5 × the national rural line of March 2025 (580,349): Garut households are rural.
RURAL_THRESHOLD_PER_CAPITA = 870_523.5


def garut_household(*, desil=None, members=1, **kwargs):
    """An active household in Garut Kota with a head born 1980 and `members - 1` more adults."""
    household = household_in(GARUT_KECAMATAN, desil=desil, is_urban=False, **kwargs)
    for _ in range(members - 1):
        MemberFactory(household=household, relationship="lainnya", birth_date=datetime.date(1985, 2, 3))
    return household


def assess(household, *, income=0, savings=0, assets=0, on=datetime.date(2026, 5, 1), assessor=None):
    from accounts.tests.factories import UserFactory

    return HouseholdAssessment.objects.create(
        household=household,
        assessed_on=on,
        monthly_income=income,
        savings=savings,
        productive_assets=assets,
        housing_condition="layak",
        source=AssessmentSource.OFFICE_SURVEY,
        assessor=assessor or UserFactory(username="penilai", role=Role.ADMIN),
    )


def months_before(day: datetime.date, months: int) -> datetime.date:
    return add_months(day, -months)


def kube_at_level(level: str = MaturityLevel.BERKEMBANG, *, run_date=RUN_DATE):
    """An active KUBE in Garut Kota whose reports make the groups classification give `level`."""
    kube = KubeFactory(garut=True, status="aktif", activated_on=months_before(run_date, 30))
    if level == MaturityLevel.TUMBUH:
        return kube
    # 24 monthly reports, all profitable; for Maju the revenue grows and savings are high.
    for back in range(1, 25):
        growing = level == MaturityLevel.MAJU and back <= 12
        BusinessReport.objects.create(
            kube=kube,
            month=months_before(run_date.replace(day=1), back),
            revenue=6_000_000 if growing else 5_000_000,
            costs=4_000_000,
            group_savings=20_000_000 if level == MaturityLevel.MAJU else 0,
        )
    return kube


def join(household, kube, *, on: datetime.date, left_on=None):
    return Membership.objects.create(kube=kube, household=household, joined_on=on, left_on=left_on)
