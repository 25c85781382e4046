"""The KUBE register: groups, their members, grants, monthly business reports and maturity.

A KUBE carries the Kemendagri code of its kecamatan in `region_code` (kept equal to
`kecamatan_id` by a check constraint) so that `visible_to(user)` filters on an indexed
prefix. Everything below a KUBE is scoped through `kube__region_code`.
"""

import uuid
from typing import Any, Self

from django.conf import settings
from django.contrib.postgres.functions import RandomUUID
from django.db import connection, models
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.tracking import tracked
from kube_portal.concurrency import Versioned
from kube_portal.hooks import Hook
from kube_portal.scoping import RegionCodeMixin, ScopedQuerySet
from kube_portal.timestamps import Timestamped, TimestampedByUser

KECAMATAN_CODE = r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$"

#: `(on=None) -> QuerySet` of the mentor assignments running on a day (today by default), rows with
#: a `kube` foreign key. Provided by the mentors app (MentorsConfig.ready), above this one.
current_assignments = Hook("the mentor assignments running today")


# --- Reference data ---------------------------------------------------------------------------


class Program(models.Model):
    """A KUBE programme (KUBE Reguler, KUBE BEKERJA, e-Warong KUBE)."""

    code = models.SlugField(_("kode"), max_length=30, unique=True)
    name = models.CharField(_("nama"), max_length=100)
    description = models.TextField(_("keterangan"), blank=True)
    # Laying-hen programmes report hens and eggs every month.
    tracks_eggs = models.BooleanField(_("laporan produksi telur"), default=False)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("program")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def grant_amount_for(self, year: int) -> int | None:
        """The default grant of the latest year up to `year` (amounts carry over until changed).

        Before the first year on record, the first amount on record applies.
        """
        row = self.grant_amounts.filter(year__lte=year).order_by("-year").first()
        row = row or self.grant_amounts.order_by("year").first()
        return row.amount if row else None


class ProgramGrantAmount(models.Model):
    """The default grant per group of a programme from a year on (configurable)."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="grant_amounts"
    )
    year = models.PositiveSmallIntegerField(_("tahun"))
    amount = models.PositiveBigIntegerField(_("nilai bantuan (Rp)"))

    class Meta:
        verbose_name = _("nilai bantuan program")
        verbose_name_plural = _("nilai bantuan program")
        ordering = ["program", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["program", "year"], name="program_grant_amount_year"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="program_grant_amount_positive"),
        ]

    def __str__(self):
        return f"{self.program} {self.year}"


class BusinessType(models.TextChoices):
    PRODUKSI = "produksi", _("Produksi")
    JASA = "jasa", _("Jasa")
    PERDAGANGAN = "perdagangan", _("Perdagangan")


class BusinessField(models.Model):
    """A line of business (ternak ayam petelur, warung sembako, kuliner, ...)."""

    name = models.CharField(_("nama"), max_length=100, unique=True)
    business_type = models.CharField(_("jenis usaha"), max_length=12, choices=BusinessType.choices)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("bidang usaha")
        verbose_name_plural = _("bidang usaha")
        ordering = ["name"]

    def __str__(self):
        return self.name


# --- KUBE ---------------------------------------------------------------------------------------


class Status(models.TextChoices):
    DRAFT = "draft", _("Draf")
    DIUSULKAN = "diusulkan", _("Diusulkan")
    DIREKOMENDASIKAN = "direkomendasikan", _("Direkomendasikan")
    DITETAPKAN = "ditetapkan", _("Ditetapkan")
    AKTIF = "aktif", _("Aktif")
    NONAKTIF = "nonaktif", _("Nonaktif")
    BUBAR = "bubar", _("Bubar")
    DIKEMBALIKAN = "dikembalikan", _("Dikembalikan")


#: A household may be a current member of only one KUBE in these statuses.
OCCUPYING_STATUSES = (Status.DIUSULKAN, Status.DIREKOMENDASIKAN, Status.DITETAPKAN, Status.AKTIF, Status.NONAKTIF)
#: Statuses in which the district office may change a KUBE's data and members.
EDITABLE_STATUSES = (Status.DRAFT, Status.DIKEMBALIKAN)
MEMBERS_EDITABLE_STATUSES = (Status.DRAFT, Status.DIKEMBALIKAN, Status.AKTIF, Status.NONAKTIF)


class MaturityLevel(models.TextChoices):
    TUMBUH = "tumbuh", _("Tumbuh")
    BERKEMBANG = "berkembang", _("Berkembang")
    MAJU = "maju", _("Maju")


class KurStatus(models.TextChoices):
    DIRUJUK = "dirujuk", _("Dirujuk")
    DISETUJUI = "disetujui", _("Disetujui")
    DITOLAK = "ditolak", _("Ditolak")


class KubeQuerySet(ScopedQuerySet):
    region_field = "region_code"
    kube_field = ""

    def active(self) -> Self:
        return self.filter(status=Status.AKTIF)

    def with_status(self, *statuses):
        return self.filter(status__in=statuses)

    def search(self, text: str):
        """By registration number (prefix) or name (contains)."""
        text = text.strip()
        if not text:
            return self
        return self.filter(Q(registration_number__istartswith=text) | Q(name__icontains=text))

    def with_mentor(self, has_mentor: bool = True, *, on=None):
        """KUBE with (or without) a mentor assigned on a day (today by default)."""
        assigned = current_assignments(on=on).filter(kube=OuterRef("pk"))
        return self.filter(Exists(assigned) if has_mentor else ~Exists(assigned))

    def not_reporting(self):
        """Active KUBE shown as *tidak melapor* (no report in the last complete months)."""
        return self.filter(status=Status.AKTIF, not_reporting=True)

    def with_member_count(self) -> Self:
        current = Membership.objects.filter(kube=OuterRef("pk"), left_on__isnull=True)
        return self.annotate(
            member_count=Coalesce(Subquery(current.values("kube").annotate(n=Count("pk")).values("n")[:1]), 0)
        )

    def with_grant_total(self):
        grants = Grant.objects.filter(kube=OuterRef("pk"))
        return self.annotate(
            grant_total=Coalesce(Subquery(grants.values("kube").annotate(t=Sum("amount")).values("t")[:1]), 0)
        )

    def for_list(self):
        return (
            self.select_related("program", "business_field", "kecamatan__parent")
            .with_member_count()
            .order_by("-created_at", "-id")
        )


# The maturity the nightly run (and a saved report) computes is not an edit: it has its own history
# (MaturityPeriod), and the trail would otherwise get a row per KUBE per night.
@tracked(exclude=["region_code", "maturity_level", "maturity_set_on", "maturity_reason", "not_reporting"])
class Kube(RegionCodeMixin, Versioned, TimestampedByUser):
    """A Kelompok Usaha Bersama: 5–20 KPM households running a business together."""

    registration_number = models.CharField(_("nomor registrasi"), max_length=30, unique=True, editable=False)
    name = models.CharField(_("nama KUBE"), max_length=150)
    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="kube")
    business_type = models.CharField(_("jenis usaha"), max_length=12, choices=BusinessType.choices)
    business_field = models.ForeignKey(
        BusinessField, verbose_name=_("bidang usaha"), on_delete=models.PROTECT, related_name="kube"
    )
    kecamatan = models.ForeignKey(
        "regions.Region",
        verbose_name=_("kecamatan"),
        on_delete=models.PROTECT,
        related_name="kube",
        limit_choices_to={"level": 3},
    )
    # Denormalised copy of kecamatan_id for prefix scoping; the check constraint keeps it equal.
    region_code = models.CharField(_("kode wilayah"), max_length=13, editable=False)
    secretariat_village = models.ForeignKey(
        "regions.Region",
        verbose_name=_("desa/kelurahan sekretariat"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": 4},
        null=True,
        blank=True,
    )
    secretariat_address = models.CharField(_("alamat sekretariat"), max_length=255, blank=True)
    founded_on = models.DateField(_("tanggal pembentukan"), null=True, blank=True)

    bank_name = models.CharField(_("nama bank"), max_length=100, blank=True)
    bank_account_number = models.CharField(_("nomor rekening"), max_length=30, blank=True)
    bank_account_holder = models.CharField(_("nama pemilik rekening"), max_length=150, blank=True)

    plan_regional_potential = models.TextField(_("potensi wilayah"), blank=True)
    plan_raw_materials = models.TextField(_("bahan baku"), blank=True)
    plan_skills = models.TextField(_("keterampilan anggota"), blank=True)
    plan_marketing = models.TextField(_("pemasaran"), blank=True)

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    status_changed_at = models.DateTimeField(_("status diubah"), null=True, blank=True)
    activated_on = models.DateField(_("aktif sejak"), null=True, blank=True)

    maturity_level = models.CharField(
        _("tingkat kematangan"), max_length=10, choices=MaturityLevel.choices, default=MaturityLevel.TUMBUH
    )
    maturity_set_on = models.DateField(_("tingkat ditetapkan pada"), null=True, blank=True)
    #: The facts behind the level as codes and numbers (groups.maturity.reason_of), rendered in the reader's language.
    maturity_reason = models.JSONField(_("alasan tingkat kematangan"), default=dict, blank=True)
    #: *Tidak melapor*: no business report in the last complete months (groups.maturity), as of the last classification.
    not_reporting = models.BooleanField(_("tidak melapor"), default=False, db_default=False)

    kur_bank = models.CharField(_("bank KUR"), max_length=100, blank=True)
    kur_amount = models.PositiveBigIntegerField(_("nilai KUR (Rp)"), null=True, blank=True)
    kur_status = models.CharField(_("status KUR"), max_length=10, choices=KurStatus.choices, blank=True)
    kur_referred_on = models.DateField(_("dirujuk ke KUR pada"), null=True, blank=True)

    region_code_source = "kecamatan"
    objects = KubeQuerySet.as_manager()

    class Meta:
        verbose_name = _("KUBE")
        verbose_name_plural = _("KUBE")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["region_code"], name="kube_region_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["status", "region_code"], name="kube_status_region"),
            # The list's order (walked backwards): the first page without sorting 100,000 KUBE.
            models.Index(fields=["created_at", "id"], name="kube_created"),
            models.Index(
                fields=["region_code"],
                name="kube_not_reporting",
                opclasses=["varchar_pattern_ops"],
                condition=Q(status="aktif", not_reporting=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(region_code__regex=KECAMATAN_CODE), name="kube_region_is_kecamatan"),
            models.CheckConstraint(
                condition=Q(region_code=models.F("kecamatan")), name="kube_region_code_is_kecamatan"
            ),
            models.CheckConstraint(
                condition=Q(kur_amount__isnull=True) | Q(kur_amount__gt=0), name="kube_kur_amount_positive"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.registration_number})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.registration_number:
            self.registration_number = next_registration_number(self.kecamatan_id[:5])
        super().save(*args, **kwargs)

    @property
    def kabkota_code(self) -> str:
        return self.region_code[:5]

    @property
    def province_code(self) -> str:
        return self.region_code[:2]

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def members_editable(self) -> bool:
        return self.status in MEMBERS_EDITABLE_STATUSES

    @property
    def can_refer_to_kur(self) -> bool:
        return self.status == Status.AKTIF and self.maturity_level == MaturityLevel.MAJU

    def program_grant_amount(self) -> int | None:
        year = (self.founded_on or timezone.localdate()).year
        return self.program.grant_amount_for(year)


class KubeSequence(models.Model):
    """The last registration serial issued per kabupaten/kota."""

    kabkota_code = models.CharField(max_length=5, primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.kabkota_code}: {self.last_number}"


def next_registration_number(kabkota_code: str) -> str:
    """`KUBE-3205-00042`: kab/kota code and its next serial.

    One upsert statement takes the row lock, so concurrent creations in the same
    kab/kota get distinct serials and a first creation needs no prior row.
    """
    table = KubeSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (kabkota_code, last_number) VALUES (%s, 1) "  # noqa: S608 - table name is ours
            f"ON CONFLICT (kabkota_code) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [kabkota_code],
        )
        (number,) = cursor.fetchone()
    return f"KUBE-{kabkota_code.replace('.', '')}-{number:05d}"


class KubeChildQuerySet(ScopedQuerySet):
    region_field = "kube__region_code"
    kube_field = "kube"


class StatusNote(models.TextChoices):
    """Notes the system writes on a status change, stored as a code (the page words them)."""

    FIRST_GRANT = "first_grant", _("Bantuan pertama disalurkan")


class KubeStatusChange(models.Model):
    """One lifecycle step: who moved the KUBE from which status to which, when and why.

    `comment` is what a person typed; `note`/`note_params` is what the system records (a code and
    its values, e.g. the transfer reference), worded in the reader's language by `kube_tags.status_note`.
    """

    kube = models.ForeignKey(Kube, verbose_name=_("KUBE"), on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("dari"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("menjadi"), max_length=16, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("oleh"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("waktu"), auto_now_add=True)
    comment = models.TextField(_("catatan"), blank=True)
    note = models.CharField(_("catatan sistem"), max_length=20, choices=StatusNote.choices, blank=True)
    note_params = models.JSONField(_("nilai catatan sistem"), default=dict, blank=True)

    objects = KubeChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("riwayat status KUBE")
        verbose_name_plural = _("riwayat status KUBE")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["kube", "-at"], name="kube_status_change_kube_at")]

    def __str__(self):
        return f"{self.from_status or '-'} → {self.to_status}"


class MemberRole(models.TextChoices):
    KETUA = "ketua", _("Ketua")
    SEKRETARIS = "sekretaris", _("Sekretaris")
    BENDAHARA = "bendahara", _("Bendahara")
    ANGGOTA = "anggota", _("Anggota")


OFFICER_ROLES = (MemberRole.KETUA, MemberRole.SEKRETARIS, MemberRole.BENDAHARA)


class MembershipQuerySet(KubeChildQuerySet):
    def current(self) -> Self:
        return self.filter(left_on__isnull=True)


@tracked(by=["kube", "household"])
class Membership(models.Model):
    """A household's membership of a KUBE; leaving sets `left_on`, so history stays."""

    kube = models.ForeignKey(Kube, verbose_name=_("KUBE"), on_delete=models.CASCADE, related_name="memberships")
    household = models.ForeignKey(
        "beneficiaries.Household", verbose_name=_("keluarga"), on_delete=models.PROTECT, related_name="kube_memberships"
    )
    role = models.CharField(_("jabatan"), max_length=10, choices=MemberRole.choices, default=MemberRole.ANGGOTA)
    joined_on = models.DateField(_("bergabung"))
    left_on = models.DateField(_("keluar"), null=True, blank=True)
    left_reason = models.CharField(_("alasan keluar"), max_length=255, blank=True)
    replaced_by = models.ForeignKey(
        "self", verbose_name=_("digantikan oleh"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("keanggotaan KUBE")
        verbose_name_plural = _("keanggotaan KUBE")
        ordering = ["kube", "left_on", "role", "id"]
        indexes = [models.Index(fields=["household"], name="membership_household")]
        constraints = [
            models.UniqueConstraint(
                fields=["kube", "household"], condition=Q(left_on__isnull=True), name="membership_once_per_kube"
            ),
            models.UniqueConstraint(
                fields=["kube", "role"],
                condition=Q(left_on__isnull=True, role__in=["ketua", "sekretaris", "bendahara"]),
                name="membership_one_officer_per_role",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="membership_left_after_joined",
            ),
        ]

    def __str__(self):
        return f"{self.household} – {self.get_role_display()}"

    @property
    def is_current(self) -> bool:
        return self.left_on is None


def occupying_memberships() -> models.QuerySet:
    """Current memberships of the KUBE that hold their members: provided to `beneficiaries.models`."""
    return Membership.objects.current().filter(kube__status__in=OCCUPYING_STATUSES)


def kube_household_ids(kube_ids) -> models.QuerySet:
    """Ids of the current member households of these KUBE, a subquery: provided to `beneficiaries.models`."""
    return Membership.objects.current().filter(kube__in=kube_ids).values("household_id")


class GrantStage(models.TextChoices):
    SEKALIGUS = "sekaligus", _("Sekaligus")
    TAHAP_1 = "tahap_1", _("Tahap I")
    TAHAP_2 = "tahap_2", _("Tahap II")
    TAHAP_3 = "tahap_3", _("Tahap III")


@tracked(exclude=["recorded_at"], by=["kube"])
class Grant(models.Model):
    """A disbursement of the business grant to the group's bank account."""

    kube = models.ForeignKey(Kube, verbose_name=_("KUBE"), on_delete=models.PROTECT, related_name="grants")
    amount = models.PositiveBigIntegerField(_("nilai (Rp)"))
    disbursed_on = models.DateField(_("tanggal penyaluran"))
    transfer_reference = models.CharField(_("referensi transfer"), max_length=100)
    stage = models.CharField(_("tahap"), max_length=10, choices=GrantStage.choices, default=GrantStage.SEKALIGUS)
    # The KUBE's account when the money was sent (copied by grant_record; existing grants were filled
    # from their KUBE by migration 0005): where a grant went stays known after the account changes.
    bank_name = models.CharField(_("nama bank"), max_length=100, blank=True)
    bank_account_number = models.CharField(_("nomor rekening"), max_length=30, blank=True)
    bank_account_holder = models.CharField(_("nama pemilik rekening"), max_length=150, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dicatat oleh"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("dicatat pada"), auto_now_add=True)

    objects = KubeChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("penyaluran bantuan")
        verbose_name_plural = _("penyaluran bantuan")
        ordering = ["kube", "disbursed_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="grant_amount_positive"),
            models.UniqueConstraint(fields=["transfer_reference"], name="grant_transfer_reference_unique"),
        ]

    def __str__(self):
        return f"{self.transfer_reference}: {self.amount}"


class BusinessReportQuerySet(KubeChildQuerySet):
    pass


@tracked(by=["kube"])
class BusinessReport(Timestamped):
    """The group's business in one month; `month` is the first day of that month."""

    # Generated by the client (the field app): a resent report is stored once. Rows written by SQL get one too.
    client_uuid = models.UUIDField(_("kode unik formulir"), unique=True, default=uuid.uuid4, db_default=RandomUUID())
    kube = models.ForeignKey(Kube, verbose_name=_("KUBE"), on_delete=models.CASCADE, related_name="reports")
    month = models.DateField(_("bulan"))
    revenue = models.PositiveBigIntegerField(_("omzet (Rp)"))
    costs = models.PositiveBigIntegerField(_("biaya (Rp)"))
    profit = models.GeneratedField(
        expression=models.F("revenue") - models.F("costs"),
        output_field=models.BigIntegerField(_("laba (Rp)")),
        db_persist=True,
    )
    cash = models.BigIntegerField(_("kas (Rp)"), default=0)
    group_savings = models.PositiveBigIntegerField(_("tabungan kelompok (Rp)"), default=0)
    assets_value = models.PositiveBigIntegerField(_("nilai aset (Rp)"), default=0)
    members_present = models.PositiveSmallIntegerField(_("anggota hadir rapat"), default=0)
    # Laying-hen programmes (KUBE BEKERJA).
    hens = models.PositiveIntegerField(_("jumlah ayam"), null=True, blank=True)
    eggs_produced_kg = models.DecimalField(
        _("telur diproduksi (kg)"), max_digits=9, decimal_places=1, null=True, blank=True
    )
    eggs_sold_kg = models.DecimalField(_("telur terjual (kg)"), max_digits=9, decimal_places=1, null=True, blank=True)
    notes = models.TextField(_("catatan"), blank=True)

    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dilaporkan oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = BusinessReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("laporan usaha bulanan")
        verbose_name_plural = _("laporan usaha bulanan")
        ordering = ["kube", "month"]
        constraints = [
            models.UniqueConstraint(fields=["kube", "month"], name="business_report_one_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="business_report_month_first_day"),
        ]

    def __str__(self):
        return f"{self.kube_id} {self.month:%Y-%m}"


# --- Maturity history and thresholds ---------------------------------------------------------


class MaturityPeriod(models.Model):
    """One level a KUBE held: from the classification that set it until the one that changed it.

    `reason` holds the facts of the classification that set the level (codes and numbers, like
    `Kube.maturity_reason`); the open period (`ended_on` empty) is the current level.
    """

    kube = models.ForeignKey(Kube, verbose_name=_("KUBE"), on_delete=models.CASCADE, related_name="maturity_periods")
    level = models.CharField(_("tingkat kematangan"), max_length=10, choices=MaturityLevel.choices)
    started_on = models.DateField(_("sejak"))
    ended_on = models.DateField(_("sampai"), null=True, blank=True)
    reason = models.JSONField(_("alasan"), default=dict, blank=True)

    objects = KubeChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("riwayat tingkat kematangan")
        verbose_name_plural = _("riwayat tingkat kematangan")
        ordering = ["kube", "-started_on", "-id"]
        # No unique "one open period" constraint: the set-based run closes the old period and opens
        # the new one in one statement, whose parts PostgreSQL may apply in any order.
        indexes = [models.Index(fields=["kube", "-started_on"], name="maturity_period_kube")]

    def __str__(self):
        return f"{self.kube_id} {self.level} {self.started_on}–{self.ended_on or ''}"


class MaturityThresholdsQuerySet(models.QuerySet):
    def current(self) -> "MaturityThresholds":
        """The latest version; the defaults of DESIGN.md if an admin deleted them all."""
        return self.order_by("-valid_from", "-id").first() or MaturityThresholds()


class MaturityThresholds(models.Model):
    """Thresholds for Tumbuh → Berkembang → Maju; a new row is a new version (configurable)."""

    valid_from = models.DateTimeField(_("berlaku sejak"), auto_now_add=True)
    berkembang_months_active = models.PositiveSmallIntegerField(_("Berkembang: bulan aktif minimal"), default=12)
    berkembang_window = models.PositiveSmallIntegerField(
        _("jendela penilaian (bulan kalender lengkap)"),
        default=12,
        help_text=_("Bulan kalender lengkap sebelum bulan perhitungan; bulan tanpa laporan dihitung tanpa laba."),
    )
    berkembang_min_profitable = models.PositiveSmallIntegerField(_("Berkembang: bulan berlaba minimal"), default=6)
    maju_months_active = models.PositiveSmallIntegerField(_("Maju: bulan aktif minimal"), default=24)
    maju_min_savings = models.PositiveBigIntegerField(_("Maju: tabungan kelompok minimal (Rp)"), default=10_000_000)
    maju_min_reports = models.PositiveSmallIntegerField(
        _("Maju: laporan minimal per jendela untuk menilai pertumbuhan omzet"), default=6
    )
    not_reporting_months = models.PositiveSmallIntegerField(
        _("tidak melapor: bulan lengkap terakhir tanpa laporan"), default=3
    )
    note = models.CharField(_("catatan"), max_length=255, blank=True)

    objects = MaturityThresholdsQuerySet.as_manager()

    class Meta:
        verbose_name = _("ambang kematangan KUBE")
        verbose_name_plural = _("ambang kematangan KUBE")
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(berkembang_min_profitable__lte=models.F("berkembang_window")),
                name="maturity_profitable_within_window",
            ),
            models.CheckConstraint(condition=Q(berkembang_window__gte=1), name="maturity_window_positive"),
            models.CheckConstraint(condition=Q(not_reporting_months__gte=1), name="maturity_not_reporting_positive"),
        ]

    def __str__(self):
        return f"{_('Ambang kematangan')} #{self.pk}"
