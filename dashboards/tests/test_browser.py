"""The directorate user follows the programme down to a kecamatan in Chromium and exports a table."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from accounts.tests.factories import PASSWORD
from conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def charts_drawn(tab) -> int:
    """Chart.js instances that have drawn on a canvas of a non-zero size."""
    return tab.evaluate("Object.values(Chart.instances).filter(c => c.canvas.width > 0 && c.canvas.height > 0).length")


def fits(tab) -> bool:
    return tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_directorate_drills_down_to_a_kecamatan_and_exports(browser, live_server, direktorat_user, small_world):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID", accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    browser_login(tab, live_server, direktorat_user.username, PASSWORD)

    tab.goto(f"{live_server.url}/dasbor/?periode=2026-10")
    assert tab.locator("h1").inner_text() == f"Dasbor {direktorat_user.directorate_area.name}"
    assert "Data per" in tab.locator("#data-as-of").inner_text()
    assert charts_drawn(tab) >= 7
    assert "DKI Jakarta" not in tab.locator("#tabel-wilayah").inner_text()
    assert fits(tab)
    screenshot(tab, "dashboards-national-1366")

    tab.locator("#tabel-wilayah").get_by_role("link", name="Jawa Barat", exact=True).click()
    tab.wait_for_load_state("networkidle")
    assert tab.url.endswith("/dasbor/32/?periode=2026-10")
    tab.locator("#tabel-wilayah").get_by_role("link", name="Garut").first.click()
    tab.wait_for_load_state("networkidle")
    assert "/dasbor/32.05/" in tab.url
    assert "Rp 7.000.000" in tab.locator("#tabel-wilayah").inner_text()
    assert charts_drawn(tab) >= 7
    assert fits(tab)
    screenshot(tab, "dashboards-kabkota-1366")

    with tab.expect_download() as download_info:
        tab.locator("#tabel-wilayah [data-export=wilayah]").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-wilayah-2026-10.xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    assert sheet["B2"].value.endswith("Garut")

    kecamatan_link = tab.locator("#tabel-wilayah tbody a").first
    kecamatan_name = kecamatan_link.inner_text()
    kecamatan_link.click()
    tab.wait_for_load_state("networkidle")
    assert f"/dasbor/{small_world.first}/" in tab.url
    assert kecamatan_name in tab.locator("h1").inner_text()
    assert small_world.kube_a.name in tab.locator("#tabel-kube").inner_text()
    crumbs = tab.locator(".breadcrumb").inner_text()
    assert "Nasional" in crumbs and "Jawa Barat" in crumbs and "Garut" in crumbs
    assert fits(tab)
    screenshot(tab, "dashboards-kecamatan-1366")
    context.close()


def test_the_dashboards_fit_a_phone(browser, live_server, direktorat_user, small_world):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
    phone = context.new_page()
    phone.set_default_timeout(15_000)
    browser_login(phone, live_server, direktorat_user.username, PASSWORD)
    for path, name in (("/dasbor/?periode=2026-10", "national"), ("/dasbor/32.05/?periode=2026-10", "kabkota")):
        phone.goto(f"{live_server.url}{path}")
        phone.wait_for_load_state("networkidle")
        assert charts_drawn(phone) >= 7
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, path
        screenshot(phone, f"dashboards-{name}-360")
    context.close()
