"""The aggregates equal the figures computed by hand from the small world (see conftest.py)."""

from decimal import Decimal

import pytest

from dashboards.models import AreaFigures, AreaMonth, DashboardRefresh
from dashboards.refresh import refresh_all
from dashboards.tasks import refresh_dashboards
from dashboards.tests.conftest import OCTOBER, SEPTEMBER

pytestmark = pytest.mark.django_db


def figures(code, program_id=0):
    return AreaFigures.objects.get(region_code=code, program_id=program_id)


def month(code, when, program_id=0):
    return AreaMonth.objects.get(region_code=code, program_id=program_id, month=when)


def test_jawa_barat_all_programmes(small_world):
    row = figures("32")
    assert row.level == 1
    assert (row.kube_total, row.kube_aktif, row.kube_draft) == (4, 3, 1)
    assert (row.level_tumbuh, row.level_berkembang, row.level_maju) == (1, 1, 1)
    assert (row.type_produksi, row.type_jasa, row.type_perdagangan) == (1, 1, 1)
    # A 5 + B 3 + D 4 members; plus one household in no KUBE.
    assert (row.member_households, row.households_registered) == (12, 13)
    assert (row.grants_total, row.kube_granted) == (20_000_000, 1)
    assert (row.kur_referred, row.kur_approved, row.kur_amount) == (2, 1, 50_000_000)


def test_every_level_rolls_up(small_world):
    assert figures(small_world.first).level == 3
    assert (figures(small_world.first).kube_total, figures(small_world.first).households_registered) == (2, 6)
    assert (figures(small_world.second).kube_total, figures(small_world.second).member_households) == (1, 3)
    assert (figures("32.05").kube_total, figures("32.05").member_households) == (3, 8)
    assert figures("32.73").kube_total == 1
    national = figures("")
    assert (national.level, national.kube_total, national.member_households) == (0, 5, 14)


def test_programme_rows(small_world):
    reguler, bekerja = small_world.reguler.pk, small_world.bekerja.pk
    assert figures("32", reguler).kube_total == 3
    assert figures("32", bekerja).kube_total == 1
    assert figures("32.05", bekerja).member_households == 3
    # Households have no programme: they are counted in the all-programme rows only.
    assert figures("32", bekerja).households_registered == 0


def test_monthly_business_figures(small_world):
    october = month("32", OCTOBER)
    assert (october.reports, october.revenue, october.profit, october.group_savings) == (
        3,
        17_000_000,
        5_500_000,
        3_300_000,
    )
    assert october.eggs_produced_kg == Decimal("120.5")
    assert month("32.05", SEPTEMBER).revenue == 4_000_000
    assert month("", OCTOBER).revenue == 24_000_000
    assert month("32.05", OCTOBER, small_world.bekerja.pk).revenue == 2_000_000
    # Grants land in the month of their disbursement.
    assert month("32.05", OCTOBER.replace(year=2025, month=3)).grants_disbursed == 20_000_000


def test_refresh_is_repeatable_and_recorded(small_world):
    before = list(AreaFigures.objects.order_by("region_code", "program_id").values())
    run = refresh_all(trigger="again")
    after = list(AreaFigures.objects.order_by("region_code", "program_id").values())
    strip = [{k: v for k, v in row.items() if k != "id"} for row in before]
    assert strip == [{k: v for k, v in row.items() if k != "id"} for row in after]
    assert run.area_rows == AreaFigures.objects.count()
    assert run.month_rows == AreaMonth.objects.count()
    assert DashboardRefresh.objects.order_by("-finished_at").first() == run


def test_the_task_follows_the_registers(small_world):
    small_world.kube_c.status = "diusulkan"
    small_world.kube_c.save(update_fields=["status"])
    refresh_dashboards.apply(kwargs={"trigger": "test"}).get()
    assert (figures(small_world.first).kube_draft, figures(small_world.first).kube_diusulkan) == (0, 1)
    assert DashboardRefresh.objects.order_by("-finished_at").first().trigger == "test"


def test_mentoring_figures(small_world):
    garut = figures("32.05")
    # Active KUBE A and B are both assigned; only A was visited in the last 30 days.
    assert (garut.kube_assigned, garut.kube_visited) == (2, 1)
    assert (garut.mentors_active, garut.mentor_cases) == (2, 2)
    assert (figures("32.73").mentors_active, figures("32.73").mentor_cases) == (1, 1)
    assert (figures("32").mentors_active, figures("32").kube_visited) == (3, 1)
    # Mentors work for a kab/kota: no kecamatan row carries them, but KUBE coverage is per kecamatan.
    assert figures(small_world.first).mentors_active == 0
    assert figures(small_world.first).kube_visited == 1
    assert figures("32.05", small_world.bekerja.pk).kube_assigned == 1


def test_visits_by_month(small_world):
    recent = small_world.recent_visit.visited_on.replace(day=1)
    old = small_world.old_visit.visited_on.replace(day=1)
    expected = {recent: 2} if recent == old else {recent: 1, old: 1}
    for when, count in expected.items():
        assert month("32.05", when).visits == count


def test_graduation_figures(small_world):
    garut = figures("32.05")
    assert (garut.grad_siap, garut.grad_menuju, garut.grad_belum) == (2, 2, 2)
    assert (garut.grad_proposed, garut.graduated, garut.relapsed) == (1, 2, 1)
    assert figures(small_world.first).grad_siap == 2
    assert figures("").graduated == 2
    assert month("32.05", OCTOBER.replace(month=3)).graduations == 1
    assert month("32.05", SEPTEMBER).relapses == 1
    # No programme: the programme rows carry none of it.
    assert figures("32.05", small_world.reguler.pk).grad_siap == 0


def test_a_finished_import_queues_a_refresh(small_world, celery_eager):
    from celery.signals import task_success

    from beneficiaries.tasks import import_run

    before = DashboardRefresh.objects.count()
    task_success.send(sender=import_run, result=None)
    assert DashboardRefresh.objects.count() == before + 1
    assert DashboardRefresh.objects.order_by("-finished_at").first().trigger == "after import_run"
    # Other tasks do not trigger it.
    task_success.send(sender=refresh_dashboards, result=None)
    assert DashboardRefresh.objects.count() == before + 1


def _versions(code):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT program_id, month, xmin::text FROM dashboards_areamonth WHERE region_code = %s", [code])
        return {(program_id, month): xmin for program_id, month, xmin in cursor.fetchall()}


def test_a_refresh_writes_only_what_changed(small_world):
    garut_before, bandung_before = _versions("32.05"), _versions("32.73")
    report = small_world.kube_a.reports.get(month=SEPTEMBER)
    report.revenue = 4_500_000
    report.save(update_fields=["revenue"])
    small_world.kube_d.reports.all().delete()
    refresh_all(trigger="test")
    garut_after, bandung_after = _versions("32.05"), _versions("32.73")
    assert month("32.05", SEPTEMBER).revenue == 4_500_000
    # September (all programmes and Reguler) was rewritten; October, unchanged, was not.
    reguler = small_world.reguler.pk
    assert garut_after[(0, SEPTEMBER)] != garut_before[(0, SEPTEMBER)]
    assert garut_after[(reguler, SEPTEMBER)] != garut_before[(reguler, SEPTEMBER)]
    assert garut_after[(0, OCTOBER)] == garut_before[(0, OCTOBER)]
    # Bandung's only report is gone, and so is its October row.
    assert (0, OCTOBER) in bandung_before
    assert (0, OCTOBER) not in bandung_after


def test_active_kube_not_reporting_are_counted_per_region(small_world):
    from groups.models import Kube

    # The classification's flag, as the nightly run leaves it: one active KUBE of Garut, one draft (not counted).
    Kube.objects.filter(region_code=small_world.first, status="aktif").update(not_reporting=True)
    Kube.objects.filter(status="draft").update(not_reporting=True)
    refresh_all(trigger="test")
    assert figures(small_world.first).kube_not_reporting == 1
    assert (figures("32.05").kube_not_reporting, figures("32").kube_not_reporting) == (1, 1)
    assert figures("").kube_not_reporting == 1
