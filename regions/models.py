from typing import Self

import pghistory
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from audit.tracking import tracked
from kube_portal.scoping import ScopedQuerySet


# The labels carry a context: the same Indonesian words are column headings and counts
# elsewhere ("Kecamatan" → "District (kecamatan)"), while here they name one level or kind.
class Level(models.IntegerChoices):
    PROVINCE = 1, pgettext_lazy("region level", "Provinsi")
    KABKOTA = 2, pgettext_lazy("region level", "Kabupaten/Kota")
    KECAMATAN = 3, pgettext_lazy("region level", "Kecamatan")
    VILLAGE = 4, pgettext_lazy("region level", "Desa/Kelurahan")


class Kind(models.TextChoices):
    PROVINSI = "provinsi", pgettext_lazy("region kind", "Provinsi")
    KABUPATEN = "kabupaten", pgettext_lazy("region kind", "Kabupaten")
    KOTA = "kota", pgettext_lazy("region kind", "Kota")
    KECAMATAN = "kecamatan", pgettext_lazy("region kind", "Kecamatan")
    DESA = "desa", pgettext_lazy("region kind", "Desa")
    KELURAHAN = "kelurahan", pgettext_lazy("region kind", "Kelurahan")


#: The full name of a region below the kabupaten/kota, in the reader's word order:
#: "Kecamatan Sukasari" / "Sukasari District".
NAME_FORMATS = {
    Kind.KECAMATAN: pgettext_lazy("region name", "Kecamatan %(name)s"),
    Kind.DESA: pgettext_lazy("region name", "Desa %(name)s"),
    Kind.KELURAHAN: pgettext_lazy("region name", "Kelurahan %(name)s"),
}


class RegionQuerySet(ScopedQuerySet):
    region_field = "code"

    def current(self) -> Self:
        return self.filter(retired=False)

    def provinces(self):
        return self.filter(level=Level.PROVINCE)

    def kabkota(self):
        return self.filter(level=Level.KABKOTA)

    def kecamatan(self):
        return self.filter(level=Level.KECAMATAN)

    def villages(self):
        return self.filter(level=Level.VILLAGE)

    def within(self, code: str):
        """The region itself and everything below it."""
        return self.filter(code__startswith=code)

    def mentor_filter(self, user):
        # Regions are reference data: a mentor reads them by region, the work area they belong to.
        return user.scope.q("code")


class Region(models.Model):
    """An administrative region under its Kemendagri code (`32`, `32.04`, `32.04.10`, `32.04.10.2005`)."""

    code = models.CharField(_("kode"), max_length=13, primary_key=True)
    name = models.CharField(_("nama"), max_length=100)
    level = models.PositiveSmallIntegerField(_("tingkat"), choices=Level.choices)
    kind = models.CharField(_("jenis"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("induk"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # Codes dropped from the official list stay, retired, so old records still point somewhere.
    retired = models.BooleanField(_("tidak berlaku lagi"), default=False)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["code"], name="region_code_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["level", "name"], name="region_level_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$"),
                name="region_code_format",
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        name_format = NAME_FORMATS.get(self.kind)
        return name_format % {"name": self.name} if name_format else self.name

    @property
    def province_code(self) -> str:
        return self.code[:2]


@tracked()
class DirectorateArea(models.Model):
    """The provinces a directorate (e.g. Direktorat PFM Wilayah I) is responsible for."""

    code = models.SlugField(_("kode"), max_length=30, unique=True)
    name = models.CharField(_("nama"), max_length=200)
    provinces = models.ManyToManyField(
        Region, verbose_name=_("provinsi"), related_name="directorate_areas", limit_choices_to={"level": Level.PROVINCE}
    )

    class Meta:
        verbose_name = _("wilayah direktorat")
        verbose_name_plural = _("wilayah direktorat")
        ordering = ["code"]

    def __str__(self):
        return self.name


# Which provinces an area covers lives in the many-to-many table: its rows are tracked as well.
@pghistory.track(
    pghistory.InsertEvent("province_add"),
    pghistory.DeleteEvent("province_remove"),
    obj_field=None,
    model_name="DirectorateAreaProvinceEvent",
    level=pghistory.Statement,
)
class DirectorateAreaProvince(DirectorateArea.provinces.through):
    class Meta:
        proxy = True
