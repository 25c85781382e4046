"""The district office reviews the demo mentor's visits on a 360 px phone (the mentor's side: test_field_app.py)."""

import datetime

import pytest
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD, seed_users
from conftest import browser_login, screenshot
from groups.tests.factories import KubeFactory, complete_members, ensure_reference_data
from mentors.demo import seed_mentors
from mentors.models import FieldVisit, Mentor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BANDUNG_OFFICE = (-6.914744, 107.609810)


@pytest.fixture
def demo_mentor(regions):
    ensure_reference_data()
    seed_users()
    founded = timezone.localdate() - datetime.timedelta(days=400)
    for _ in range(3):
        complete_members(KubeFactory(status="aktif", founded_on=founded, activated_on=founded), 5)
    seed_mentors(seed=1)
    return Mentor.objects.get(user__username="pendamping.bandung")


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="id-ID",
        geolocation={"latitude": BANDUNG_OFFICE[0], "longitude": BANDUNG_OFFICE[1], "accuracy": 12},
        permissions=["geolocation"],
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def fits(tab) -> bool:
    return tab.evaluate("document.documentElement.scrollWidth") <= 360


def test_district_office_reviews_on_a_phone_and_pages_fit(phone, live_server, demo_mentor):
    from accounts.models import User
    from mentors.models import VisitStatus

    officer = User.objects.get(username="dinsos.bandung")
    waiting = FieldVisit.objects.filter(mentor=demo_mentor, status=VisitStatus.SUBMITTED).order_by("created_at", "id")
    first = waiting.first()
    assert first is not None
    browser_login(phone, live_server, officer.username, DEMO_PASSWORD)
    for path, name in [
        ("/pendamping/", "mentors-list-phone"),
        ("/pendamping/kepatuhan/", "mentors-compliance-phone"),
        ("/pendamping/penugasan/", "mentors-assignments-phone"),
        ("/pendamping/pelatihan/", "mentors-training-phone"),
        ("/pendamping/kunjungan/tinjau/", "mentors-review-phone"),
    ]:
        phone.goto(f"{live_server.url}{path}")
        assert fits(phone), path
        screenshot(phone, name)

    phone.goto(f"{live_server.url}/pendamping/kunjungan/{first.pk}/")
    phone.fill("#id_comment", "Lampirkan foto kegiatan.")
    phone.click("text=Kembalikan ke pendamping")
    phone.wait_for_load_state("networkidle")
    first.refresh_from_db()
    assert (first.status, first.review_comment) == (VisitStatus.RETURNED, "Lampirkan foto kegiatan.")
