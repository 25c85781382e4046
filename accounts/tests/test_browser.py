"""User management and the layout in Chromium: htmx, menus and a 360 px phone."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role, User
from accounts.tests.factories import NEW_PASSWORD, PASSWORD
from conftest import KOTA_BANDUNG, browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def fits(tab) -> bool:
    return tab.evaluate("document.documentElement.scrollWidth") <= tab.viewport_size["width"]


def test_admin_picks_a_role_and_the_region_list_follows(page, live_server, admin_user, wilayah_1):
    browser_login(page, live_server, admin_user.username, PASSWORD)
    page.goto(f"{live_server.url}/akun/pengguna/baru/")

    # Without a role, both provinces and kab/kota are offered.
    assert page.locator("#id_region option", has_text="Kota Bandung").count() == 1

    page.select_option("#id_role", Role.DINSOS_PROVINSI)
    # htmx swaps the region list in: waits until only provinces are left.
    expect(page.locator("#id_region option", has_text="Kota Bandung")).to_have_count(0)
    expect(page.locator("#id_region option", has_text="Provinsi Jawa Barat")).to_have_count(1)

    page.select_option("#id_role", Role.DIREKTORAT)
    page.locator("#id_directorate_area").wait_for()
    assert page.locator("#id_region").count() == 0
    screenshot(page, "accounts-create-direktorat")


def test_district_officer_creates_a_mentor_on_a_phone(phone, live_server, officer_bandung):
    browser_login(phone, live_server, officer_bandung.username, PASSWORD)
    phone.goto(f"{live_server.url}/akun/pengguna/")
    assert fits(phone)

    phone.click("text=Tambah pengguna")
    assert phone.locator("#id_region").input_value() == KOTA_BANDUNG  # the only region it may give
    phone.fill("#id_username", "pendamping.baru")
    phone.fill("#id_first_name", "Siti")
    phone.fill("#id_password1", NEW_PASSWORD)
    phone.fill("#id_password2", NEW_PASSWORD)
    assert fits(phone)
    screenshot(phone, "accounts-create-phone")
    phone.click("main form button[type=submit]")
    phone.wait_for_load_state("networkidle")

    assert "Pengguna pendamping.baru telah dibuat." in phone.locator(".alert-success").inner_text()
    assert User.objects.get(username="pendamping.baru").region_id == KOTA_BANDUNG
    screenshot(phone, "accounts-list-phone")


def test_deactivating_from_the_list_asks_first(page, live_server, officer_bandung, mentor_bandung):
    browser_login(page, live_server, officer_bandung.username, PASSWORD)
    page.goto(f"{live_server.url}/akun/pengguna/")

    page.get_by_role("button", name="Kelola").click()
    page.get_by_role("link", name="Nonaktifkan").click()
    assert page.locator("h1").inner_text().strip() == "Nonaktifkan pengguna?"
    mentor_bandung.refresh_from_db()
    assert mentor_bandung.is_active

    page.get_by_role("button", name="Ya, nonaktifkan").click()
    page.wait_for_load_state("networkidle")
    mentor_bandung.refresh_from_db()
    assert not mentor_bandung.is_active
    assert page.locator("[data-testid=user-table]").get_by_text("Nonaktif").count() == 1


def test_the_phone_menu_opens_and_the_language_switch_keeps_the_page(phone, live_server, officer_bandung):
    browser_login(phone, live_server, officer_bandung.username, PASSWORD)
    phone.goto(f"{live_server.url}/akun/pengguna/?q=siti")

    phone.click(".navbar-toggler")
    phone.locator("#mainNav.show").wait_for()  # the collapse animation has finished
    assert phone.locator("#mainNav").get_by_role("link", name="Pengguna", exact=True).is_visible()
    assert fits(phone)
    screenshot(phone, "menu-phone")

    phone.get_by_role("button", name="English").click()
    phone.wait_for_load_state("networkidle")
    assert phone.url.endswith("/akun/pengguna/?q=siti")
    assert phone.locator("h1").inner_text().strip() == "Users"
    assert fits(phone)


def test_the_login_page_fits_a_phone(phone, live_server):
    phone.goto(f"{live_server.url}/akun/masuk/")
    assert phone.locator("h1").inner_text().strip() == "Masuk ke KUBE Portal"
    assert fits(phone)
    screenshot(phone, "login-phone")
