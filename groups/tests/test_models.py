import datetime

import pytest
from django.db import IntegrityError, transaction

from groups.models import (
    BusinessField,
    BusinessReport,
    Kube,
    MaturityThresholds,
    MemberRole,
    Program,
    next_registration_number,
)
from groups.tests.factories import BusinessReportFactory, KubeFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_reference_data_is_seeded(regions):
    reguler = Program.objects.get(code="reguler")
    assert reguler.grant_amount_for(2025) == 20_000_000
    assert reguler.grant_amount_for(2027) == 20_000_000  # carries over until changed
    assert reguler.grant_amount_for(2020) == 20_000_000  # before the first year: the first amount
    reguler.grant_amounts.create(year=2027, amount=25_000_000)
    assert (reguler.grant_amount_for(2026), reguler.grant_amount_for(2028)) == (20_000_000, 25_000_000)
    assert Program.objects.get(code="bekerja").tracks_eggs
    assert Program.objects.filter(name="e-Warong KUBE").exists()
    assert {"Ternak ayam petelur", "Warung sembako", "Kerajinan tangan"} <= set(
        BusinessField.objects.values_list("name", flat=True)
    )
    thresholds = MaturityThresholds.objects.current()
    assert (thresholds.berkembang_months_active, thresholds.berkembang_min_profitable) == (12, 6)
    assert thresholds.maju_months_active == 24


def test_registration_number_is_per_kabkota_sequence(regions):
    first = KubeFactory(garut=True)
    second = KubeFactory(garut=True)
    bandung = KubeFactory()
    assert first.registration_number.startswith("KUBE-3205-")
    assert int(second.registration_number[-5:]) == int(first.registration_number[-5:]) + 1
    assert bandung.registration_number.startswith("KUBE-3273-")
    assert next_registration_number("32.05") == f"KUBE-3205-{int(second.registration_number[-5:]) + 1:05d}"


def test_region_code_follows_kecamatan(regions):
    kube = KubeFactory(garut=True)
    assert kube.region_code == "32.05.01"
    kube.kecamatan_id = "32.05.02"
    kube.save(update_fields=["kecamatan"])
    kube.refresh_from_db()
    assert kube.region_code == "32.05.02"


def test_kube_must_sit_in_a_kecamatan(regions):
    with pytest.raises(IntegrityError), transaction.atomic():
        KubeFactory(kecamatan_id="32.73")


def test_one_officer_per_role_and_one_current_membership_per_household(regions):
    membership = MembershipFactory(role=MemberRole.KETUA)
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(kube=membership.kube, role=MemberRole.KETUA)
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(kube=membership.kube, household=membership.household)
    membership.left_on = datetime.date(2025, 6, 1)
    membership.save()
    # Once the first has left, the same household may be re-admitted and the role refilled.
    MembershipFactory(kube=membership.kube, household=membership.household, role=MemberRole.KETUA)


def test_report_profit_is_derived_and_one_report_per_month(regions):
    report = BusinessReportFactory(revenue=3_000_000, costs=3_500_000)
    report.refresh_from_db()
    assert report.profit == -500_000
    with pytest.raises(IntegrityError), transaction.atomic():
        BusinessReportFactory(kube=report.kube, month=report.month)
    with pytest.raises(IntegrityError), transaction.atomic():
        BusinessReportFactory(kube=report.kube, month=datetime.date(2025, 5, 2))
    assert BusinessReport.objects.filter(kube=report.kube).count() == 1


def test_kube_visible_by_region_prefix(officer_bandung, officer_garut, officer_jabar, direktorat_user, mentor_bandung):
    bandung, garut = KubeFactory(), KubeFactory(garut=True)
    assert set(Kube.objects.visible_to(officer_bandung)) == {bandung}
    assert set(Kube.objects.visible_to(officer_garut)) == {garut}
    assert set(Kube.objects.visible_to(officer_jabar)) == {bandung, garut}
    assert set(Kube.objects.visible_to(direktorat_user)) == {bandung, garut}
    assert not Kube.objects.visible_to(mentor_bandung).exists()
