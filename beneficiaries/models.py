"""The KPM register: households (Keluarga Penerima Manfaat) and their members.

Households carry the Kemendagri code of their village in `region_code` (always equal to
`village_id`, enforced by a check constraint) so that `visible_to(user)` filters on an
indexed prefix. Members are scoped through their household.
"""

import re
from typing import Any, Self

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from audit.tracking import tracked
from kube_portal.concurrency import Versioned
from kube_portal.hooks import Hook
from kube_portal.scoping import RegionCodeMixin, ScopedQuerySet
from kube_portal.timestamps import Timestamped, TimestampedByUser

SIXTEEN_DIGITS = r"^[0-9]{16}$"
VILLAGE_CODE = r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$"

# What the register learns of the KUBE above it, provided by the groups app (GroupsConfig.ready).
#: `() -> QuerySet` of the current memberships of the KUBE that hold their members (not dissolved,
#: not drafts), rows with a `household` foreign key.
occupying_memberships = Hook("the memberships of the running KUBE")
#: `(kube ids) -> QuerySet` of the ids of the households that are current members of those KUBE.
kube_household_ids = Hook("the households of some KUBE")


class Sex(models.TextChoices):
    MALE = "L", _("Laki-laki")
    FEMALE = "P", _("Perempuan")


class Relationship(models.TextChoices):
    HEAD = "kepala", _("Kepala keluarga")
    WIFE = "istri", _("Istri")
    HUSBAND = "suami", _("Suami")
    CHILD = "anak", _("Anak")
    PARENT = "orang_tua", _("Orang tua")
    OTHER = "lainnya", _("Lainnya")


class Program(models.TextChoices):
    PKH = "pkh", "PKH"
    BPNT = "bpnt", "Sembako/BPNT"
    PBI_JK = "pbi_jk", "PBI-JK"


class DeactivationReason(models.TextChoices):
    MOVED = "pindah", _("Pindah")
    DECEASED = "meninggal", _("Meninggal")
    DUPLICATE = "duplikat", _("Duplikat")
    GRADUATED = "graduasi", _("Graduasi")


def head_of(household: str, field: str = "name") -> Subquery:
    """A `field` of the member who heads the household that `household` (an outer field path) points at.

    For annotations on any queryset that reaches a household: `head_of("pk")` on households,
    `head_of("household")` on memberships, `head_of("household_id")` on readiness rows.
    """
    heads = Member.objects.filter(household=OuterRef(household), relationship=Relationship.HEAD).order_by()
    return Subquery(heads.values(field)[:1])


class HouseholdQuerySet(ScopedQuerySet):
    region_field = "region_code"

    def mentor_filter(self, user) -> models.Q:
        """A mentor sees the current member households of the KUBE assigned to them."""
        return models.Q(pk__in=Subquery(_mentor_household_ids(user)))

    def active(self) -> Self:
        return self.filter(is_active=True)

    def with_head(self):
        """Annotate `head_nik` from the member who heads the household (the name is kept on the household)."""
        return self.annotate(head_nik=head_of("pk", "nik"))

    def refresh_head_name(self) -> int:
        """Copy the name of each household's head onto it (`head_name`); returns the rows that changed.

        The one place that keeps the column right: the household services and the import call it
        for the households they touched, the data migration for all of them.
        """

        def head():
            return Coalesce(head_of("pk", "name"), models.Value(""))

        return self.exclude(head_name=head()).update(head_name=head())

    def search(self, text: str):
        """Households whose No. KK or a member's NIK starts with `text`, or a member's name contains it."""
        text = text.strip()
        if not text:
            return self
        digits = "".join(ch for ch in text if ch.isdigit())
        if digits and len(digits) == len(text.replace(" ", "").replace(".", "").replace("-", "")):
            digits = digits[:16]
            # A No. KK is 16 digits (check constraint), so a prefix is a range of the plain unique
            # index, which also serves the list's order (a LIKE would need a pattern-ops index).
            by_kk = Household.objects.filter(no_kk__gte=digits, no_kk__lte=digits.ljust(16, "9"))
            by_nik = Member.objects.filter(nik__startswith=digits)
            ids = by_kk.order_by().values("pk").union(by_nik.order_by().values("household_id"))
            # Two index scans joined by id: an OR of the two would walk every household to test it.
            return self.filter(pk__in=ids)
        # On the normalised name, which the trigram index serves: case and punctuation do not count.
        members = Member.objects.filter(household=OuterRef("pk"), name_normalized__contains=normalize_name(text))
        return self.filter(Exists(members))

    def in_region(self, code: str):
        """Households in a kecamatan or village (a code prefix)."""
        return self.filter(region_code__startswith=code)

    def in_kube(self, member: bool = True):
        """Households that are (or are not) a current member of a KUBE that has not been dissolved."""
        current = occupying_memberships().filter(household=OuterRef("pk"))
        return self.filter(Exists(current)) if member else self.exclude(Exists(current))

    def with_program(self, program: str):
        field = {Program.PKH: "receives_pkh", Program.BPNT: "receives_bpnt", Program.PBI_JK: "receives_pbi_jk"}[program]
        return self.filter(**{field: True})


@tracked(exclude=["region_code", "head_name"])
class Household(RegionCodeMixin, Versioned, TimestampedByUser):
    """A KPM family, identified by its No. KK (Kartu Keluarga)."""

    # Unique through the plain index in Meta: it serves equality, ON CONFLICT, the list's order and,
    # since every No. KK has 16 digits, a prefix search as a range (HouseholdQuerySet.search).
    no_kk = models.CharField(_("No. KK"), max_length=16)
    village = models.ForeignKey(
        "regions.Region",
        verbose_name=_("desa/kelurahan"),
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"level": 4},
        # region_code (equal by constraint) carries the index; regions are never deleted.
        db_index=False,
    )
    # Denormalised copy of village_id for prefix scoping; the check constraint keeps it equal.
    region_code = models.CharField(_("kode wilayah"), max_length=13, editable=False)
    address = models.CharField(_("alamat"), max_length=255, blank=True)
    rt = models.CharField(_("RT"), max_length=3, blank=True)
    rw = models.CharField(_("RW"), max_length=3, blank=True)
    is_urban = models.BooleanField(_("perkotaan"), default=False)
    desil = models.PositiveSmallIntegerField(_("desil DTSEN"), null=True, blank=True)
    receives_pkh = models.BooleanField("PKH", default=False)
    receives_bpnt = models.BooleanField("Sembako/BPNT", default=False)
    receives_pbi_jk = models.BooleanField("PBI-JK", default=False)
    phone = models.CharField(_("telepon"), max_length=20, blank=True)
    # A copy of the head member's name, so that the list sorts and shows it without a join per row;
    # kept by HouseholdQuerySet.refresh_head_name().
    # (db_default: the set-based writers insert households before their members.)
    head_name = models.CharField(_("kepala keluarga"), max_length=150, blank=True, editable=False, db_default="")

    is_active = models.BooleanField(_("aktif"), default=True)
    deactivation_reason = models.CharField(
        _("alasan nonaktif"), max_length=10, choices=DeactivationReason.choices, blank=True
    )
    deactivation_note = models.CharField(_("keterangan nonaktif"), max_length=255, blank=True)
    deactivated_at = models.DateTimeField(_("dinonaktifkan pada"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplikat dari"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        # Every index slows the bulk import; users are deactivated, not deleted.
        db_index=False,
    )

    region_code_source = "village"
    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("keluarga penerima manfaat")
        verbose_name_plural = _("keluarga penerima manfaat")
        ordering = ["no_kk"]
        indexes = [
            models.Index(fields=["region_code"], name="household_region_prefix", opclasses=["varchar_pattern_ops"]),
            # The list's other sorts (beneficiaries.filters.SORTS); No. KK is the unique index.
            models.Index(fields=["head_name", "no_kk"], name="household_head_name"),
            models.Index(fields=["region_code", "no_kk"], name="household_region_order"),
            models.Index(fields=["updated_at", "id"], name="household_updated"),
            # The few inactive households, in the list's order (status=nonaktif).
            models.Index(fields=["no_kk"], name="household_inactive", condition=models.Q(is_active=False)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["no_kk"], name="household_no_kk_unique"),
            models.CheckConstraint(condition=models.Q(no_kk__regex=SIXTEEN_DIGITS), name="household_no_kk_16_digits"),
            models.CheckConstraint(
                condition=models.Q(region_code__regex=VILLAGE_CODE), name="household_region_is_village"
            ),
            models.CheckConstraint(
                condition=models.Q(region_code=models.F("village")), name="household_region_code_is_village"
            ),
            models.CheckConstraint(
                condition=models.Q(desil__isnull=True) | models.Q(desil__gte=1, desil__lte=10),
                name="household_desil_1_10",
            ),
            models.CheckConstraint(
                condition=models.Q(is_active=True, deactivation_reason="")
                | (models.Q(is_active=False) & ~models.Q(deactivation_reason="")),
                name="household_deactivation_has_reason",
            ),
        ]

    def __str__(self):
        return self.no_kk

    @property
    def masked_head_nik(self) -> str:
        """From the `head_nik` annotation of HouseholdQuerySet.with_head()."""
        return mask_nik(getattr(self, "head_nik", None))

    @property
    def kecamatan_code(self) -> str:
        return self.region_code[:8]

    @property
    def programs(self) -> list[str]:
        return [
            label
            for flag, label in (
                (self.receives_pkh, Program.PKH.label),
                (self.receives_bpnt, Program.BPNT.label),
                (self.receives_pbi_jk, Program.PBI_JK.label),
            )
            if flag
        ]


def _mentor_household_ids(user):
    # A subquery, not a join: a household is one row however many memberships it had.
    return kube_household_ids(user.scope.kube_ids)


class MemberQuerySet(ScopedQuerySet):
    region_field = "household__region_code"

    def mentor_filter(self, user) -> models.Q:
        return models.Q(household__in=Subquery(_mentor_household_ids(user)))


@tracked(exclude=["name_normalized"], by=["household"])
class Member(Timestamped):
    """A person in a KPM family, identified by their NIK."""

    household = models.ForeignKey(
        Household, verbose_name=_("keluarga"), on_delete=models.PROTECT, related_name="members"
    )
    # Unique through the pattern-ops index in Meta (equality, prefix search and ON CONFLICT).
    nik = models.CharField(_("NIK"), max_length=16)
    name = models.CharField(_("nama"), max_length=150)
    # Lower-case, single-spaced, letters only: the key for possible-duplicate detection.
    name_normalized = models.CharField(max_length=150, editable=False, db_index=False)
    sex = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("tanggal lahir"))
    relationship = models.CharField(_("hubungan dengan kepala keluarga"), max_length=10, choices=Relationship.choices)
    has_disability = models.BooleanField(_("disabilitas"), default=False)
    is_pregnant = models.BooleanField(_("hamil"), default=False)
    education = models.CharField(_("pendidikan"), max_length=50, blank=True)
    occupation = models.CharField(_("pekerjaan"), max_length=100, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("anggota keluarga")
        verbose_name_plural = _("anggota keluarga")
        ordering = ["household", "id"]
        indexes = [
            models.Index(fields=["name_normalized", "birth_date"], name="member_name_birth"),
            # The list's name search (HouseholdQuerySet.search): LIKE '%text%' on the normalised name.
            GinIndex(fields=["name_normalized"], opclasses=["gin_trgm_ops"], name="member_name_trgm"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["nik"], name="member_nik_unique", opclasses=["varchar_pattern_ops"]),
            models.CheckConstraint(condition=models.Q(nik__regex=SIXTEEN_DIGITS), name="member_nik_16_digits"),
            models.CheckConstraint(condition=models.Q(sex__in=["L", "P"]), name="member_sex_l_p"),
            models.CheckConstraint(
                condition=models.Q(is_pregnant=False) | models.Q(sex="P"), name="member_pregnant_is_female"
            ),
            models.UniqueConstraint(
                fields=["household"], condition=models.Q(relationship="kepala"), name="member_one_head_per_household"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_normalized = normalize_name(self.name)
        super().save(*args, **kwargs)

    @property
    def masked_nik(self) -> str:
        return mask_nik(self.nik)


_NOT_LETTERS = re.compile(r"[\W_]+")


def normalize_name(name: str) -> str:
    """Case, punctuation and spacing do not make two names different."""
    return _NOT_LETTERS.sub(" ", name.lower()).strip()


def mask_nik(nik: str | None) -> str:
    """`3273********0001`: region and serial stay readable, the birth date does not."""
    if not nik:
        return ""
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]


class DuplicateDecisionQuerySet(ScopedQuerySet):
    region_field = "region_code"


class DuplicateDecision(models.Model):
    """An officer's verdict on a possible-duplicate pair (same name and birth date, same kecamatan)."""

    class Verdict(models.TextChoices):
        DISTINCT = "distinct", _("Orang berbeda")
        MERGED = "merged", _("Digabung")

    # Stored as NIKs, lowest first, so a pair is one row whichever side the officer opened.
    nik_a = models.CharField(max_length=16)
    nik_b = models.CharField(max_length=16)
    region_code = models.CharField(max_length=13)
    verdict = models.CharField(_("keputusan"), max_length=10, choices=Verdict.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    objects = DuplicateDecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("keputusan duplikat")
        verbose_name_plural = _("keputusan duplikat")
        constraints = [
            models.UniqueConstraint(fields=["nik_a", "nik_b"], name="duplicate_decision_pair"),
            models.CheckConstraint(condition=models.Q(nik_a__lt=models.F("nik_b")), name="duplicate_decision_ordered"),
        ]

    def __str__(self):
        return f"{self.nik_a} / {self.nik_b}: {self.get_verdict_display()}"


class ImportJob(models.Model):
    """One uploaded file and what the import engine made of it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu")
        RUNNING = "running", _("Berjalan")
        DONE = "done", _("Selesai")
        FAILED = "failed", _("Gagal")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    dry_run = models.BooleanField(_("uji coba"), default=True)
    # The uploader's UI language: the worker writes the messages in it.
    language = models.CharField(max_length=10, default="id")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    households_created = models.PositiveIntegerField(default=0)
    households_updated = models.PositiveIntegerField(default=0)
    members_created = models.PositiveIntegerField(default=0)
    members_updated = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    # File-level problems (wrong type, no header...) and unknown columns.
    messages = models.JSONField(default=list)
    error_report = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the task was last published, and when a worker last started it (how many times:
    # a file that takes its worker down is not run forever). See beneficiaries.import_jobs.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.original_name

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
