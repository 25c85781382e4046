import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


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
        return f"{where} · {self.get_area_display()} · {self.period_label}: Rp {self.amount:,}".replace(",", ".")

    @property
    def period_label(self) -> str:
        month = _("Maret") if self.period.month == 3 else _("September")
        return f"{month} {self.period.year}"
