"""Property test: the nightly SQL and the live Python engine give identical readiness.

Hypothesis generates households in two provinces (urban or rural, desil, PKH or not, active or
not, a readiness stored before), their members (ages at the 6 / 22 / 60 boundaries of the run
date, pregnancy, disability), assessments (before and after the run date, income at exactly the
threshold and a rupiah either side, savings and assets around theirs), KUBE (levels, statuses)
and memberships (joined around the 12-month mark, leaving in the past, on the run date or in the
future), poverty lines (provincial and national, urban and rural, periods before and after the
run date), criteria versions and run dates (leap days, month ends). Each example is computed by
the province statements of the nightly run, then, after rolling back to a savepoint, by
`readiness_recompute` (the Python engine as used live), and again by the nightly's statement
restricted to these households (`set_based`, what an import's recompute runs); the stored rows
(state, score, alamiah, perlu asesmen, explanation, inputs) and the history must be identical.
300 examples on CI (the "ci" hypothesis profile in conftest.py).
"""

import datetime
import math
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import event, given, note
from hypothesis import strategies as st

from accounts.models import Role
from beneficiaries.models import Household, Member
from graduation.models import (
    AssessmentSource,
    CriteriaSet,
    GraduationStatus,
    GraduationStatusChange,
    HouseholdAssessment,
    PovertyLine,
    RecomputeRun,
)
from graduation.recompute import recompute_province
from graduation.services import readiness_recompute
from groups.models import Membership, Status
from groups.tests.factories import KubeFactory
from groups.tests.strategies import LEVELS, run_dates
from kube_portal.dates import month_start, years_before

pytestmark = pytest.mark.django_db

VILLAGES = ["32.05.01.1001", "12.71.01.1001"]
# The national lines of March 2025 seeded by migration 0002 (rural, urban), and other amounts.
SEEDED_LINES = [580_349, 629_561]

criteria = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "income_multiple": st.sampled_from([Decimal("1.00"), Decimal("1.50"), Decimal("1.75"), Decimal("2.25")]),
            "min_kube_level": st.sampled_from(LEVELS),
            "min_kube_months": st.sampled_from([0, 6, 12, 24]),
            "assets_threshold": st.sampled_from([0, 1, 5_000_000, 10_000_000]),
            "desil_threshold": st.integers(1, 10),
        }
    ),
)
lines = st.dictionaries(
    st.tuples(
        st.sampled_from([None, "32", "12"]),
        st.sampled_from(["perkotaan", "perdesaan"]),
        st.integers(2023, 2028),
        st.sampled_from([3, 9]),
    ),
    st.integers(400_000, 800_000),
    max_size=5,
)
member = st.fixed_dictionaries(
    {
        # born this many years before the run date, a day either side (the PKH age limits), or any age
        "years": st.sampled_from([6, 22, 60]) | st.integers(0, 90),
        "shift": st.integers(-1, 1),
        "pregnant": st.sampled_from([False, False, False, True]),
        "disability": st.sampled_from([False, False, False, True]),
    }
)
assessment = st.fixed_dictionaries(
    {
        "days_before_run": st.integers(-40, 900),  # negative: after the run date (not used)
        # income per capita: a line × the multiple, + delta (the threshold and a rupiah either side)
        "line": st.sampled_from(SEEDED_LINES) | st.integers(400_000, 800_000),
        "delta": st.sampled_from([-1, 0, 1]) | st.integers(-500_000, 500_000),
        "savings": st.sampled_from([0, 4_999_999, 5_000_000, 5_000_001]) | st.integers(0, 20_000_000),
        "assets": st.sampled_from([0, 4_999_999, 5_000_000]) | st.integers(0, 20_000_000),
    }
)
membership = st.fixed_dictionaries(
    {
        "kube": st.integers(0, 2),
        "months": st.sampled_from([11, 12, 13]) | st.integers(0, 40),
        "shift": st.integers(-1, 1),
        "left": st.sampled_from(["none", "none", "past", "run_date", "future"]),
    }
)
household = st.fixed_dictionaries(
    {
        "village": st.sampled_from(VILLAGES),
        "is_urban": st.booleans(),
        "desil": st.none() | st.integers(1, 10),
        "pkh": st.booleans(),
        "active": st.sampled_from([True, True, True, False]),
        "members": st.lists(member, max_size=4),
        "assessments": st.lists(assessment, max_size=3),
        "memberships": st.lists(membership, max_size=3, unique_by=lambda m: m["kube"]),
        "before": st.none() | st.tuples(st.sampled_from(["siap", "menuju", "belum"]), st.sampled_from(VILLAGES)),
    }
)
kubes = st.lists(
    st.tuples(st.sampled_from(LEVELS), st.sampled_from([Status.AKTIF, Status.AKTIF, Status.NONAKTIF, Status.BUBAR])),
    min_size=3,
    max_size=3,
)


def _shifted_months(run_date: datetime.date, months: int, shift: int) -> datetime.date:
    first = month_start(run_date.replace(day=1), -months)
    day = min(run_date.day, 28)
    return first.replace(day=day) + datetime.timedelta(days=shift)


def _build(run_date, criteria_values, line_values, kube_specs, household_specs) -> list[int]:
    if criteria_values is not None:
        CriteriaSet.objects.filter(is_active=True).update(is_active=False)
        CriteriaSet.objects.create(version=999, is_active=True, **criteria_values)
    active_criteria = CriteriaSet.objects.active()
    PovertyLine.objects.bulk_create(
        (
            PovertyLine(province_id=province, area=area, period=datetime.date(year, month, 1), amount=amount)
            for (province, area, year, month), amount in line_values.items()
        ),
        ignore_conflicts=True,  # the national lines seeded by migration 0002 stay as they are
    )
    kube_rows = [
        KubeFactory(garut=True, maturity_level=level, status=status, activated_on=datetime.date(2020, 1, 1))
        for level, status in kube_specs
    ]
    ids = []
    for number, spec in enumerate(household_specs):
        row = Household(
            no_kk=f"{3205011000000000 + number}",
            village_id=spec["village"],
            region_code=spec["village"],
            is_urban=spec["is_urban"],
            desil=spec["desil"],
            receives_pkh=spec["pkh"],
            is_active=spec["active"],
            deactivation_reason="" if spec["active"] else "pindah",
        )
        row.save()
        ids.append(row.pk)
        Member.objects.bulk_create(
            Member(
                household=row,
                nik=f"{3205010000000000 + number * 10 + index}",
                name=f"Anggota {index}",
                sex="P" if m["pregnant"] else "L",
                birth_date=years_before(run_date, m["years"]) + datetime.timedelta(days=m["shift"]),
                relationship="kepala" if index == 0 else "lainnya",
                is_pregnant=m["pregnant"],
                has_disability=m["disability"],
            )
            for index, m in enumerate(spec["members"])
        )
        size = max(len(spec["members"]), 1)
        HouseholdAssessment.objects.bulk_create(
            HouseholdAssessment(
                household=row,
                assessed_on=run_date - datetime.timedelta(days=a["days_before_run"]),
                monthly_income=max(0, math.ceil(active_criteria.income_multiple * a["line"] * size) + a["delta"]),
                savings=a["savings"],
                productive_assets=a["assets"],
                housing_condition="layak",
                source=AssessmentSource.OFFICE_SURVEY,
                assessor_id=_assessor_id(),
            )
            for a in spec["assessments"]
        )
        for m in spec["memberships"]:
            joined = _shifted_months(run_date, m["months"], m["shift"])
            left = {
                "none": None,
                "past": max(joined, run_date - datetime.timedelta(days=1)),
                "run_date": max(joined, run_date),
                "future": run_date + datetime.timedelta(days=1),
            }[m["left"]]
            Membership.objects.create(kube=kube_rows[m["kube"]], household=row, joined_on=joined, left_on=left)
        if spec["before"] is not None:
            state, village = spec["before"]
            GraduationStatus.objects.create(
                household=row,
                region_code=village,
                state=state,
                score=0,
                criteria=active_criteria,
                computed_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
            )
    return ids


def _assessor_id() -> int:
    from accounts.models import User
    from accounts.tests.factories import UserFactory

    user = User.objects.filter(username="penilai").first() or UserFactory(username="penilai", role=Role.ADMIN)
    return user.pk


def _snapshot(ids: list[int]) -> tuple:
    statuses = list(
        GraduationStatus.objects.filter(household__in=ids)
        .order_by("household_id")
        .values_list(
            "household_id",
            "region_code",
            "state",
            "score",
            "alamiah_candidate",
            "needs_assessment",
            "explanation",
            "inputs",
            "criteria_id",
        )
    )
    history = sorted(
        GraduationStatusChange.objects.filter(household__in=ids).values_list(
            "household_id", "changed_on", "from_state", "to_state"
        )
    )
    return statuses, history


@given(
    run_date=run_dates,
    criteria_values=criteria,
    line_values=lines,
    kube_specs=kubes,
    household_specs=st.lists(household, min_size=1, max_size=4),
)
def test_sql_and_python_readiness_engines_agree(
    regions, run_date, criteria_values, line_values, kube_specs, household_specs
):
    # The example in full when it fails (the report's own argument list is abbreviated).
    note(f"{run_date=}\n{criteria_values=}\n{line_values=}\n{kube_specs=}\n{household_specs=}")
    with transaction.atomic():
        ids = _build(run_date, criteria_values, line_values, kube_specs, household_specs)
        active = CriteriaSet.objects.active()
        before = transaction.savepoint()
        run = RecomputeRun.objects.create(run_date=run_date, criteria=active)
        for province in ("12", "32"):
            recompute_province(run=run, province=province, criteria=active)
        by_sql = _snapshot(ids)
        transaction.savepoint_rollback(before)
        readiness_recompute(household_ids=ids, run_date=run_date, set_based=False)
        by_python = _snapshot(ids)
        assert by_sql == by_python
        transaction.savepoint_rollback(before)
        readiness_recompute(household_ids=ids, run_date=run_date, set_based=True)
        assert _snapshot(ids) == by_python
        for row in by_sql[0]:
            event(f"state {row[2]}")
            event(f"income {row[6].get('income', {}).get('verdict')}")
            event(f"kube {row[6].get('kube', {}).get('verdict')}")
            event(f"assets {row[6].get('assets', {}).get('verdict')}")
            if row[4]:
                event("alamiah")
            if row[5]:
                event("perlu asesmen")
        transaction.set_rollback(True)
