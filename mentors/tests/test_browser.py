"""The demo mentor records a visit on a 360 px phone: two photos, a location, a dropped answer, one visit."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD, seed_users
from conftest import browser_login, screenshot
from groups.tests.factories import KubeFactory, complete_members, ensure_reference_data
from mentors.demo import seed_mentors
from mentors.models import FieldVisit, Mentor
from mentors.tests.factories import jpeg_bytes

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


def test_demo_mentor_records_a_visit_with_photos_and_location_once(phone, live_server, demo_mentor, tmp_path):
    photos = []
    for index, colour in enumerate([(200, 80, 40), (40, 120, 200)]):
        path = tmp_path / f"kegiatan-{index}.jpg"
        path.write_bytes(jpeg_bytes(size=(1200, 900), color=colour, gps=True))
        photos.append(str(path))
    before = FieldVisit.objects.count()

    browser_login(phone, live_server, "pendamping.bandung", DEMO_PASSWORD)
    phone.goto(f"{live_server.url}/pendamping/kunjungan/")
    assert fits(phone)
    screenshot(phone, "mentors-visit-home-phone")
    phone.locator("[data-testid=my-kube] a", has_text="Catat").first.click()
    phone.wait_for_load_state("networkidle")

    expect(phone.locator("[data-testid=location-status]")).to_contain_text("Lokasi tercatat", timeout=15_000)
    phone.locator("input[name=members]").nth(0).check()
    phone.locator("input[name=members]").nth(1).check()
    phone.check("input[name=topics][value=pembukuan]")
    phone.check("input[name=topics][value=pemasaran]")
    phone.fill("#id_notes", "Buku kas diperbarui; penjualan daring dicoba.")
    phone.fill("#id_problems", "Harga bahan baku naik.")
    phone.set_input_files("#id_photos", photos)
    client_uuid = phone.input_value("input[name=client_uuid]")
    assert len(client_uuid) == 36
    assert fits(phone)
    screenshot(phone, "mentors-visit-form-phone")

    # The signal drops as the mentor taps "Kirim": the form stays, kept as a draft in the phone.
    phone.context.set_offline(True)
    phone.click("#visit-submit")
    expect(phone.locator("[data-testid=draft-banner]")).to_be_visible(timeout=15_000)
    assert not FieldVisit.objects.filter(client_uuid=client_uuid).exists()
    draft = phone.evaluate("JSON.parse(localStorage.getItem(document.getElementById('visit-form').dataset.draftKey))")
    assert draft["fields"]["client_uuid"] == client_uuid
    screenshot(phone, "mentors-visit-draft-phone")

    # Back online, a double tap sends the same form twice at once: one visit is stored.
    phone.context.set_offline(False)
    statuses = phone.evaluate(
        """() => {
        const form = document.getElementById('visit-form');
        const send = () => fetch(window.location.href, {method: 'POST', body: new FormData(form), redirect: 'manual'});
        return Promise.all([send(), send()]).then(rs => rs.map(r => r.type));
    }"""
    )
    assert statuses == ["opaqueredirect", "opaqueredirect"]
    assert FieldVisit.objects.filter(client_uuid=client_uuid).count() == 1

    # The mentor then taps "Kirim ulang": the stored visit comes back, nothing is stored twice.
    phone.click("#draft-resend")
    phone.wait_for_url("**/pendamping/kunjungan/*/")
    expect(phone.locator(".alert-info").first).to_contain_text("sudah tersimpan sebelumnya", timeout=15_000)

    assert FieldVisit.objects.count() == before + 1
    visit = FieldVisit.objects.get(client_uuid=client_uuid)
    assert visit.photos.count() == 2
    assert visit.members_present.count() == 2
    assert (float(visit.latitude), float(visit.longitude), visit.accuracy_m) == (*BANDUNG_OFFICE, 12)
    expect(phone.locator("[data-testid=visit-location]")).to_contain_text("-6.914744, 107.60981")
    expect(phone.locator("[data-testid=visit-photos] img")).to_have_count(2)
    assert phone.evaluate(
        "Array.from(document.querySelectorAll('[data-testid=visit-photos] img')).every(i => i.naturalWidth > 0)"
    )
    assert phone.evaluate("Object.keys(localStorage).filter(k => k.startsWith('kube-visit-draft-')).length") == 0
    assert fits(phone)
    screenshot(phone, "mentors-visit-detail-phone")


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


def test_a_draft_survives_a_reload_and_is_sent_later(phone, live_server, demo_mentor):
    browser_login(phone, live_server, "pendamping.bandung", DEMO_PASSWORD)
    phone.goto(f"{live_server.url}/pendamping/kunjungan/")
    phone.locator("[data-testid=my-kube] a", has_text="Catat").first.click()
    phone.wait_for_load_state("networkidle")
    phone.check("input[name=topics][value=tabungan]")
    phone.fill("#id_notes", "Setoran tabungan kelompok dicatat.")
    client_uuid = phone.input_value("input[name=client_uuid]")

    phone.context.set_offline(True)
    phone.click("#visit-submit")
    expect(phone.locator("[data-testid=draft-banner]")).to_be_visible(timeout=15_000)
    phone.context.set_offline(False)

    phone.reload()
    expect(phone.locator("[data-testid=draft-banner]")).to_contain_text("draf kunjungan yang belum terkirim")
    assert phone.input_value("input[name=client_uuid]") == client_uuid
    assert phone.input_value("#id_notes") == "Setoran tabungan kelompok dicatat."
    assert phone.is_checked("input[name=topics][value=tabungan]")
    phone.click("#draft-resend")
    phone.wait_for_url("**/pendamping/kunjungan/*/")
    visit = FieldVisit.objects.get(client_uuid=client_uuid)
    assert visit.topics == ["tabungan"]
