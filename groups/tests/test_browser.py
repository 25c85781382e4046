"""A KUBE walks from draft to active in Chromium, each step by its own role."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from conftest import browser_login, screenshot
from groups.models import Kube, MemberRole, Status
from groups.tests.factories import MembershipFactory, household_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def login_as(browser, live_server):
    contexts = []

    def open_page(user):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        browser_login(tab, live_server, user.username, PASSWORD)
        return tab

    yield open_page
    for context in contexts:
        context.close()


def take_step(tab, label: str, comment: str) -> None:
    tab.locator("[data-testid=kube-actions]").get_by_role("link", name=label, exact=True).click()
    tab.fill("#id_comment", comment)
    tab.click("[data-testid=confirm]")
    tab.wait_for_load_state("networkidle")


def test_a_kube_goes_from_draft_to_active_across_four_roles(
    login_as, live_server, regions, officer_bandung, officer_jabar, direktorat_user
):
    ketua = household_in("32.73.01", "1002")
    others = [household_in("32.73.01", f"100{index % 4 + 1}") for index in range(4)]

    # 1. The district office creates the draft; htmx offers the villages of the chosen kecamatan.
    bandung = login_as(officer_bandung)
    bandung.goto(f"{live_server.url}/kube/")
    bandung.click("text=KUBE baru")
    bandung.fill("#id_name", "KUBE Sukarasa Mandiri")
    bandung.select_option("#id_program", label="KUBE Reguler")
    bandung.select_option("#id_business_type", "perdagangan")
    bandung.select_option("#id_business_field", label="Warung sembako")
    bandung.select_option("#id_kecamatan", "32.73.01")
    expect(bandung.locator("#id_secretariat_village option[value='32.73.01.1001']")).to_have_count(1)
    bandung.select_option("#id_secretariat_village", "32.73.01.1001")
    bandung.fill("#id_founded_on", "2025-01-15")
    bandung.click("main form button[type=submit]")
    bandung.wait_for_load_state("networkidle")
    expect(bandung.locator("[data-testid=kube-status]")).to_have_text("Draf")
    kube = Kube.objects.get(name="KUBE Sukarasa Mandiri")

    # Members: the ketua is found in the registry and added on the page; four more join.
    bandung.click("text=Tambah anggota")
    bandung.fill("#id_q", ketua.no_kk)
    bandung.click("main form[role=search] button")
    row = bandung.locator("[data-testid=household-results] tbody tr", has_text=ketua.no_kk)
    row.locator("select[name=role]").select_option(MemberRole.KETUA)
    row.get_by_role("button", name="Tambahkan").click()
    bandung.wait_for_load_state("networkidle")
    expect(bandung.locator(".alert-success")).to_contain_text(ketua.no_kk)
    expect(bandung.locator("[data-testid=proposal-problems]")).to_contain_text("Jumlah anggota")
    for household, role in zip(others, ["sekretaris", "bendahara", "anggota", "anggota"], strict=True):
        MembershipFactory(kube=kube, household=household, role=role)
    bandung.reload()
    expect(bandung.locator("[data-testid=proposal-problems]")).to_have_count(0)

    # 2. Proposed by the district office.
    take_step(bandung, "Usulkan", "Lima KPM Sukarasa, rencana usaha lengkap")
    expect(bandung.locator("[data-testid=kube-status]")).to_have_text("Diusulkan")
    screenshot(bandung, "groups-proposed")

    # 3. The province finds it in its queue and recommends it.
    jabar = login_as(officer_jabar)
    jabar.goto(f"{live_server.url}/kube/antrean/")
    jabar.click("text=KUBE Sukarasa Mandiri")
    take_step(jabar, "Rekomendasikan", "Sesuai potensi wilayah")
    expect(jabar.locator("[data-testid=kube-status]")).to_have_text("Direkomendasikan")

    # 4. The directorate approves it.
    direktorat = login_as(direktorat_user)
    direktorat.goto(f"{live_server.url}/kube/antrean/")
    direktorat.click("text=KUBE Sukarasa Mandiri")
    take_step(direktorat, "Tetapkan", "Ditetapkan dalam SK Direktur")
    expect(direktorat.locator("[data-testid=kube-status]")).to_have_text("Ditetapkan")

    # 5. The district office records the grant, which makes the KUBE active.
    bandung.goto(f"{live_server.url}/kube/{kube.pk}/")
    bandung.click("text=Catat penyaluran bantuan")
    expect(bandung.locator("#id_amount")).to_have_value("Rp 20.000.000")
    bandung.fill("#id_disbursed_on", "2025-03-03")
    bandung.fill("#id_transfer_reference", "SP2D-2025-0042")
    bandung.click("main form button[type=submit]")
    bandung.wait_for_load_state("networkidle")
    expect(bandung.locator("[data-testid=kube-status]")).to_have_text("Aktif")
    expect(bandung.locator("[data-testid=grant-total]")).to_contain_text("Diterima Rp 20.000.000")
    history = bandung.locator("[data-testid=status-history] li")
    expect(history).to_have_count(5)
    screenshot(bandung, "groups-active")

    kube.refresh_from_db()
    assert kube.status == Status.AKTIF
    assert list(kube.status_changes.order_by("id").values_list("actor__username", flat=True)) == [
        "dinsos_bandung",
        "dinsos_bandung",
        "dinsos_jabar",
        "dit_wilayah1",
        "dinsos_bandung",
    ]
