"""The offline-first field app on a 360 x 740 touch phone (issue 14's "Accepted when").

The phone reaches the live server through `Relay`, a reverse proxy of the test's own: it records
what the phone sent, takes the site away (no signal) and drops replies after the server has
stored a request. Chromium's offline mode is switched on together with it.
"""

import datetime
import io
import os
import time

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from conftest import browser_login, screenshot
from groups.models import BusinessReport
from groups.tests.factories import KubeFactory, complete_members, ensure_reference_data
from mentors.models import FieldVisit
from mentors.tests.factories import AssignmentFactory, MentorFactory, phone_photo
from mentors.tests.relay import Relay, multipart_parts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VILLAGE = {"latitude": -6.9175, "longitude": 107.6191, "accuracy": 9}
VISITS = "/api/v1/field-visits/"
REPORTS = "/api/v1/business-reports/"
HOME = "/pendamping/kunjungan/"


@pytest.fixture
def field_mentor(regions):
    """A mentor of Kota Bandung with five active KUBE of five households each."""
    ensure_reference_data()
    today = timezone.localdate()
    mentor = MentorFactory()
    for index in range(5):
        kube = KubeFactory(
            name=f"KUBE Lapangan {index + 1}",
            status="aktif",
            founded_on=today - datetime.timedelta(days=400),
            activated_on=today - datetime.timedelta(days=380),
        )
        complete_members(kube, 5)
        AssignmentFactory(mentor=mentor, kube=kube, started_on=today - datetime.timedelta(days=300 - index * 20))
    return mentor


@pytest.fixture
def relay(live_server):
    with Relay(live_server.url) as running:
        yield running


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="id-ID",
        geolocation=VILLAGE,
        permissions=["geolocation"],
    )
    # Script errors of every page of the phone (new tabs too), printed with a failing test's output.
    context.on("page", lambda page: page.on("pageerror", lambda error: print("page error:", page.url, error)))
    context.on("console", lambda message: message.type == "error" and print("console:", message.text))
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


def kube_ids(mentor) -> list[int]:
    return list(mentor.assignments.order_by("kube__name").values_list("kube_id", flat=True))


def start(phone, relay, mentor) -> None:
    """Log in, open the home, and wait until the service worker controls it and keeps every form."""
    browser_login(phone, relay, mentor.user.username, PASSWORD)
    phone.goto(f"{relay.url}{HOME}")
    phone.wait_for_function("navigator.serviceWorker.controller !== null", timeout=60_000)
    forms = [f"{relay.url}/pendamping/kunjungan/catat/{pk}/" for pk in kube_ids(mentor)]
    forms += [f"{relay.url}/kube/{pk}/laporan/tambah/" for pk in kube_ids(mentor)]
    kept_all(phone, forms)


def kept_all(phone, urls, timeout: float = 90) -> None:
    """Wait until the service worker keeps a copy of each page of `urls`."""
    started = time.monotonic()
    while True:
        kept = phone.evaluate("caches.open('kube-pages').then(c => c.keys()).then(rs => rs.map(r => r.url))")
        if set(urls) <= set(kept):
            return
        if time.monotonic() - started > timeout:
            pytest.fail(f"pages not kept offline after {timeout:.0f} s: {sorted(set(urls) - set(kept))}")
        phone.wait_for_timeout(500)


def wait_until(phone, script: str, timeout: float = 60) -> None:
    """Until the page's `script` (an expression, a promise allowed) is true."""
    started = time.monotonic()
    while not phone.evaluate(script):
        if time.monotonic() - started > timeout:
            pytest.fail(f"not true after {timeout:.0f} s: {script}")
        phone.wait_for_timeout(250)


def signal(phone, relay, on: bool) -> None:
    relay.down = not on
    phone.context.set_offline(not on)


def outbox(phone) -> list[dict]:
    return phone.evaluate("KubeOutbox.all().then(items => items.map(({photos, ...rest}) => rest))")


def record_visit(phone, relay, kube_pk: int, *, notes: str, topic: str = "pembukuan", photos=()) -> str:
    """Fill the visit form of a KUBE and save it to the outbox; the client UUID it was given."""
    phone.goto(f"{relay.url}/pendamping/kunjungan/catat/{kube_pk}/")
    expect(phone.locator("#visit-form[data-ready='1']")).to_have_count(1)
    phone.locator("input[name=members]").first.check()
    phone.check(f"input[name=topics][value={topic}]")
    phone.fill("#id_notes", notes)
    if photos:
        phone.set_input_files("#id_photos", list(photos))
        expect(phone.locator("[data-testid=photo-thumb]")).to_have_count(len(photos), timeout=60_000)
    client_uuid = phone.input_value("input[name=client_uuid]")
    phone.locator("#visit-submit").tap()
    phone.wait_for_url(f"**{HOME}")
    return client_uuid


def record_report(phone, relay, kube_pk: int, *, revenue: int) -> None:
    phone.goto(f"{relay.url}/kube/{kube_pk}/laporan/tambah/")
    expect(phone.locator("form[data-ready='1']")).to_have_count(1)
    phone.fill("#id_revenue", f"{revenue:,}".replace(",", "."))
    phone.fill("#id_costs", "1.000.000")
    phone.fill("#id_cash", "500.000")
    phone.fill("#id_group_savings", "2.000.000")
    phone.fill("#id_assets_value", "5.000.000")
    phone.fill("#id_members_present", "5")
    phone.locator("form[data-outbox-kind] [type=submit]").tap()
    phone.wait_for_url(f"**{HOME}")


def fits(phone) -> bool:
    return phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_offline_cold_start_opens_the_app_and_keeps_a_visit(phone, relay, field_mentor):
    start(phone, relay, field_mentor)
    screenshot(phone, "field-home-phone")
    assert fits(phone)
    context = phone.context
    phone.close()

    # The app closed, no signal, opened again: the home and the visit form come from the phone.
    relay.down = True
    context.set_offline(True)
    again = context.new_page()
    again.goto(f"{relay.url}{HOME}")
    expect(again.locator("[data-testid=my-kube] [data-kube]")).to_have_count(5)
    again.locator("[data-testid=my-kube] a", has_text="Catat").first.tap()
    expect(again.locator("#visit-form[data-ready='1']")).to_have_count(1)
    screenshot(again, "field-visit-form-offline-phone")
    assert fits(again)
    client_uuid = record_visit(again, relay, kube_ids(field_mentor)[0], notes="Dicatat tanpa sinyal.")
    expect(again.locator("[data-testid=outbox-item]")).to_have_count(1)
    expect(again.locator("[data-testid=outbox-state]")).to_have_text("menunggu")
    expect(again.locator("[data-testid=outbox-count]")).to_have_text("1")
    screenshot(again, "field-home-outbox-offline-phone")
    assert not FieldVisit.objects.filter(client_uuid=client_uuid).exists()

    # The signal returns: it sends itself.
    relay.down = False
    context.set_offline(False)
    expect(again.locator("[data-testid=outbox-state]")).to_have_text("terkirim", timeout=60_000)
    visit = FieldVisit.objects.get(client_uuid=client_uuid)
    assert (visit.notes, visit.accuracy_m) == ("Dicatat tanpa sinyal.", 9)
    assert (float(visit.latitude), float(visit.longitude)) == (VILLAGE["latitude"], VILLAGE["longitude"])


def test_five_visits_and_two_reports_queued_offline_reach_the_server_once_without_a_tap(phone, relay, field_mentor):
    start(phone, relay, field_mentor)
    kubes = kube_ids(field_mentor)
    signal(phone, relay, on=False)
    uuids = [record_visit(phone, relay, pk, notes=f"Kunjungan ke-{n}") for n, pk in enumerate(kubes, start=1)]
    record_report(phone, relay, kubes[0], revenue=7_500_000)
    record_report(phone, relay, kubes[1], revenue=6_250_000)
    # A reload (the phone's browser restarted) keeps every item.
    phone.reload()
    expect(phone.locator("[data-testid=outbox-item][data-state=waiting]")).to_have_count(7)
    assert len(set(uuids)) == 5
    screenshot(phone, "field-outbox-seven-waiting-phone")

    signal(phone, relay, on=True)
    expect(phone.locator("[data-testid=outbox-item][data-state=sent]")).to_have_count(7, timeout=120_000)
    assert {str(u) for u in FieldVisit.objects.values_list("client_uuid", flat=True)} == set(uuids)
    assert sorted(BusinessReport.objects.values_list("revenue", flat=True)) == [6_250_000, 7_500_000]
    assert len(relay.posts_to(VISITS)) == 5
    assert len(relay.posts_to(REPORTS)) == 2
    expect(phone.locator("[data-testid=outbox-count]")).to_have_text("0")


def test_a_lost_reply_stores_one_visit_and_the_next_visit_is_a_new_one(phone, relay, field_mentor):
    start(phone, relay, field_mentor)
    kube = kube_ids(field_mentor)[2]
    relay.drop_replies(VISITS, 1)
    first = record_visit(phone, relay, kube, notes="Balasan hilang di jalan.")
    # The server stored it, the phone never heard back: still waiting, tried again later.
    wait_until(phone, "KubeOutbox.all().then(items => items[0] && items[0].lastError === 'network')")
    assert FieldVisit.objects.filter(client_uuid=first).count() == 1
    # The signal comes and goes: the outbox tries again with the same UUID; still one visit.
    phone.context.set_offline(True)
    phone.context.set_offline(False)
    expect(phone.locator("[data-testid=outbox-state]")).to_have_text("terkirim", timeout=60_000)
    assert FieldVisit.objects.filter(kube_id=kube).count() == 1
    sent_uuids = [dict_of(headers, body)["client_uuid"] for headers, body in relay.posts_to(VISITS)]
    assert sent_uuids == [first, first]

    second = record_visit(phone, relay, kube, notes="Kunjungan berikutnya.", topic="pemasaran")
    assert second != first
    expect(phone.locator("[data-testid=outbox-item][data-state=sent]")).to_have_count(2, timeout=60_000)
    assert list(FieldVisit.objects.filter(kube_id=kube).order_by("id").values_list("notes", flat=True)) == [
        "Balasan hilang di jalan.",
        "Kunjungan berikutnya.",
    ]


def test_an_expired_session_pauses_the_outbox_until_the_mentor_logs_in_again(phone, relay, field_mentor):
    start(phone, relay, field_mentor)
    kubes = kube_ids(field_mentor)
    signal(phone, relay, on=False)
    visit = record_visit(phone, relay, kubes[3], notes="Sesi habis saat menunggu.")
    record_report(phone, relay, kubes[3], revenue=3_000_000)
    Session.objects.all().delete()

    signal(phone, relay, on=True)
    expect(phone.locator("[data-testid=outbox-paused]")).to_be_visible(timeout=60_000)
    expect(phone.locator("[data-testid=outbox-item][data-state=waiting]")).to_have_count(2)
    screenshot(phone, "field-outbox-session-expired-phone")
    assert not FieldVisit.objects.exists()

    phone.locator("[data-testid=outbox-login]").tap()
    phone.fill("input[name=username]", field_mentor.user.username)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("main form button[type=submit]")
    expect(phone.locator("[data-testid=outbox-item][data-state=sent]")).to_have_count(2, timeout=60_000)
    assert FieldVisit.objects.filter(client_uuid=visit).count() == 1
    assert BusinessReport.objects.filter(kube_id=kubes[3], revenue=3_000_000).count() == 1


def dict_of(headers, body) -> dict:
    fields: dict = {}
    for name, filename, content in multipart_parts(headers, body):
        if filename is None:
            fields[name] = content.decode()
    return fields


def test_a_refused_visit_keeps_its_photos_and_is_sent_once_fixed_each_photo_under_400_kb(
    phone, relay, field_mentor, tmp_path
):
    photos = [phone_photo(tmp_path / f"IMG_{n}.jpg", n) for n in (1, 2)]
    assert all(os.path.getsize(p) > 2_000_000 for p in photos)
    start(phone, relay, field_mentor)
    kube = kube_ids(field_mentor)[4]
    phone.goto(f"{relay.url}/pendamping/kunjungan/catat/{kube}/")
    # A date the phone accepts but the server refuses: before the KUBE was founded.
    phone.fill("#id_visited_on", "2020-01-06")
    uuid_before = phone.input_value("input[name=client_uuid]")
    phone.goto(f"{relay.url}{HOME}")
    phone.goto(f"{relay.url}/pendamping/kunjungan/catat/{kube}/")
    assert phone.input_value("input[name=client_uuid]") != uuid_before  # a new entry, a new UUID
    phone.fill("#id_visited_on", "2020-01-06")
    phone.locator("input[name=members]").nth(1).check()
    phone.check("input[name=topics][value=produksi]")
    phone.fill("#id_notes", "Produksi naik.")
    phone.set_input_files("#id_photos", photos)
    expect(phone.locator("[data-testid=photo-thumb]")).to_have_count(2, timeout=90_000)
    total = int(phone.get_attribute("#photo-total", "data-bytes"))
    assert total <= 2 * 400 * 1024
    screenshot(phone, "field-visit-photos-phone")
    client_uuid = phone.input_value("input[name=client_uuid]")
    phone.locator("#visit-submit").tap()
    phone.wait_for_url(f"**{HOME}")

    item = phone.locator("[data-testid=outbox-item][data-state=fixing]")
    expect(item).to_have_count(1, timeout=60_000)
    expect(item).to_contain_text("perlu diperbaiki")
    expect(item.locator("[data-testid=outbox-problem]")).to_contain_text("sebelum KUBE dibentuk")
    screenshot(phone, "field-outbox-needs-fixing-phone")
    assert not FieldVisit.objects.exists()

    item.locator("[data-testid=outbox-fix]").tap()
    expect(phone.locator("[data-testid=field-error]", has_text="sebelum KUBE dibentuk")).to_have_count(1)
    expect(phone.locator("[data-testid=photo-thumb]")).to_have_count(2)
    assert phone.input_value("input[name=client_uuid]") == client_uuid
    assert phone.input_value("#id_notes") == "Produksi naik."
    assert phone.evaluate(
        "(() => { const r = document.querySelector('[data-testid=field-error]').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()"
    )
    screenshot(phone, "field-visit-fix-phone")
    phone.fill("#id_visited_on", timezone.localdate().isoformat())
    phone.locator("#visit-submit").tap()
    phone.wait_for_url(f"**{HOME}")
    expect(phone.locator("[data-testid=outbox-item][data-state=sent]")).to_have_count(1, timeout=90_000)

    visit = FieldVisit.objects.get(client_uuid=client_uuid)
    assert visit.photos.count() == 2
    posts = relay.posts_to(VISITS)
    assert len(posts) == 2  # refused once, stored once
    for headers, body in posts:
        files = [(name, content) for name, filename, content in multipart_parts(headers, body) if filename]
        assert [name for name, _ in files] == ["photos", "photos"]
        for _name, content in files:
            assert len(content) <= 400 * 1024
            image = Image.open(io.BytesIO(content))
            assert image.format == "JPEG"
            assert max(image.size) <= 1600
            assert not image.getexif()
    assert dict_of(*posts[-1])["client_uuid"] == client_uuid


def test_a_household_assessment_goes_through_the_outbox_in_one_tap_from_home(phone, relay, field_mentor):
    from graduation.models import HouseholdAssessment

    start(phone, relay, field_mentor)
    phone.locator("[data-testid=to-assess] a", has_text="Asesmen").first.tap()
    expect(phone.locator("form[data-outbox-kind=assessment][data-ready='1']")).to_have_count(1)
    assert phone.input_value("#id_assessed_on") == timezone.localdate().isoformat()
    phone.fill("#id_monthly_income", "2750000")
    phone.fill("#id_savings", "400000")
    phone.select_option("#id_housing_condition", "layak")
    phone.locator("form[data-outbox-kind] [type=submit]").tap()
    phone.wait_for_url(f"**{HOME}")
    expect(phone.locator("[data-testid=outbox-item][data-state=sent]")).to_have_count(1, timeout=60_000)
    assessment = HouseholdAssessment.objects.get()
    assert (assessment.monthly_income, assessment.savings, assessment.assessor_id) == (
        2_750_000,
        400_000,
        field_mentor.user_id,
    )
