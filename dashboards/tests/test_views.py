"""The dashboard pages through HTTP: figures, scope, drill-down, filters, exports and query counts."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dashboards.refresh import refresh_all
from dashboards.tests.conftest import PERIOD, garut_kecamatan
from groups.models import Status
from groups.tests.factories import BusinessReportFactory, KubeFactory, MembershipFactory

pytestmark = pytest.mark.django_db

# A literal: reverse() at import time would load the URLconf before pytest-django sets DEBUG = False.
NATIONAL = "/dasbor/"


def region_url(code, name="dashboards:region"):
    return reverse(name, args=[code])


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def row_of(response, table_slug, code):
    table = response.context["board"].table(table_slug)
    return next(row for row in table.rows if row["code"] == code)


# --- figures -----------------------------------------------------------------------------


def test_the_directorate_sees_its_provinces_with_hand_computed_figures(client, direktorat_user, small_world):
    response = get(client, direktorat_user, f"{NATIONAL}?{PERIOD}")
    assert response.status_code == 200
    board = response.context["board"]
    codes = [row["code"] for row in board.children.rows]
    assert "32" in codes and "12" in codes
    assert "31" not in codes  # DKI Jakarta is outside Wilayah I
    jabar = row_of(response, "wilayah", "32")
    assert (jabar["kube_total"], jabar["kube_aktif"], jabar["member_households"]) == (4, 3, 12)
    assert (jabar["revenue"], jabar["profit"], jabar["group_savings"]) == (17_000_000, 5_500_000, 3_300_000)
    # Totals are Wilayah I only: Jakarta's KUBE E and its Rp 7.000.000 are not in them.
    assert (board.totals["kube_total"], board.totals["revenue"]) == (4, 17_000_000)
    assert board.totals["graduations_year"] == 1
    assert "Rp 17.000.000" in response.text
    assert "Rp 20.000.000" in response.text


def test_the_national_administrator_sees_every_province_grouped_by_directorate(client, admin_user, small_world):
    response = get(client, admin_user, f"{NATIONAL}?{PERIOD}")
    board = response.context["board"]
    assert (board.totals["kube_total"], board.totals["revenue"]) == (5, 24_000_000)
    names = [group["name"] for group in board.groups]
    wilayah_1 = next(group for group in board.groups if group["slug"] == "pfm-wilayah-1")
    assert [row["code"] for row in wilayah_1["rows"]] == ["12", "32"]
    assert wilayah_1["total"]["kube_total"] == 4
    assert any(row["code"] == "31" for group in board.groups for row in group["rows"] if group is not wilayah_1)
    assert len(names) == len(set(names))


def test_the_kabkota_page_lists_its_kecamatan_and_kube(client, officer_garut, small_world):
    response = get(client, officer_garut, f"{region_url('32.05')}?{PERIOD}")
    assert response.status_code == 200
    first = row_of(response, "wilayah", small_world.first)
    assert (first["kube_total"], first["kube_aktif"], first["kube_draft"]) == (2, 1, 1)
    assert (first["revenue"], first["households_registered"]) == (5_000_000, 6)
    second = row_of(response, "pendampingan", small_world.second)
    assert second["eggs_produced_kg"] == 120.5
    board = response.context["board"]
    # Garut: 2 active KUBE, 1 visited in 30 days; 2 active mentors with 2 KUBE; 1 graduation this year of 8 members.
    assert (board.totals["coverage_pct"], board.totals["caseload"]) == (50.0, 1.0)
    assert board.totals["graduation_rate"] == 12.5
    assert (board.totals["grad_siap"], board.totals["relapses_year"]) == (2, 1)
    kube_page = response.context["kube_page"]
    assert {row["name"] for row in kube_page.table.rows} == {
        small_world.kube_a.name,
        small_world.kube_b.name,
        small_world.kube_c.name,
    }
    assert "120,5" in response.text  # kg the Indonesian way


def test_a_kecamatan_page_has_its_kube_and_no_children(client, officer_garut, small_world):
    response = get(client, officer_garut, f"{region_url(small_world.second)}?{PERIOD}")
    board = response.context["board"]
    assert board.children is None
    assert (board.totals["kube_aktif"], board.totals["revenue"]) == (1, 2_000_000)
    assert [row["name"] for row in response.context["kube_page"].table.rows] == [small_world.kube_b.name]


def test_the_programme_filter(client, officer_jabar, small_world):
    url = f"{region_url('32')}?{PERIOD}&program=bekerja"
    response = get(client, officer_jabar, url)
    board = response.context["board"]
    assert board.filters.program == small_world.bekerja
    assert (board.totals["kube_total"], board.totals["revenue"]) == (1, 2_000_000)
    garut = row_of(response, "wilayah", "32.05")
    assert (garut["kube_aktif"], garut["eggs_produced_kg"]) == (1, 120.5)
    # Not per programme: shown for all programmes, and the page says so.
    assert garut["households_registered"] == 9
    assert "tidak dirinci per program" in response.text
    # Drill-down links and the breadcrumb keep the filters.
    assert f"{region_url('32.05')}?periode=2026-10&amp;program=bekerja" in response.text


def test_the_month_filter_moves_the_monthly_figures(client, officer_garut, small_world):
    response = get(client, officer_garut, f"{region_url('32.05')}?periode=2026-09")
    board = response.context["board"]
    assert board.totals["revenue"] == 4_000_000
    assert board.trend.rows[-1]["label"] == "09/2026"
    assert len(board.trend.rows) == 24


def test_data_as_of_is_shown(client, officer_garut, small_world):
    response = get(client, officer_garut, region_url("32.05"))
    assert "Data per " in response.text
    assert response.context["board"].data_as_of is not None


def test_the_chartjs_library_is_loaded_on_dashboards(client, officer_garut, small_world):
    response = get(client, officer_garut, region_url("32.05"))
    assert "vendor/chartjs/chart.umd.min.js" in response.text
    assert 'id="dashboard-charts"' in response.text


# --- scope ---------------------------------------------------------------------------------


def test_a_district_officer_cannot_open_another_district(client, officer_bandung, small_world):
    assert get(client, officer_bandung, region_url("32.05")).status_code == 404
    assert get(client, officer_bandung, region_url(small_world.first)).status_code == 404
    assert get(client, officer_bandung, region_url("32")).status_code == 404
    assert get(client, officer_bandung, region_url("32.05", "dashboards:region_export")).status_code == 404


def test_a_district_officer_is_sent_from_the_national_page_to_their_own(client, officer_garut, small_world):
    response = get(client, officer_garut, NATIONAL)
    assert response.status_code == 302
    assert response.url == region_url("32.05")
    assert client.get(reverse("dashboards:national_export")).status_code == 404
    assert client.get(f"{NATIONAL}?wilayah=pfm-wilayah-1").status_code == 404


def test_the_directorate_sees_only_its_provinces(client, direktorat_user, small_world):
    assert get(client, direktorat_user, region_url("32.05")).status_code == 200
    assert client.get(region_url("31")).status_code == 404
    assert client.get(region_url("31.71")).status_code == 404
    assert client.get(f"{NATIONAL}?wilayah=pfm-wilayah-1").status_code == 200


def test_a_directorate_area_page(client, admin_user, direktorat_user, small_world):
    from regions.models import DirectorateArea

    other = DirectorateArea.objects.create(code="pfm-wilayah-2", name="Direktorat PFM Wilayah II")
    other.provinces.add("31")
    response = get(client, admin_user, f"{NATIONAL}?wilayah=pfm-wilayah-2&{PERIOD}")
    board = response.context["board"]
    assert [row["code"] for row in board.children.rows] == ["31"]
    assert (board.totals["kube_total"], board.totals["revenue"]) == (1, 7_000_000)
    assert get(client, direktorat_user, f"{NATIONAL}?wilayah=pfm-wilayah-2").status_code == 404


def test_a_provincial_officer_drills_down_inside_the_province_only(client, officer_jabar, small_world):
    assert get(client, officer_jabar, NATIONAL).url == region_url("32")
    assert client.get(region_url(small_world.first)).status_code == 200
    assert client.get(region_url("31.71")).status_code == 404


def test_mentors_have_no_dashboard(client, mentor_bandung, small_world):
    assert get(client, mentor_bandung, NATIONAL).status_code == 404
    assert client.get(region_url("32.73")).status_code == 404


def test_anonymous_visitors_go_to_login(client, small_world):
    assert client.get(region_url("32.05")).status_code == 302


def test_the_breadcrumb_climbs_only_as_far_as_the_scope(client, officer_garut, direktorat_user, small_world):
    response = get(client, officer_garut, region_url(small_world.first))
    labels = [label for label, _url in response.context["area"].crumbs]
    assert labels[0] == "Kabupaten Garut" or labels[0].endswith("Garut")
    assert "Nasional" not in labels
    response = get(client, direktorat_user, region_url(small_world.first))
    crumbs = response.context["area"].crumbs
    assert [label for label, _url in crumbs][:2] == ["Nasional", "Direktorat Penanganan Fakir Miskin Wilayah I"] or (
        crumbs[0][0] == "Nasional" and "Wilayah I" in crumbs[1][0]
    )
    assert crumbs[2][1] == region_url("32")


# --- exports -------------------------------------------------------------------------------


def sheet_of(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content)).active


def test_a_table_exports_with_area_filters_and_data_as_of(client, officer_garut, small_world):
    url = f"{region_url('32.05', 'dashboards:region_export')}?{PERIOD}&tabel=wilayah"
    sheet = sheet_of(get(client, officer_garut, url))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:2] == ("Wilayah", "Kabupaten Garut") or rows[1][1].endswith("Garut")
    assert "10/2026" in rows[2][1] and "Semua program" in rows[2][1]
    assert rows[3][0] == "Data per" and rows[3][1]
    header = rows[5]
    body = {row[0]: dict(zip(header, row, strict=True)) for row in rows[6:]}
    total = body["Jumlah"]
    assert (total["KUBE"], total["Omzet bulan ini"], total["Bantuan tersalur"]) == (3, 7_000_000, 20_000_000)


def test_every_table_and_the_kube_list_export(client, direktorat_user, small_world):
    client.force_login(direktorat_user)
    for slug in ("wilayah", "pendampingan", "tren", "sebaran"):
        response = client.get(f"{reverse('dashboards:national_export')}?{PERIOD}&tabel={slug}")
        assert response.status_code == 200, slug
        sheet_of(response)
    response = client.get(f"{region_url('32.05', 'dashboards:region_export')}?tabel=kube")
    names = [row[1] for row in list(sheet_of(response).iter_rows(values_only=True))[6:]]
    assert sorted(names) == sorted([small_world.kube_a.name, small_world.kube_b.name, small_world.kube_c.name])
    assert client.get(f"{region_url('32', 'dashboards:region_export')}?tabel=kube").status_code == 404
    assert client.get(f"{region_url('32', 'dashboards:region_export')}?tabel=nothing").status_code == 404


# --- constant number of queries ----------------------------------------------------------


def grow(kecamatan: str, count: int):
    """More KUBE with members and reports in another kecamatan, then a refresh."""
    for _ in range(count):
        kube = KubeFactory(kecamatan_id=kecamatan, status=Status.AKTIF)
        MembershipFactory(kube=kube)
        BusinessReportFactory(kube=kube, month=kube.founded_on.replace(year=2026, month=10, day=1))
    refresh_all(trigger="test")


PAGES = [
    ("direktorat_user", NATIONAL + "?" + PERIOD),
    ("admin_user", NATIONAL + "?wilayah=pfm-wilayah-1&" + PERIOD),
    ("officer_jabar", "/dasbor/32/?" + PERIOD),
    ("officer_garut", "/dasbor/32.05/?" + PERIOD + "&program=reguler"),
    ("officer_garut", "/dasbor/KEC/?" + PERIOD),
]


@pytest.mark.parametrize(("persona", "url"), PAGES)
def test_the_number_of_queries_does_not_grow_with_the_data(
    request, client, small_world, django_assert_max_num_queries, persona, url
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    url = url.replace("KEC", small_world.first)
    with django_assert_max_num_queries(16) as before:
        assert client.get(url).status_code == 200
    grow(small_world.first, 6)
    grow(garut_kecamatan()[1], 4)
    with django_assert_max_num_queries(len(before.captured_queries)) as after:
        assert client.get(url).status_code == 200
    assert len(after.captured_queries) == len(before.captured_queries)


def test_the_dashboard_in_english(client, officer_garut, small_world):
    client.force_login(officer_garut)
    client.cookies["django_language"] = "en"
    response = client.get(f"{region_url('32.05')}?{PERIOD}", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in response.text
    assert "Data as of" in response.text
    assert "Mentoring and graduation by" in response.text
    assert "Export XLSX" in response.text


def test_the_refresh_ledger_is_readable_by_administrators(client, admin_user, small_world):
    client.force_login(admin_user)
    response = client.get(reverse("admin:dashboards_dashboardrefresh_changelist"))
    assert response.status_code == 200
    assert "test" in response.text


def test_the_national_export_names_the_directorate_of_each_province(client, admin_user, small_world):
    client.force_login(admin_user)
    response = client.get(f"{reverse('dashboards:national_export')}?{PERIOD}&tabel=wilayah")
    rows = list(sheet_of(response).iter_rows(values_only=True))
    assert rows[5][:2] == ("Provinsi", "Wilayah direktorat")
    jabar = next(row for row in rows[6:] if row[0] == "Jawa Barat")
    assert "Wilayah I" in jabar[1]
    assert jabar[2] == 4  # KUBE
