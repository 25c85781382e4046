"""Pre-aggregated dashboard figures, rebuilt set-based by `dashboards.refresh.refresh_all()`.

Rows exist for every level of the region tree at once (national `""`, province `32`,
kab/kota `32.05`, kecamatan `32.05.01`) and for every programme plus `program_id = 0`
for all programmes together, so a dashboard page reads a few dozen rows: the area's
own rows and its children's rows (`level = n + 1 AND region_code LIKE 'prefix%'`).
A page never touches the registers themselves, except the paginated KUBE list.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

ALL_PROGRAMS = 0


class DashboardRefresh(models.Model):
    """The ledger of aggregate rebuilds; the latest finished one is the pages' "data as of"."""

    started_at = models.DateTimeField(_("mulai"))
    finished_at = models.DateTimeField(_("selesai"))
    duration_ms = models.PositiveIntegerField(_("durasi (ms)"))
    trigger = models.CharField(_("pemicu"), max_length=50)
    area_rows = models.PositiveIntegerField(_("baris wilayah"))
    month_rows = models.PositiveIntegerField(_("baris bulanan"))

    class Meta:
        verbose_name = _("pembaruan dasbor")
        verbose_name_plural = _("pembaruan dasbor")
        ordering = ["-finished_at", "-id"]
        indexes = [models.Index(fields=["-finished_at"], name="dashboard_refresh_finished")]

    def __str__(self):
        return f"{self.finished_at:%Y-%m-%d %H:%M} ({self.trigger})"


class AreaFigures(models.Model):
    """Current figures of one area (any level) and one programme (0 = all programmes)."""

    region_code = models.CharField(_("kode wilayah"), max_length=13)
    level = models.PositiveSmallIntegerField(_("tingkat"))
    program_id = models.PositiveIntegerField(_("program"))

    kube_total = models.PositiveIntegerField(default=0)
    kube_draft = models.PositiveIntegerField(default=0)
    kube_diusulkan = models.PositiveIntegerField(default=0)
    kube_direkomendasikan = models.PositiveIntegerField(default=0)
    kube_ditetapkan = models.PositiveIntegerField(default=0)
    kube_aktif = models.PositiveIntegerField(default=0)
    kube_nonaktif = models.PositiveIntegerField(default=0)
    kube_bubar = models.PositiveIntegerField(default=0)
    kube_dikembalikan = models.PositiveIntegerField(default=0)
    # Maturity level and business type of the active KUBE.
    level_tumbuh = models.PositiveIntegerField(default=0)
    level_berkembang = models.PositiveIntegerField(default=0)
    level_maju = models.PositiveIntegerField(default=0)
    # Active KUBE shown as *tidak melapor*: no business report in the last complete months (groups.maturity).
    kube_not_reporting = models.PositiveIntegerField(default=0)
    type_produksi = models.PositiveIntegerField(default=0)
    type_jasa = models.PositiveIntegerField(default=0)
    type_perdagangan = models.PositiveIntegerField(default=0)
    # Current members of KUBE that hold their households (proposed up to inactive).
    member_households = models.PositiveIntegerField(default=0)
    # Active households in the register (program_id = 0 rows only: a household has no programme).
    households_registered = models.PositiveIntegerField(default=0)
    grants_total = models.BigIntegerField(default=0)
    kube_granted = models.PositiveIntegerField(default=0)
    kur_referred = models.PositiveIntegerField(default=0)
    kur_approved = models.PositiveIntegerField(default=0)
    kur_amount = models.BigIntegerField(default=0)
    # Mentoring: active KUBE with a mentor now, and visited within the overdue window (30 days).
    kube_assigned = models.PositiveIntegerField(default=0)
    kube_visited = models.PositiveIntegerField(default=0)
    # Active mentors by work area and their open assignments (program_id = 0 rows, kab/kota and up).
    mentors_active = models.PositiveIntegerField(default=0)
    mentor_cases = models.PositiveIntegerField(default=0)
    # Graduation (program_id = 0 rows): readiness of active households, open proposals, decisions.
    grad_belum = models.PositiveIntegerField(default=0)
    grad_menuju = models.PositiveIntegerField(default=0)
    grad_siap = models.PositiveIntegerField(default=0)
    grad_proposed = models.PositiveIntegerField(default=0)
    graduated = models.PositiveIntegerField(default=0)
    relapsed = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("angka wilayah")
        verbose_name_plural = _("angka wilayah")
        constraints = [
            models.UniqueConstraint(fields=["region_code", "program_id"], name="area_figures_region_program"),
        ]
        indexes = [
            models.Index(
                fields=["level", "program_id", "region_code"],
                name="area_figures_level_prefix",
                opclasses=["int2_ops", "int4_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self):
        return f"{self.region_code or '-'} / {self.program_id}"


class AreaMonth(models.Model):
    """Monthly figures of one area and programme (0 = all); `month` is the first day of the month."""

    region_code = models.CharField(_("kode wilayah"), max_length=13)
    level = models.PositiveSmallIntegerField(_("tingkat"))
    program_id = models.PositiveIntegerField(_("program"))
    month = models.DateField(_("bulan"))

    reports = models.PositiveIntegerField(default=0)
    revenue = models.BigIntegerField(default=0)
    profit = models.BigIntegerField(default=0)
    group_savings = models.BigIntegerField(default=0)
    eggs_produced_kg = models.DecimalField(max_digits=14, decimal_places=1, default=0)
    grants_disbursed = models.BigIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0)
    # Graduations decided and relapses flagged in the month (program_id = 0 rows).
    graduations = models.PositiveIntegerField(default=0)
    relapses = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("angka bulanan wilayah")
        verbose_name_plural = _("angka bulanan wilayah")
        constraints = [
            models.UniqueConstraint(fields=["region_code", "program_id", "month"], name="area_month_region_program"),
        ]
        indexes = [
            models.Index(
                fields=["level", "program_id", "month", "region_code"],
                name="area_month_level_prefix",
                opclasses=["int2_ops", "int4_ops", "date_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self):
        return f"{self.region_code or '-'} / {self.program_id} / {self.month:%Y-%m}"
