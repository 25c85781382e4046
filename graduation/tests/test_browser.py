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
    recompute_graduation(run_date=RUN_DATE, workers=1)

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
