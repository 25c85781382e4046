"""In Chromium: the refused stale save and the download records page, on a desktop and on a phone."""

import pytest

from accounts.models import Role
from accounts.tests.factories import PASSWORD, UserFactory
from beneficiaries.models import Relationship
from beneficiaries.tests.factories import HouseholdFactory, MemberFactory
from conftest import KOTA_BANDUNG, browser_login, screenshot
from groups.tests.factories import KubeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": 1366, "phone": 360}


def signed_in(browser, live_server, user, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="id-ID")
    page = context.new_page()
    browser_login(page, live_server, user.username, PASSWORD)
    return context, page


def both_open(browser, live_server, regions, path, width):
    """Two Bandung officers open the same edit page: the first on a desktop, the second at `width`."""
    pages = []
    for username, size in (("dinsos_bandung", 1366), ("dinsos_bandung_2", width)):
        user = UserFactory(username=username, role=Role.DINSOS_KABKOTA, region=regions[KOTA_BANDUNG])
        _context, page = signed_in(browser, live_server, user, size)
        page.goto(live_server.url + path)
        pages.append(page)
    return pages


def fits(page, width) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("device", WIDTHS)
def test_a_stale_kube_save_shows_the_other_change_and_keeps_the_input(browser, live_server, regions, device):
    width = WIDTHS[device]
    kube = KubeFactory(name="KUBE Melati", bank_account_number="001200000001")
    first_page, second_page = both_open(browser, live_server, regions, f"/kube/{kube.pk}/ubah/", width)

    first_page.fill("#id_name", "KUBE Melati Jaya")
    first_page.click("main form button[type=submit]")
    first_page.wait_for_url(f"**/kube/{kube.pk}/")

    second_page.fill("#id_bank_account_number", "009900000001")
    second_page.click("main form button[type=submit]")
    second_page.wait_for_load_state("networkidle")
    stale = second_page.get_by_test_id("stale-edit")
    assert stale.is_visible()
    assert "KUBE Melati Jaya" in stale.inner_text() and "009900000001" in stale.inner_text()
    assert second_page.input_value("#id_bank_account_number") == "009900000001"  # nothing lost
    assert fits(second_page, width)
    screenshot(second_page, f"stale-kube-edit-{device}")

    # Having seen it, the second officer takes over the new name and saves: it goes through.
    second_page.fill("#id_name", "KUBE Melati Jaya")
    second_page.click("main form button[type=submit]")
    second_page.wait_for_url(f"**/kube/{kube.pk}/")
    kube.refresh_from_db()
    assert (kube.name, kube.bank_account_number) == ("KUBE Melati Jaya", "009900000001")
    first_page.context.close()
    second_page.context.close()


@pytest.mark.parametrize("device", WIDTHS)
def test_a_stale_household_save_lists_field_and_member_changes(browser, live_server, regions, device):
    width = WIDTHS[device]
    household = HouseholdFactory(address="Jl. Sukarasa 1")
    MemberFactory(household=household, relationship=Relationship.HEAD, name="Asep Sunandar")
    first_page, second_page = both_open(browser, live_server, regions, f"/kpm/{household.pk}/ubah/", width)

    first_page.fill("#id_address", "Jl. Sukajadi 9")
    first_page.fill("#id_members-0-name", "Asep S.")
    first_page.click("main form button[type=submit]")
    first_page.wait_for_url(f"**/kpm/{household.pk}/")

    second_page.fill("#id_phone", "081200000000")
    second_page.click("main form button[type=submit]")
    second_page.wait_for_load_state("networkidle")
    text = second_page.get_by_test_id("stale-edit").inner_text()
    assert "Jl. Sukajadi 9" in text and "Asep S.: Nama" in text and "dinsos_bandung" in text
    assert second_page.input_value("#id_phone") == "081200000000"
    assert fits(second_page, width)
    screenshot(second_page, f"stale-household-edit-{device}")
    first_page.context.close()
    second_page.context.close()


@pytest.mark.parametrize("device", WIDTHS)
def test_the_district_head_reads_the_downloads_of_the_district(browser, live_server, regions, device):
    width = WIDTHS[device]
    officer = UserFactory(username="dinsos_bandung", role=Role.DINSOS_KABKOTA, region=regions[KOTA_BANDUNG])
    MemberFactory(household=HouseholdFactory(), relationship=Relationship.HEAD)
    context, page = signed_in(browser, live_server, officer, width)
    page.goto(f"{live_server.url}/kpm/")
    with page.expect_download() as download:
        page.evaluate("url => { window.location.href = url; }", f"{live_server.url}/kpm/ekspor.xlsx?status=semua")
    assert download.value.suggested_filename.endswith(".xlsx")

    page.goto(f"{live_server.url}/akun/unduhan/")
    table = page.get_by_test_id("download-table")
    assert "Ekspor data KPM" in table.inner_text() and "XLSX" in table.inner_text()
    assert "status=semua" in page.content()
    assert fits(page, width)
    screenshot(page, f"download-records-{device}")
    context.close()
