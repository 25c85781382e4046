import datetime
import decimal
import uuid
from typing import Self

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.functions import RandomUUID
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.tracking import tracked
from groups.models import MaturityLevel
from groups.money import format_rupiah
from kube_portal.scoping import ScopedQuerySet


class Area(models.TextChoices):
    URBAN = "perkotaan", _("Perkotaan")
    RURAL = "perdesaan", _("Perdesaan")
    TOTAL = "total", _("Perkotaan + perdesaan")


# BPS publishes the poverty line twice a year, for March and September.
PERIOD_MONTHS = (3, 9)


class PovertyLineQuerySet(models.QuerySet):
    def applicable(self, *, province_code: str, is_urban: bool, on: datetime.date | None = None):
        """The line to compare a household against, and why that one.

        The latest line for the household's province and urban/rural area; else the
        latest national line for that area. Returns (line or None, explanation).
        """
        area = Area.URBAN if is_urban else Area.RURAL
        lines = self.filter(area=area)
        if on is not None:
            lines = lines.filter(period__lte=on)
        provincial = lines.filter(province_id=province_code).order_by("-period").first()
        if provincial is not None:
            return provincial, _("Garis kemiskinan %(area)s provinsi %(province)s, %(period)s.") % {
                "area": provincial.get_area_display().lower(),
                "province": provincial.province.name,
                "period": provincial.period_label,
            }
        national = lines.filter(province__isnull=True).order_by("-period").first()
        if national is not None:
            return national, _(
                "Garis kemiskinan %(area)s provinsi belum dimuat; dipakai garis nasional %(area)s, %(period)s."
            ) % {"area": national.get_area_display().lower(), "period": national.period_label}
        return None, _("Belum ada garis kemiskinan yang dimuat.")


@tracked()
class PovertyLine(models.Model):
    """BPS poverty line in Rupiah per capita per month, for a province (or the nation) and area."""

    province = models.ForeignKey(
        "regions.Region",
        verbose_name=_("provinsi"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"level": 1},
        help_text=_("Kosong untuk garis kemiskinan nasional."),
    )
    area = models.CharField(_("wilayah"), max_length=10, choices=Area.choices)
    period = models.DateField(_("periode"), help_text=_("Tanggal 1 Maret atau 1 September."))
    amount = models.PositiveIntegerField(_("rupiah per kapita per bulan"))
    source = models.CharField(_("sumber"), max_length=200, blank=True, default="BPS")

    objects = PovertyLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("garis kemiskinan")
        verbose_name_plural = _("garis kemiskinan")
        ordering = ["province_id", "area", "-period"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "area", "period"], name="poverty_line_unique", nulls_distinct=False
            ),
            models.CheckConstraint(
                condition=models.Q(period__day=1, period__month__in=PERIOD_MONTHS),
                name="poverty_line_period_march_or_september",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="poverty_line_amount_positive"),
        ]

    def __str__(self):
        where = self.province.name if self.province_id else _("Nasional")
        return f"{where} · {self.get_area_display()} · {self.period_label}: {format_rupiah(self.amount)}"

    @property
    def period_label(self) -> str:
        month = _("Maret") if self.period.month == 3 else _("September")
        return f"{month} {self.period.year}"


# --- Criteria -------------------------------------------------------------------------------


class CriteriaSetQuerySet(models.QuerySet):
    def active(self) -> "CriteriaSet":
        """The criteria in force; version 1 with the DESIGN.md defaults if none was ever saved."""
        found = self.filter(is_active=True).first()
        if found is not None:
            return found
        with transaction.atomic():
            found, _created = self.get_or_create(is_active=True, defaults={"version": 1})
        return found


@tracked()
class CriteriaSet(models.Model):
    """Versioned graduation thresholds (configurable). Editing creates a new version.

    KUBE maturity thresholds are not repeated here: they live in `groups.MaturityThresholds`
    (its own versions); the KUBE criterion reads the level the groups classification wrote.
    """

    version = models.PositiveIntegerField(_("versi"), unique=True)
    is_active = models.BooleanField(_("berlaku"), default=True)
    income_multiple = models.DecimalField(
        _("kelipatan garis kemiskinan"), max_digits=4, decimal_places=2, default=decimal.Decimal("1.50")
    )
    min_kube_level = models.CharField(
        _("tingkat KUBE minimal"), max_length=10, choices=MaturityLevel.choices, default=MaturityLevel.BERKEMBANG
    )
    min_kube_months = models.PositiveSmallIntegerField(_("lama keanggotaan KUBE minimal (bulan)"), default=12)
    assets_threshold = models.PositiveBigIntegerField(_("ambang tabungan atau aset produktif (Rp)"), default=5_000_000)
    desil_threshold = models.PositiveSmallIntegerField(
        _("ambang desil"), default=4, help_text=_("Kriteria terpenuhi bila desil DTSEN di atas angka ini.")
    )
    note = models.CharField(_("catatan"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = CriteriaSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("kriteria graduasi")
        verbose_name_plural = _("kriteria graduasi")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="criteria_one_active"
            ),
            models.CheckConstraint(condition=models.Q(income_multiple__gt=0), name="criteria_income_multiple_positive"),
            models.CheckConstraint(condition=models.Q(desil_threshold__lte=10), name="criteria_desil_threshold_1_10"),
        ]

    def __str__(self):
        return _("Kriteria versi %(version)s") % {"version": self.version}

    @property
    def min_kube_rank(self) -> int:
        return LEVEL_RANK[self.min_kube_level]


LEVEL_RANK = {MaturityLevel.TUMBUH: 1, MaturityLevel.BERKEMBANG: 2, MaturityLevel.MAJU: 3}


# --- Assessments ----------------------------------------------------------------------------


class HouseholdChildQuerySet(ScopedQuerySet):
    """Rows that belong to a household: scoped by its region code, and for a mentor by the Household scope."""

    region_field = "household__region_code"

    def mentor_filter(self, user) -> models.Q:
        from beneficiaries.models import Household

        return models.Q(household__in=Household.objects.visible_to(user))


class AssessmentSource(models.TextChoices):
    MENTOR_VISIT = "kunjungan", _("Kunjungan pendamping")
    OFFICE_SURVEY = "survei", _("Survei dinas")


class HousingCondition(models.TextChoices):
    LAYAK = "layak", _("Layak huni")
    KURANG = "kurang", _("Kurang layak")
    TIDAK = "tidak", _("Tidak layak huni")


class HouseholdAssessmentQuerySet(HouseholdChildQuerySet):
    pass


@tracked(by=["household"])
class HouseholdAssessment(models.Model):
    """A household's economic situation at a date; every assessment is kept (the history)."""

    # Generated by the client (the field app): a resent assessment is stored once. Rows written by SQL get one too.
    client_uuid = models.UUIDField(_("kode unik formulir"), unique=True, default=uuid.uuid4, db_default=RandomUUID())
    household = models.ForeignKey(
        "beneficiaries.Household", verbose_name=_("keluarga"), on_delete=models.PROTECT, related_name="assessments"
    )
    assessed_on = models.DateField(_("tanggal asesmen"))
    monthly_income = models.PositiveBigIntegerField(_("pendapatan keluarga per bulan (Rp)"))
    savings = models.PositiveBigIntegerField(_("tabungan (Rp)"), default=0)
    productive_assets = models.PositiveBigIntegerField(_("aset produktif (Rp)"), default=0)
    housing_condition = models.CharField(_("kondisi rumah"), max_length=10, choices=HousingCondition.choices)
    source = models.CharField(_("sumber"), max_length=10, choices=AssessmentSource.choices)
    visit = models.ForeignKey(
        "mentors.FieldVisit",
        verbose_name=_("kunjungan pendamping"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assessments",
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("penilai"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("catatan"), blank=True)
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    objects = HouseholdAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("asesmen keluarga")
        verbose_name_plural = _("asesmen keluarga")
        ordering = ["-assessed_on", "-id"]
        indexes = [models.Index(fields=["household", "-assessed_on", "-id"], name="assessment_household_latest")]

    def __str__(self):
        return f"{self.household_id} · {self.assessed_on}"


# --- Readiness ------------------------------------------------------------------------------


class Readiness(models.TextChoices):
    SIAP = "siap", _("Siap")
    MENUJU = "menuju", _("Menuju")
    BELUM = "belum", _("Belum")


class Verdict(models.TextChoices):
    MET = "met", _("Terpenuhi")
    NOT_MET = "not_met", _("Belum terpenuhi")
    UNKNOWN = "unknown", _("Tidak dihitung")


#: The criteria in the order they are shown; keys of GraduationStatus.explanation.
CRITERIA = {
    "income": _("Pendapatan per kapita"),
    "kube": _("Keanggotaan KUBE"),
    "assets": _("Tabungan atau aset produktif"),
    "desil": _("Desil DTSEN"),
}


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Berjalan")
    DONE = "done", _("Selesai")
    FAILED = "failed", _("Gagal")


class RecomputeRun(models.Model):
    """The ledger of the nightly runs: one row per run, the figures of each finished step, progress per province."""

    run_date = models.DateField(_("tanggal perhitungan"))
    province = models.CharField(_("provinsi"), max_length=2, blank=True, help_text=_("Kosong: semua provinsi."))
    started_at = models.DateTimeField(_("mulai"), default=timezone.now)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    criteria = models.ForeignKey(CriteriaSet, verbose_name=_("kriteria"), on_delete=models.PROTECT, related_name="+")
    provinces_total = models.PositiveSmallIntegerField(_("jumlah provinsi"), default=0)
    #: {province code: {"siap": n, "menuju": n, "belum": n, "alamiah": n, "changed": n, "state_changes": n}}
    progress = models.JSONField(_("kemajuan per provinsi"), default=dict)
    counts = models.JSONField(_("jumlah per status"), default=dict)
    households_changed = models.PositiveIntegerField(_("KPM berubah"), default=0)
    #: {step name: its figures and "seconds"} of the nightly steps finished (kube_portal.nightly).
    steps = models.JSONField(_("langkah selesai"), default=dict, blank=True)
    error = models.TextField(_("galat"), blank=True)
    resumed_count = models.PositiveSmallIntegerField(_("dilanjutkan"), default=0)
    #: When the run's tasks were last published to the Celery workers; empty for a run in one process.
    dispatched_at = models.DateTimeField(_("dikirim ke pemroses"), null=True, blank=True)
    #: {province code: worker} of the parts a worker has started (done ones are in `progress`).
    parts_started = models.JSONField(_("bagian dimulai"), default=dict, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("proses graduasi")
        verbose_name_plural = _("proses graduasi")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"#{self.pk} {self.run_date} {self.get_status_display()}"

    @property
    def percent(self) -> int:
        if self.status == RunStatus.DONE:
            return 100
        if not self.provinces_total:
            return 0
        return min(99, len(self.progress) * 100 // self.provinces_total)

    @property
    def finished(self) -> bool:
        return self.status != RunStatus.RUNNING


class GraduationStatusQuerySet(HouseholdChildQuerySet):
    region_field = "region_code"

    def siap(self):
        return self.filter(state=Readiness.SIAP, household__is_active=True)

    def alamiah(self):
        return self.filter(alamiah_candidate=True, household__is_active=True)

    def needing_assessment(self):
        return self.filter(needs_assessment=True, household__is_active=True)


class GraduationStatus(models.Model):
    """A household's readiness, as the last run computed it; written set-based by recompute.py."""

    household = models.OneToOneField(
        "beneficiaries.Household",
        verbose_name=_("keluarga"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="graduation_status",
    )
    # Copy of the household's region code, written by each run: prefix scoping and per-province chunks.
    region_code = models.CharField(_("kode wilayah"), max_length=13, editable=False)
    state = models.CharField(_("kesiapan"), max_length=10, choices=Readiness.choices)
    #: Criteria met out of those counted, in percent.
    score = models.PositiveSmallIntegerField(_("skor"))
    alamiah_candidate = models.BooleanField(_("calon graduasi alamiah"), default=False)
    #: No assessment up to the run date: income and assets are not met until one is recorded ("perlu asesmen").
    needs_assessment = models.BooleanField(_("perlu asesmen"), default=False)
    #: Codes and numbers only (graduation.readiness.evaluate builds it, the SQL run writes the same):
    #: {criterion: {"verdict", "value", "threshold", "code", ...}} plus "assessment" and "alamiah";
    #: worded in the reader's language by graduation.templatetags.readiness.
    explanation = models.JSONField(_("penjelasan"), default=dict)
    #: The facts the result was computed from (recompute.py): a run rewrites the row only when they change.
    inputs = ArrayField(models.BigIntegerField(null=True), verbose_name=_("masukan"), default=list, editable=False)
    # Ledger references without database constraints: a run writes up to a row per household, and
    # criteria versions and runs are never deleted (PROTECT still guards the criteria in Django).
    criteria = models.ForeignKey(
        CriteriaSet,
        verbose_name=_("kriteria"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    run = models.ForeignKey(
        RecomputeRun,
        verbose_name=_("proses"),
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    computed_at = models.DateTimeField(_("dihitung"))

    objects = GraduationStatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("status graduasi")
        verbose_name_plural = _("status graduasi")
        indexes = [
            models.Index(fields=["region_code"], name="graduation_status_region", opclasses=["varchar_pattern_ops"]),
            # The readiness lists' order (graduation.views._status_list); the one above serves the scope.
            models.Index(fields=["region_code", "household"], name="graduation_status_order"),
            models.Index(fields=["state"], name="graduation_status_state", condition=models.Q(state="siap")),
            models.Index(
                fields=["alamiah_candidate"],
                name="graduation_status_alamiah",
                condition=models.Q(alamiah_candidate=True),
            ),
            models.Index(
                fields=["state", "region_code"],
                name="graduation_status_state_region",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["region_code"],
                name="graduation_status_needs_assess",
                opclasses=["varchar_pattern_ops"],
                condition=models.Q(needs_assessment=True),
            ),
        ]

    def __str__(self):
        return f"{self.household_id}: {self.get_state_display()}"

    @property
    def criteria_rows(self) -> list[dict]:
        """One row per criterion with its stored codes and numbers (the template tag words them)."""
        rows = []
        for key, label in CRITERIA.items():
            item = self.explanation.get(key)
            if item:
                rows.append({"key": key, "label": label, **item, "verdict_label": Verdict(item["verdict"]).label})
        return rows


class GraduationStatusChangeQuerySet(HouseholdChildQuerySet):
    pass


class GraduationStatusChange(models.Model):
    """A change of a household's readiness state, written by the run that saw it."""

    household = models.ForeignKey(
        "beneficiaries.Household",
        verbose_name=_("keluarga"),
        on_delete=models.CASCADE,
        related_name="graduation_changes",
    )
    changed_on = models.DateField(_("tanggal"))
    from_state = models.CharField(_("dari"), max_length=10, choices=Readiness.choices, blank=True)
    to_state = models.CharField(_("menjadi"), max_length=10, choices=Readiness.choices)
    run = models.ForeignKey(
        RecomputeRun,
        verbose_name=_("proses"),
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    created_at = models.DateTimeField(_("dicatat"), default=timezone.now)

    objects = GraduationStatusChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("riwayat kesiapan")
        verbose_name_plural = _("riwayat kesiapan")
        ordering = ["-changed_on", "-id"]
        indexes = [models.Index(fields=["household", "-changed_on"], name="graduation_change_household")]

    def __str__(self):
        return f"{self.household_id}: {self.from_state or '-'} → {self.to_state}"


# --- Decisions ------------------------------------------------------------------------------


class DecisionStatus(models.TextChoices):
    PROPOSED = "diusulkan", _("Diusulkan")
    VERIFIED = "diverifikasi", _("Diverifikasi")
    DECIDED = "diputuskan", _("Diputuskan")
    REJECTED = "ditolak", _("Ditolak")


OPEN_DECISION_STATUSES = (DecisionStatus.PROPOSED, DecisionStatus.VERIFIED)


class ProposalBasis(models.TextChoices):
    SIAP = "siap", _("Siap graduasi")
    ALAMIAH = "alamiah", _("Calon graduasi alamiah")
    OTHER = "lainnya", _("Lainnya (dengan alasan)")


class GraduationKind(models.TextChoices):
    MANDIRI = "mandiri", _("Graduasi mandiri")
    ALAMIAH = "alamiah", _("Graduasi alamiah")


MONITORING_MONTHS = 12


class GraduationDecisionQuerySet(HouseholdChildQuerySet):
    def open(self) -> Self:
        return self.filter(status__in=OPEN_DECISION_STATUSES)

    def monitored(self, on: datetime.date):
        return self.filter(status=DecisionStatus.DECIDED, monitoring_until__gte=on)

    def relapsed(self):
        return self.filter(status=DecisionStatus.DECIDED, relapse_on__isnull=False)


@tracked(by=["household"])
class GraduationDecision(models.Model):
    """People decide graduation: proposed (mentor) → verified → decided or rejected (district office)."""

    household = models.ForeignKey(
        "beneficiaries.Household",
        verbose_name=_("keluarga"),
        on_delete=models.PROTECT,
        related_name="graduation_decisions",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=DecisionStatus.choices, default=DecisionStatus.PROPOSED
    )
    basis = models.CharField(_("dasar usulan"), max_length=10, choices=ProposalBasis.choices)
    reason = models.TextField(_("alasan usulan"), blank=True)
    readiness_at_proposal = models.CharField(_("kesiapan saat diusulkan"), max_length=10, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("diusulkan oleh"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("diusulkan pada"), default=timezone.now)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diverifikasi oleh"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("diverifikasi pada"), null=True, blank=True)
    verification_note = models.TextField(_("catatan verifikasi"), blank=True)
    kind = models.CharField(_("jenis graduasi"), max_length=10, choices=GraduationKind.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diputuskan oleh"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("diputuskan pada"), null=True, blank=True)
    decided_on = models.DateField(_("tanggal graduasi"), null=True, blank=True)
    rejection_reason = models.TextField(_("alasan penolakan"), blank=True)
    monitoring_until = models.DateField(_("dipantau sampai"), null=True, blank=True)
    relapse_on = models.DateField(_("kambuh pada"), null=True, blank=True)
    relapse_assessment = models.ForeignKey(
        HouseholdAssessment,
        verbose_name=_("asesmen kambuh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = GraduationDecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("keputusan graduasi")
        verbose_name_plural = _("keputusan graduasi")
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["status", "proposed_at", "id"], name="graduation_decision_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(status__in=["diusulkan", "diverifikasi"]),
                name="graduation_decision_one_open",
            ),
            models.CheckConstraint(
                condition=~models.Q(basis="lainnya") | ~models.Q(reason=""), name="graduation_decision_other_has_reason"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="diputuskan") | ~models.Q(kind=""),
                name="graduation_decision_decided_has_kind",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="ditolak") | ~models.Q(rejection_reason=""),
                name="graduation_decision_rejected_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.household_id}: {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DECISION_STATUSES

    @property
    def readiness_at_proposal_label(self) -> str:
        return Readiness(self.readiness_at_proposal).label if self.readiness_at_proposal else ""

    def is_monitored_on(self, on: datetime.date) -> bool:
        return (
            self.status == DecisionStatus.DECIDED and self.monitoring_until is not None and on <= self.monitoring_until
        )
