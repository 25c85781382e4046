import datetime

import pytest
from django.db import connection, connections

from groups import services
from groups.maturity import MaturityRunInProgress, classify_all, classify_kube
from groups.models import BusinessReport, Kube, MaturityLevel, MaturityThresholds, Status
from groups.tests.factories import KubeFactory, complete_members
from kube_portal.dates import month_start, months_between
from kube_portal.locks import Key

ADVISORY_LOCK_KEY = int(Key.MATURITY)

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 6, 15)


def month_back(n: int) -> datetime.date:
    """The first day of the month n months before AS_OF's month."""
    return month_start(AS_OF, -n)


def active_kube(months_active: int, reports: list[tuple[int, int, int]]) -> Kube:
    """An active KUBE with reports (revenue, costs, savings) for the latest complete months, newest first."""
    kube = KubeFactory(status=Status.AKTIF, activated_on=month_back(months_active).replace(day=10))
    BusinessReport.objects.bulk_create(
        BusinessReport(kube=kube, month=month_back(i), revenue=revenue, costs=costs, group_savings=savings)
        for i, (revenue, costs, savings) in enumerate(reports, start=1)
    )
    return kube


@pytest.fixture
def fleet(regions):
    profitable = (6_000_000, 5_000_000, 3_000_000)
    loss = (4_000_000, 5_000_000, 3_000_000)
    year_rich = [(8_000_000, 6_000_000, 12_000_000)] * 12
    year_before = [(5_000_000, 4_000_000, 8_000_000)] * 12
    return {
        "young": active_kube(6, [profitable] * 6),
        "berkembang": active_kube(14, [profitable] * 8 + [loss] * 4),
        "few_profits": active_kube(14, [profitable] * 5 + [loss] * 7),
        "maju": active_kube(30, year_rich + year_before),
        "poor_savings": active_kube(30, [(8_000_000, 6_000_000, 5_000_000)] * 12 + year_before),
        "flat_revenue": active_kube(30, year_rich + [(8_000_000, 6_000_000, 8_000_000)] * 12),
        "no_reports": active_kube(26, []),
        "draft": KubeFactory(),
    }


EXPECTED = {
    "young": MaturityLevel.TUMBUH,
    "berkembang": MaturityLevel.BERKEMBANG,
    "few_profits": MaturityLevel.TUMBUH,
    "maju": MaturityLevel.MAJU,
    "poor_savings": MaturityLevel.BERKEMBANG,
    "flat_revenue": MaturityLevel.BERKEMBANG,
    "no_reports": MaturityLevel.TUMBUH,
}


def test_months_between_counts_whole_months():
    assert months_between(datetime.date(2024, 3, 20), datetime.date(2025, 3, 15)) == 11
    assert months_between(datetime.date(2024, 3, 15), datetime.date(2025, 3, 15)) == 12
    assert months_between(datetime.date(2025, 1, 31), datetime.date(2025, 2, 28)) == 0
    assert months_between(None, datetime.date(2025, 2, 28)) == 0


def test_months_between_agrees_with_postgres_age():
    pairs = [
        (datetime.date(2024, 3, 20), datetime.date(2025, 3, 15)),
        (datetime.date(2025, 1, 31), datetime.date(2025, 3, 30)),
        (datetime.date(2024, 2, 29), datetime.date(2026, 2, 28)),
        (datetime.date(2023, 12, 1), datetime.date(2026, 6, 15)),
    ]
    with connection.cursor() as cursor:
        for start, end in pairs:
            cursor.execute(
                "SELECT (extract(year FROM age(%s, %s)) * 12 + extract(month FROM age(%s, %s)))::int",
                [end, start, end, start],
            )
            assert cursor.fetchone()[0] == months_between(start, end), (start, end)


def test_one_kube_is_classified_with_its_reason_in_codes(fleet):
    result = classify_kube(fleet["berkembang"], as_of=AS_OF)
    assert result.level == MaturityLevel.BERKEMBANG
    assert result.reason == {
        "months_active": 14,
        "window_from": "2025-06-01",
        "window_to": "2026-05-01",
        "reports": 12,
        "profitable": 8,
        "mean_revenue": 5_333_333,  # (8 × 6 M + 4 × 4 M) / 12, rounded down for display
        "previous_reports": 0,
        "previous_mean_revenue": None,
        "growing": False,
        "savings": 3_000_000,
        "savings_month": "2026-05-01",
        "last_report": "2026-05-01",
        "not_reporting": False,
        "thresholds": {
            "months": 12,
            "profitable": 6,
            "maju_months": 24,
            "savings": 10_000_000,
            "reports": 6,
            "silent_months": 3,
        },
    }
    assert {name: classify_kube(fleet[name], as_of=AS_OF).level for name in EXPECTED} == EXPECTED
    assert classify_kube(fleet["no_reports"], as_of=AS_OF).not_reporting is True


def test_set_based_run_agrees_with_one_by_one(fleet):
    counts = classify_all(as_of=AS_OF, chunk_size=3)
    assert counts == {"tumbuh": 3, "berkembang": 3, "maju": 1, "changed": 4, "not_reporting": 1}
    for name, kube in fleet.items():
        kube.refresh_from_db()
        if name == "draft":
            assert (kube.maturity_reason, kube.maturity_set_on) == ({}, None)
            assert not kube.maturity_periods.exists()
            continue
        expected = classify_kube(kube, as_of=AS_OF)
        assert (kube.maturity_level, kube.maturity_reason, kube.not_reporting) == (
            expected.level,
            expected.reason,
            expected.not_reporting,
        ), name
        assert kube.maturity_set_on == AS_OF
        (period,) = kube.maturity_periods.all()
        assert (period.level, period.started_on, period.ended_on, period.reason) == (
            expected.level,
            AS_OF,
            None,
            expected.reason,
        )
    # Re-running changes nothing and keeps the date each level was first set.
    later = AS_OF + datetime.timedelta(days=1)
    assert classify_all(as_of=later)["changed"] == 0
    assert Kube.objects.get(pk=fleet["maju"].pk).maturity_set_on == AS_OF


def test_a_run_on_unchanged_data_rewrites_no_row(fleet):
    from django.db import connection

    def row_versions():
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, ctid::text FROM groups_kube ORDER BY id")
            return cursor.fetchall()

    first = classify_all(as_of=AS_OF)
    before = row_versions()
    assert classify_all(as_of=AS_OF) == first | {"changed": 0}
    assert row_versions() == before


def test_thresholds_are_versioned_and_editable(fleet):
    MaturityThresholds.objects.create(maju_min_savings=4_000_000, note="Tahun 2026")
    classify_all(as_of=AS_OF)
    assert Kube.objects.get(pk=fleet["poor_savings"].pk).maturity_level == MaturityLevel.MAJU


def test_only_one_run_at_a_time(fleet):
    other = connections.create_connection("default")  # another session, as a second worker would be
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
            with pytest.raises(MaturityRunInProgress):
                classify_all(as_of=AS_OF)
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
    finally:
        other.close()
    assert classify_all(as_of=AS_OF)["maju"] == 1


def test_the_service_classifies_one_kube_from_its_page(fleet, officer_bandung, client):
    kube = fleet["maju"]
    complete_members(kube, 5)
    client.force_login(officer_bandung)
    response = client.post(f"/kube/{kube.pk}/kematangan/")
    assert response.status_code == 302
    kube.refresh_from_db()
    # Today, not AS_OF: the page classifies with today's reports.
    assert kube.maturity_level == classify_kube(kube).level
    assert kube.maturity_reason == classify_kube(kube).reason


def test_maju_may_be_referred_to_kur(fleet, officer_bandung):
    kube = services.kube_classify_maturity(kube=fleet["maju"], user=officer_bandung, as_of=AS_OF)
    assert kube.maturity_level == MaturityLevel.MAJU
    kube = services.kube_refer_to_kur(kube=kube, user=officer_bandung, bank="Bank BRI", amount=50_000_000)
    assert kube.kur_status == "dirujuk"


@pytest.mark.django_db(transaction=True)
def test_chunks_committed_one_by_one_agree_with_the_python_engine(fleet):
    """Outside a transaction each id range commits on its own."""
    counts = classify_all(as_of=AS_OF, chunk_size=2)
    assert counts == {"tumbuh": 3, "berkembang": 3, "maju": 1, "changed": 4, "not_reporting": 1}
    for name, kube in fleet.items():
        if name == "draft":
            continue
        kube.refresh_from_db()
        expected = classify_kube(kube, as_of=AS_OF)
        assert (kube.maturity_level, kube.maturity_reason, kube.maturity_set_on) == (
            expected.level,
            expected.reason,
            AS_OF,
        ), name
    assert classify_all(as_of=AS_OF, chunk_size=2) == counts | {"changed": 0}
