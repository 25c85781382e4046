"""Mentor workflows: registry, training, assignments, field visits and their review.

Every function takes keyword arguments, runs in one transaction and re-reads the
objects it changes through the acting user's scope: an object outside it raises
`DoesNotExist`, which the views turn into 404.
"""

import datetime
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.downloads import download_record
from accounts.models import DownloadChannel, DownloadKind, Role, User
from beneficiaries.rules import nik_check
from groups import services as group_services
from groups.models import Kube, Membership, Status
from kube_portal.concurrency import Difference, StaleEdit, stored_resend, version_check
from kube_portal.integrity import unique_errors
from mentors.history import mentor_history
from mentors.models import (
    Assignment,
    FieldVisit,
    Mentor,
    MentorSettings,
    RecruitmentStatus,
    Topic,
    TrainingBatch,
    TrainingParticipation,
    VisitPhoto,
    VisitStatus,
)
from mentors.photos import ProcessedPhoto, process_photo
from regions.models import Level, Region

MENTOR_FIELDS = ("nik", "name", "phone", "education", "work_area", "status", "contract_start", "contract_end")
#: KUBE statuses in which a mentor may be assigned.
ASSIGNABLE_STATUSES = (Status.DITETAPKAN, Status.AKTIF, Status.NONAKTIF)


def can_manage_mentors(user: User) -> bool:
    """The district office (and administrators) keep the mentor registry and assignments."""
    return user.is_authenticated and user.enters_data


def can_manage_training(user: User) -> bool:
    return user.is_authenticated and (user.enters_data or user.role == Role.DINSOS_PROVINSI)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _split_name(name: str) -> tuple[str, str]:
    first, _sep, last = name.strip().partition(" ")
    return first[:150], last[:150]


# --- Registry -----------------------------------------------------------------------------------


def _clean_mentor(*, user: User, data: dict[str, Any], instance: Mentor | None = None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    check = nik_check(data.get("nik"))
    for problem in check.errors:
        errors.setdefault("nik", []).append(problem.message)
    if check.value:
        clash = Mentor.objects.filter(nik=check.value)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors.setdefault("nik", []).append(_("NIK ini sudah terdaftar sebagai pendamping."))
    work_area = data.get("work_area")
    if work_area is None or work_area.level != Level.KABKOTA:
        errors.setdefault("work_area", []).append(_("Wilayah kerja harus kabupaten/kota."))
    elif not Region.objects.visible_to(user).filter(pk=work_area.pk).exists():
        errors.setdefault("work_area", []).append(_("Wilayah kerja ini berada di luar wilayah Anda."))
    start, end = data.get("contract_start"), data.get("contract_end")
    if start and end and end < start:
        errors.setdefault("contract_end", []).append(_("Akhir kontrak tidak boleh sebelum awal kontrak."))
    if errors:
        raise ValidationError(errors)
    return {**{field: data.get(field) for field in MENTOR_FIELDS}, "nik": check.value}


@transaction.atomic
def mentor_create(*, user: User, data: dict[str, Any], username: str, password: str) -> Mentor:
    """Register a mentor together with their login (created by the accounts services)."""
    _require(can_manage_mentors(user), _("Peran Anda tidak dapat mendaftarkan pendamping."))
    values = _clean_mentor(user=user, data=data)
    values["status"] = values["status"] or RecruitmentStatus.CALON
    first_name, last_name = _split_name(values["name"])
    login = account_services.user_create(
        manager=user,
        username=username,
        password=password,
        role=Role.PENDAMPING,
        first_name=first_name,
        last_name=last_name,
        phone=values["phone"] or "",
        region=values["work_area"],
    )
    mentor = Mentor(**values, user=login, created_by=user)
    mentor.full_clean(exclude=["user"])
    with unique_errors(Mentor, nik=_nik_taken):
        mentor.save()
    return mentor


@transaction.atomic
def mentor_update(*, user: User, mentor: Mentor, data: dict[str, Any], version: int | None = None) -> Mentor:
    """Save the mentor form; `version` is the mentor's version the form was opened on (`StaleEdit` if stale)."""
    _require(can_manage_mentors(user), _("Peran Anda tidak dapat mengubah data pendamping."))
    mentor = Mentor.objects.visible_to(user).select_for_update().get(pk=mentor.pk)
    values = _clean_mentor(user=user, data=data, instance=mentor)
    version_check(mentor, version=version, submitted=values, last_change=mentor_history(mentor).last_change)
    assigned = mentor.assignments.active().exists()
    if values["status"] != mentor.status:
        if values["status"] not in mentor.next_statuses:
            raise ValidationError(
                {
                    "status": _("Status tidak dapat diubah dari %(old)s menjadi %(new)s.")
                    % {"old": mentor.get_status_display(), "new": RecruitmentStatus(values["status"]).label}
                }
            )
        if values["status"] != RecruitmentStatus.AKTIF and assigned:
            raise ValidationError({"status": _("Akhiri dulu penugasan KUBE pendamping ini.")})
    if values["work_area"].pk != mentor.work_area_id and assigned:
        raise ValidationError({"work_area": _("Wilayah kerja tidak dapat diubah selama pendamping masih bertugas.")})
    for field, value in values.items():
        setattr(mentor, field, value)
    mentor.full_clean(exclude=["user"])
    with unique_errors(Mentor, nik=_nik_taken):
        mentor.save()
    if mentor.user_id and account_services.manageable_users(user).filter(pk=mentor.user_id).exists():
        login = cast(User, mentor.user)  # mentor.user_id is set
        first_name, last_name = _split_name(mentor.name)
        account_services.user_update(
            manager=user,
            user=login,
            role=Role.PENDAMPING,
            first_name=first_name,
            last_name=last_name,
            email=login.email,
            phone=mentor.phone,
            region=mentor.work_area,
        )
    return mentor


def _nik_taken() -> dict[str, Any]:
    return {"nik": _("NIK ini sudah terdaftar sebagai pendamping.")}


# --- Training -----------------------------------------------------------------------------------


@transaction.atomic
def training_batch_create(*, user: User, data: dict[str, Any]) -> TrainingBatch:
    _require(can_manage_training(user), _("Peran Anda tidak dapat membuat angkatan pelatihan."))
    batch = TrainingBatch(
        name=data["name"],
        organiser=data["organiser"],
        place=data["place"],
        start_date=data["start_date"],
        end_date=data["end_date"],
        # A regional office's batch belongs to its region; the ministry's to nobody in particular.
        region_code=user.scope.region,
    )
    if batch.end_date < batch.start_date:
        raise ValidationError({"end_date": _("Tanggal selesai tidak boleh sebelum tanggal mulai.")})
    batch.full_clean()
    batch.save()
    return batch


@transaction.atomic
def participation_save(
    *, user: User, batch: TrainingBatch, mentor: Mentor, attended: bool = True, result: str = "belum"
) -> TrainingParticipation:
    """Add a mentor to a batch, or update their attendance and result."""
    _require(can_manage_training(user), _("Peran Anda tidak dapat mengubah peserta pelatihan."))
    batch = TrainingBatch.objects.visible_to(user).get(pk=batch.pk)
    mentor = Mentor.objects.visible_to(user).get(pk=mentor.pk)
    participation, _created = TrainingParticipation.objects.update_or_create(
        batch=batch, mentor=mentor, defaults={"attended": attended, "result": result}
    )
    return participation


# --- Assignments --------------------------------------------------------------------------------


@transaction.atomic
def assignment_create(
    *,
    user: User,
    mentor: Mentor,
    kube: Kube,
    started_on: datetime.date | None = None,
    seen: tuple[int | None, int] | None = None,
) -> Assignment:
    """Assign `mentor` to `kube`; a KUBE that has a mentor is reassigned, keeping the history.

    `seen` is the open assignment the form showed (its id, or None for "no mentor", and its
    version): if another officer assigned or reassigned the KUBE since, `StaleEdit`.
    """
    _require(can_manage_mentors(user), _("Peran Anda tidak dapat menugaskan pendamping."))
    today = timezone.localdate()
    started_on = started_on or today
    kube = Kube.objects.visible_to(user).select_for_update().get(pk=kube.pk)
    # Locking the mentor serialises the caseload count of concurrent assignments.
    mentor = Mentor.objects.visible_to(user).select_for_update().get(pk=mentor.pk)
    # Locked too: an assignment being ended meanwhile is waited for, then read as it ends.
    current = (
        Assignment.objects.select_for_update(of=("self",))
        .filter(kube=kube, ended_on__isnull=True)
        .select_related("mentor")
        .first()
    )
    if (
        seen is not None
        and current is not None
        and (current.pk, current.version) != seen
        and current.mentor_id != mentor.pk
    ):
        raise StaleEdit(
            current=current,
            differences=[
                Difference(
                    label=_("Pendamping"),
                    theirs=_("%(mentor)s, sejak %(date)s")
                    % {"mentor": current.mentor, "date": current.started_on.strftime("%d-%m-%Y")},
                    yours=str(mentor),
                )
            ],
            changed_by=current.created_by,
            changed_at=current.created_at,
        )
    if mentor.status != RecruitmentStatus.AKTIF or not mentor.user_id:
        raise ValidationError(_("Hanya pendamping berstatus aktif yang memiliki akun yang dapat ditugaskan."))
    if kube.status not in ASSIGNABLE_STATUSES:
        raise ValidationError(
            _("KUBE berstatus %(status)s belum/tidak dapat didampingi.") % {"status": kube.get_status_display()}
        )
    if not kube.region_code.startswith(mentor.region_code + "."):
        raise ValidationError(
            _("KUBE ini berada di luar wilayah kerja pendamping (%(area)s).") % {"area": mentor.work_area}
        )
    if started_on > today:
        raise ValidationError({"started_on": _("Tanggal mulai tugas tidak boleh di masa depan.")})
    if current is not None and current.mentor_id == mentor.pk:
        raise ValidationError(_("%(mentor)s sudah mendampingi KUBE ini.") % {"mentor": mentor})
    cap = MentorSettings.objects.current().caseload_cap
    caseload = mentor.assignments.active().count()
    if caseload >= cap:
        raise ValidationError(
            _(
                "%(mentor)s sudah mendampingi %(count)d KUBE, batas beban kerja %(cap)d KUBE per pendamping. "
                "Akhiri salah satu penugasannya atau pilih pendamping lain."
            )
            % {"mentor": mentor, "count": caseload, "cap": cap}
        )
    if current is not None:
        if started_on < current.started_on:
            raise ValidationError(
                {
                    "started_on": _("Tanggal mulai tidak boleh sebelum penugasan sebelumnya dimulai (%(date)s).")
                    % {"date": current.started_on.strftime("%d-%m-%Y")}
                }
            )
        current.ended_on = started_on
        current.ended_by = user
        current.end_reason = _("Dialihkan ke %(mentor)s") % {"mentor": mentor}
        current.version += 1
        current.save(update_fields=["ended_on", "ended_by", "end_reason", "version"])
    return Assignment.objects.create(mentor=mentor, kube=kube, started_on=started_on, created_by=user)


@transaction.atomic
def assignment_end(
    *,
    user: User,
    assignment: Assignment,
    ended_on: datetime.date | None = None,
    reason: str = "",
    version: int | None = None,
) -> Assignment:
    """End an assignment; `version` is the assignment's version the form was opened on (`StaleEdit` if stale)."""
    _require(can_manage_mentors(user), _("Peran Anda tidak dapat mengakhiri penugasan."))
    assignment = Assignment.objects.visible_to(user).select_for_update().get(pk=assignment.pk)
    ended_on = ended_on or timezone.localdate()
    version_check(assignment, version=version, submitted={"ended_on": ended_on, "end_reason": reason})
    if assignment.ended_on is not None:
        raise ValidationError(_("Penugasan ini sudah berakhir."))
    if ended_on < assignment.started_on:
        raise ValidationError({"ended_on": _("Tanggal berakhir tidak boleh sebelum tanggal mulai tugas.")})
    if ended_on > timezone.localdate():
        raise ValidationError({"ended_on": _("Tanggal berakhir tidak boleh di masa depan.")})
    assignment.ended_on = ended_on
    assignment.ended_by = user
    assignment.end_reason = reason
    assignment.save(update_fields=["ended_on", "ended_by", "end_reason", "version"])
    return assignment


# --- Field visits -------------------------------------------------------------------------------


def mentor_of(user: User) -> Mentor:
    """The Mentor record of a mentor login; visits are recorded only by mentors."""
    mentor = Mentor.objects.filter(user=user).first() if user.is_authenticated and user.is_mentor else None
    if mentor is None:
        raise PermissionDenied(_("Hanya pendamping yang terdaftar yang dapat mencatat kunjungan."))
    return mentor


def _check_location(
    latitude: Decimal | None, longitude: Decimal | None, accuracy_m: int | None, errors: dict[str, Any]
) -> None:
    if (latitude is None) != (longitude is None):
        errors.setdefault("latitude", []).append(_("Lokasi tidak lengkap: lintang dan bujur harus diisi keduanya."))
        return
    if (
        latitude is not None
        and longitude is not None
        and not (-90 <= Decimal(latitude) <= 90 and -180 <= Decimal(longitude) <= 180)
    ):
        errors.setdefault("latitude", []).append(_("Koordinat lokasi tidak valid."))
    if accuracy_m is not None and accuracy_m < 0:
        errors.setdefault("latitude", []).append(_("Akurasi lokasi tidak valid."))


def _check_visit_date(*, mentor: Mentor, kube: Kube, visited_on: datetime.date, errors: dict[str, Any]) -> None:
    """A visit is dated between the KUBE's founding (and the mentor's assignment) and today."""
    if visited_on > timezone.localdate():
        errors.setdefault("visited_on", []).append(_("Tanggal kunjungan tidak boleh di masa depan."))
    if kube.founded_on and visited_on < kube.founded_on:
        errors.setdefault("visited_on", []).append(
            _("Tanggal kunjungan tidak boleh sebelum KUBE dibentuk (%(date)s).")
            % {"date": kube.founded_on.strftime("%d-%m-%Y")}
        )
    assignment = Assignment.objects.active().filter(mentor=mentor, kube=kube).order_by("-started_on").first()
    if assignment is not None and visited_on < assignment.started_on:
        errors.setdefault("visited_on", []).append(
            _("Tanggal kunjungan tidak boleh sebelum Anda ditugaskan ke KUBE ini (%(date)s).")
            % {"date": assignment.started_on.strftime("%d-%m-%Y")}
        )


def _processed_photos(photos: "Sequence[UploadedFile[bytes]]", errors: dict[str, Any]) -> list[ProcessedPhoto]:
    """The visit's photos shrunk and stripped (mentors.photos), within the configured number and size."""
    settings = MentorSettings.objects.current()
    if len(photos) > settings.max_photos:
        errors.setdefault("photos", []).append(
            _("Paling banyak %(max)d foto per kunjungan.") % {"max": settings.max_photos}
        )
        return []
    processed = []
    for index, upload in enumerate(photos, start=1):
        try:
            processed.append(process_photo(upload, max_bytes=settings.max_photo_mb * 1_048_576, index=index))
        except ValidationError as error:
            errors.setdefault("photos", []).extend(error.messages)
    return processed


@transaction.atomic
def visit_record(
    *,
    user: User,
    kube: Kube,
    client_uuid: uuid.UUID,
    visited_on: datetime.date,
    topics: Sequence[str],
    members: Iterable[int] = (),
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    accuracy_m: int | None = None,
    located_at: datetime.datetime | None = None,
    notes: str = "",
    problems: str = "",
    follow_up: str = "",
    next_plan: str = "",
    photos: "Sequence[UploadedFile[bytes]]" = (),
    report: dict[str, Any] | None = None,
) -> tuple[FieldVisit, bool]:
    """Store a visit once per `client_uuid`; a resend returns the stored visit and `False`.

    `members` are ids of households present; `report`, when given, are that month's
    business-report figures, saved through the groups service.
    """
    mentor = mentor_of(user)
    # Locking the KUBE serialises a double tap: the second request waits, then finds the first.
    kube = Kube.objects.visible_to(user).select_for_update().select_related("program").get(pk=kube.pk)
    existing = stored_resend(
        FieldVisit,
        client_uuid,
        is_same_record=lambda stored: stored.mentor_id == mentor.pk and stored.kube_id == kube.pk,
        taken=ValidationError(_uuid_taken()),
    )
    if existing is not None:
        return existing, False

    errors: dict[str, list[str]] = {}
    _check_visit_date(mentor=mentor, kube=kube, visited_on=visited_on, errors=errors)
    topics = list(dict.fromkeys(topics))
    if not topics:
        errors.setdefault("topics", []).append(_("Pilih minimal satu topik pendampingan."))
    elif not set(topics) <= set(Topic.values):
        errors.setdefault("topics", []).append(_("Topik tidak dikenal."))
    member_ids = {int(pk) for pk in members}
    current_ids = set(
        Membership.objects.filter(kube=kube, left_on__isnull=True, household__in=member_ids).values_list(
            "household_id", flat=True
        )
    )
    if member_ids - current_ids:
        errors.setdefault("members", []).append(_("Anggota yang dipilih bukan anggota KUBE ini."))
    _check_location(latitude, longitude, accuracy_m, errors)
    processed = _processed_photos(photos, errors)
    if errors:
        raise ValidationError(errors)

    business_report = None
    if report:
        business_report = group_services.report_save(kube=kube, user=user, month=visited_on, data=report)
    # The same form code sent for two KUBE at once passes the check above in both requests.
    with unique_errors(FieldVisit, client_uuid=_uuid_taken):
        visit = FieldVisit.objects.create(
            client_uuid=client_uuid,
            mentor=mentor,
            kube=kube,
            visited_on=visited_on,
            latitude=latitude,
            longitude=longitude,
            accuracy_m=accuracy_m,
            located_at=located_at if latitude is not None else None,
            topics=topics,
            notes=notes,
            problems=problems,
            follow_up=follow_up,
            next_plan=next_plan,
            business_report=business_report,
        )
    visit.members_present.set(current_ids)
    for index, photo in enumerate(processed, start=1):
        stored = VisitPhoto(visit=visit)
        stored.image.save(f"{visit.client_uuid}-{index}.jpg", photo.image, save=False)
        stored.thumbnail.save(f"{visit.client_uuid}-{index}.jpg", photo.thumbnail, save=False)
        stored.save()
    return visit, True


def _uuid_taken() -> str:
    return _("Kode formulir ini sudah dipakai untuk kunjungan lain. Muat ulang halaman.")


def _reviewable(*, user: User, visit: FieldVisit) -> FieldVisit:
    _require(can_manage_mentors(user), _("Peran Anda tidak dapat meninjau kunjungan."))
    visit = FieldVisit.objects.visible_to(user).select_for_update().get(pk=visit.pk)
    if visit.status != VisitStatus.SUBMITTED:
        raise ValidationError(_("Kunjungan ini sudah ditinjau."))
    return visit


@transaction.atomic
def visit_verify(*, user: User, visit: FieldVisit) -> FieldVisit:
    visit = _reviewable(user=user, visit=visit)
    visit.status = VisitStatus.VERIFIED
    visit.review_comment = ""
    visit.reviewed_by, visit.reviewed_at = user, timezone.now()
    visit.save(update_fields=["status", "review_comment", "reviewed_by", "reviewed_at", "updated_at"])
    return visit


@transaction.atomic
def visit_return(*, user: User, visit: FieldVisit, comment: str) -> FieldVisit:
    """Send a visit back to its mentor with what to fix."""
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": _("Tuliskan alasan pengembalian untuk pendamping.")})
    visit = _reviewable(user=user, visit=visit)
    visit.status = VisitStatus.RETURNED
    visit.review_comment = comment
    visit.reviewed_by, visit.reviewed_at = user, timezone.now()
    visit.save(update_fields=["status", "review_comment", "reviewed_by", "reviewed_at", "updated_at"])
    return visit


@transaction.atomic
def visit_resubmit(
    *, user: User, visit: FieldVisit, notes: str, problems: str, follow_up: str, next_plan: str
) -> FieldVisit:
    """The mentor corrects a returned visit's texts and sends it for review again."""
    mentor = mentor_of(user)
    visit = FieldVisit.objects.visible_to(user).select_for_update().get(pk=visit.pk)
    if visit.mentor_id != mentor.pk or visit.status != VisitStatus.RETURNED:
        raise ValidationError(_("Hanya kunjungan yang dikembalikan yang dapat diperbaiki."))
    visit.notes, visit.problems, visit.follow_up, visit.next_plan = notes, problems, follow_up, next_plan
    visit.status = VisitStatus.SUBMITTED
    visit.save(update_fields=["notes", "problems", "follow_up", "next_plan", "status", "updated_at"])
    return visit


def visit_photo_download_record(
    *, request: HttpRequest, visit: FieldVisit, channel: str = DownloadChannel.PAGE
) -> None:
    """Opening a visit's full-size photo is a download of personal data (pages and API alike)."""
    download_record(
        request=request,
        kind=DownloadKind.VISIT_PHOTO,
        file_format="jpeg",
        description=_("Foto kunjungan %(kube)s %(date)s")
        % {"kube": visit.kube.name, "date": visit.visited_on.strftime("%d-%m-%Y")},
        row_count=1,
        region_code=visit.kube.region_code,
        channel=channel,
    )
