"""Every maturity rule of DESIGN.md section 4 at its boundaries, through both engines.

Each case builds one active KUBE, classifies it with the Python engine (`classify_kube`) and
the nightly SQL (`classify_all`), and expects the same level and *tidak melapor* flag from both.
The run date is 15 June 2026: the window is June 2025 – May 2026, the previous window June
2024 – May 2025, and *tidak melapor* looks at March – May 2026.
"""

import datetime

import pytest

from groups.maturity import classify_all, classify_kube
from groups.models import BusinessReport, Kube, MaturityLevel, MaturityPeriod, Status
from groups.tests.factories import KubeFactory
from kube_portal.dates import month_start

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 6, 15)
T, B, M = MaturityLevel.TUMBUH, MaturityLevel.BERKEMBANG, MaturityLevel.MAJU
PROFIT = (6_000_000, 5_000_000)  # revenue, costs
SAVINGS = 10_000_000  # the Maju threshold


def back(n: int, as_of: datetime.date = AS_OF) -> datetime.date:
    """The first day of the month n months before the run's month (1 = last complete month)."""
    return month_start(as_of.replace(day=1), -n)


def months(first: int, last: int, revenue=6_000_000, costs=5_000_000, savings=SAVINGS) -> dict:
    """Reports for months `first`..`last` back (inclusive), all alike."""
    return dict.fromkeys(range(first, last + 1), (revenue, costs, savings))


def build(activated_on: datetime.date | None, reports: dict, as_of: datetime.date = AS_OF) -> Kube:
    kube = KubeFactory(status=Status.AKTIF, activated_on=activated_on)
    BusinessReport.objects.bulk_create(
        BusinessReport(kube=kube, month=back(n, as_of), revenue=revenue, costs=costs, group_savings=savings)
        for n, (revenue, costs, savings) in reports.items()
    )
    return kube


def classify_both(kube: Kube, as_of: datetime.date = AS_OF):
    python = classify_kube(kube, as_of=as_of)
    classify_all(as_of=as_of)
    kube.refresh_from_db()
    assert (kube.maturity_level, kube.maturity_reason, kube.not_reporting) == (
        python.level,
        python.reason,
        python.not_reporting,
    )
    return python


LONG_AGO = datetime.date(2023, 1, 10)
MAJU_WINDOWS = {**months(1, 12, revenue=8_000_000), **months(13, 24, revenue=7_000_000)}

CASES = {
    # months active: whole months from the activation date to the run date
    "active exactly 12 months, 6 profitable months": (datetime.date(2025, 6, 15), months(1, 6), B, False),
    "active 11 months 30 days": (datetime.date(2025, 6, 16), months(1, 6), T, False),
    "never activated (no date)": (None, months(1, 12), T, False),
    # profitable months: a month without a report has no profit
    "6 profitable months, 6 without a report": (LONG_AGO, months(1, 6), B, False),
    "5 profitable months, 7 without a report": (LONG_AGO, months(1, 5), T, False),
    "5 profitable months and one with profit exactly 0": (
        LONG_AGO,
        {**months(1, 5), 6: (5_000_000, 5_000_000, 0)},
        T,
        False,
    ),
    "a report of the run's own month is not in the window": (LONG_AGO, {**months(0, 0), **months(1, 5)}, T, False),
    # Maju: active 24 months, savings of the window's latest report, growing mean revenue
    "Maju: every condition met": (LONG_AGO, MAJU_WINDOWS, M, False),
    "active exactly 24 months": (datetime.date(2024, 6, 15), MAJU_WINDOWS, M, False),
    "active 23 months": (datetime.date(2024, 6, 16), MAJU_WINDOWS, B, False),
    "savings exactly at the threshold": (LONG_AGO, {**MAJU_WINDOWS, 1: (8_000_000, 5_000_000, SAVINGS)}, M, False),
    "savings one rupiah below": (LONG_AGO, {**MAJU_WINDOWS, 1: (8_000_000, 5_000_000, SAVINGS - 1)}, B, False),
    "savings of the latest report only (an earlier one was higher)": (
        LONG_AGO,
        {**MAJU_WINDOWS, 1: (8_000_000, 5_000_000, 1), 2: (8_000_000, 5_000_000, 50_000_000)},
        B,
        False,
    ),
    "savings in the run's own month do not count": (
        LONG_AGO,
        {**MAJU_WINDOWS, 0: (8_000_000, 5_000_000, 50_000_000), 1: (8_000_000, 5_000_000, 1)},
        B,
        False,
    ),
    "previous window with 6 reports": (LONG_AGO, {**months(1, 12, revenue=8_000_000), **months(13, 18)}, M, False),
    "previous window with 5 reports: not growing": (
        LONG_AGO,
        {**months(1, 12, revenue=8_000_000), **months(13, 17)},
        B,
        False,
    ),
    "window with 6 reports, previous with 12": (
        LONG_AGO,
        {**months(1, 6, revenue=8_000_000), **months(13, 24, revenue=7_000_000)},
        M,
        False,
    ),
    # The case: 30 months active, 18 reports, revenue falling from Rp 10 M to Rp 6 M a month;
    # by sums (12 × 6 M = 72 M against 6 × 10 M = 60 M) it was Maju, by means it is not growing.
    "revenue falling from 10 M to 6 M with more recent reports": (
        datetime.date(2023, 12, 15),
        {**months(1, 12, revenue=6_000_000, costs=5_000_000), **months(13, 18, revenue=10_000_000)},
        B,
        False,
    ),
    "equal mean revenue is not growing": (
        LONG_AGO,
        {**months(1, 12, revenue=7_000_000), **months(13, 24, revenue=7_000_000)},
        B,
        False,
    ),
    "a higher mean from fewer reports is growing": (
        LONG_AGO,
        {**months(1, 6, revenue=7_000_001), **months(13, 24, revenue=7_000_000)},
        M,
        False,
    ),
    # tidak melapor: no report in the last 3 complete months
    "no report for 3 months": (LONG_AGO, months(4, 12), B, True),
    "a report 3 months back": (LONG_AGO, months(3, 12), B, False),
    "only a report of the run's own month in 3 months": (LONG_AGO, {**months(0, 0), **months(4, 12)}, B, True),
    "no report for 15 months (a strong business before)": (
        LONG_AGO,
        months(16, 39, revenue=20_000_000, savings=90_000_000),
        T,
        True,
    ),
    "never reported": (LONG_AGO, {}, T, True),
}


@pytest.mark.parametrize(("activated_on", "reports", "level", "not_reporting"), CASES.values(), ids=CASES.keys())
def test_maturity_rule_at_its_boundary(regions, activated_on, reports, level, not_reporting):
    result = classify_both(build(activated_on, reports))
    assert (result.level, result.not_reporting) == (level, not_reporting)


@pytest.mark.parametrize(
    ("activated_on", "as_of", "months_active"),
    [
        (datetime.date(2027, 2, 28), datetime.date(2028, 2, 29), 12),  # leap day run
        (datetime.date(2024, 2, 29), datetime.date(2025, 2, 28), 11),  # from a leap day: not yet 12
        (datetime.date(2024, 2, 29), datetime.date(2025, 3, 1), 12),
        (datetime.date(2025, 1, 31), datetime.date(2026, 1, 31), 12),  # month end to month end
        (datetime.date(2025, 1, 31), datetime.date(2026, 1, 30), 11),
        (datetime.date(2025, 3, 31), datetime.date(2026, 2, 28), 10),
    ],
)
def test_months_active_on_leap_days_and_month_ends(regions, activated_on, as_of, months_active):
    result = classify_both(build(activated_on, {}, as_of=as_of), as_of=as_of)
    assert result.reason["months_active"] == months_active


def test_a_level_change_is_kept_in_the_history_with_its_date_and_reason(regions):
    kube = build(datetime.date(2025, 1, 10), months(1, 5))
    classify_all(as_of=AS_OF)
    later = datetime.date(2026, 7, 2)  # June reported profitably: 6 profitable months in July's window
    BusinessReport.objects.create(kube=kube, month=back(1, later), revenue=9_000_000, costs=1, group_savings=1)
    classify_all(as_of=later)
    classify_all(as_of=later)  # a re-run changes nothing
    periods = list(MaturityPeriod.objects.filter(kube=kube).order_by("started_on"))
    assert [(p.level, p.started_on, p.ended_on) for p in periods] == [(T, AS_OF, later), (B, later, None)]
    assert periods[1].reason["profitable"] == 6
    kube.refresh_from_db()
    assert (kube.maturity_level, kube.maturity_set_on) == (B, later)


def test_the_python_engine_writes_the_history_as_the_sql_does(regions, officer_bandung):
    from groups.services import kube_maturity_refresh

    kube = build(datetime.date(2025, 1, 10), months(1, 5))
    kube_maturity_refresh(kube=kube, as_of=AS_OF)
    later = datetime.date(2026, 7, 2)
    BusinessReport.objects.create(kube=kube, month=back(1, later), revenue=9_000_000, costs=1, group_savings=1)
    kube_maturity_refresh(kube=kube, as_of=later)
    kube_maturity_refresh(kube=kube, as_of=later)
    periods = MaturityPeriod.objects.filter(kube=kube).order_by("started_on")
    assert [(p.level, p.started_on, p.ended_on) for p in periods] == [(T, AS_OF, later), (B, later, None)]


def test_a_saved_report_classifies_the_kube_at_once(regions, officer_bandung):
    from django.utils import timezone

    from groups.services import report_save

    today = timezone.localdate()
    kube = KubeFactory(status=Status.AKTIF, activated_on=datetime.date(2020, 1, 1))
    BusinessReport.objects.bulk_create(
        BusinessReport(kube=kube, month=back(n, today), revenue=6_000_000, costs=5_000_000) for n in range(2, 7)
    )
    classify_all(as_of=today)
    kube.refresh_from_db()
    assert (kube.maturity_level, kube.not_reporting) == (T, False)
    report_save(kube=kube, user=officer_bandung, month=back(1, today), data={"revenue": 6_000_000, "costs": 5_000_000})
    kube.refresh_from_db()
    assert kube.maturity_level == B  # the sixth profitable month, counted the moment it was saved
    assert kube.maturity_periods.get(ended_on=None).level == B
