from functools import cached_property
from typing import Self

import pghistory
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.tracking import tracked
from kube_portal.scoping import NOTHING, Scope, ScopedQuerySet
from regions.models import Level

#: The audit trail's label for a password change.
PASSWORD_CHANGED = "password"  # noqa: S105 - an event label, not a password


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    DIREKTORAT = "direktorat", _("Direktorat")
    DINSOS_PROVINSI = "dinsos_provinsi", _("Dinas Sosial Provinsi")
    DINSOS_KABKOTA = "dinsos_kabkota", _("Dinas Sosial Kabupaten/Kota")
    PENDAMPING = "pendamping", _("Pendamping KUBE")


# The region level each role's scope is anchored at.
ROLE_REGION_LEVEL: dict[str, Level] = {
    Role.DINSOS_PROVINSI: Level.PROVINCE,
    Role.DINSOS_KABKOTA: Level.KABKOTA,
    Role.PENDAMPING: Level.KABKOTA,
}


class UserQuerySet(ScopedQuerySet["User"]):
    # The Region key itself: Django reads region__code from the user's own column, without a join.
    region_field = "region__code"

    def mentor_filter(self, user):
        return models.Q(pk=user.pk)


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


# Never the password hash, nor the time of each login: a password change is recorded as a fact
# ("password", the row without its hash).
@tracked(
    exclude=["password", "last_login"],
    trackers=[pghistory.UpdateEvent(PASSWORD_CHANGED, condition=pghistory.AnyChange("password"))],
)
class User(AbstractUser):
    role = models.CharField(_("peran"), max_length=20, choices=Role.choices)
    directorate_area = models.ForeignKey(
        "regions.DirectorateArea",
        verbose_name=_("wilayah direktorat"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("wilayah"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("Provinsi untuk petugas provinsi; kabupaten/kota untuk petugas kabupaten/kota atau pendamping."),
    )
    phone = models.CharField(_("telepon"), max_length=20, blank=True)

    objects = ScopedUserManager()

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")
        ordering = ["username"]
        indexes = [models.Index(fields=["region"], name="user_region_prefix", opclasses=["varchar_pattern_ops"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role=Role.DIREKTORAT) | models.Q(directorate_area__isnull=False),
                name="user_direktorat_has_area",
            ),
            models.CheckConstraint(
                condition=~models.Q(role__in=list(ROLE_REGION_LEVEL)) | models.Q(region__isnull=False),
                name="user_regional_role_has_region",
            ),
        ]

    def clean(self):
        super().clean()
        if self.role == Role.DIREKTORAT and not self.directorate_area_id:
            raise ValidationError({"directorate_area": _("Pengguna direktorat wajib memiliki wilayah direktorat.")})
        level = ROLE_REGION_LEVEL.get(self.role)
        if level is not None:
            if self.region is None:
                raise ValidationError({"region": _("Peran ini wajib memiliki wilayah.")})
            if self.region.level != level:
                raise ValidationError(
                    {"region": _("Peran ini memerlukan wilayah tingkat %(level)s.") % {"level": level.label}}
                )

    @property
    def is_mentor(self) -> bool:
        return self.role == Role.PENDAMPING and not self.is_superuser

    @property
    def is_national(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def enters_data(self) -> bool:
        """District officers (and admins) keep the registers; the others read them."""
        return self.is_national or self.role == Role.DINSOS_KABKOTA

    @cached_property
    def scope(self) -> Scope:
        """What this user may read (kube_portal.scoping): the whole country, some regions, or a mentor's KUBE."""
        if self.is_national:
            return Scope(prefixes=None)
        if self.role == Role.DIREKTORAT:
            if not self.directorate_area_id:
                return NOTHING
            return Scope(
                prefixes=tuple(self.directorate_area.provinces.order_by("code").values_list("code", flat=True))
            )
        prefixes = (self.region_id,) if self.region_id else ()
        return Scope(prefixes=prefixes, mentor_user_id=self.pk if self.is_mentor else None)

    @property
    def scope_label(self) -> str:
        if self.is_national:
            return str(_("Nasional"))
        if self.role == Role.DIREKTORAT:
            return str(self.directorate_area) if self.directorate_area_id else "-"
        return str(self.region) if self.region_id else "-"


# --- Downloads of personal data ---------------------------------------------------------------


class DownloadKind(models.TextChoices):
    KPM_EXPORT = "kpm_export", _("Ekspor data KPM")
    IMPORT_ERRORS = "import_errors", _("Laporan kesalahan impor KPM")
    MENTOR_REPORT = "mentor_report", _("Laporan bulanan pendamping")
    VISIT_PHOTO = "visit_photo", _("Foto kunjungan")


class DownloadChannel(models.TextChoices):
    PAGE = "page", _("Halaman")
    API = "api", _("API")


class DownloadRecordQuerySet(ScopedQuerySet):
    region_field = "region_code"


class DownloadRecord(models.Model):
    """One download of personal data (UU PDP): who, what, with which filters, how many rows, when, from where.

    `region_code` is the narrowest region that holds everything downloaded ("" when it spans
    several provinces), so a district head reads the downloads of their district's data
    through the same scoping as everything else. Written by `accounts.downloads`, never edited.
    """

    user = models.ForeignKey(User, verbose_name=_("pengguna"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("waktu"), auto_now_add=True)
    kind = models.CharField(_("jenis"), max_length=20, choices=DownloadKind.choices)
    file_format = models.CharField(_("format"), max_length=10)
    description = models.CharField(_("isi"), max_length=255, blank=True)
    #: The filters of the list the file was taken from, as the user set them.
    filters = models.JSONField(_("filter"), default=dict, blank=True)
    #: Rows (or files) handed out; None while a streamed file has not been sent to the end.
    row_count = models.PositiveIntegerField(_("jumlah baris"), null=True, blank=True)
    full_nik = models.BooleanField(_("NIK lengkap"), default=False)
    region_code = models.CharField(_("kode wilayah data"), max_length=13, blank=True)
    channel = models.CharField(_("melalui"), max_length=10, choices=DownloadChannel.choices)
    path = models.CharField(_("alamat"), max_length=500)
    client_ip = models.CharField(_("alamat klien"), max_length=45)

    objects = DownloadRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("catatan unduhan data pribadi")
        verbose_name_plural = _("catatan unduhan data pribadi")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at", "-id"], name="download_at"),
            models.Index(fields=["region_code"], name="download_region_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_kind_display()} · {self.at:%Y-%m-%d %H:%M}"


# --- API tokens -----------------------------------------------------------------------------------


class ApiTokenKind(models.TextChoices):
    DEVICE = "device", _("Perangkat")
    INTEGRATION = "integration", _("Akun integrasi")


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> Self:
        return self.filter(revoked_at__isnull=True, user__is_active=True)


# Neither the secret's hash nor every use goes into the trail.
@tracked(exclude=["key_hash", "last_used_at"])
class ApiToken(models.Model):
    """A secret that lets a device or another system call the API as `user` (and within that user's scope).

    A device token belongs to a person's login (a mentor's phone). An integration account is a
    login of its own, bound to a region and a role (`accounts.services.integration_account_create`),
    with a token. Only the SHA-256 of the secret is stored: the secret is shown once, when issued.
    """

    name = models.CharField(_("nama"), max_length=100)
    kind = models.CharField(_("jenis"), max_length=12, choices=ApiTokenKind.choices)
    user = models.ForeignKey(User, verbose_name=_("akun"), on_delete=models.PROTECT, related_name="api_tokens")
    #: The first characters of the secret, so that a token can be recognised in lists and logs.
    prefix = models.CharField(_("awalan"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        User, verbose_name=_("dibuat oleh"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("terakhir dipakai"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, verbose_name=_("dicabut oleh"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("token API")
        verbose_name_plural = _("token API")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
