"""The field app's server side: service worker, manifest, the pages kept offline, the mentor's day."""

import datetime
import json

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groups.forms import default_report_month
from groups.models import BusinessReport
from groups.tests.factories import KubeFactory
from mentors.tests.factories import AssignmentFactory, FieldVisitFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_service_worker_is_served_from_the_root_fresh_and_precaches_the_static_files(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/"
    script = response.content.decode()
    assert "/static/vendor/workbox/workbox-precaching.prod.js" in script
    assert "/static/js/outbox-core.js" in script
    assert "cdn" not in script.lower()
    # The same files give the same script, so browsers do not reinstall the worker for nothing.
    assert client.get("/sw.js").content == response.content


def test_manifest_opens_the_mentor_home_standalone_with_icons(client):
    response = client.get("/manifest.webmanifest")
    data = json.loads(response.content)
    assert response["Content-Type"] == "application/manifest+json"
    assert (data["start_url"], data["scope"], data["display"]) == (reverse("mentors:visit_home"), "/", "standalone")
    assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}
    assert any(icon.get("purpose") == "maskable" for icon in data["icons"])
    for icon in data["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


def test_pages_kept_offline_are_the_mentors_forms_and_data(mentor_bandung, mentor, assignment, kube, admin_user):
    other = KubeFactory(status="aktif", name="Bukan milik saya")
    pages = client_for(mentor_bandung).get(reverse("mentors:field_pages")).json()["pages"]
    assert reverse("mentors:visit_home") in pages
    assert reverse("mentors:field_offline") in pages
    assert reverse("mentors:visit_create", args=[kube.pk]) in pages
    assert reverse("groups:report_add", args=[kube.pk]) in pages
    assert f"/api/v1/field-visits/?kube={kube.pk}" in pages
    assert "/api/v1/kube/" in pages
    assert not [page for page in pages if f"/{other.pk}/" in page or f"kube={other.pk}" in page]
    # The five members have no assessment yet: each one's form is kept too.
    assert len([page for page in pages if page.endswith("/asesmen/")]) == 5
    for page in pages:
        assert client_for(mentor_bandung).get(page).status_code == 200, page


def test_an_officer_has_no_pages_to_keep(officer_bandung):
    assert client_for(officer_bandung).get(reverse("mentors:field_pages")).json() == {"pages": []}


def test_a_mentor_lands_on_today_s_work(mentor_bandung, mentor, assignment, kube):
    response = client_for(mentor_bandung).get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("mentors:visit_home")
    page = response.content.decode()
    assert 'data-field-app="in"' in page
    assert reverse("groups:report_add", args=[kube.pk]) in page  # the report of the month just ended
    assert response.context["to_assess"][0].kube_name == kube.name


def test_a_report_sent_takes_the_kube_off_the_reports_due(mentor_bandung, mentor, assignment, kube):
    BusinessReport.objects.create(kube=kube, month=default_report_month(), revenue=1, costs=1, members_present=3)
    response = client_for(mentor_bandung).get(reverse("mentors:visit_home"))
    assert list(response.context["reports_due"]) == []


def test_kube_picker_lists_the_mentors_other_kube(mentor_bandung, mentor, assignment, kube, admin_user):
    other = KubeFactory(status="aktif", name="KUBE Anggrek")
    AssignmentFactory(mentor=mentor, kube=other, started_on=datetime.date(2025, 2, 1), created_by=admin_user)
    FieldVisitFactory(mentor=mentor, kube=other, visited_on=timezone.localdate())
    response = client_for(mentor_bandung).get(reverse("mentors:visit_create", args=[kube.pk]))
    picker = response.content.decode().split('data-testid="kube-picker"')[1].split("</form>")[0]
    assert "KUBE Anggrek" in picker and "KUBE Melati" in picker
    assert "Ganti" in picker


def test_a_form_page_carries_no_inline_script_and_the_field_app_scripts(mentor_bandung, mentor, assignment, kube):
    page = client_for(mentor_bandung).get(reverse("mentors:visit_create", args=[kube.pk])).content.decode()
    assert 'data-outbox-kind="visit"' in page
    assert "js/field-form.js" in page and "js/photos.js" in page and "js/outbox.js" in page
    assert "<script>" not in page
