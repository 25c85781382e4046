"""Each demo login signs in through the real login form and sees its home page."""

import pytest

from accounts.demo import DEMO_PASSWORD, DEMO_USERS, seed_users
from conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("username", [row[0] for row in DEMO_USERS])
def test_each_role_logs_in_and_sees_its_home(page, live_server, regions, username):
    seed_users()
    browser_login(page, live_server, username, DEMO_PASSWORD)
    if username.startswith("pendamping"):
        # A mentor lands on the field app's home: today's work.
        assert page.locator("h1").first.inner_text() == "Pekerjaan hari ini"
        screenshot(page, f"home-{username}")
        return
    assert page.locator("h1").first.inner_text().startswith("Selamat datang")
    kecamatan = int(page.get_by_test_id("count-kecamatan").inner_text().replace(".", "").replace(",", ""))
    assert kecamatan > 0
    screenshot(page, f"home-{username}")


def test_home_fits_a_phone_screen(browser, live_server, regions):
    seed_users()
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
    phone = context.new_page()
    browser_login(phone, live_server, "pendamping.bandung", DEMO_PASSWORD)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "home-phone-pendamping")
    context.close()


def test_wrong_password_is_refused_with_a_message(page, live_server, regions):
    seed_users()
    browser_login(page, live_server, "dinsos.bandung", "salah-sekali")
    assert "/akun/masuk/" in page.url
    assert page.locator(".alert, .invalid-feedback, .errorlist").count() > 0
