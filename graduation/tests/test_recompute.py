import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connections

from beneficiaries.tests.factories import MemberFactory
from graduation import readiness
from graduation.models import (
    Area,
    CriteriaSet,
    GraduationStatus,
    GraduationStatusChange,
    PovertyLine,
    Readiness,
    RecomputeRun,
    RunStatus,
)
from graduation.recompute import (
    RecomputeBusy,
    is_busy,
    recompute_dry_run,
    recompute_graduation,
)
from graduation.tests.helpers import RUN_DATE, assess, garut_household, join, kube_at_level, months_before
from groups.models import MaturityLevel
from kube_portal.locks import Key

ADVISORY_LOCK_KEY = int(Key.NIGHTLY)

pytestmark = pytest.mark.django_db


def run(**kwargs):
    return recompute_graduation(run_date=RUN_DATE, **kwargs)


def status_of(household) -> GraduationStatus:
    return GraduationStatus.objects.get(household=household)


def verdict(household, criterion: str) -> str:
    return status_of(household).explanation[criterion]["verdict"]


def python_states(households):
    results = readiness.compute([h.pk for h in households], run_date=RUN_DATE)
    return {pk: (r.state, r.score, r.alamiah_candidate, r.verdicts) for pk, r in results.items()}


def stored_states(households):
    rows = GraduationStatus.objects.filter(household__in=households)
    return {
        s.household_id: (
            s.state,
            s.score,
            s.alamiah_candidate,
            {key: s.explanation[key]["verdict"] for key in ("income", "assets", "kube", "desil")},
        )
        for s in rows
    }


# --- each criterion at its boundaries ---------------------------------------------------------


@pytest.mark.parametrize(
    ("members", "income", "expected"),
    [
        (1, 870_524, "met"),  # 870,524 ≥ 870,523.5
        (1, 870_523, "not_met"),
        (2, 1_741_047, "met"),  # per capita 870,523.5: exactly on the threshold
        (2, 1_741_046, "not_met"),
    ],
)
def test_income_per_capita_against_one_and_a_half_poverty_lines(regions, members, income, expected):
    household = garut_household(members=members)
    assess(household, income=income)
    run()
    assert verdict(household, "income") == expected
    item = status_of(household).explanation["income"]
    assert item["threshold"] == 870_524  # rounded for display only
    assert (item["code"], item["line"]) == (
        "compared",
        {"province": None, "area": "perdesaan", "period": "2025-03-01", "amount": 580_349},
    )


def test_a_provincial_line_is_used_when_loaded_and_the_explanation_says_so(regions):
    PovertyLine.objects.create(province_id="32", area=Area.RURAL, period=datetime.date(2025, 9, 1), amount=500_000)
    household = garut_household()
    assess(household, income=750_000)  # ≥ 1.5 × 500,000, < 1.5 × 580,349
    run()
    item = status_of(household).explanation["income"]
    assert item["verdict"] == "met"
    assert item["line"] == {"province": "32", "area": "perdesaan", "period": "2025-09-01", "amount": 500_000}


def test_the_latest_assessment_up_to_the_run_date_counts(regions):
    household = garut_household()
    assess(household, income=2_000_000, on=datetime.date(2026, 1, 1))
    assess(household, income=100_000, on=datetime.date(2026, 5, 1))
    assess(household, income=2_000_000, on=datetime.date(2026, 7, 1))  # after the run date
    run()
    assert verdict(household, "income") == "not_met"


@pytest.mark.parametrize(
    ("level", "months", "expected"),
    [
        (MaturityLevel.BERKEMBANG, 12, "met"),
        (MaturityLevel.BERKEMBANG, 11, "not_met"),
        (MaturityLevel.MAJU, 12, "met"),
        (MaturityLevel.TUMBUH, 24, "not_met"),
    ],
)
def test_kube_level_and_months_of_membership(regions, level, months, expected):
    household = garut_household()
    join(household, kube_at_level(level), on=months_before(RUN_DATE, months))
    run()
    assert verdict(household, "kube") == expected
    assert status_of(household).explanation["kube"]["value"] == months


def test_a_membership_that_ended_does_not_count(regions):
    household = garut_household()
    join(household, kube_at_level(), on=months_before(RUN_DATE, 20), left_on=months_before(RUN_DATE, 1))
    run()
    assert verdict(household, "kube") == "not_met"
    assert status_of(household).explanation["kube"]["code"] == "no_membership"


@pytest.mark.parametrize(
    ("savings", "assets", "expected"),
    [(5_000_000, 0, "met"), (0, 5_000_000, "met"), (4_999_999, 4_999_999, "not_met")],
)
def test_savings_or_productive_assets_against_the_threshold(regions, savings, assets, expected):
    household = garut_household()
    assess(household, savings=savings, assets=assets)
    run()
    assert verdict(household, "assets") == expected


@pytest.mark.parametrize(("desil", "expected"), [(5, "met"), (4, "not_met"), (None, "unknown")])
def test_desil_above_the_threshold_where_known(regions, desil, expected):
    household = garut_household(desil=desil)
    assess(household)
    run()
    assert verdict(household, "desil") == expected


def test_all_met_is_siap_some_is_menuju_none_is_belum(regions):
    siap = garut_household(desil=6)
    assess(siap, income=1_000_000, savings=6_000_000)
    join(siap, kube_at_level(), on=months_before(RUN_DATE, 13))
    # An unknown desil is not counted: the three others met is siap.
    siap_unknown_desil = garut_household()
    assess(siap_unknown_desil, income=1_000_000, savings=6_000_000)
    join(siap_unknown_desil, kube_at_level(), on=months_before(RUN_DATE, 13))
    menuju = garut_household(desil=3)
    assess(menuju, income=1_000_000)
    belum = garut_household(desil=2)
    assess(belum, income=10)
    run()
    assert [status_of(h).state for h in (siap, siap_unknown_desil, menuju, belum)] == [
        Readiness.SIAP,
        Readiness.SIAP,
        Readiness.MENUJU,
        Readiness.BELUM,
    ]
    assert status_of(siap).score == 100
    assert status_of(menuju).score == 25


def test_no_assessment_fails_income_and_assets_and_is_flagged(regions):
    household = garut_household(desil=9)  # desil met, nothing assessed
    run()
    status = status_of(household)
    # DESIGN.md: income and assets are not met without an assessment; state and score by the normal rule.
    assert (status.state, status.score, status.needs_assessment) == (Readiness.MENUJU, 25, True)
    assert status.explanation["assessment"]["date"] is None
    assert {key: status.explanation[key]["verdict"] for key in ("income", "assets")} == {
        "income": "not_met",
        "assets": "not_met",
    }
    assert status.explanation["income"]["code"] == status.explanation["assets"]["code"] == "no_assessment"
    assess(household, income=10)
    run()
    assert status_of(household).needs_assessment is False


@pytest.mark.parametrize(
    ("member", "candidate"),
    [
        ({"birth_date": datetime.date(2020, 6, 2)}, False),  # 5 years old
        ({"birth_date": datetime.date(2004, 6, 2)}, False),  # 21 years old: school age
        ({"birth_date": datetime.date(2004, 6, 1)}, True),  # 22 on the run date
        ({"birth_date": datetime.date(1966, 6, 1)}, False),  # 60 on the run date
        ({"birth_date": datetime.date(1966, 6, 2)}, True),  # 59
        ({"birth_date": datetime.date(1990, 1, 1), "sex": "P", "is_pregnant": True}, False),
        ({"birth_date": datetime.date(1990, 1, 1), "has_disability": True}, False),
    ],
)
def test_alamiah_candidate_when_no_member_makes_the_family_pkh_eligible(regions, member, candidate):
    household = garut_household(receives_pkh=True)
    MemberFactory(household=household, relationship="lainnya", **member)
    without_pkh = garut_household(receives_pkh=False)
    MemberFactory(household=without_pkh, relationship="lainnya", **member)
    run()
    assert status_of(household).alamiah_candidate is candidate
    assert status_of(without_pkh).alamiah_candidate is False  # only PKH recipients graduate "alamiah"


# --- the run: history, versioning, idempotence, lock, dry run, resumption ----------------------


def test_history_keeps_every_state_change_with_its_run(regions):
    household = garut_household(desil=2)
    first = run()
    assess(household, income=1_000_000, on=datetime.date(2026, 5, 2))
    second = recompute_graduation(run_date=RUN_DATE)
    changes = list(GraduationStatusChange.objects.filter(household=household).order_by("id"))
    assert [(c.from_state, c.to_state, c.run_id) for c in changes] == [
        ("", Readiness.BELUM, first.pk),
        (Readiness.BELUM, Readiness.MENUJU, second.pk),
    ]
    assert second.counts["state_changes"] == 1


def test_a_run_on_unchanged_data_changes_nothing(regions):
    households = [garut_household(desil=d) for d in (None, 3, 7)]
    assess(households[1], income=2_000_000)
    first = run()
    assert first.households_changed == 3
    computed_at = {s.household_id: s.computed_at for s in GraduationStatus.objects.all()}
    second = run()
    assert second.status == RunStatus.DONE
    assert second.households_changed == 0
    assert second.counts["state_changes"] == 0
    assert {s.household_id: s.computed_at for s in GraduationStatus.objects.all()} == computed_at
    assert GraduationStatusChange.objects.count() == 3


def test_every_result_records_the_criteria_version_and_a_new_version_recomputes(regions, admin_user):
    from graduation.services import criteria_revise

    household = garut_household(desil=4)
    assess(household)
    run()
    first = CriteriaSet.objects.active()
    assert status_of(household).criteria == first
    assert verdict(household, "desil") == "not_met"
    second = criteria_revise(user=admin_user, data={"desil_threshold": 3})
    assert second.version == first.version + 1
    assert list(CriteriaSet.objects.filter(is_active=True)) == [second]
    first.refresh_from_db()
    assert first.desil_threshold == 4 and not first.is_active
    result = run()
    assert result.criteria == second
    assert status_of(household).criteria == second
    assert verdict(household, "desil") == "met"


def test_only_one_criteria_set_can_be_active(regions):
    from django.db import IntegrityError, transaction

    CriteriaSet.objects.active()
    with pytest.raises(IntegrityError), transaction.atomic():
        CriteriaSet.objects.create(version=99, is_active=True)


def test_a_second_run_while_one_holds_the_lock_says_busy(regions):
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        assert is_busy()
        with pytest.raises(RecomputeBusy):
            run()
        with pytest.raises(Exception, match="sedang berjalan"):
            call_command("recompute_graduation")
    finally:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
        other.close()
    assert not is_busy()
    assert run().status == RunStatus.DONE


def test_dry_run_reports_counts_and_a_sample_without_writing(regions):
    households = [garut_household(desil=7) for _ in range(3)]
    assess(households[0], income=2_000_000, savings=9_000_000)
    result = recompute_dry_run(run_date=RUN_DATE)
    assert GraduationStatus.objects.count() == 0
    assert RecomputeRun.objects.count() == 0
    assert result.provinces["32"] == {
        "siap": 0,
        "menuju": 3,  # desil met; income and assets too for the assessed one; no KUBE
        "belum": 0,
        "alamiah": 0,  # no PKH
        "changed": 3,
        "state_changes": 3,
    }
    assert {(row[0], row[2], row[3], row[7]) for row in result.sample} == {
        (households[0].pk, None, "menuju", 75),
        (households[1].pk, None, "menuju", 25),
        (households[2].pk, None, "menuju", 25),
    }
    run()
    assert recompute_dry_run(run_date=RUN_DATE).totals["changed"] == 0


def _spread_households():
    """Households in three provinces (Sumatera Utara, DKI Jakarta, Jawa Barat) with varied facts."""
    from groups.tests.factories import household_in

    made = []
    for kecamatan in ("12.71.01", "31.71.01", "32.05.01"):
        for i in range(4):
            household = household_in(kecamatan, desil=[None, 3, 5, 8][i], is_urban=bool(i % 2))
            assess(household, income=[0, 900_000, 2_000_000, 5_000_000][i], savings=[0, 6_000_000, 0, 1][i])
            made.append(household)
    kube = kube_at_level()
    join(made[-1], kube, on=months_before(RUN_DATE, 14))
    return made


def full_results() -> dict:
    return {
        s.household_id: (s.region_code, s.state, s.score, s.alamiah_candidate, s.explanation, s.inputs, s.criteria_id)
        for s in GraduationStatus.objects.all()
    }


class Interrupted(Exception):
    pass


def test_a_run_interrupted_between_provinces_is_finished_by_the_next_one(regions):
    households = _spread_households()

    def crash_after_first(run, code):
        raise Interrupted(code)

    with pytest.raises(Interrupted):
        run(after_province=crash_after_first)
    interrupted = RecomputeRun.objects.get()
    assert interrupted.status == RunStatus.FAILED
    assert list(interrupted.progress) == ["12"]  # the first province committed, the others not
    assert GraduationStatus.objects.count() == 4

    resumed = run()
    assert resumed.pk == interrupted.pk and resumed.resumed_count == 1
    assert resumed.status == RunStatus.DONE
    assert sorted(resumed.progress) == ["12", "31", "32"]
    assert resumed.counts["siap"] + resumed.counts["menuju"] + resumed.counts["belum"] == 12
    # Equal to an uninterrupted run: the rules in Python agree, a further run changes nothing,
    # and a run from scratch stores exactly the same results.
    assert stored_states(households) == python_states(households)
    assert run().households_changed == 0
    resumed_rows = full_results()
    GraduationStatus.objects.all().delete()
    uninterrupted = recompute_graduation(run_date=RUN_DATE, province="")
    assert uninterrupted.pk != resumed.pk and uninterrupted.resumed_count == 0
    assert full_results() == resumed_rows


def test_a_killed_run_left_running_is_resumed(regions):
    households = _spread_households()
    killed = RecomputeRun.objects.create(
        run_date=RUN_DATE, criteria=CriteriaSet.objects.active(), provinces_total=3, status=RunStatus.RUNNING
    )
    resumed = run()
    assert resumed.pk == killed.pk
    assert stored_states(households) == python_states(households)


def test_a_stale_run_of_another_day_is_closed_and_a_new_one_started(regions):
    stale = RecomputeRun.objects.create(
        run_date=RUN_DATE - datetime.timedelta(days=1), criteria=CriteriaSet.objects.active()
    )
    fresh = run()
    stale.refresh_from_db()
    assert fresh.pk != stale.pk
    assert stale.status == RunStatus.FAILED


def test_sql_and_python_rules_agree(regions):
    households = _spread_households()
    extra = garut_household(members=3, desil=6)
    MemberFactory(household=extra, relationship="anak", birth_date=datetime.date(2015, 1, 1))
    assess(extra, income=3_000_000, assets=7_000_000)
    join(extra, kube_at_level(MaturityLevel.MAJU), on=months_before(RUN_DATE, 12))
    run()
    everyone = [*households, extra]
    assert stored_states(everyone) == python_states(everyone)


def test_the_run_classifies_kube_maturity_first(regions):
    kube = kube_at_level()
    assert kube.maturity_level == MaturityLevel.TUMBUH
    result = run()
    kube.refresh_from_db()
    assert kube.maturity_level == MaturityLevel.BERKEMBANG
    assert result.steps["maturity"][MaturityLevel.BERKEMBANG] == 1
    assert list(result.steps) == ["maturity", "readiness", "dashboards"]


def test_command_runs_one_province_and_dry_run(regions, capsys):
    household = garut_household(desil=7)
    call_command("recompute_graduation", "--province", "32", "--dry-run", "--date", str(RUN_DATE))
    assert GraduationStatus.objects.count() == 0
    assert "32" in capsys.readouterr().out
    call_command("recompute_graduation", "--province", "32", "--date", str(RUN_DATE))
    assert status_of(household).state == Readiness.MENUJU  # desil met, the rest not
    assert RecomputeRun.objects.get().province == "32"


def test_income_multiple_is_decimal(regions):
    assert CriteriaSet.objects.active().income_multiple == Decimal("1.50")


def test_nightly_task_is_scheduled_at_one_in_the_morning_and_runs(regions, celery_eager):
    from graduation.tasks import recompute_graduation_task
    from kube_portal.celery import app

    entry = app.conf.beat_schedule["graduation-nightly"]
    assert entry["task"] == "graduation.tasks.recompute_graduation_task"
    assert entry["schedule"].hour == {1} and entry["schedule"].minute == {0}
    household = garut_household()
    result = recompute_graduation_task.apply(kwargs={"province": "32"}).get()
    assert result["busy"] is False
    assert status_of(household).state == Readiness.BELUM


def test_a_household_that_moved_province_keeps_one_result_and_its_history(regions):
    from beneficiaries.models import Household

    household = garut_household(desil=2)
    run()
    Household.objects.filter(pk=household.pk).update(village_id="12.71.01.1001", region_code="12.71.01.1001")
    assess(household, income=5_000_000)
    second = run()
    status = status_of(household)
    assert status.region_code == "12.71.01.1001"
    assert status.state == Readiness.MENUJU
    changes = GraduationStatusChange.objects.filter(household=household).order_by("id")
    assert [(c.from_state, c.to_state) for c in changes] == [("", "belum"), ("belum", "menuju")]
    assert second.counts["state_changes"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_run_outside_a_transaction_commits_each_province(regions):
    """Each province commits with its ledger entry, as in production (no outer test transaction)."""
    from groups.tests.factories import ensure_reference_data

    ensure_reference_data()
    households = _spread_households()
    result = recompute_graduation(run_date=RUN_DATE)
    assert result.status == RunStatus.DONE
    assert sorted(result.progress) == ["12", "31", "32"]
    assert result.counts["siap"] + result.counts["menuju"] + result.counts["belum"] == 12
    assert stored_states(households) == python_states(households)
    assert recompute_graduation(run_date=RUN_DATE).households_changed == 0


@pytest.mark.django_db(transaction=True)
def test_the_dashboards_step_reads_the_readiness_the_run_wrote(regions):
    from dashboards.models import AreaFigures, AreaMonth, DashboardRefresh
    from dashboards.refresh import refresh_all
    from groups.tests.factories import ensure_reference_data

    def figures():
        return (
            sorted(AreaFigures.objects.values_list(*[f.attname for f in AreaFigures._meta.concrete_fields][1:])),
            sorted(AreaMonth.objects.values_list(*[f.attname for f in AreaMonth._meta.concrete_fields][1:])),
        )

    ensure_reference_data()
    _spread_households()
    result = recompute_graduation(run_date=RUN_DATE)
    assert DashboardRefresh.objects.get().trigger == f"graduation run #{result.pk}"
    assert result.steps["dashboards"]["refresh"] == DashboardRefresh.objects.get().pk
    in_the_run = figures()
    assert sum(row.grad_belum + row.grad_menuju + row.grad_siap for row in AreaFigures.objects.filter(level=0)) == 12
    refresh_all(trigger="after")
    assert figures() == in_the_run


@pytest.mark.django_db(transaction=True)
def test_a_failed_readiness_step_stops_the_run_before_the_dashboards(regions):
    from dashboards.models import AreaFigures, DashboardRefresh
    from groups.tests.factories import ensure_reference_data

    ensure_reference_data()
    _spread_households()

    def fail(run, code):
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        recompute_graduation(run_date=RUN_DATE, after_province=fail)
    failed = RecomputeRun.objects.get()
    assert failed.status == RunStatus.FAILED and "killed" in failed.error
    assert list(failed.steps) == ["maturity"]
    assert len(failed.progress) == 1  # the province committed before the failure stays done
    assert not DashboardRefresh.objects.exists()
    assert not AreaFigures.objects.exists()
    resumed = recompute_graduation(run_date=RUN_DATE)
    assert resumed.pk == failed.pk and resumed.status == RunStatus.DONE
    assert DashboardRefresh.objects.count() == 1


def test_a_run_whose_last_step_failed_is_resumed_at_that_step(regions, monkeypatch):
    from dashboards import refresh
    from dashboards.models import DashboardRefresh

    garut_household()

    def broken(**kwargs):
        raise RuntimeError("no room on the disk")

    monkeypatch.setattr(refresh, "refresh_all", broken)
    with pytest.raises(RuntimeError):
        run()
    failed = RecomputeRun.objects.get()
    assert (failed.status, list(failed.steps)) == (RunStatus.FAILED, ["maturity", "readiness"])
    assert "no room on the disk" in failed.error
    monkeypatch.undo()
    steps_before = failed.steps
    resumed = run()
    assert resumed.pk == failed.pk and resumed.status == RunStatus.DONE
    # Maturity and readiness were not run again: their ledger entries are the first run's.
    assert {name: resumed.steps[name] for name in ("maturity", "readiness")} == steps_before
    assert DashboardRefresh.objects.get().trigger == f"graduation run #{failed.pk}"


def test_a_full_run_ends_with_the_dashboard_figures_and_a_province_run_does_not(regions):
    from dashboards.models import DashboardRefresh

    garut_household()
    run(province="32")
    assert DashboardRefresh.objects.count() == 0
    result = run()
    assert DashboardRefresh.objects.get().trigger == f"graduation run #{result.pk}"
    assert result.steps["dashboards"]["seconds"] >= 0


def test_with_two_current_kube_the_best_level_counts_then_the_longest(regions):
    household = garut_household()
    join(household, kube_at_level(MaturityLevel.TUMBUH), on=months_before(RUN_DATE, 24))
    join(household, kube_at_level(MaturityLevel.BERKEMBANG), on=months_before(RUN_DATE, 12))
    run()
    item = status_of(household).explanation["kube"]
    assert (item["verdict"], item["level"], item["value"]) == ("met", "berkembang", 12)
    assert stored_states([household]) == python_states([household])
