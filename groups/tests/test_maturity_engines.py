"""Property test: the nightly SQL (`classify_all`) and the Python engine (`classify_kube`) agree.

Hypothesis generates KUBE (activation dates around the 12- and 24-month marks, missing ones,
statuses, levels and history already stored), business reports (any months around the window,
the run's own month and later ones, profit around 0, savings around the threshold), thresholds
(sometimes a new version) and run dates (leap days, month ends). Each example is classified by
the SQL run, then, after rolling back to a savepoint, by the Python engine KUBE by KUBE through
the service the report form uses; the KUBE rows (level, reason, flag, date) and the history must
be identical. 300 examples on CI (the "ci" hypothesis profile in conftest.py).
"""

import datetime

import pytest
from django.db import transaction
from hypothesis import event, given, note
from hypothesis import strategies as st

from groups.maturity import classify_all
from groups.models import BusinessReport, Kube, MaturityPeriod, MaturityThresholds, Status
from groups.services import kube_maturity_refresh
from groups.tests.factories import KubeFactory
from groups.tests.strategies import LEVELS, run_dates
from kube_portal.dates import month_start

pytestmark = pytest.mark.django_db

thresholds = st.one_of(
    st.none(),
    st.none(),
    st.integers(1, 14).flatmap(
        lambda window: st.fixed_dictionaries(
            {
                "berkembang_window": st.just(window),
                "berkembang_min_profitable": st.integers(0, window),
                "berkembang_months_active": st.integers(0, 30),
                "maju_months_active": st.integers(0, 40),
                "maju_min_savings": st.sampled_from([0, 1, 10_000_000]),
                "maju_min_reports": st.integers(0, 8),
                "not_reporting_months": st.integers(1, 5),
            }
        )
    ),
)

money = st.one_of(st.sampled_from([0, 1, 5_000_000, 6_000_000, 10_000_000]), st.integers(0, 30_000_000))
report = st.tuples(
    money,  # revenue
    st.sampled_from([-1, 0, 1, None]),  # costs = revenue + this (profit -1, 0, 1) or random
    st.integers(0, 30_000_000),
    st.sampled_from([9_999_999, 10_000_000, 10_000_001, 0]) | st.integers(0, 30_000_000),  # savings
)
# A business reporting month after month: (newest offset, months, newest revenue, change per month going
# back, costs per revenue, savings); random single reports then add to or replace some of its months.
run_of_reports = st.tuples(
    st.integers(-1, 5),
    st.one_of(st.sampled_from([18, 24, 26]), st.integers(0, 28)),
    st.sampled_from([3_000_000, 6_000_000, 10_000_000]),
    st.sampled_from([-300_000, -1, 0, 1, 300_000]),
    st.sampled_from([0.5, 0.5, 0.9, 1.0, 1.1]),
    st.sampled_from([0, 9_999_999, 10_000_000, 15_000_000]),
)
kube = st.fixed_dictionaries(
    {
        "status": st.sampled_from([Status.AKTIF, Status.AKTIF, Status.AKTIF, Status.NONAKTIF, Status.DRAFT]),
        # activation: whole months back (around 12 and 24) and a day shift, or no date
        "activated": st.one_of(
            st.none(),
            st.tuples(st.sampled_from([0, 11, 12, 13, 23, 24, 25, 36, 48]) | st.integers(0, 48), st.integers(-2, 2)),
        ),
        # month offsets before the run's month: 0 is the run's own month, negative ones are later months
        "run": run_of_reports,
        "reports": st.dictionaries(st.integers(-2, 30), report, max_size=6),
        "level": st.sampled_from(LEVELS),
        "set_on": st.one_of(st.none(), st.integers(0, 400)),
        "open_period": st.booleans(),
    }
)


def _activation(run_date: datetime.date, activated) -> datetime.date | None:
    if activated is None:
        return None
    months, shift = activated
    index = run_date.year * 12 + run_date.month - 1 - months
    year, month = index // 12, index % 12 + 1
    day = min(run_date.day, 28) if month == 2 else min(run_date.day, 30)
    return datetime.date(year, month, day) + datetime.timedelta(days=shift)


def _build(run_date, specs, threshold_values) -> list[int]:
    if threshold_values is not None:
        MaturityThresholds.objects.create(**threshold_values)
    ids = []
    for spec in specs:
        kube_row = KubeFactory(
            status=spec["status"],
            activated_on=_activation(run_date, spec["activated"]),
            maturity_level=spec["level"],
            maturity_set_on=None if spec["set_on"] is None else run_date - datetime.timedelta(days=spec["set_on"]),
        )
        ids.append(kube_row.pk)
        newest, count, revenue, step, cost_ratio, savings = spec["run"]
        revenues = [max(0, revenue + i * step) for i in range(count)]
        reports = {newest + i: (value, int(value * cost_ratio), savings) for i, value in enumerate(revenues)}
        for offset, (revenue, delta, other_costs, savings) in spec["reports"].items():
            reports[offset] = (revenue, max(0, revenue + delta) if delta is not None else other_costs, savings)
        BusinessReport.objects.bulk_create(
            BusinessReport(
                kube=kube_row,
                month=month_start(run_date.replace(day=1), -offset),
                revenue=revenue,
                costs=costs,
                group_savings=savings,
            )
            for offset, (revenue, costs, savings) in reports.items()
        )
        if spec["open_period"] and kube_row.maturity_set_on:
            MaturityPeriod.objects.create(kube=kube_row, level=spec["level"], started_on=kube_row.maturity_set_on)
    return ids


def _snapshot(ids: list[int]) -> tuple:
    kubes = list(
        Kube.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "maturity_level", "maturity_reason", "not_reporting", "maturity_set_on")
    )
    periods = sorted(
        MaturityPeriod.objects.filter(kube__in=ids).values_list("kube_id", "level", "started_on", "ended_on", "reason"),
        key=repr,
    )
    return kubes, periods


@given(run_date=run_dates, specs=st.lists(kube, min_size=1, max_size=4), threshold_values=thresholds)
def test_sql_and_python_maturity_engines_agree(regions, run_date, specs, threshold_values):
    # The example in full when it fails (the report's own argument list is abbreviated).
    note(f"{run_date=}\n{specs=}\n{threshold_values=}")
    with transaction.atomic():
        ids = _build(run_date, specs, threshold_values)
        before = transaction.savepoint()
        classify_all(as_of=run_date)
        by_sql = _snapshot(ids)
        transaction.savepoint_rollback(before)
        for kube_row in Kube.objects.filter(pk__in=ids, status=Status.AKTIF):
            kube_maturity_refresh(kube=kube_row, as_of=run_date)
        by_python = _snapshot(ids)
        assert by_sql == by_python
        for _pk, level, reason, not_reporting, _set_on in by_sql[0]:
            if reason:  # classified (active)
                event(f"level {level}")
                event("tidak melapor" if not_reporting else "melapor")
                event("growing" if reason["growing"] else "not growing")
        transaction.set_rollback(True)
