"""A small world whose dashboard figures are computed by hand in the tests.

Month under test: October 2026 (`?periode=2026-10`).

- KUBE A, Garut, first kecamatan: Reguler, aktif, Berkembang, perdagangan, 5 members,
  grant Rp 20.000.000 (March 2025); October: omzet 5.000.000, costs 4.000.000,
  savings 1.000.000; September: omzet 4.000.000, costs 3.500.000, savings 800.000.
- KUBE B, Garut, second kecamatan: BEKERJA, aktif, Tumbuh, produksi, 3 members;
  October: omzet 2.000.000, costs 1.500.000, savings 300.000, eggs 120,5 kg; KUR dirujuk.
- KUBE C, Garut, first kecamatan: Reguler, draft, no members.
- KUBE D, Bandung (Sukasari): Reguler, aktif, Maju, jasa, 4 members; October omzet
  10.000.000, costs 6.000.000, savings 2.000.000; KUR disetujui Rp 50.000.000.
- KUBE E, Jakarta Pusat (outside Wilayah I): Reguler, aktif, 2 members; October omzet 7.000.000.
- One more household in Garut that is in no KUBE.

Mentoring (dates relative to today, as the refresh's 30-day window is):
- Garut: mentor M1 (aktif) assigned to A and B, visited A 5 days ago and B 45 days ago;
  mentor M2 aktif without KUBE; mentor M3 nonaktif. Bandung: mentor M4 assigned to D.
Graduation (Garut, A's five households and the one outside KUBE):
- readiness siap 2, menuju 2, belum 2; one open proposal;
- one graduation decided on 10 March 2026; one decided in June 2025 that relapsed on 1 September 2026.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from graduation.models import CriteriaSet, GraduationDecision, GraduationStatus
from groups.models import BusinessField, BusinessType, KurStatus, MaturityLevel, Program, Status
from groups.tests.factories import (
    BusinessReportFactory,
    GrantFactory,
    KubeFactory,
    MembershipFactory,
    complete_members,
    ensure_reference_data,
    household_in,
)
from mentors.models import RecruitmentStatus
from mentors.tests.factories import AssignmentFactory, FieldVisitFactory, MentorFactory

OCTOBER = datetime.date(2026, 10, 1)
SEPTEMBER = datetime.date(2026, 9, 1)
PERIOD = "periode=2026-10"


def garut_kecamatan():
    from regions.models import Region

    first, second = Region.objects.filter(parent_id="32.05").order_by("code").values_list("code", flat=True)[:2]
    return first, second


def jakarta_kecamatan():
    from regions.models import Region

    return Region.objects.filter(parent_id="31.71").order_by("code").values_list("code", flat=True)[0]


def report(kube, month, revenue, costs, savings, eggs=None):
    return BusinessReportFactory(
        kube=kube, month=month, revenue=revenue, costs=costs, group_savings=savings, eggs_produced_kg=eggs
    )


@pytest.fixture
def small_world(regions, admin_user):
    ensure_reference_data()  # a transactional (browser) test flushed the seeded programmes
    first, second = garut_kecamatan()
    reguler = Program.objects.get(code="reguler")
    bekerja = Program.objects.get(code="bekerja")
    hens = BusinessField.objects.filter(business_type=BusinessType.PRODUKSI).first()
    services = BusinessField.objects.filter(business_type=BusinessType.JASA).first()

    kube_a = KubeFactory(kecamatan_id=first, status=Status.AKTIF, maturity_level=MaturityLevel.BERKEMBANG)
    complete_members(kube_a, 5)
    GrantFactory(kube=kube_a, amount=20_000_000, disbursed_on=datetime.date(2025, 3, 10), recorded_by=admin_user)
    report(kube_a, OCTOBER, 5_000_000, 4_000_000, 1_000_000)
    report(kube_a, SEPTEMBER, 4_000_000, 3_500_000, 800_000)

    kube_b = KubeFactory(
        kecamatan_id=second,
        program=bekerja,
        business_type=BusinessType.PRODUKSI,
        business_field=hens,
        status=Status.AKTIF,
        kur_status=KurStatus.DIRUJUK,
        kur_bank="BRI",
        kur_referred_on=datetime.date(2026, 9, 1),
    )
    complete_members(kube_b, 3)
    report(kube_b, OCTOBER, 2_000_000, 1_500_000, 300_000, eggs=Decimal("120.5"))

    kube_c = KubeFactory(kecamatan_id=first, status=Status.DRAFT)

    kube_d = KubeFactory(
        status=Status.AKTIF,
        maturity_level=MaturityLevel.MAJU,
        business_type=BusinessType.JASA,
        business_field=services,
        kur_status=KurStatus.DISETUJUI,
        kur_bank="BRI",
        kur_amount=50_000_000,
        kur_referred_on=datetime.date(2026, 8, 1),
    )
    complete_members(kube_d, 4)
    report(kube_d, OCTOBER, 10_000_000, 6_000_000, 2_000_000)

    kube_e = KubeFactory(kecamatan_id=jakarta_kecamatan(), status=Status.AKTIF)
    for _ in range(2):
        MembershipFactory(kube=kube_e)
    report(kube_e, OCTOBER, 7_000_000, 5_000_000, 0)

    outside = household_in(first)

    today = timezone.localdate()
    m1 = MentorFactory(garut=True)
    MentorFactory(garut=True)
    MentorFactory(garut=True, status=RecruitmentStatus.NONAKTIF)
    m4 = MentorFactory()
    for kube, mentor in ((kube_a, m1), (kube_b, m1), (kube_d, m4)):
        AssignmentFactory(mentor=mentor, kube=kube, started_on=datetime.date(2025, 2, 1), created_by=admin_user)
    recent = FieldVisitFactory(mentor=m1, kube=kube_a, visited_on=today - datetime.timedelta(days=5))
    old_visit = FieldVisitFactory(mentor=m1, kube=kube_b, visited_on=today - datetime.timedelta(days=45))

    households = [membership.household for membership in kube_a.memberships.order_by("id")] + [outside]
    criteria = CriteriaSet.objects.active()
    now = timezone.now()
    for household, state in zip(households, ["siap", "siap", "menuju", "menuju", "belum", "belum"], strict=True):
        GraduationStatus.objects.create(
            household=household,
            region_code=household.region_code,
            state=state,
            score=0,
            criteria=criteria,
            computed_at=now,
        )
    GraduationDecision.objects.create(household=households[0], basis="siap", proposed_by=admin_user)
    GraduationDecision.objects.create(
        household=households[1],
        basis="siap",
        proposed_by=admin_user,
        status="diputuskan",
        kind="mandiri",
        decided_by=admin_user,
        decided_at=now,
        decided_on=datetime.date(2026, 3, 10),
    )
    GraduationDecision.objects.create(
        household=households[2],
        basis="siap",
        proposed_by=admin_user,
        status="diputuskan",
        kind="mandiri",
        decided_by=admin_user,
        decided_at=now,
        decided_on=datetime.date(2025, 6, 2),
        relapse_on=datetime.date(2026, 9, 1),
    )

    from dashboards.refresh import refresh_all

    refresh_all(trigger="test")
    return SimpleNamespace(
        first=first,
        second=second,
        reguler=reguler,
        bekerja=bekerja,
        kube_a=kube_a,
        kube_b=kube_b,
        kube_c=kube_c,
        kube_d=kube_d,
        kube_e=kube_e,
        recent_visit=recent,
        old_visit=old_visit,
    )
