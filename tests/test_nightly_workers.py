"""The nightly run on two real Celery workers: the provinces are shared, and a worker killed mid-run is survived.

Two worker subprocesses (prefork, one pool process each, as in production) run against this test's
database, Redis and queue; the tests are transactional so that the workers see the data. The run is
the canvas of graduation.tasks: maturity, a chord of one task per province, the finish as callback.
"""

import time

import pytest
from django.db import connections

from graduation.models import GraduationStatus, RecomputeRun, RunStatus
from graduation.recompute import recompute_runs_recover
from graduation.tasks import enqueue_recompute
from graduation.tests.helpers import assess, join, kube_at_level, months_before
from groups.tests.factories import ensure_reference_data, household_in
from regions.models import Kind, Level, Region

pytestmark = pytest.mark.django_db(transaction=True)

#: Kecamatan of the test regions, one per province (Sumatera Utara, DKI Jakarta, Jawa Barat).
KECAMATAN = ("12.71.01", "31.71.01", "32.05.01")
#: Provinces without households: more tasks in the group, each quick.
EMPTY_PROVINCES = ("11", "13", "14", "15", "16", "17", "18", "19")
RUN_DEADLINE_SECONDS = 120


def _world() -> list:
    from django.utils import timezone

    ensure_reference_data()
    for code in EMPTY_PROVINCES:
        Region.objects.get_or_create(
            code=code, defaults={"name": f"P{code}", "level": Level.PROVINCE, "kind": Kind.PROVINSI}
        )
    today = timezone.localdate()
    made = []
    for kecamatan in KECAMATAN:
        for i in range(6):
            household = household_in(kecamatan, desil=[None, 3, 5, 8, 9, 2][i], is_urban=bool(i % 2))
            assess(household, income=[0, 900_000, 2_000_000, 5_000_000, 9_000_000, 1][i], savings=[0, 6_000_000][i % 2])
            made.append(household)
    join(made[-1], kube_at_level(), on=months_before(today, 14))
    return made


def _results() -> dict:
    return {
        s.household_id: (
            s.region_code,
            s.state,
            s.score,
            s.alamiah_candidate,
            s.needs_assessment,
            s.explanation,
            s.inputs,
        )
        for s in GraduationStatus.objects.all()
    }


def _wait_for_end(run_pk: int | None = None, *, sweep: bool = False) -> RecomputeRun:
    """The run once it has ended (done or failed); with `sweep`, looking after it as beat does every minute."""
    deadline = time.monotonic() + RUN_DEADLINE_SECONDS
    while True:
        runs = RecomputeRun.objects.order_by("-id")
        run = runs.filter(pk=run_pk).first() if run_pk else runs.first()
        if run is not None and run.finished:
            return run
        assert time.monotonic() < deadline, f"the run did not end: {run and (run.status, run.progress, run.steps)}"
        if sweep:
            recompute_runs_recover()
        time.sleep(0.5)


def test_two_workers_share_the_provinces_and_survive_one_killed_mid_run(workers, regions):
    _world()
    first, second = workers("nightly-a"), workers("nightly-b")

    # 1. A clean run: the provinces are split between the two workers (the ledger says who did which).
    enqueue_recompute()
    clean = _wait_for_end()
    assert clean.status == RunStatus.DONE, clean.error
    assert sorted(clean.progress) == sorted(["12", "31", "32", *EMPTY_PROVINCES])
    assert {counts["worker"] for counts in clean.progress.values()} == {first.hostname, second.hostname}
    assert list(clean.steps) == ["maturity", "readiness", "dashboards"]
    assert clean.counts["siap"] + clean.counts["menuju"] + clean.counts["belum"] == 18
    expected = _results()
    assert len(expected) == 18

    # 2. The same run from scratch; a worker is killed in the middle of a province.
    GraduationStatus.objects.all().delete()
    RecomputeRun.objects.all().delete()
    blocker = connections.create_connection("default")  # another session, holding up every province's statement
    try:
        with blocker.cursor() as cursor:
            cursor.execute("BEGIN")
            # Each province's statement reads the poverty lines: it waits here, inside the province.
            cursor.execute("LOCK TABLE graduation_povertyline IN ACCESS EXCLUSIVE MODE")
        enqueue_recompute()
        deadline = time.monotonic() + RUN_DEADLINE_SECONDS
        while True:
            run = RecomputeRun.objects.order_by("-id").first()
            if run is not None and len(set(run.parts_started.values())) == 2:
                break  # each worker is in a province, waiting
            assert time.monotonic() < deadline, (
                f"the workers did not both start a province: {run and run.parts_started}"
            )
            time.sleep(0.2)
        part, name = next(iter(run.parts_started.items()))
        victim = first if name == first.hostname else second
        survivor = second if victim is first else first
        assert part not in RecomputeRun.objects.get(pk=run.pk).progress
        victim.kill()
    finally:
        with blocker.cursor() as cursor:
            cursor.execute("ROLLBACK")
        blocker.close()

    # The dead worker's PostgreSQL session ends when its statement does; the sweep (beat's, every
    # minute) finds the province started with its worker's lock free and publishes it again.
    ended = _wait_for_end(run.pk, sweep=True)
    assert ended.status == RunStatus.DONE, ended.error
    assert ended.progress[part]["worker"] == survivor.hostname
    assert ended.resumed_count == 1
    assert sorted(ended.progress) == sorted(clean.progress)
    assert list(ended.steps) == ["maturity", "readiness", "dashboards"]
    assert ended.counts == clean.counts
    assert _results() == expected
