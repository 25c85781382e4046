"""The history sections in Chromium, on a phone (360 px) and a desktop (1366 px), in both languages."""

import datetime

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from audit.context import Source, write_context
from beneficiaries.models import Household, Member
from beneficiaries.tests.factories import HouseholdFactory, MemberFactory
from conftest import browser_login, screenshot
from groups.models import Kube
from groups.tests.factories import GrantFactory, KubeFactory
from mentors.models import Mentor
from mentors.tests.factories import MentorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _records(officer):
    with write_context(Source.PAGE, user=officer.pk, url="/kpm/1/ubah/"):
        household = HouseholdFactory(address="Jl. Sukarasa 1")
        head = MemberFactory(household=household, relationship="kepala", name="Asep Sunandar")
        MemberFactory(household=household, relationship="istri", name="Euis Rahmawati", sex="P")
        Member.objects.filter(pk=head.pk).update(relationship="lainnya", is_pregnant=False, occupation="Pedagang")
        for number in range(2, 24):
            Household.objects.filter(pk=household.pk).update(address=f"Jl. Sukarasa {number}", desil=number % 10 + 1)
        kube = KubeFactory(bank_account_number="0012000001")
        GrantFactory(kube=kube, recorded_by=officer, bank_name="BRI", bank_account_number="0012000001")
        Kube.objects.filter(pk=kube.pk).update(bank_account_number="0099887766", bank_account_holder="Bendahara Baru")
        mentor = MentorFactory(phone="0811")
        Mentor.objects.filter(pk=mentor.pk).update(phone="0812", contract_end=datetime.date(2027, 12, 31))
    return household, kube, mentor


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("width", [360, 1366])
def test_history_sections_read_well_on_a_phone_and_a_desktop(page, live_server, regions, officer_bandung, width):
    household, kube, mentor = _records(officer_bandung)
    page.set_viewport_size({"width": width, "height": 800})
    browser_login(page, live_server, officer_bandung.username, PASSWORD)

    page.goto(f"{live_server.url}/kpm/{household.pk}/")
    history = page.get_by_test_id("history")
    history.scroll_into_view_if_needed()
    expect(history.get_by_test_id("history-entry")).to_have_count(20)
    expect(history).to_contain_text("Alamat")
    expect(history.get_by_test_id("history-source").first).to_have_text("halaman")
    expect(history.get_by_test_id("history-actor").first).to_contain_text(officer_bandung.first_name)
    _no_sideways_scroll(page)
    screenshot(page, f"audit-history-household-{width}")
    history.get_by_role("link", name="Lebih lama").click()
    expect(page.get_by_test_id("history")).to_contain_text("Hubungan dengan kepala keluarga")
    expect(page.get_by_test_id("history")).to_contain_text("Kepala keluarga")
    _no_sideways_scroll(page)
    screenshot(page, f"audit-history-household-page2-{width}")

    page.goto(f"{live_server.url}/kube/{kube.pk}/#riwayat")
    expect(page.get_by_test_id("history")).to_contain_text("Nomor rekening")
    expect(page.get_by_test_id("history")).to_contain_text("Bantuan:")
    _no_sideways_scroll(page)
    screenshot(page, f"audit-history-kube-{width}")

    page.goto(f"{live_server.url}/pendamping/{mentor.pk}/#riwayat")
    expect(page.get_by_test_id("history")).to_contain_text("Telepon")
    _no_sideways_scroll(page)
    screenshot(page, f"audit-history-mentor-{width}")


def test_history_in_english(page, live_server, regions, officer_bandung):
    household, _kube, _mentor = _records(officer_bandung)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    browser_login(page, live_server, officer_bandung.username, PASSWORD)
    page.goto(f"{live_server.url}/kpm/{household.pk}/?riwayat=2#riwayat")
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("Change history")
    expect(history).to_contain_text("Relationship to the head")
    expect(history).to_contain_text("Head of household")
    expect(history.get_by_test_id("history-source").first).to_have_text("page")
    screenshot(page, "audit-history-household-en")
