"""In Chromium, the main pages of every role run under the Content-Security-Policy without a violation.

Chromium reports each blocked inline script, event handler, style or eval as a console
error ("Refused to ... because it violates the following Content Security Policy
directive"). The demo data is seeded (a small register for Bandung and Garut), every role
signs in through the login form and opens its main pages; the pages that run scripts are
also used (add a member row, pick a kecamatan that loads its villages through htmx, a
progress bar polled by htmx, the charts). Any violation or uncaught script error fails.
"""

import pytest
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD, seed_users
from conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def seed_demo_register():
    from beneficiaries.demo import seed_households
    from beneficiaries.models import Household, ImportJob
    from dashboards.refresh import refresh_all
    from graduation.demo import seed_assessments
    from groups.demo import seed_kube
    from groups.models import Kube
    from groups.tests.factories import ensure_reference_data
    from mentors.demo import seed_mentors
    from mentors.models import Mentor

    ensure_reference_data()
    users = {user.username: user for user in _demo_users()}
    for district in ("32.73", "32.05"):
        seed_households(40, within=district, seed=7)
    seed_kube(seed=7)
    seed_mentors(seed=7)
    seed_assessments()
    refresh_all(trigger="test")
    household = Household.objects.filter(region_code__startswith="32.73").order_by("pk").first()
    mentor = Mentor.objects.get(user__username="pendamping.bandung")
    kube = mentor.assignments.filter(ended_on__isnull=True).order_by("pk").first().kube
    job = ImportJob.objects.create(
        user=users["dinsos.bandung"],
        file="imports/none.csv",
        original_name="kpm.csv",
        status=ImportJob.Status.RUNNING,
        rows_total=200,
        rows_done=80,
    )
    assert Kube.objects.filter(reports__isnull=False).exists()
    return {"household": household.pk, "kube": kube.pk, "mentor": mentor.pk, "job": job.pk}


def _demo_users():
    from accounts.models import User

    seed_users()
    return User.objects.all()


def role_pages(ids) -> dict[str, list[str]]:
    household, kube, mentor = ids["household"], ids["kube"], ids["mentor"]
    return {
        "admin": [
            "/",
            "/kpm/",
            f"/kpm/{household}/",
            f"/kpm/{household}/ubah/",
            "/kube/",
            f"/kube/{kube}/",
            "/dasbor/",
            "/pendamping/",
            f"/pendamping/{mentor}/",
            "/graduasi/siap/",
            "/graduasi/kriteria/",
            "/graduasi/proses/",
            "/akun/pengguna/",
            "/akun/unduhan/",
            "/admin/",
        ],
        "direktorat": ["/", "/dasbor/", "/kube/", "/kube/antrean/", "/kpm/", "/graduasi/keputusan/"],
        "dinsos.jabar": ["/", "/dasbor/32/", "/kube/antrean/", "/pendamping/pelatihan/", "/graduasi/garis-kemiskinan/"],
        "dinsos.bandung": [
            "/",
            "/kpm/",
            f"/kpm/{household}/",
            "/kpm/impor/",
            "/kube/",
            f"/kube/{kube}/",
            f"/kube/{kube}/ubah/",
            "/pendamping/penugasan/",
            "/pendamping/kunjungan/tinjau/",
            "/pendamping/kepatuhan/",
            "/graduasi/siap/",
            "/akun/pengguna/",
            "/akun/unduhan/",
        ],
        "pendamping.bandung": ["/", "/pendamping/kunjungan/", f"/pendamping/kunjungan/catat/{kube}/", "/kpm/"],
    }


class Watcher:
    """Collects what Chromium reports: CSP violations, uncaught errors, and pages served without the policy."""

    def __init__(self, page):
        self.problems: list[str] = []
        self.url = ""
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.problems.append(f"{self.url}: script error: {error}"))
        page.on("response", self.response)

    def console(self, message):
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text or "Refused to" in text:
            self.problems.append(f"{self.url}: {text}")

    def response(self, response):
        document = response.request.resource_type == "document" and response.status == 200
        if document and "script-src 'self'" not in response.headers.get("content-security-policy", ""):
            self.problems.append(f"{response.url}: served without the policy")


def open_page(page, watcher, base, path):
    watcher.url = path
    response = page.goto(base + path)
    assert response.status == 200, f"{path}: {response.status}"
    page.wait_for_load_state("networkidle")


def test_main_pages_of_every_role_run_without_csp_violations(browser, live_server, regions):
    ids = seed_demo_register()
    problems = []
    for username, paths in role_pages(ids).items():
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
        page = context.new_page()
        page.set_default_timeout(20_000)
        watcher = Watcher(page)
        browser_login(page, live_server, username, DEMO_PASSWORD)
        for path in paths:
            open_page(page, watcher, live_server.url, path)
        if username == "dinsos.bandung":
            exercise_district_scripts(page, watcher, live_server.url, ids)
        if username == "admin":
            # The dashboard's charts were drawn from their JSON block by static JavaScript.
            open_page(page, watcher, live_server.url, "/dasbor/")
            assert page.locator("canvas").first.evaluate("c => c.width > 0")
        problems += watcher.problems
        context.close()
    assert problems == []


def exercise_district_scripts(page, watcher, base, ids):
    # Household form: "Tambah anggota" (static script) adds a member fieldset.
    open_page(page, watcher, base, "/kpm/baru/")
    before = page.locator("#members .member-form").count()
    page.click("#add-member")
    assert page.locator("#members .member-form").count() == before + 1
    # KUBE form: choosing a kecamatan loads its villages through htmx (CSRF header from hx-headers).
    open_page(page, watcher, base, "/kube/baru/")
    page.select_option("#id_kecamatan", "32.73.01")
    # A selector, not wait_for_function: a string predicate is evaluated with eval, which the CSP refuses
    # whenever the first check fails and Playwright polls (a slow machine).
    page.locator("#id_secretariat_village option").nth(1).wait_for(state="attached")
    # Import progress: polled by htmx; the bar's width set by static JavaScript, not a style attribute.
    open_page(page, watcher, base, reverse("beneficiaries:import_status", args=[ids["job"]]))
    bar = page.locator("#import-progress .progress-bar")
    assert bar.get_attribute("style") and "40%" in bar.get_attribute("style")
    screenshot(page, "csp-import-progress")
