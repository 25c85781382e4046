"""Pendamping KUBE: the mentor registry, training, assignments to KUBE and field visits.

A mentor carries the Kemendagri code of their work area (a kabupaten/kota) in
`region_code` (kept equal to `work_area_id`) so that `visible_to(user)` filters on an
indexed prefix. Assignments and visits are scoped through their KUBE; a mentor sees
their own record, their current assignments and the visits of their assigned KUBE.
"""

import datetime
import uuid
from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.tracking import tracked
from kube_portal.concurrency import Versioned
from kube_portal.scoping import RegionCodeMixin, ScopedQuerySet
from kube_portal.timestamps import Timestamped, TimestampedByUser
from mentors.scope import active_assignment_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

SIXTEEN_DIGITS = r"^[0-9]{16}$"
KABKOTA_CODE = r"^[0-9]{2}\.[0-9]{2}$"


class Education(models.TextChoices):
    SMA = "sma", _("SMA/SMK sederajat")
    D3 = "d3", _("Diploma (D3)")
    S1 = "s1", _("Sarjana (S1/D4)")
    S2 = "s2", _("Magister (S2)")


class RecruitmentStatus(models.TextChoices):
    CALON = "calon", _("Calon")
    SELEKSI = "seleksi", _("Seleksi")
    AKTIF = "aktif", _("Aktif")
    NONAKTIF = "nonaktif", _("Nonaktif")


#: The recruitment steps a mentor may take from each status.
STATUS_STEPS = {
    RecruitmentStatus.CALON: (RecruitmentStatus.SELEKSI, RecruitmentStatus.NONAKTIF),
    RecruitmentStatus.SELEKSI: (RecruitmentStatus.AKTIF, RecruitmentStatus.NONAKTIF),
    RecruitmentStatus.AKTIF: (RecruitmentStatus.NONAKTIF,),
    RecruitmentStatus.NONAKTIF: (RecruitmentStatus.AKTIF,),
}


class MentorSettingsQuerySet(models.QuerySet):
    def current(self) -> "MentorSettings":
        """The one settings row; the defaults of DESIGN.md until an administrator saves one."""
        return self.order_by("pk").first() or MentorSettings()


class MentorSettings(models.Model):
    """Caseload cap and overdue threshold (configurable by an administrator)."""

    caseload_cap = models.PositiveSmallIntegerField(_("batas KUBE per pendamping"), default=10)
    overdue_days = models.PositiveSmallIntegerField(_("KUBE terlambat dikunjungi setelah (hari)"), default=30)
    max_photos = models.PositiveSmallIntegerField(_("foto per kunjungan maksimal"), default=5)
    max_photo_mb = models.PositiveSmallIntegerField(_("ukuran foto maksimal (MB)"), default=8)

    objects = MentorSettingsQuerySet.as_manager()

    class Meta:
        verbose_name = _("pengaturan pendampingan")
        verbose_name_plural = _("pengaturan pendampingan")
        constraints = [
            models.CheckConstraint(condition=Q(caseload_cap__gte=1), name="mentor_settings_cap_positive"),
            models.CheckConstraint(condition=Q(overdue_days__gte=1), name="mentor_settings_overdue_positive"),
            models.CheckConstraint(
                condition=Q(max_photos__gte=1, max_photos__lte=10), name="mentor_settings_max_photos_1_10"
            ),
        ]

    def __str__(self):
        return str(_("Pengaturan pendampingan"))


class MentorQuerySet(ScopedQuerySet):
    region_field = "region_code"

    def mentor_filter(self, user) -> Q:
        return Q(user=user)

    def search(self, text: str):
        text = text.strip()
        if not text:
            return self
        if text.isdigit():
            return self.filter(nik__startswith=text)
        return self.filter(Q(name__icontains=text) | Q(user__username__istartswith=text))

    def with_caseload(self):
        """Annotate `caseload`: the KUBE assigned to each mentor now."""
        current = Assignment.objects.filter(active_assignment_q(), mentor=OuterRef("pk"))
        return self.annotate(
            caseload=models.functions.Coalesce(
                models.Subquery(current.values("mentor").annotate(n=models.Count("pk")).values("n")[:1]), 0
            )
        )


@tracked(exclude=["region_code"])
class Mentor(RegionCodeMixin, Versioned, TimestampedByUser):
    """A pendamping KUBE, recruited by the ministry and working in one kabupaten/kota."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("akun"),
        on_delete=models.PROTECT,
        related_name="mentor",
        null=True,
        blank=True,
    )
    nik = models.CharField(_("NIK"), max_length=16, unique=True)
    name = models.CharField(_("nama"), max_length=150)
    phone = models.CharField(_("telepon"), max_length=20, blank=True)
    education = models.CharField(_("pendidikan"), max_length=4, choices=Education.choices)
    work_area = models.ForeignKey(
        "regions.Region",
        verbose_name=_("wilayah kerja (kabupaten/kota)"),
        on_delete=models.PROTECT,
        related_name="mentors",
        limit_choices_to={"level": 2},
    )
    # Denormalised copy of work_area_id for prefix scoping; the check constraint keeps it equal.
    region_code = models.CharField(_("kode wilayah"), max_length=5, editable=False)
    status = models.CharField(
        _("status rekrutmen"), max_length=8, choices=RecruitmentStatus.choices, default=RecruitmentStatus.CALON
    )
    contract_start = models.DateField(_("kontrak mulai"), null=True, blank=True)
    contract_end = models.DateField(_("kontrak berakhir"), null=True, blank=True)

    region_code_source = "work_area"
    objects = MentorQuerySet.as_manager()

    class Meta:
        verbose_name = _("pendamping")
        verbose_name_plural = _("pendamping")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["region_code"], name="mentor_region_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["nik"], name="mentor_nik_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name", "id"], name="mentor_name_order"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(nik__regex=SIXTEEN_DIGITS), name="mentor_nik_16_digits"),
            models.CheckConstraint(condition=Q(region_code__regex=KABKOTA_CODE), name="mentor_region_is_kabkota"),
            models.CheckConstraint(condition=Q(region_code=models.F("work_area")), name="mentor_region_is_work_area"),
            models.CheckConstraint(
                condition=Q(contract_end__isnull=True)
                | Q(contract_start__isnull=True)
                | Q(contract_end__gte=models.F("contract_start")),
                name="mentor_contract_end_after_start",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        self.region_code = self.work_area_id

    @property
    def province_code(self) -> str:
        return self.region_code[:2]

    @property
    def next_statuses(self) -> tuple[str, ...]:
        return STATUS_STEPS.get(self.status, ())

    def contract_is_current(self, on=None) -> bool:
        on = on or timezone.localdate()
        return (self.contract_start is None or self.contract_start <= on) and (
            self.contract_end is None or on <= self.contract_end
        )


# --- Training ------------------------------------------------------------------------------------


class TrainingBatchQuerySet(models.QuerySet):
    """A batch is seen by whoever sees the region that organised it or one of its participants.

    Batches organised by the ministry have no region: a regional office sees them once
    one of its mentors takes part. National users see every batch; a mentor sees the
    batches they attended.
    """

    def visible_to(self, user: "User | AnonymousUser | None") -> Self:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        scope = user.scope
        if scope.is_mentor:
            return self.filter(participations__mentor__user=user).distinct()
        if scope.national:
            return self
        if scope.empty:
            return self.none()
        in_scope = TrainingParticipation.objects.filter(scope.q("mentor__region_code"), batch=OuterRef("pk"))
        organised_here = scope.q("region_code") & ~Q(region_code="")
        return self.filter(organised_here | Exists(in_scope))


@tracked()
class TrainingBatch(models.Model):
    """A training batch, e.g. *Bimbingan Pemantapan Pendamping KUBE Angkatan I 2020*."""

    name = models.CharField(_("nama pelatihan"), max_length=200)
    organiser = models.CharField(_("penyelenggara"), max_length=200)
    place = models.CharField(_("tempat"), max_length=200)
    start_date = models.DateField(_("tanggal mulai"))
    end_date = models.DateField(_("tanggal selesai"))
    # The organising office's region ("" for the ministry): who may see and manage the batch.
    region_code = models.CharField(_("kode wilayah penyelenggara"), max_length=13, blank=True, editable=False)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    objects = TrainingBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("angkatan pelatihan")
        verbose_name_plural = _("angkatan pelatihan")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="training_end_after_start"),
        ]

    def __str__(self):
        return self.name


class TrainingResult(models.TextChoices):
    BELUM = "belum", _("Belum dinilai")
    LULUS = "lulus", _("Lulus")
    TIDAK_LULUS = "tidak_lulus", _("Tidak lulus")


class TrainingParticipationQuerySet(ScopedQuerySet):
    region_field = "mentor__region_code"

    def mentor_filter(self, user) -> Q:
        return Q(mentor__user=user)


@tracked(by=["mentor"])
class TrainingParticipation(models.Model):
    batch = models.ForeignKey(
        TrainingBatch, verbose_name=_("angkatan"), on_delete=models.CASCADE, related_name="participations"
    )
    mentor = models.ForeignKey(
        Mentor, verbose_name=_("pendamping"), on_delete=models.PROTECT, related_name="participations"
    )
    attended = models.BooleanField(_("hadir"), default=True)
    result = models.CharField(_("hasil"), max_length=12, choices=TrainingResult.choices, default=TrainingResult.BELUM)

    objects = TrainingParticipationQuerySet.as_manager()

    class Meta:
        verbose_name = _("peserta pelatihan")
        verbose_name_plural = _("peserta pelatihan")
        ordering = ["batch", "mentor__region_code", "mentor__name"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "mentor"], name="training_participation_once"),
        ]

    def __str__(self):
        return f"{self.mentor} · {self.batch}"


# --- Assignments ---------------------------------------------------------------------------------


class AssignmentQuerySet(ScopedQuerySet):
    region_field = "kube__region_code"

    def mentor_filter(self, user) -> Q:
        return Q(mentor__user=user) & Q(kube__in=user.scope.kube_ids)

    def active(self, on: datetime.date | None = None) -> Self:
        return self.filter(active_assignment_q(on=on))


@tracked(by=["mentor", "kube"])
class Assignment(Versioned):
    """A mentor accompanies a KUBE from `started_on` until the day before `ended_on`."""

    mentor = models.ForeignKey(
        Mentor, verbose_name=_("pendamping"), on_delete=models.PROTECT, related_name="assignments"
    )
    kube = models.ForeignKey(
        "groups.Kube", verbose_name=_("KUBE"), on_delete=models.PROTECT, related_name="mentor_assignments"
    )
    started_on = models.DateField(_("mulai"))
    ended_on = models.DateField(_("berakhir"), null=True, blank=True)
    end_reason = models.CharField(_("alasan berakhir"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ditugaskan oleh"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diakhiri oleh"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("penugasan")
        verbose_name_plural = _("penugasan")
        ordering = ["-started_on", "-id"]
        indexes = [models.Index(fields=["mentor", "ended_on"], name="assignment_mentor_open")]
        constraints = [
            # One active mentor per KUBE: at most one open assignment.
            models.UniqueConstraint(
                fields=["kube"], condition=Q(ended_on__isnull=True), name="assignment_one_open_per_kube"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="assignment_end_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.mentor} → {self.kube_id}"

    @property
    def is_active(self) -> bool:
        today = timezone.localdate()
        return self.started_on <= today and (self.ended_on is None or self.ended_on > today)


def assigned_kube_ids(user_id: int) -> models.QuerySet:
    """Ids of the KUBE assigned to the Mentor record of user `user_id` now, as a subquery.

    Provided to `kube_portal.scoping.mentor_kube_ids` (MentorsConfig.ready): the mentor's scope.
    """
    return Assignment.objects.active().filter(mentor__user_id=user_id).values("kube_id")


def current_assignments(on=None) -> models.QuerySet:
    """The assignments running on a day, each with its `kube`: provided to `groups.models.current_assignments`."""
    return Assignment.objects.active(on=on)


# --- Field visits --------------------------------------------------------------------------------


class Topic(models.TextChoices):
    BOOKKEEPING = "pembukuan", _("Pembukuan")
    PRODUCTION = "produksi", _("Produksi")
    MARKETING = "pemasaran", _("Pemasaran")
    SAVINGS = "tabungan", _("Tabungan kelompok")
    MEETING = "pertemuan", _("Pertemuan kelompok")
    PROBLEM_SOLVING = "pemecahan_masalah", _("Pemecahan masalah")
    CAPITAL = "permodalan", _("Permodalan")
    ORGANISATION = "kelembagaan", _("Kelembagaan")
    OTHER = "lainnya", _("Lainnya")


class VisitStatus(models.TextChoices):
    SUBMITTED = "diajukan", _("Diajukan")
    VERIFIED = "diverifikasi", _("Diverifikasi")
    RETURNED = "dikembalikan", _("Dikembalikan")


class FieldVisitQuerySet(ScopedQuerySet):
    region_field = "kube__region_code"

    def mentor_filter(self, user) -> Q:
        return Q(mentor__user=user) & Q(kube__in=user.scope.kube_ids)

    def for_list(self):
        return self.select_related("kube", "mentor").order_by("-visited_on", "-id")

    def returned_first(self):
        """The mentor's list: returned visits (to fix) on top, then the newest."""
        first = models.Case(models.When(status=VisitStatus.RETURNED, then=0), default=1)
        return self.select_related("kube").order_by(first, "-visited_on", "-id")


@tracked()
class FieldVisit(Timestamped):
    """One visit of a mentor to a KUBE, entered from the field on a phone."""

    # Generated in the mentor's browser: a double tap or a resend stores one visit.
    client_uuid = models.UUIDField(_("kode unik formulir"), unique=True, default=uuid.uuid4)
    mentor = models.ForeignKey(Mentor, verbose_name=_("pendamping"), on_delete=models.PROTECT, related_name="visits")
    kube = models.ForeignKey("groups.Kube", verbose_name=_("KUBE"), on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("tanggal kunjungan"))
    latitude = models.DecimalField(_("lintang"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("bujur"), max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.PositiveIntegerField(_("akurasi lokasi (m)"), null=True, blank=True)
    # When the phone took the position: at the visit, not when the form was opened or sent.
    located_at = models.DateTimeField(_("lokasi diambil pada"), null=True, blank=True)
    members_present = models.ManyToManyField(
        "beneficiaries.Household", verbose_name=_("anggota hadir"), related_name="+", blank=True
    )
    topics = ArrayField(
        models.CharField(max_length=20, choices=Topic.choices), verbose_name=_("topik pendampingan"), default=list
    )
    notes = models.TextField(_("catatan usaha"), blank=True)
    problems = models.TextField(_("masalah"), blank=True)
    follow_up = models.TextField(_("tindak lanjut"), blank=True)
    next_plan = models.TextField(_("rencana kunjungan berikutnya"), blank=True)
    business_report = models.ForeignKey(
        "groups.BusinessReport",
        verbose_name=_("laporan usaha bulanan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    status = models.CharField(_("status"), max_length=12, choices=VisitStatus.choices, default=VisitStatus.SUBMITTED)
    review_comment = models.TextField(_("catatan peninjau"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ditinjau oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("ditinjau pada"), null=True, blank=True)
    # When the mentor sent the visit.
    created_at = models.DateTimeField(_("dikirim"), auto_now_add=True)

    objects = FieldVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("kunjungan lapangan")
        verbose_name_plural = _("kunjungan lapangan")
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["kube", "-visited_on"], name="visit_kube_date"),
            models.Index(fields=["mentor", "-visited_on"], name="visit_mentor_date"),
            models.Index(fields=["status"], name="visit_status"),
            # The review list's two orders (mentors.filters.VisitFilter).
            models.Index(fields=["status", "created_at", "id"], name="visit_status_created"),
            models.Index(fields=["visited_on", "id"], name="visit_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90), name="visit_latitude_range"
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="visit_longitude_range",
            ),
            models.CheckConstraint(
                condition=~Q(status="dikembalikan") | ~Q(review_comment=""), name="visit_returned_has_comment"
            ),
        ]

    def __str__(self):
        return f"{self.kube_id} {self.visited_on}"

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def topic_labels(self) -> list[str]:
        labels = dict(Topic.choices)
        return [str(labels.get(topic, topic)) for topic in self.topics]


class VisitPhotoQuerySet(ScopedQuerySet):
    region_field = "visit__kube__region_code"

    def mentor_filter(self, user) -> Q:
        return Q(visit__mentor__user=user) & Q(visit__kube__in=user.scope.kube_ids)


class VisitPhoto(models.Model):
    """A photo of a visit, re-encoded on upload: resized, without EXIF (so without GPS)."""

    visit = models.ForeignKey(FieldVisit, verbose_name=_("kunjungan"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("foto"), upload_to="visits/%Y/%m/", width_field="width", height_field="height")
    thumbnail = models.ImageField(_("gambar kecil"), upload_to="visits/%Y/%m/thumbs/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisitPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("foto kunjungan")
        verbose_name_plural = _("foto kunjungan")
        ordering = ["visit", "id"]

    def __str__(self):
        return self.image.name
