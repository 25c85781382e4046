"""Every page of every role, found by walking the URL patterns of the project over a seeded world.

The layout test (tests/test_browser_every_page.py) and the English test (tests/test_english.py)
visit the same pages: each URL pattern is either a page, built here with the identifiers of
objects from the demo data (`manage.py seed_demo`, Kota Bandung), or listed in `EXCLUDED`
with the reason it is not a page. A pattern added later and in neither fails
`test_every_url_is_a_page_or_excluded`, so no page escapes the walk by being forgotten.

A role's pages are those that answer its user 200 with HTML; the rest (404 out of scope,
403 not its role, a redirect) are not its pages.
"""

from dataclasses import dataclass, field
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.demo import DEMO_USERS
from tests.test_downloads import DOWNLOADS
from tests.urlwalk import ADMIN, url_patterns

#: URL names that are not pages a person reads, with the reason. The downloads are declared
#: once, in tests/test_downloads.py, which checks every one of them.
EXCLUDED = {
    **dict.fromkeys(DOWNLOADS, "a download (tests/test_downloads.py)"),
    # not pages
    "healthz": "a JSON health check for the load balancer",
    "service_worker": "the field app's service worker script (JavaScript)",
    "web_manifest": "the field app's web app manifest (JSON)",
    "mentors:field_pages": "JSON: the pages the field app keeps offline",
    "set_language": "POST only: switches the language and redirects",
    "accounts:logout": "POST only: ends the session",
    "accounts:login": "seen logged out only (the walk is logged in); tests/test_browser_every_page.py visits it separately",
    # htmx fragments, rendered inside the page named
    "beneficiaries:import_progress": "an htmx fragment of beneficiaries:import_status",
    "groups:village_options": "an htmx fragment (the <option>s) of the KUBE form",
    "graduation:run_progress": "an htmx fragment of graduation:run_list",
    # POST-only actions: their forms are on the page named
    "accounts:user_deactivate": "POST only, a button on accounts:user_list",
    "accounts:user_password_reset": "POST only, a button on accounts:user_edit",
    "accounts:token_revoke": "POST only, a button on accounts:token_list",
    "beneficiaries:household_deactivate": "POST only, a button on beneficiaries:household_detail",
    "beneficiaries:import_confirm": "POST only, a button on beneficiaries:import_status",
    "groups:kube_transition": "POST only, the buttons on groups:kube_detail",
    "groups:membership_end": "POST only, a button on groups:kube_detail",
    "groups:membership_role": "POST only, a form on groups:kube_detail",
    "groups:kube_classify": "POST only, a button on groups:kube_detail",
    "groups:kur_refer": "POST only, a form on groups:kube_detail",
    "mentors:assignment_end": "POST only, a form on mentors:assignment_list",
    "mentors:visit_verify": "POST only, a button on mentors:visit_detail",
    "mentors:visit_return": "POST only, a form on mentors:visit_detail",
    "graduation:run_now": "POST only, a button on graduation:run_list",
    "beneficiaries:household_bulk_update": "POST only, a form on beneficiaries:household_list",
    "mentors:participant_add": "POST only, a form on mentors:batch_detail",
    "mentors:visit_start": "a redirect to mentors:visit_create of the KUBE picked on mentors:visit_home",
}

#: Not walked: Django's admin (the administrators' own tool, styled by Django) and the REST API
#: (JSON; its documentation page is the vendored Swagger UI, in English, not our templates).
IGNORED_NAMESPACES = ADMIN | {"api"}

#: One demo login per role (the two district officers differ only in their region).
ROLES = list({role: username for username, _name, role, *_ in reversed(DEMO_USERS)}.values())[::-1]


def seed_world() -> SimpleNamespace:
    """The demo data with its nightly run, and the few objects the demo does not make (Kota Bandung)."""
    from django.conf import settings

    from accounts.models import User
    from beneficiaries.models import ImportJob
    from graduation.models import GraduationDecision, ProposalBasis
    from groups.models import Kube, Status
    from groups.tests.factories import KubeFactory, complete_members, ensure_reference_data
    from mentors.models import Assignment, FieldVisit, Mentor, TrainingBatch, VisitStatus

    ensure_reference_data()
    embedded = settings.EMBEDDED_DATABASE
    settings.EMBEDDED_DATABASE = True  # the demo logins of every role
    try:
        call_command("seed_demo", stdout=_Quiet())
    finally:
        settings.EMBEDDED_DATABASE = embedded
    call_command("recompute_graduation", stdout=_Quiet())

    users = {username: User.objects.get(username=username) for username in ROLES}
    officer = users["dinsos.bandung"]
    mentor = Mentor.objects.get(user=users["pendamping.bandung"])
    assignment = Assignment.objects.active().filter(mentor=mentor, kube__status=Status.AKTIF).select_related("kube")
    assignment = assignment.filter(kube__reports__isnull=False).distinct().first()
    kube = assignment.kube
    draft = Kube.objects.filter(kecamatan__code__startswith="32.73", status=Status.DRAFT).first()
    if draft is None:
        draft = KubeFactory(created_by=officer)
        complete_members(draft)
    decided = Kube.objects.filter(kecamatan__code__startswith="32.73", status=Status.DITETAPKAN).first()
    if decided is None:
        decided = KubeFactory(created_by=officer, status=Status.DITETAPKAN)
        complete_members(decided)
    membership = kube.memberships.current().select_related("household").first()
    household = membership.household
    visit = FieldVisit.objects.filter(kube=kube).order_by("-pk").first()
    returned = FieldVisit.objects.filter(kube__in=mentor.assignments.values("kube"), status=VisitStatus.RETURNED)
    returned = returned.first()
    if returned is None:
        returned = FieldVisit.objects.filter(kube=kube).exclude(pk=visit.pk).order_by("-pk").first()
        returned.status, returned.review_comment = VisitStatus.RETURNED, "Lengkapi foto."
        returned.save()
    job = ImportJob.objects.create(
        user=officer,
        file=ContentFile(b"no_kk\n", name="bandung.csv"),
        original_name="bandung.csv",
        dry_run=True,
        status=ImportJob.Status.DONE,
    )
    decision = GraduationDecision.objects.create(
        household=household, basis=ProposalBasis.OTHER, reason="Usaha berjalan baik", proposed_by=officer
    )
    return SimpleNamespace(
        users=users,
        mentor=mentor,
        kube=kube,
        draft=draft,
        decided=decided,
        membership=membership,
        household=household,
        visit=visit,
        returned=returned,
        report=kube.reports.order_by("-month").first(),
        batch=TrainingBatch.objects.order_by("pk").first(),
        job=job,
        decision=decision,
    )


class _Quiet:
    def write(self, *args, **kwargs):
        pass

    def flush(self):
        pass


#: The identifiers of each page that takes parameters, from the seeded world.
PAGE_KWARGS = {
    "regions:region_detail": lambda w: {"code": "32.73"},
    "accounts:user_edit": lambda w: {"pk": w.users["pendamping.bandung"].pk},
    "beneficiaries:import_status": lambda w: {"pk": w.job.pk},
    "beneficiaries:household_detail": lambda w: {"pk": w.household.pk},
    "beneficiaries:household_edit": lambda w: {"pk": w.household.pk},
    "groups:kube_detail": lambda w: {"pk": w.kube.pk},
    "groups:kube_edit": lambda w: {"pk": w.draft.pk},
    "groups:membership_add": lambda w: {"pk": w.draft.pk},
    "groups:grant_add": lambda w: {"pk": w.decided.pk},
    "groups:report_add": lambda w: {"pk": w.kube.pk},
    "groups:report_edit": lambda w: {"pk": w.kube.pk, "report_id": w.report.pk},
    "mentors:mentor_detail": lambda w: {"pk": w.mentor.pk},
    "mentors:mentor_edit": lambda w: {"pk": w.mentor.pk},
    "mentors:batch_detail": lambda w: {"pk": w.batch.pk},
    "mentors:participant_add": lambda w: {"pk": w.batch.pk},
    "mentors:kube_assign": lambda w: {"kube_pk": w.kube.pk},
    "mentors:visit_create": lambda w: {"kube_pk": w.kube.pk},
    "mentors:visit_detail": lambda w: {"pk": w.visit.pk},
    "mentors:visit_resubmit": lambda w: {"pk": w.returned.pk},
    "graduation:household_readiness": lambda w: {"household_id": w.household.pk},
    "graduation:assessment_create": lambda w: {"household_id": w.household.pk},
    "graduation:decision_propose": lambda w: {"household_id": w.household.pk},
    "graduation:decision_detail": lambda w: {"pk": w.decision.pk},
    "dashboards:region": lambda w: {"region_code": "32.73"},
}


def page_urls(world) -> dict[str, str]:
    """name → URL of every page (every URL pattern not excluded)."""
    urls = {}
    for name, takes_parameter in sorted(url_patterns(IGNORED_NAMESPACES).items()):
        if name in EXCLUDED:
            continue
        if takes_parameter:
            build = PAGE_KWARGS.get(name)
            urls[name] = reverse(name, kwargs=build(world)) if build else ""
        else:
            urls[name] = reverse(name)
    return urls


@dataclass
class Walk:
    """Which pages each role has (200 with HTML), by role and URL name."""

    pages: dict[str, dict[str, str]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def all(self):
        """(role, name, url) of every page of every role."""
        for role, pages in self.pages.items():
            for name, url in pages.items():
                yield role, name, url


def walk(world, *, language: str | None = None, visit=None) -> Walk:
    """Each role's pages; `visit(role, name, url, response)` is called with every page's response."""
    result = Walk()
    urls = page_urls(world)
    result.missing = [f"{name}: no entry in tests/page_walk.py PAGE_KWARGS" for name, url in urls.items() if not url]
    answered: set[str] = set()
    for role in ROLES:
        client = Client()
        client.force_login(world.users[role])
        if language:
            client.cookies["django_language"] = language
        result.pages[role] = {}
        for name, url in urls.items():
            if not url:
                continue
            response = client.get(url)
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                result.pages[role][name] = url
                answered.add(name)
                if visit:
                    visit(role, name, url, response)
    result.missing += [
        f"{name}: no role gets a page at {url}" for name, url in urls.items() if url and name not in answered
    ]
    return result
