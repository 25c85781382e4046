import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from graduation.models import (
    CriteriaSet,
    DecisionStatus,
    GraduationDecision,
    HouseholdAssessment,
    ProposalBasis,
    RecomputeRun,
    RunStatus,
)
from graduation.recompute import recompute_graduation
from graduation.tests.helpers import RUN_DATE, assess, garut_household, join, kube_at_level, months_before
from graduation.tests.scope_builders import GRADUATION_URLS
from tests.pages import client_for

pytestmark = pytest.mark.django_db


def siap_households(count: int):
    kube = kube_at_level()
    made = []
    for _ in range(count):
        household = garut_household(desil=6, receives_pkh=True)  # adults only: alamiah candidates too
        assess(household, income=1_000_000, savings=6_000_000)
        join(household, kube, on=months_before(RUN_DATE, 13))
        made.append(household)
    recompute_graduation(run_date=RUN_DATE)
    return made


def test_every_graduation_object_page_is_scoped(regions, officer_garut, officer_bandung, mentor_bandung):
    from types import SimpleNamespace

    world = SimpleNamespace(regions=regions, officer_garut=officer_garut)
    for name, build in GRADUATION_URLS.items():
        url = reverse(name, kwargs=build(world))
        assert client_for(officer_garut).get(url).status_code == 200, name
        assert client_for(officer_bandung).get(url).status_code == 404, name
        assert client_for(mentor_bandung).get(url).status_code == 404, name


def test_readiness_page_shows_every_criterion_against_its_threshold_and_the_history(regions, officer_garut):
    (household,) = siap_households(1)
    response = client_for(officer_garut).get(reverse("graduation:household_readiness", args=[household.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for criterion in ("income", "kube", "assets", "desil"):
        assert f'data-criterion="{criterion}" data-verdict="met"' in html
    assert "Rp 1.000.000" in html or "Rp 1,000,000" in html
    assert "870.524" in html or "870,524" in html
    assert "garis nasional perdesaan, Maret 2025" in html
    assert "Siap" in html


@pytest.mark.parametrize("url_name", ["graduation:siap_list", "graduation:alamiah_list"])
def test_lists_are_scoped_paginated_and_take_constant_queries(regions, officer_garut, officer_bandung, url_name):
    client = client_for(officer_garut)
    siap_households(1)
    with CaptureQueriesContext(connection) as one:
        response = client.get(reverse(url_name))
    assert response.status_code == 200
    siap_households(4)
    with CaptureQueriesContext(connection) as five:
        response = client.get(reverse(url_name))
    assert len(one) == len(five)
    assert response.context["page"].paginator.count == 5
    assert client_for(officer_bandung).get(reverse(url_name)).context["page"].paginator.count == 0


def test_assessment_form_records_an_assessment(regions, officer_garut):
    household = garut_household()
    url = reverse("graduation:assessment_create", args=[household.pk])
    response = client_for(officer_garut).post(
        url,
        {
            "assessed_on": "2026-05-01",
            "monthly_income": "2500000",
            "savings": "100000",
            "productive_assets": "0",
            "housing_condition": "layak",
            "note": "",
        },
    )
    assert response.status_code == 302
    assessment = HouseholdAssessment.objects.get(household=household)
    assert assessment.monthly_income == 2_500_000 and assessment.assessor == officer_garut


def test_the_decision_workflow_over_http(regions, officer_garut, officer_jabar):
    (household,) = siap_households(1)
    officer = client_for(officer_garut)
    response = officer.post(reverse("graduation:decision_propose", args=[household.pk]), {"basis": "siap"})
    assert response.status_code == 302
    decision = GraduationDecision.objects.get(household=household)
    queue = officer.get(reverse("graduation:decision_queue"))
    assert list(queue.context["page"]) == [decision]
    detail = reverse("graduation:decision_detail", args=[decision.pk])
    assert client_for(officer_jabar).post(detail, {"action": "verify"}).status_code == 403
    officer.post(detail, {"action": "verify", "note": "ok"})
    officer.post(detail, {"action": "decide", "kind": "mandiri"})
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DECIDED
    monitoring = officer.get(reverse("graduation:monitoring_list"))
    assert list(monitoring.context["page"]) == [decision]


def test_reject_needs_a_reason(regions, officer_garut):
    household = garut_household()
    decision = GraduationDecision.objects.create(
        household=household, basis=ProposalBasis.OTHER, reason="alasan", proposed_by=officer_garut
    )
    officer = client_for(officer_garut)
    detail = reverse("graduation:decision_detail", args=[decision.pk])
    officer.post(detail, {"action": "reject", "note": ""})
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PROPOSED
    officer.post(detail, {"action": "reject", "note": "Belum stabil"})
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.REJECTED


def test_run_ledger_is_for_administrators_and_run_now_starts_a_run(
    regions, admin_user, officer_garut, django_capture_on_commit_callbacks, celery_eager
):
    assert client_for(officer_garut).get(reverse("graduation:run_list")).status_code == 403
    assert client_for(officer_garut).post(reverse("graduation:run_now")).status_code == 403
    admin = client_for(admin_user)
    assert admin.get(reverse("graduation:run_list")).status_code == 200
    garut_household()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("graduation:run_now"))
    assert response.status_code == 302
    run = RecomputeRun.objects.get()
    assert run.status == RunStatus.DONE and run.triggered_by == admin_user
    progress = admin.get(reverse("graduation:run_progress")).content.decode()
    assert "100%" in progress and "hx-get" not in progress


def test_progress_bar_polls_while_a_run_is_going(regions, admin_user):
    RecomputeRun.objects.create(
        run_date=datetime.date(2026, 6, 1),
        criteria=CriteriaSet.objects.active(),
        provinces_total=4,
        progress={"11": {}, "12": {}},
    )
    html = client_for(admin_user).get(reverse("graduation:run_progress")).content.decode()
    assert "50%" in html and "hx-get" in html


def test_criteria_page_saves_a_new_version(regions, admin_user, officer_garut):
    url = reverse("graduation:criteria_list")
    assert client_for(officer_garut).get(url).status_code == 200
    assert client_for(officer_garut).post(url, {}).status_code == 403
    response = client_for(admin_user).post(
        url,
        {
            "income_multiple": "2.00",
            "min_kube_level": "maju",
            "min_kube_months": "18",
            "assets_threshold": "7000000",
            "desil_threshold": "5",
            "note": "Tahun 2027",
            "version": CriteriaSet.objects.active().version,
        },
    )
    assert response.status_code == 302
    active = CriteriaSet.objects.active()
    assert (active.version, active.min_kube_level, active.min_kube_months) == (2, "maju", 18)
    assert CriteriaSet.objects.count() == 2


def test_graduation_menu_items(regions, admin_user, officer_garut):
    from accounts.navigation import menu_for

    admin_urls = {item["url_name"] for item in menu_for(admin_user)}
    assert {"graduation:siap_list", "graduation:run_list", "graduation:poverty_line_list"} <= admin_urls
    assert "graduation:run_list" not in {item["url_name"] for item in menu_for(officer_garut)}


def test_pages_speak_english_when_asked(regions, officer_garut):
    (household,) = siap_households(1)
    client = client_for(officer_garut)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("graduation:household_readiness", args=[household.pk])).content.decode()
    assert "Graduation readiness" in html and "Income per capita" in html and "Ready" in html


def test_the_household_page_shows_its_readiness(regions, officer_garut):
    (household,) = siap_households(1)
    html = (
        client_for(officer_garut).get(reverse("beneficiaries:household_detail", args=[household.pk])).content.decode()
    )
    assert 'data-testid="readiness-card"' in html
    assert reverse("graduation:household_readiness", args=[household.pk]) in html
    assert "Siap" in html
    other = garut_household()
    html = client_for(officer_garut).get(reverse("beneficiaries:household_detail", args=[other.pk])).content.decode()
    assert "Belum dihitung." in html


@pytest.mark.parametrize("url_name", ["graduation:decision_queue", "graduation:monitoring_list"])
def test_decision_lists_take_constant_queries(regions, officer_garut, url_name):
    from graduation.services import graduation_decide, graduation_propose, graduation_verify

    def graduate(count):
        for household in siap_households(count):
            decision = graduation_propose(user=officer_garut, household=household, basis=ProposalBasis.SIAP)
            if url_name == "graduation:monitoring_list":
                graduation_verify(user=officer_garut, decision=decision)
                graduation_decide(user=officer_garut, decision=decision, kind="mandiri")

    client = client_for(officer_garut)
    graduate(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse(url_name)).context["page"].paginator.count == 1
    graduate(3)
    with CaptureQueriesContext(connection) as four:
        assert client.get(reverse(url_name)).context["page"].paginator.count == 4
    assert len(one) == len(four)


def test_a_mentor_sees_the_readiness_of_the_households_of_their_kube_only(regions, officer_garut):
    from types import SimpleNamespace

    from mentors.tests.scope_builders import _garut_assignment

    assignment = _garut_assignment(SimpleNamespace(officer_garut=officer_garut))
    member = assignment.kube.memberships.get().household
    outsider = garut_household()
    recompute_graduation(run_date=RUN_DATE)
    mentor = client_for(assignment.mentor.user)
    assert mentor.get(reverse("graduation:household_readiness", args=[member.pk])).status_code == 200
    assert mentor.get(reverse("graduation:household_readiness", args=[outsider.pk])).status_code == 404
    listed = mentor.get(reverse("graduation:alamiah_list")).context["page"]
    assert {status.household_id for status in listed} <= {member.pk}


def test_readiness_list_filters_by_state_assessment_needed_and_alamiah(regions, officer_garut, officer_bandung):
    siap_households(1)
    unassessed = garut_household(desil=9)  # menuju, assessment needed
    recompute_graduation(run_date=RUN_DATE)
    client = client_for(officer_garut)
    url = reverse("graduation:readiness_list")

    def listed(**query):
        return {status.household_id for status in client.get(url, query).context["page"]}

    everyone = listed()
    assert len(everyone) == 2
    assert listed(asesmen="perlu") == {unassessed.pk}
    assert listed(kesiapan="menuju") == {unassessed.pk}
    assert listed(kesiapan="siap", alamiah="ya") == everyone - {unassessed.pk}
    assert 'data-testid="needs-assessment"' in client.get(url, {"asesmen": "perlu"}).content.decode()
    assert listed(kesiapan="bukan-status") == everyone  # an unknown value filters nothing
    assert client_for(officer_bandung).get(url).context["page"].paginator.count == 0


def test_readiness_list_takes_constant_queries(regions, officer_garut):
    client = client_for(officer_garut)
    siap_households(1)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("graduation:readiness_list"), {"kesiapan": "siap"})
    siap_households(4)
    with CaptureQueriesContext(connection) as five:
        response = client.get(reverse("graduation:readiness_list"), {"kesiapan": "siap"})
    assert response.context["page"].paginator.count == 5
    assert len(one) == len(five)


def test_run_now_with_redis_down_says_try_later_at_once(regions, admin_user, dead_redis):
    import time

    started = time.monotonic()
    response = client_for(admin_user).post(reverse("graduation:run_now"), follow=True)
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    assert "Coba lagi nanti" in response.content.decode()
    assert not RecomputeRun.objects.exists()


def test_a_run_left_running_by_a_dead_worker_shows_as_stalled_and_is_resumed(regions, admin_user, celery_eager):
    from graduation.recompute import recompute_runs_recover

    garut_household()
    run = RecomputeRun.objects.create(
        run_date=timezone.localdate(), criteria=CriteriaSet.objects.active(), provinces_total=4, progress={}
    )
    # Nobody holds the run lock: its worker is gone.
    html = client_for(admin_user).get(reverse("graduation:run_progress")).content.decode()
    assert "berhenti di tengah jalan" in html and "hx-get" in html

    assert recompute_runs_recover() == [run.pk]
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.resumed_count == 1
