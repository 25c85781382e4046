"""A district officer reads a household's readiness and takes it through the decision, in Chromium."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from conftest import browser_login, screenshot
from graduation.models import DecisionStatus, GraduationDecision
from graduation.recompute import recompute_graduation
from graduation.tests.helpers import RUN_DATE, assess, garut_household, join, kube_at_level, months_before

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_readiness_then_proposal_verification_and_decision(page, live_server, regions, officer_garut):
    from groups.tests.factories import ensure_reference_data

    ensure_reference_data()
    household = garut_household(desil=6)
    assess(household, income=1_000_000, savings=6_000_000)
    join(household, kube_at_level(), on=months_before(RUN_DATE, 13))
    recompute_graduation(run_date=RUN_DATE)

    browser_login(page, live_server, officer_garut.username, PASSWORD)
    page.goto(f"{live_server.url}/graduasi/siap/")
    page.get_by_role("link", name=household.no_kk).click()
    expect(page.locator("[data-testid=state]")).to_contain_text("Siap")
    expect(page.locator("[data-criterion=income][data-verdict=met]")).to_be_visible()
    screenshot(page, "graduation-readiness")

    page.get_by_role("link", name="Usulkan graduasi").click()
    page.select_option("#id_basis", "siap")
    page.get_by_role("button", name="Kirim usulan").click()
    page.get_by_role("link", name="Usulan graduasi: Diusulkan").click()
    page.get_by_role("button", name="Verifikasi").click()
    page.select_option("#id_kind", "mandiri")
    page.get_by_role("button", name="Putuskan graduasi").click()
    page.wait_for_load_state("networkidle")
    screenshot(page, "graduation-decided")
    assert GraduationDecision.objects.get(household=household).status == DecisionStatus.DECIDED
    page.goto(f"{live_server.url}/graduasi/pemantauan/")
    expect(page.get_by_role("link", name=household.no_kk)).to_be_visible()


# Words of the Indonesian renderings of readiness explanations, maturity reasons and status notes:
# each must appear in Indonesian (so the list means something) and none in English.
INDONESIAN_WORDS = [
    "bulan", "laporan", "laba", "omzet", "tabungan", "kelompok", "rata", "asesmen", "anggota", "ambang",
    "garis", "kemiskinan", "provinsi", "terpenuhi", "bantuan", "pertama", "disalurkan", "sejak", "sampai",
    "sekarang", "perlu", "keluarga", "layak", "anak", "belum", "menuju", "tidak", "aktif",
]  # fmt: skip


def _words(text: str) -> set[str]:
    import re

    # text_content() runs adjacent cells together ("TingkatSejak"): a capital starts a word too.
    found = {word.lower() for word in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", text)}
    return {word for word in INDONESIAN_WORDS if word in found}


def test_explanations_reasons_and_notes_speak_english_when_chosen(page, live_server, regions, officer_garut):
    import datetime

    from beneficiaries.models import Member
    from beneficiaries.tests.factories import MemberFactory
    from groups.maturity import classify_all
    from groups.models import BusinessReport
    from groups.services import grant_record
    from groups.tests.factories import KubeFactory, ensure_reference_data
    from kube_portal.dates import month_start

    ensure_reference_data()
    kube = KubeFactory(garut=True, name="KUBE Contoh", status="ditetapkan")
    grant_record(
        kube=kube,
        user=officer_garut,
        amount=20_000_000,
        disbursed_on=datetime.date(2024, 1, 10),
        transfer_reference="SP2D-0001",
        stage="sekaligus",
    )
    BusinessReport.objects.bulk_create(
        BusinessReport(
            kube=kube, month=month_start(RUN_DATE, -n), revenue=6_000_000, costs=5_000_000, group_savings=1_000_000
        )
        for n in range(1, 13)
    )
    classify_all(as_of=datetime.date(2025, 6, 15))  # no report in that window yet: Tumbuh, not reporting
    assessed = garut_household(desil=3, members=2, receives_pkh=True)
    MemberFactory(household=assessed, relationship="anak", birth_date=datetime.date(2015, 1, 1))
    assess(assessed, income=1_000_000, savings=100_000)
    join(assessed, kube, on=months_before(RUN_DATE, 13))
    unassessed = garut_household(desil=7)
    Member.objects.filter(household__in=[assessed, unassessed], relationship="kepala").update(name="Andi Wijaya")
    recompute_graduation(run_date=RUN_DATE)  # the KUBE becomes Berkembang on the run date

    pages = [
        (f"{live_server.url}/graduasi/kesiapan/", ["[data-testid=readiness-table] tbody"]),
        (
            f"{live_server.url}/graduasi/kpm/{assessed.pk}/",
            ["[data-testid=state]", "[data-testid=explanation]", "[data-testid=criteria]"],
        ),
        (f"{live_server.url}/graduasi/kpm/{unassessed.pk}/", ["[data-testid=explanation]", "[data-testid=criteria]"]),
        (
            f"{live_server.url}/kube/{kube.pk}/",
            [
                "[data-testid=maturity-level]",
                "[data-testid=maturity-reason]",
                "[data-testid=maturity-history]",
                "[data-testid=status-note]",
            ],
        ),
    ]

    def texts() -> list[str]:
        found = []
        for url, selectors in pages:
            page.goto(url)
            for selector in selectors:
                # text_content: the closed <details> of the history count too.
                found.append(" ".join(page.locator(selector).all_text_contents()))
        return found

    browser_login(page, live_server, officer_garut.username, PASSWORD)
    indonesian = texts()
    assert _words(" ".join(indonesian)) == set(INDONESIAN_WORDS), indonesian
    assert "Bantuan pertama disalurkan (SP2D-0001)." in indonesian[-1]
    screenshot(page, "kube-maturity-id")

    page.goto(pages[0][0])
    page.locator("button[name=language][value=en]:visible").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    english = texts()
    for (url, _selectors), text in zip([p for p in pages for _ in p[1]], english, strict=True):
        assert text.strip(), url
        assert not _words(text), (url, _words(text), text)
    assert "First grant disbursed (SP2D-0001)." in english[-1]
    assert "Assessment needed" in " ".join(english)
    screenshot(page, "kube-maturity-en")
    page.goto(pages[1][0])
    screenshot(page, "graduation-readiness-en")
