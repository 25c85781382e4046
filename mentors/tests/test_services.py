"""Assignment rules, visit validation, idempotent resubmission, photo handling and review."""

import datetime
import io
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from accounts.history import user_history
from accounts.models import Role, User
from accounts.tests.factories import NEW_PASSWORD
from audit.tests.helpers import changes, entries
from beneficiaries.tests.factories import compose_nik
from groups.models import BusinessReport, Kube
from groups.tests.factories import KubeFactory, complete_members
from mentors import services
from mentors.history import mentor_history
from mentors.models import Assignment, FieldVisit, Mentor, MentorSettings, RecruitmentStatus, VisitStatus
from mentors.tests.factories import AssignmentFactory, FieldVisitFactory, MentorFactory, jpeg_bytes

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def photo(name="foto.jpg", **kwargs):
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")


def record(user, kube, **overrides):
    values = {
        "user": user,
        "kube": kube,
        "client_uuid": uuid.uuid4(),
        "visited_on": TODAY() - datetime.timedelta(days=1),
        "topics": ["pembukuan", "pemasaran"],
        "notes": "Omzet naik.",
    }
    values.update(overrides)
    return services.visit_record(**values)


# --- Registry -------------------------------------------------------------------------------------


def mentor_data(**overrides):
    from regions.models import Region

    data = {
        "nik": compose_nik("32.73.01", datetime.date(1992, 8, 9), "P", 12),
        "name": "Siti Aminah",
        "phone": "0812",
        "education": "s1",
        "work_area": Region.objects.get(code="32.73"),
        "status": RecruitmentStatus.CALON,
        "contract_start": datetime.date(2026, 1, 1),
        "contract_end": datetime.date(2026, 12, 31),
    }
    data.update(overrides)
    return data


def test_district_officer_registers_a_mentor_with_a_login(officer_bandung):
    mentor = services.mentor_create(
        user=officer_bandung, data=mentor_data(), username="siti.pdp", password=NEW_PASSWORD
    )
    assert mentor.region_code == "32.73"
    login = User.objects.get(username="siti.pdp")
    assert (login.role, login.region_id, login.first_name, login.last_name) == (
        Role.PENDAMPING,
        "32.73",
        "Siti",
        "Aminah",
    )
    assert [e.action for e in entries(user_history(login), officer_bandung)] == ["Dibuat"]
    assert mentor.user == login


def test_an_invalid_nik_is_refused_in_bahasa(officer_bandung):
    with pytest.raises(ValidationError) as error:
        services.mentor_create(
            user=officer_bandung, data=mentor_data(nik="3273019999990000"), username="x.pdp", password=NEW_PASSWORD
        )
    assert "nik" in error.value.message_dict
    assert not User.objects.filter(username="x.pdp").exists()


def test_an_officer_cannot_register_a_mentor_in_another_district(officer_garut):
    with pytest.raises(ValidationError) as error:
        services.mentor_create(user=officer_garut, data=mentor_data(), username="y.pdp", password=NEW_PASSWORD)
    assert "work_area" in error.value.message_dict


def test_recruitment_moves_step_by_step(officer_bandung):
    mentor = MentorFactory(status=RecruitmentStatus.CALON)
    with pytest.raises(ValidationError):
        services.mentor_update(user=officer_bandung, mentor=mentor, data=mentor_data(nik=mentor.nik, status="aktif"))
    mentor = services.mentor_update(
        user=officer_bandung, mentor=mentor, data=mentor_data(nik=mentor.nik, status="seleksi")
    )
    assert mentor.status == "seleksi"
    assert mentor.user.first_name == "Siti"


def test_a_mentor_cannot_be_deactivated_while_assigned(officer_bandung, assignment):
    with pytest.raises(ValidationError, match="Akhiri dulu"):
        services.mentor_update(
            user=officer_bandung,
            mentor=assignment.mentor,
            data=mentor_data(nik=assignment.mentor.nik, status="nonaktif"),
        )


# --- Assignments ----------------------------------------------------------------------------------


def test_assigning_and_reassigning_keeps_history(officer_bandung, kube):
    first, second = MentorFactory(), MentorFactory()
    a1 = services.assignment_create(user=officer_bandung, mentor=first, kube=kube, started_on=datetime.date(2025, 2, 1))
    a2 = services.assignment_create(user=officer_bandung, mentor=second, kube=kube)
    a1.refresh_from_db()
    assert a1.ended_on == a2.started_on == TODAY()
    assert "Dialihkan" in a1.end_reason
    assert list(Assignment.objects.filter(kube=kube).active()) == [a2]
    assert Assignment.objects.filter(kube=kube).count() == 2


def test_the_database_allows_one_open_assignment_per_kube(kube, admin_user):
    AssignmentFactory(kube=kube, created_by=admin_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        AssignmentFactory(kube=kube, created_by=admin_user)


def test_the_caseload_cap_blocks_with_a_clear_message(officer_bandung):
    MentorSettings.objects.create(caseload_cap=2)
    mentor = MentorFactory(name="Budi")
    for _ in range(2):
        services.assignment_create(user=officer_bandung, mentor=mentor, kube=KubeFactory(status="aktif"))
    with pytest.raises(ValidationError) as error:
        services.assignment_create(user=officer_bandung, mentor=mentor, kube=KubeFactory(status="aktif"))
    assert error.value.messages == [
        "Budi sudah mendampingi 2 KUBE, batas beban kerja 2 KUBE per pendamping. "
        "Akhiri salah satu penugasannya atau pilih pendamping lain."
    ]


def test_default_caseload_cap_is_ten():
    assert MentorSettings.objects.current().caseload_cap == 10
    assert MentorSettings.objects.current().overdue_days == 30


def test_a_mentor_works_only_in_their_district(admin_user):
    mentor = MentorFactory(garut=True)
    with pytest.raises(ValidationError, match="luar wilayah kerja"):
        services.assignment_create(user=admin_user, mentor=mentor, kube=KubeFactory(status="aktif"))


def test_only_an_active_mentor_is_assigned(officer_bandung, kube):
    with pytest.raises(ValidationError, match="aktif"):
        services.assignment_create(user=officer_bandung, mentor=MentorFactory(status="seleksi"), kube=kube)


def test_a_draft_kube_gets_no_mentor(officer_bandung):
    with pytest.raises(ValidationError):
        services.assignment_create(user=officer_bandung, mentor=MentorFactory(), kube=KubeFactory())


def test_another_district_cannot_assign(officer_garut, kube):
    with pytest.raises(Kube.DoesNotExist):
        services.assignment_create(user=officer_garut, mentor=MentorFactory(), kube=kube)


def test_a_mentor_cannot_assign(mentor_bandung, kube):
    with pytest.raises(PermissionDenied):
        services.assignment_create(user=mentor_bandung, mentor=MentorFactory(), kube=kube)


# --- Visits ---------------------------------------------------------------------------------------


def test_a_visit_is_recorded_with_members_location_and_photos(mentor_bandung, assignment, kube, media_root):
    households = list(kube.memberships.values_list("household_id", flat=True)[:3])
    visit, created = record(
        mentor_bandung,
        kube,
        members=households,
        latitude="-6.901234",
        longitude="107.612345",
        accuracy_m=12,
        photos=[photo("a.jpg", size=(3000, 2000), gps=True), photo("b.jpg")],
    )
    assert created
    assert visit.status == VisitStatus.SUBMITTED
    assert set(visit.members_present.values_list("pk", flat=True)) == set(households)
    assert str(visit.latitude) == "-6.901234"
    stored = list(visit.photos.all())
    assert len(stored) == 2
    with Image.open(stored[0].image.path) as image:
        assert max(image.size) == 1600
        assert not image.getexif()  # no EXIF, so no GPS
        assert "exif" not in image.info
    with Image.open(stored[0].thumbnail.path) as thumb:
        assert max(thumb.size) == 320


def test_a_resend_with_the_same_uuid_stores_one_visit(mentor_bandung, assignment, kube):
    key = uuid.uuid4()
    first, created = record(mentor_bandung, kube, client_uuid=key, photos=[photo()])
    again, created_again = record(mentor_bandung, kube, client_uuid=key, photos=[photo()])
    assert created and not created_again
    assert again.pk == first.pk
    assert FieldVisit.objects.count() == 1
    assert again.photos.count() == 1


def test_the_visit_date_may_not_be_in_the_future(mentor_bandung, assignment, kube):
    with pytest.raises(ValidationError) as error:
        record(mentor_bandung, kube, visited_on=TODAY() + datetime.timedelta(days=1))
    assert error.value.message_dict["visited_on"] == ["Tanggal kunjungan tidak boleh di masa depan."]


def test_the_visit_date_may_not_be_before_the_kube_was_founded(mentor_bandung, assignment, kube):
    with pytest.raises(ValidationError) as error:
        record(mentor_bandung, kube, visited_on=datetime.date(2025, 1, 14))
    assert "Tanggal kunjungan tidak boleh sebelum KUBE dibentuk (15-01-2025)." in error.value.message_dict["visited_on"]


def test_a_mentor_cannot_log_for_a_kube_not_assigned(mentor_bandung, assignment):
    other = KubeFactory(status="aktif")
    with pytest.raises(Kube.DoesNotExist):
        record(mentor_bandung, other)
    assert not FieldVisit.objects.exists()


def test_an_officer_cannot_log_a_visit(officer_bandung, kube):
    with pytest.raises(PermissionDenied):
        record(officer_bandung, kube)


def test_members_must_belong_to_the_kube(mentor_bandung, assignment, kube):
    outsider = complete_members(KubeFactory(status="aktif"), 3)[0].household_id
    with pytest.raises(ValidationError) as error:
        record(mentor_bandung, kube, members=[outsider])
    assert "members" in error.value.message_dict


def test_a_topic_is_required(mentor_bandung, assignment, kube):
    with pytest.raises(ValidationError) as error:
        record(mentor_bandung, kube, topics=[])
    assert "topics" in error.value.message_dict


def test_half_a_location_is_refused(mentor_bandung, assignment, kube):
    with pytest.raises(ValidationError) as error:
        record(mentor_bandung, kube, latitude="-6.9")
    assert "latitude" in error.value.message_dict


def test_only_images_are_accepted(mentor_bandung, assignment, kube):
    fake = SimpleUploadedFile("surat.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError) as error:
        record(mentor_bandung, kube, photos=[fake])
    assert "bukan gambar" in error.value.message_dict["photos"][0]
    assert not FieldVisit.objects.exists()


def test_at_most_five_photos(mentor_bandung, assignment, kube):
    with pytest.raises(ValidationError) as error:
        record(mentor_bandung, kube, photos=[photo() for _ in range(6)])
    assert error.value.message_dict["photos"] == ["Paling banyak 5 foto per kunjungan."]


def test_photo_size_limit(mentor_bandung, assignment, kube):
    MentorSettings.objects.create(max_photo_mb=1)
    big = io.BytesIO()
    Image.effect_noise((1400, 1400), 100).convert("RGB").save(big, format="PNG")
    assert big.tell() > 1_048_576
    upload = SimpleUploadedFile("besar.png", big.getvalue(), content_type="image/png")
    with pytest.raises(ValidationError) as error:
        record(mentor_bandung, kube, photos=[upload])
    assert "terlalu besar" in error.value.message_dict["photos"][0]


def test_business_figures_create_then_update_the_month_report(mentor_bandung, assignment, kube):
    day = TODAY()
    record(mentor_bandung, kube, visited_on=day, report={"revenue": 3_000_000, "costs": 2_000_000})
    visit, _ = record(mentor_bandung, kube, visited_on=day, report={"revenue": 4_000_000, "costs": 2_500_000})
    report = BusinessReport.objects.get(kube=kube, month=day.replace(day=1))
    assert (report.revenue, report.profit, report.reported_by) == (4_000_000, 1_500_000, mentor_bandung)
    assert visit.business_report == report


# --- Review ---------------------------------------------------------------------------------------


def test_district_office_verifies_a_visit(officer_bandung, assignment, kube):
    visit = FieldVisitFactory(mentor=assignment.mentor, kube=kube)
    visit = services.visit_verify(user=officer_bandung, visit=visit)
    assert (visit.status, visit.reviewed_by) == (VisitStatus.VERIFIED, officer_bandung)
    with pytest.raises(ValidationError):
        services.visit_verify(user=officer_bandung, visit=visit)


def test_a_return_needs_a_comment_and_the_mentor_sees_it_first(officer_bandung, mentor_bandung, assignment, kube):
    older = FieldVisitFactory(mentor=assignment.mentor, kube=kube, visited_on=datetime.date(2025, 3, 1))
    FieldVisitFactory(mentor=assignment.mentor, kube=kube, visited_on=datetime.date(2025, 5, 1))
    with pytest.raises(ValidationError):
        services.visit_return(user=officer_bandung, visit=older, comment="  ")
    services.visit_return(user=officer_bandung, visit=older, comment="Foto tidak jelas.")
    mine = list(FieldVisit.objects.visible_to(mentor_bandung).returned_first())
    assert mine[0] == older
    assert mine[0].review_comment == "Foto tidak jelas."

    fixed = services.visit_resubmit(
        user=mentor_bandung, visit=older, notes="Diperbaiki", problems="", follow_up="", next_plan=""
    )
    assert fixed.status == VisitStatus.SUBMITTED


def test_another_district_cannot_review(officer_garut, assignment, kube):
    visit = FieldVisitFactory(mentor=assignment.mentor, kube=kube)
    with pytest.raises(FieldVisit.DoesNotExist):
        services.visit_verify(user=officer_garut, visit=visit)


def test_a_mentor_cannot_verify_their_own_visit(mentor_bandung, assignment, kube):
    visit = FieldVisitFactory(mentor=assignment.mentor, kube=kube)
    with pytest.raises(PermissionDenied):
        services.visit_verify(user=mentor_bandung, visit=visit)


def test_mentor_record_exists_for_persona(mentor, mentor_bandung):
    assert Mentor.objects.visible_to(mentor_bandung).get() == mentor


def test_the_visit_date_may_not_be_before_the_assignment(mentor_bandung, assignment, kube):
    with pytest.raises(ValidationError) as error:
        record(mentor_bandung, kube, visited_on=datetime.date(2025, 1, 31))
    assert error.value.message_dict["visited_on"] == [
        "Tanggal kunjungan tidak boleh sebelum Anda ditugaskan ke KUBE ini (01-02-2025)."
    ]


def test_registry_changes_are_audited(officer_bandung):
    mentor = services.mentor_create(
        user=officer_bandung, data=mentor_data(), username="audit.pdp", password=NEW_PASSWORD
    )
    services.mentor_update(
        user=officer_bandung, mentor=mentor, data=mentor_data(nik=mentor.nik, status="seleksi", phone="0899")
    )
    update, create = entries(mentor_history(mentor), officer_bandung)
    assert (create.action, changes(create)["Nama"]) == ("Dibuat", (None, "Siti Aminah"))
    assert (update.action, changes(update)) == (
        "Diubah",
        {"Telepon": ("0812", "0899"), "Status rekrutmen": ("Calon", "Seleksi")},
    )
