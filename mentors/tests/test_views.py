"""The mentor pages through HTTP: scope, forms, review, compliance and the reports."""

import datetime
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from accounts.models import User
from accounts.tests.factories import NEW_PASSWORD
from beneficiaries.tests.factories import compose_nik
from groups.tests.factories import KubeFactory
from mentors.models import FieldVisit, Mentor, TrainingParticipation, VisitStatus
from mentors.tests.factories import (
    AssignmentFactory,
    FieldVisitFactory,
    MentorFactory,
    TrainingBatchFactory,
    jpeg_bytes,
)
from tests.pages import client_for

pytestmark = pytest.mark.django_db


def visit_post(kube, **overrides):
    data = {
        "client_uuid": str(uuid.uuid4()),
        "visited_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "topics": ["pembukuan", "tabungan"],
        "members": list(kube.memberships.values_list("household_id", flat=True)[:2]),
        "notes": "Kas tercatat rapi.",
        "problems": "Harga telur turun.",
        "latitude": "-6.914744",
        "longitude": "107.609810",
        "accuracy_m": "15",
    }
    data.update(overrides)
    return data


# --- Visits ---------------------------------------------------------------------------------------


def test_mentor_home_lists_my_kube_most_overdue_first(mentor_bandung, mentor, admin_user):
    recent, stale, never = (KubeFactory(status="aktif", name=n) for n in ("Baru", "Lama", "Belum"))
    for kube in (recent, stale, never):
        AssignmentFactory(mentor=mentor, kube=kube, created_by=admin_user)
    today = timezone.localdate()
    FieldVisitFactory(mentor=mentor, kube=recent, visited_on=today - datetime.timedelta(days=3))
    FieldVisitFactory(mentor=mentor, kube=stale, visited_on=today - datetime.timedelta(days=45))
    response = client_for(mentor_bandung).get(reverse("mentors:visit_home"))
    assert response.status_code == 200
    assert [kube.name for kube in response.context["kubes"]] == ["Belum", "Lama", "Baru"]
    assert [kube.is_overdue for kube in response.context["kubes"]] == [True, True, False]


def test_mentor_records_a_visit_with_photos(mentor_bandung, assignment, kube):
    data = visit_post(kube)
    data["photos"] = [
        SimpleUploadedFile("a.jpg", jpeg_bytes(gps=True), content_type="image/jpeg"),
        SimpleUploadedFile("b.jpg", jpeg_bytes(), content_type="image/jpeg"),
    ]
    client = client_for(mentor_bandung)
    response = client.post(reverse("mentors:visit_create", args=[kube.pk]), data)
    visit = FieldVisit.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("mentors:visit_detail", args=[visit.pk])
    assert visit.photos.count() == 2
    assert visit.members_present.count() == 2

    page = client.get(response.url)
    assert "-6.914744, 107.609810" in page.content.decode()
    photo = visit.photos.first()
    served = client.get(reverse("mentors:visit_photo", args=[visit.pk, photo.pk, "besar"]))
    assert served.status_code == 200
    image = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert not image.getexif()


def test_a_double_submit_stores_one_visit(mentor_bandung, assignment, kube):
    client = client_for(mentor_bandung)
    data = visit_post(kube)
    first = client.post(reverse("mentors:visit_create", args=[kube.pk]), data)
    second = client.post(reverse("mentors:visit_create", args=[kube.pk]), data, follow=True)
    assert first.status_code == 302
    assert FieldVisit.objects.count() == 1
    assert "sudah tersimpan sebelumnya" in second.content.decode()


def test_invalid_visit_shows_messages_in_bahasa(mentor_bandung, assignment, kube):
    data = visit_post(kube, visited_on=(timezone.localdate() + datetime.timedelta(days=2)).isoformat())
    response = client_for(mentor_bandung).post(reverse("mentors:visit_create", args=[kube.pk]), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Tanggal kunjungan tidak boleh di masa depan." in body
    assert not FieldVisit.objects.exists()


def test_visit_with_business_figures_updates_the_month_report(mentor_bandung, assignment, kube):
    data = visit_post(kube, revenue="Rp 2.500.000", costs="1.000.000")
    client_for(mentor_bandung).post(reverse("mentors:visit_create", args=[kube.pk]), data)
    report = kube.reports.get()
    assert (report.revenue, report.costs, report.members_present) == (2_500_000, 1_000_000, 2)


def test_revenue_without_costs_is_refused(mentor_bandung, assignment, kube):
    data = visit_post(kube, revenue="2500000")
    response = client_for(mentor_bandung).post(reverse("mentors:visit_create", args=[kube.pk]), data)
    assert response.status_code == 400
    assert not kube.reports.exists()


def test_officer_cannot_open_the_visit_form(officer_bandung, kube):
    assert client_for(officer_bandung).get(reverse("mentors:visit_create", args=[kube.pk])).status_code == 403


def test_district_office_reviews_visits(officer_bandung, mentor_bandung, assignment, kube):
    verify_me = FieldVisitFactory(mentor=assignment.mentor, kube=kube)
    return_me = FieldVisitFactory(mentor=assignment.mentor, kube=kube, visited_on=datetime.date(2025, 3, 3))
    client = client_for(officer_bandung)
    queue = client.get(reverse("mentors:visit_review"))
    assert {v.pk for v in queue.context["page"].object_list} == {verify_me.pk, return_me.pk}

    client.post(reverse("mentors:visit_verify", args=[verify_me.pk]))
    client.post(reverse("mentors:visit_return", args=[return_me.pk]), {"comment": "Tambahkan foto kegiatan."})
    verify_me.refresh_from_db()
    return_me.refresh_from_db()
    assert verify_me.status == VisitStatus.VERIFIED
    assert (return_me.status, return_me.review_comment) == (VisitStatus.RETURNED, "Tambahkan foto kegiatan.")

    # The mentor's day starts with the visit to correct, its comment and one tap to fix it.
    home = client_for(mentor_bandung).get(reverse("mentors:visit_home"))
    assert list(home.context["returned"]) == [return_me]
    assert "Tambahkan foto kegiatan." in home.content.decode()
    assert reverse("mentors:visit_resubmit", args=[return_me.pk]) in home.content.decode()

    resubmit = client_for(mentor_bandung).post(
        reverse("mentors:visit_resubmit", args=[return_me.pk]),
        {"notes": "Foto ditambahkan.", "problems": "", "follow_up": "", "next_plan": ""},
    )
    assert resubmit.status_code == 302
    return_me.refresh_from_db()
    assert return_me.status == VisitStatus.SUBMITTED


def test_review_queue_query_count_is_constant(officer_bandung, assignment, kube, django_assert_max_num_queries):
    for day in range(1, 16):
        FieldVisitFactory(mentor=assignment.mentor, kube=kube, visited_on=datetime.date(2025, 3, day))
    client = client_for(officer_bandung)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("mentors:visit_review")).status_code == 200


# --- Registry, training, assignments ------------------------------------------------------------


def test_officer_registers_a_mentor_through_the_page(officer_bandung):
    data = {
        "name": "Dewi Lestari",
        "nik": compose_nik("32.73.02", datetime.date(1993, 1, 2), "P", 7),
        "phone": "0813",
        "education": "s1",
        "work_area": "32.73",
        "status": "calon",
        "contract_start": "2026-01-01",
        "contract_end": "2026-12-31",
        "username": "dewi.pdp",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    response = client_for(officer_bandung).post(reverse("mentors:mentor_create"), data)
    mentor = Mentor.objects.get(nik=data["nik"])
    assert response.status_code == 302
    assert mentor.user == User.objects.get(username="dewi.pdp")
    detail = client_for(officer_bandung).get(response.url).content.decode()
    assert "Dibuat" in detail and "Dewi Lestari" in detail


def test_mentor_list_filters_and_counts_constant_queries(officer_bandung, django_assert_max_num_queries):
    for _ in range(12):
        MentorFactory()
    MentorFactory(name="Zainal Arifin", status="calon")
    MentorFactory(garut=True)
    client = client_for(officer_bandung)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("mentors:mentor_list"))
    assert response.context["page"].paginator.count == 13
    found = client.get(reverse("mentors:mentor_list"), {"q": "zainal", "status": "calon"})
    assert [m.name for m in found.context["page"].object_list] == ["Zainal Arifin"]


def test_mentor_pages_are_not_for_mentors(mentor_bandung, mentor):
    client = client_for(mentor_bandung)
    assert client.get(reverse("mentors:mentor_list")).status_code == 403
    assert client.get(reverse("mentors:compliance")).status_code == 403


def test_assign_page_shows_the_caseload_message(officer_bandung, admin_user):
    from mentors.models import MentorSettings

    MentorSettings.objects.create(caseload_cap=1)
    mentor = MentorFactory(name="Budi")
    AssignmentFactory(
        mentor=mentor, kube=KubeFactory(status="aktif"), created_by=admin_user, started_on=datetime.date(2025, 2, 1)
    )
    kube = KubeFactory(status="aktif")
    response = client_for(officer_bandung).post(
        reverse("mentors:kube_assign", args=[kube.pk]),
        {"mentor": mentor.pk, "started_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    assert "batas beban kerja 1 KUBE" in response.content.decode()


def test_reassigning_through_the_page_keeps_history(officer_bandung, assignment, kube):
    other = MentorFactory()
    client = client_for(officer_bandung)
    response = client.post(
        reverse("mentors:kube_assign", args=[kube.pk]),
        {
            "mentor": other.pk,
            "started_on": timezone.localdate().isoformat(),
            "current": assignment.pk,
            "version": assignment.version,
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("mentors:kube_assign", args=[kube.pk]))
    assert len(page.context["history"]) == 2


def test_batch_page_groups_participants_by_province_and_district(officer_jabar):
    batch = TrainingBatchFactory()
    for mentor in [MentorFactory(), MentorFactory(), MentorFactory(garut=True)]:
        TrainingParticipation.objects.create(batch=batch, mentor=mentor)
    TrainingParticipation.objects.create(
        batch=batch,
        mentor=MentorFactory(work_area_id="12.71", nik=compose_nik("12.71.01", datetime.date(1990, 1, 1), "L", 1)),
    )
    response = client_for(officer_jabar).get(reverse("mentors:batch_detail", args=[batch.pk]))
    groups = response.context["groups"]
    assert [(g["code"], g["total"]) for g in groups] == [("32", 3)]  # Medan is outside Jawa Barat
    assert [(a["code"], len(a["people"])) for a in groups[0]["areas"]] == [("32.05", 1), ("32.73", 2)]


def test_compliance_lists_overdue_kube(officer_bandung, assignment, kube, admin_user):
    fresh = KubeFactory(status="aktif", name="Segar")
    AssignmentFactory(mentor=assignment.mentor, kube=fresh, created_by=admin_user)
    FieldVisitFactory(mentor=assignment.mentor, kube=fresh, visited_on=timezone.localdate())
    FieldVisitFactory(
        mentor=assignment.mentor, kube=kube, visited_on=timezone.localdate() - datetime.timedelta(days=40)
    )
    response = client_for(officer_bandung).get(reverse("mentors:compliance"))
    assert [kube.name for kube in response.context["page"]] == ["KUBE Melati"]
    assert response.context["page"][0].clock_from == timezone.localdate() - datetime.timedelta(days=40)
    assert response.context["by_mentor"][0]["overdue"] == 1
    assert response.context["by_mentor"][0]["total"] == 2
    assert response.context["by_kabkota"][0]["kabkota"] == "32.73"
    year_table = response.context["per_month"]
    assert year_table[0]["total"] >= 1


# --- Monthly report -------------------------------------------------------------------------------


def test_monthly_report_as_xlsx_and_pdf(officer_bandung, assignment, kube):
    FieldVisitFactory(
        mentor=assignment.mentor, kube=kube, visited_on=datetime.date(2025, 4, 10), problems="Bahan baku mahal."
    )
    FieldVisitFactory(mentor=assignment.mentor, kube=kube, visited_on=datetime.date(2025, 5, 2))
    client = client_for(officer_bandung)
    xlsx = client.get(reverse("mentors:mentor_report", args=[assignment.mentor.pk, 2025, 4, "xlsx"]))
    workbook = load_workbook(io.BytesIO(xlsx.content))
    visits = workbook["Kunjungan"]
    assert visits.max_row == 2
    assert visits["C2"].value == "KUBE Melati"
    assert workbook["Masalah"]["C2"].value == "Bahan baku mahal."
    pdf = client.get(reverse("mentors:mentor_report", args=[assignment.mentor.pk, 2025, 4, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    "name",
    ["mentor_list", "mentor_create", "batch_list", "batch_create", "assignment_list", "visit_review", "compliance"],
)
def test_office_pages_open(officer_bandung, assignment, name, django_assert_max_num_queries):
    FieldVisitFactory(mentor=assignment.mentor, kube=assignment.kube)
    client = client_for(officer_bandung)
    with django_assert_max_num_queries(15):
        response = client.get(reverse(f"mentors:{name}"))
    assert response.status_code == 200


def test_assignment_list_query_count_is_constant(officer_bandung, admin_user, django_assert_max_num_queries):
    for _ in range(10):
        kube = KubeFactory(status="aktif")
        AssignmentFactory(kube=kube, created_by=admin_user)
    client = client_for(officer_bandung)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("mentors:assignment_list"))
    assert len(response.context["page"].object_list) == 10


def test_mentor_detail_shows_assigned_kube_and_report_links(officer_bandung, assignment, kube):
    response = client_for(officer_bandung).get(reverse("mentors:mentor_detail", args=[assignment.mentor.pk]))
    assert list(response.context["current_kube"]) == [kube]
    assert "PDF" in response.content.decode()


def test_the_page_script_gets_the_visit_address_as_json(mentor_bandung, assignment, kube):
    client = client_for(mentor_bandung)
    response = client.post(
        reverse("mentors:visit_create", args=[kube.pk]), visit_post(kube), headers={"X-Requested-With": "fetch"}
    )
    visit = FieldVisit.objects.get()
    assert response.json() == {"url": reverse("mentors:visit_detail", args=[visit.pk]), "created": True}


def test_admin_edits_the_caseload_setting(admin_user):
    client = client_for(admin_user)
    response = client.post(
        reverse("admin:mentors_mentorsettings_add"),
        {"caseload_cap": 12, "overdue_days": 21, "max_photos": 5, "max_photo_mb": 8},
    )
    assert response.status_code == 302
    from mentors.models import MentorSettings

    assert (MentorSettings.objects.current().caseload_cap, MentorSettings.objects.current().overdue_days) == (12, 21)
    assert client.get(reverse("admin:mentors_mentorsettings_add")).status_code == 403


def test_mentor_home_query_count_is_constant(mentor_bandung, mentor, admin_user, django_assert_max_num_queries):
    for _ in range(6):
        kube = KubeFactory(status="aktif")
        AssignmentFactory(mentor=mentor, kube=kube, created_by=admin_user)
        FieldVisitFactory(mentor=mentor, kube=kube)
    client = client_for(mentor_bandung)
    # Session, user, settings, the mentor, the region of the menu, then one query per section of the
    # day (returned visits, KUBE, reports due, households to assess, visits and their count).
    with django_assert_max_num_queries(12):
        response = client.get(reverse("mentors:visit_home"))
    assert len(response.context["kubes"]) == 6
    assert len(response.context["reports_due"]) == 6


def test_verify_does_not_redirect_off_site(officer_bandung, assignment, kube):
    visit = FieldVisitFactory(mentor=assignment.mentor, kube=kube)
    response = client_for(officer_bandung).post(
        reverse("mentors:visit_verify", args=[visit.pk]), {"next": "https://example.com/phish"}
    )
    assert response.url == reverse("mentors:visit_review")


def test_compliance_can_list_every_assigned_kube_with_days_since(officer_bandung, assignment, kube, admin_user):
    fresh = KubeFactory(status="aktif", name="Segar")
    AssignmentFactory(mentor=assignment.mentor, kube=fresh, created_by=admin_user)
    FieldVisitFactory(
        mentor=assignment.mentor, kube=fresh, visited_on=timezone.localdate() - datetime.timedelta(days=2)
    )
    response = client_for(officer_bandung).get(reverse("mentors:compliance"), {"tampil": "semua"})
    two_days_ago = timezone.localdate() - datetime.timedelta(days=2)
    assert [(kube.name, kube.last_visited_on, kube.clock_from) for kube in response.context["page"]] == [
        ("KUBE Melati", None, assignment.started_on),
        ("Segar", two_days_ago, two_days_ago),
    ]


def test_mentor_pages_speak_english_on_request(mentor_bandung, assignment, settings):
    client = client_for(mentor_bandung)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("mentors:visit_home")).content.decode()
    assert "My KUBE" in body and "Record" in body
    assert "KUBE dampingan saya" not in body


def test_the_kube_picker_leads_only_to_my_kube(mentor_bandung, assignment, kube):
    client = client_for(mentor_bandung)
    response = client.get(reverse("mentors:visit_start"), {"kube": kube.pk})
    assert response.url == reverse("mentors:visit_create", args=[kube.pk])
    other = KubeFactory(status="aktif")
    assert client.get(reverse("mentors:visit_start"), {"kube": other.pk}).status_code == 404


def test_a_mentor_downloads_their_own_monthly_report(mentor_bandung, assignment, kube):
    FieldVisitFactory(mentor=assignment.mentor, kube=kube, visited_on=datetime.date(2025, 4, 10))
    client = client_for(mentor_bandung)
    home = client.get(reverse("mentors:visit_home"))
    assert "Laporan bulan ini" in home.content.decode()
    response = client.get(reverse("mentors:mentor_report", args=[assignment.mentor.pk, 2025, 4, "xlsx"]))
    assert response.status_code == 200
    other = MentorFactory()
    assert client.get(reverse("mentors:mentor_report", args=[other.pk, 2025, 4, "xlsx"])).status_code == 404


def test_report_links_cover_the_last_months_without_gaps(officer_bandung, assignment):
    response = client_for(officer_bandung).get(reverse("mentors:mentor_detail", args=[assignment.mentor.pk]))
    months = response.context["report_months"]
    steps = {(a.year * 12 + a.month) - (b.year * 12 + b.month) for a, b in zip(months, months[1:], strict=False)}
    assert steps == {1}
    assert months[0] == timezone.localdate().replace(day=1)


def test_with_redis_down_a_mentor_logs_in_and_records_a_visit(mentor_bandung, assignment, kube, dead_redis):
    from accounts.tests.factories import PASSWORD

    client = Client()
    response = client.post(reverse("accounts:login"), {"username": mentor_bandung.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("mentors:visit_home")).status_code == 200
    data = visit_post(kube, photos=[SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")])
    response = client.post(reverse("mentors:visit_create", args=[kube.pk]), data)
    assert response.status_code == 302
    assert FieldVisit.objects.get(kube=kube).photos.count() == 1
