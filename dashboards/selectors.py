"""Reads of the dashboard pages: every figure comes from the aggregate tables, scoped.

An `Area` is what a page is about (the nation, a directorate area, a province, a
kab/kota or a kecamatan): the aggregate rows that make it up (`codes`) and how to
find its children's rows. `dashboard()` turns an area and the filters into the
page's tables, a fixed number of queries whatever the size of the registers.
"""

import datetime
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db.models import Q, Sum
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from dashboards.models import ALL_PROGRAMS, AreaFigures, AreaMonth, DashboardRefresh
from groups.models import BusinessType, Kube, KubeQuerySet, MaturityLevel, Program, Status
from kube_portal.dates import month_start
from regions.models import DirectorateArea, Level, Region

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

TREND_MONTHS = 24
KUBE_PER_PAGE = 20

FIGURE_FIELDS = [
    f.name for f in AreaFigures._meta.concrete_fields if f.name not in {"id", "region_code", "level", "program_id"}
]
MONTH_FIELDS = [
    f.name
    for f in AreaMonth._meta.concrete_fields
    if f.name not in {"id", "region_code", "level", "program_id", "month"}
]

LEVEL_LABELS = {0: gettext_lazy("Nasional"), 1: gettext_lazy("Provinsi"), 2: gettext_lazy("Kabupaten/Kota")}


# --- Filters --------------------------------------------------------------------------------


def default_month(today: datetime.date | None = None) -> datetime.date:
    """Last month: the latest month whose business reports are due."""
    return month_start(today or timezone.localdate(), -1)


@dataclass(frozen=True)
class Filters:
    program: Program | None
    month: datetime.date

    @property
    def program_id(self) -> int:
        return self.program.pk if self.program else ALL_PROGRAMS

    @property
    def year(self) -> int:
        return self.month.year

    def query_string(self) -> str:
        params = {"periode": f"{self.month:%Y-%m}"}
        if self.program:
            params["program"] = self.program.code
        return urlencode(params)

    def describe(self) -> str:
        program = self.program.name if self.program else _("Semua program")
        return _("Program: %(program)s · Periode: %(month)s") % {"program": program, "month": f"{self.month:%m/%Y}"}


# --- Areas ----------------------------------------------------------------------------------


@dataclass
class Area:
    name: str
    level: int  # 0 for the nation and a directorate area, else the region level
    codes: list[str]  # the aggregate rows that add up to this area
    child_level: int | None
    child_prefix: str = ""  # children's codes start with it ...
    child_codes: list[str] | None = None  # ... or are exactly these (provinces of a directorate)
    region: Region | None = None
    directorate: DirectorateArea | None = None
    crumbs: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def has_kube_list(self) -> bool:
        return self.level >= Level.KABKOTA


def can_read_dashboards(user: User) -> bool:
    # Aggregates are per region; a mentor's scope is their KUBE, which no aggregate row matches.
    return user.is_authenticated and not user.is_mentor


def _require_reader(user: User) -> None:
    if not can_read_dashboards(user):
        raise Http404


def home_region_code(user: User) -> str | None:
    """Where `/dasbor/` sends a provincial or district officer: their own region's dashboard."""
    _require_reader(user)
    if user.is_national or user.role == Role.DIREKTORAT:
        return None
    if not user.region_id:
        raise Http404
    return user.region_id


def national_area(user: User, directorate_code: str = "") -> Area:
    """The nation, or one directorate area; a directorate user sees only its own provinces."""
    _require_reader(user)
    scope = user.scope
    crumbs: list[tuple[str, str | None]] = [(_("Nasional"), reverse("dashboards:national"))]
    if directorate_code:
        directorate = DirectorateArea.objects.filter(code=directorate_code).first()
        if directorate is None or not (user.is_national or user.directorate_area_id == directorate.pk):
            raise Http404
        provinces = sorted(directorate.provinces.values_list("code", flat=True))
        return Area(
            name=directorate.name,
            level=0,
            codes=provinces,
            child_level=Level.PROVINCE,
            child_codes=provinces,
            directorate=directorate,
            crumbs=[*crumbs, (directorate.name, None)],
        )
    if scope.national:
        return Area(name=_("Nasional"), level=0, codes=[""], child_level=Level.PROVINCE, crumbs=crumbs[:1])
    if user.role != Role.DIREKTORAT:
        raise Http404
    # A directorate user's national page is its own directorate area: its provinces only.
    provinces = sorted(scope.prefixes or ())
    return Area(
        name=user.directorate_area.name if user.directorate_area else "",
        level=0,
        codes=provinces,
        child_level=Level.PROVINCE,
        child_codes=provinces,
        crumbs=[(_("Nasional"), None)],
    )


def region_area(user: User, code: str) -> Area:
    """A province, kab/kota or kecamatan the user may see; anything else is a 404."""
    _require_reader(user)
    region = Region.objects.visible_to(user).filter(code=code, level__lte=Level.KECAMATAN).first()
    if region is None:
        raise Http404
    ancestor_codes = [code[:length] for length in (2, 5) if length < len(code)]
    ancestors = {r.code: r for r in Region.objects.filter(code__in=ancestor_codes)}
    crumbs: list[tuple[str, str | None]] = []
    if user.is_national or user.role == Role.DIREKTORAT:
        crumbs.append((_("Nasional"), reverse("dashboards:national")))
        directorate = DirectorateArea.objects.filter(provinces=code[:2]).order_by("code").first()
        if directorate and (user.is_national or user.directorate_area_id == directorate.pk):
            crumbs.append((directorate.name, f"{reverse('dashboards:national')}?wilayah={directorate.code}"))
    for ancestor_code in ancestor_codes:
        ancestor = ancestors.get(ancestor_code)
        if ancestor is not None and user.scope.contains(ancestor_code):
            crumbs.append((ancestor.display_name, reverse("dashboards:region", args=[ancestor_code])))
    crumbs.append((region.display_name, None))
    return Area(
        name=region.display_name,
        level=region.level,
        codes=[region.code],
        child_level=region.level + 1 if region.level < Level.KECAMATAN else None,
        child_prefix=f"{region.code}.",
        region=region,
        crumbs=crumbs,
    )


# --- Figures --------------------------------------------------------------------------------

#: Figures that have no programme: a programme filter shows them for all programmes.
AGNOSTIC_FIGURES = {
    "households_registered",
    "mentors_active",
    "mentor_cases",
    "grad_belum",
    "grad_menuju",
    "grad_siap",
    "grad_proposed",
    "graduated",
    "relapsed",
}
AGNOSTIC_MONTH = {"graduations", "relapses"}
#: Monthly figures summed over the selected year up to the selected month.
YEAR_FIELDS = ["visits", "graduations", "relapses", "grants_disbursed"]


def data_as_of() -> datetime.datetime | None:
    return DashboardRefresh.objects.order_by("-finished_at").values_list("finished_at", flat=True).first()


def _pct(part: Any, whole: Any) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _ratio(part: Any, whole: Any) -> float | None:
    return round(part / whole, 1) if whole else None


def with_derived(row: dict[str, Any]) -> dict[str, Any]:
    """Rates of an area from its counts (also for sums of areas, so never stored)."""
    row["members_pct"] = _pct(row.get("member_households", 0), row.get("households_registered", 0))
    row["coverage_pct"] = _pct(row.get("kube_visited", 0), row.get("kube_aktif", 0))
    row["caseload"] = _ratio(row.get("mentor_cases", 0), row.get("mentors_active", 0))
    row["graduation_rate"] = _pct(row.get("graduations_year", 0), row.get("member_households", 0))
    row["revenue_per_kube"] = round(row["revenue"] / row["kube_aktif"]) if row.get("kube_aktif") else None
    return row


@dataclass
class Column:
    key: str
    label: "str | StrPromise"
    kind: str = "int"  # int, rupiah, pct, kg, dec, text


@dataclass
class Table:
    slug: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    total: dict[str, Any] | None = None
    #: Columns of the XLSX export when they differ from the page's (e.g. the directorate of a province).
    export_columns: list[Column] | None = None

    def values(self, row: dict[str, Any], columns: list[Column] | None = None) -> list[Any]:
        return [row.get(column.key) for column in columns or self.columns]

    @property
    def total_rows(self) -> list[dict[str, Any]]:
        return [self.total] if self.total else []


def _business_columns(child_label: str) -> list[Column]:
    return [
        Column("name", child_label, "text"),
        Column("kube_total", _("KUBE")),
        Column("kube_aktif", _("KUBE aktif")),
        Column("level_tumbuh", _("Tumbuh")),
        Column("level_berkembang", _("Berkembang")),
        Column("level_maju", _("Maju")),
        Column("kube_not_reporting", _("Tidak melapor")),
        Column("member_households", _("KPM anggota")),
        Column("households_registered", _("KPM terdaftar")),
        Column("grants_total", _("Bantuan tersalur"), "rupiah"),
        Column("revenue", _("Omzet bulan ini"), "rupiah"),
        Column("profit", _("Laba bulan ini"), "rupiah"),
        Column("group_savings", _("Tabungan kelompok"), "rupiah"),
        Column("eggs_produced_kg", _("Telur (kg)"), "kg"),
        Column("kur_referred", _("Rujukan KUR")),
    ]


def _mentoring_columns(child_label: str) -> list[Column]:
    return [
        Column("name", child_label, "text"),
        Column("mentors_active", _("Pendamping aktif")),
        Column("caseload", _("KUBE per pendamping"), "dec"),
        Column("kube_visited", _("KUBE dikunjungi 30 hari")),
        Column("coverage_pct", _("Cakupan kunjungan (%)"), "pct"),
        Column("grad_belum", _("Belum")),
        Column("grad_menuju", _("Menuju")),
        Column("grad_siap", _("Siap")),
        Column("grad_proposed", _("Diusulkan")),
        Column("graduations_year", _("Graduasi tahun ini")),
        Column("graduation_rate", _("Tingkat graduasi (%)"), "pct"),
        Column("relapses_year", _("Kambuh tahun ini")),
    ]


def _sum_rows(rows: list[dict[str, Any]], keys: list[str]) -> dict[str, Any]:
    return {key: sum((row.get(key) or 0) for row in rows) for key in keys}


SUMMED_KEYS = FIGURE_FIELDS + MONTH_FIELDS + ["visits_year", "graduations_year", "relapses_year"]


def _merge_programme(
    rows_by_programme: dict[int, dict[str, Any]], program_id: int, agnostic: set[str]
) -> dict[str, Any]:
    """The selected programme's figures, with the programme-less ones from the all-programme row."""
    chosen = dict(rows_by_programme.get(program_id, {}))
    if program_id != ALL_PROGRAMS:
        everything = rows_by_programme.get(ALL_PROGRAMS, {})
        chosen.update({key: everything.get(key, 0) for key in agnostic})
    return chosen


def _plain(rows: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """The rows of a `.values()` queryset as dicts of their own, which the caller reshapes."""
    return (dict(row) for row in rows)


def _by_rate(row: dict[str, Any], *, key: str) -> tuple[float, str]:
    """Highest rate first, then by name."""
    return -(row[key] or 0), row["name"]


def _children(area: Area, filters: Filters, user: User) -> list[dict[str, Any]]:
    """One row per child area (province, kab/kota or kecamatan) with its figures, ordered by code."""
    if area.child_level is None:  # a kecamatan: its villages have no figures of their own
        return []
    regions = Region.objects.visible_to(user).filter(level=area.child_level)
    if area.child_codes is not None:
        regions = regions.filter(code__in=area.child_codes)
    elif area.level > 0:
        regions = regions.filter(code__startswith=area.child_prefix)
    programmes = {ALL_PROGRAMS, filters.program_id}
    condition = _child_filter(area) & Q(level=area.child_level, program_id__in=programmes)
    figures: dict[str, dict[int, dict[str, Any]]] = {}
    for row in _plain(AreaFigures.objects.filter(condition).values("region_code", "program_id", *FIGURE_FIELDS)):
        figures.setdefault(row.pop("region_code"), {})[row.pop("program_id")] = row
    in_month = Q(month=filters.month)
    monthly: dict[str, dict[int, dict[str, Any]]] = {}
    for row in _plain(
        AreaMonth.objects.filter(condition, month__gte=filters.month.replace(month=1), month__lte=filters.month)
        .values("region_code", "program_id")
        .annotate(
            # Prefixed: an annotation named like a field would shadow it for the yearly sums.
            **{f"in_month_{name}": Sum(name, filter=in_month) for name in MONTH_FIELDS},
            **{f"{name}_year": Sum(name) for name in ("visits", "graduations", "relapses")},
        )
    ):
        region_code, program_id = row.pop("region_code"), row.pop("program_id")
        monthly.setdefault(region_code, {})[program_id] = {k.removeprefix("in_month_"): v for k, v in row.items()}
    agnostic_month = AGNOSTIC_MONTH | {"graduations_year", "relapses_year"}
    rows = []
    for region in regions.order_by("code").only("code", "name", "kind", "retired"):
        if region.retired and region.code not in figures:
            continue
        row = {
            "code": region.code,
            "name": region.display_name,
            "url": reverse("dashboards:region", args=[region.code]),
        }
        row.update(dict.fromkeys(SUMMED_KEYS, 0))
        row.update(_merge_programme(figures.get(region.code, {}), filters.program_id, AGNOSTIC_FIGURES))
        month = _merge_programme(monthly.get(region.code, {}), filters.program_id, agnostic_month)
        row.update({key: value or 0 for key, value in month.items()})
        rows.append(with_derived(row))
    return rows


def _child_filter(area: Area) -> Q:
    if area.child_codes is not None:
        return Q(region_code__in=area.child_codes)
    if area.level == 0:
        return Q()
    return Q(region_code__startswith=area.child_prefix)


def _totals_by_program(area: Area) -> dict[int, dict[str, Any]]:
    rows = (
        AreaFigures.objects.filter(region_code__in=area.codes)
        .values("program_id")
        .annotate(**{name: Sum(name) for name in FIGURE_FIELDS})
    )
    return {row.pop("program_id"): {k: v or 0 for k, v in row.items()} for row in _plain(rows)}


def _trend(area: Area, filters: Filters) -> list[dict[str, Any]]:
    """The 24 months up to the selected one, every month present (zeros where nothing happened)."""
    first = month_start(filters.month, -(TREND_MONTHS - 1))
    found: dict[datetime.date, dict[int, dict[str, Any]]] = {}
    for figures in _plain(
        AreaMonth.objects.filter(
            region_code__in=area.codes,
            program_id__in={ALL_PROGRAMS, filters.program_id},
            month__gte=first,
            month__lte=filters.month,
        )
        .values("month", "program_id")
        .annotate(**{name: Sum(name) for name in MONTH_FIELDS})
    ):
        found.setdefault(figures.pop("month"), {})[figures.pop("program_id")] = figures
    rows = []
    for month in (month_start(first, offset) for offset in range(TREND_MONTHS)):
        row: dict[str, Any] = {"month": month, "label": f"{month:%m/%Y}", **dict.fromkeys(MONTH_FIELDS, 0)}
        row.update(
            {k: v or 0 for k, v in _merge_programme(found.get(month, {}), filters.program_id, AGNOSTIC_MONTH).items()}
        )
        rows.append(row)
    return rows


def _directorate_groups(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Provinces grouped by directorate area (a province outside every area goes under "Lainnya")."""
    area_of: dict[str, tuple[str, str]] = {}
    for code, slug, name in DirectorateArea.provinces.through.objects.values_list(
        "region_id", "directoratearea__code", "directoratearea__name"
    ).order_by("directoratearea__code"):
        area_of.setdefault(code, (slug, name))
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        slug, name = area_of.get(row["code"], ("", _("Lainnya")))
        group = groups.setdefault(slug, {"slug": slug, "name": name, "rows": []})
        group["rows"].append(row)
    for group in groups.values():
        group["total"] = with_derived(_sum_rows(group["rows"], SUMMED_KEYS))
        url = f"{reverse('dashboards:national')}?wilayah={group['slug']}" if group["slug"] else None
        group["header_rows"] = [{**group["total"], "name": group["name"], "url": url}]
    return sorted(groups.values(), key=lambda g: (g["slug"] == "", g["slug"]))


@dataclass
class Dashboard:
    area: Area
    filters: Filters
    data_as_of: datetime.datetime | None
    totals: dict[str, Any]
    children: Table | None
    mentoring: Table | None
    groups: list[dict[str, Any]]
    trend: Table
    distribution: Table
    programs: list[Program]

    def table(self, slug: str) -> Table | None:
        return {t.slug: t for t in self.tables()}.get(slug)

    def tables(self) -> list[Table]:
        return [t for t in (self.children, self.mentoring, self.trend, self.distribution) if t is not None]

    @property
    def funnel(self) -> list[tuple[str, int]]:
        t = self.totals
        return [
            (_("Belum"), t["grad_belum"]),
            (_("Menuju"), t["grad_menuju"]),
            (_("Siap"), t["grad_siap"]),
            (_("Diusulkan"), t["grad_proposed"]),
            (_("Graduasi tahun ini"), t["graduations_year"]),
        ]

    def charts(self) -> dict[str, Any]:
        """Chart.js data for the page, from the same tables the page shows."""
        trend = self.trend.rows
        charts = {
            "trend": {
                "labels": [row["label"] for row in trend],
                "series": [
                    {"label": _("Omzet (Rp)"), "data": [row["revenue"] for row in trend]},
                    {"label": _("Laba (Rp)"), "data": [row["profit"] for row in trend]},
                    {"label": _("Tabungan kelompok (Rp)"), "data": [row["group_savings"] for row in trend]},
                ],
            },
            "activity": {
                "labels": [row["label"] for row in trend],
                "series": [
                    {"label": _("Kunjungan pendamping"), "data": [row["visits"] for row in trend]},
                    {"label": _("Graduasi"), "data": [row["graduations"] for row in trend]},
                ],
            },
            "levels": {
                "labels": [str(label) for _value, label in MaturityLevel.choices],
                "data": [self.totals.get(f"level_{value}", 0) for value, _label in MaturityLevel.choices],
            },
            "programs": {
                "labels": [row["category"] for row in self.distribution.rows if row["dimension_key"] == "program"],
                "data": [row["count"] for row in self.distribution.rows if row["dimension_key"] == "program"],
            },
            "funnel": {"labels": [label for label, _n in self.funnel], "data": [n for _label, n in self.funnel]},
        }
        if self.children is not None and self.children.rows:
            # Only areas where the rate means something: with active KUBE, with member households.
            for key, base in (("coverage_pct", "kube_aktif"), ("graduation_rate", "member_households")):
                rated = [row for row in self.children.rows if row[base]]
                ranked = sorted(rated, key=partial(_by_rate, key=key))[:15]
                charts[f"ranking_{key}"] = {
                    "labels": [row["name"] for row in ranked],
                    "data": [row[key] or 0 for row in ranked],
                }
        return charts


def _distribution(totals_by_program: dict[int, dict[str, Any]], programs: list[Program], program_id: int) -> Table:
    totals = totals_by_program.get(program_id, {})
    rows = []
    dimensions = [
        ("status", _("Status"), Status.choices, "kube_"),
        ("level", _("Tingkat kematangan (KUBE aktif)"), MaturityLevel.choices, "level_"),
        ("type", _("Jenis usaha (KUBE aktif)"), BusinessType.choices, "type_"),
    ]
    for key, dimension, choices, prefix in dimensions:
        for value, label in choices:
            rows.append(
                {
                    "dimension_key": key,
                    "dimension": dimension,
                    "category": str(label),
                    "count": totals.get(f"{prefix}{value}", 0),
                }
            )
    for program in programs:
        if program_id in (ALL_PROGRAMS, program.pk):
            rows.append(
                {
                    "dimension_key": "program",
                    "dimension": _("Program (KUBE aktif)"),
                    "category": program.name,
                    "count": totals_by_program.get(program.pk, {}).get("kube_aktif", 0),
                }
            )
    return Table(
        slug="sebaran",
        title=_("Sebaran KUBE"),
        columns=[
            Column("dimension", _("Menurut"), "text"),
            Column("category", _("Kategori"), "text"),
            Column("count", _("Jumlah KUBE")),
        ],
        rows=rows,
    )


def dashboard(area: Area, filters: Filters, user: User) -> Dashboard:
    programs = list(Program.objects.order_by("name"))
    totals_by_program = _totals_by_program(area)
    trend_rows = _trend(area, filters)
    this_year = [row for row in trend_rows if row["month"].year == filters.year]
    totals = dict.fromkeys(SUMMED_KEYS, 0)
    totals.update(_merge_programme(totals_by_program, filters.program_id, AGNOSTIC_FIGURES))
    totals.update({key: trend_rows[-1][key] for key in MONTH_FIELDS})
    totals.update({f"{key}_year": sum(row[key] for row in this_year) for key in ("visits", "graduations", "relapses")})
    with_derived(totals)
    trend = Table(
        slug="tren",
        title=_("Tren 24 bulan"),
        columns=[
            Column("label", _("Bulan"), "text"),
            Column("reports", _("Laporan usaha")),
            Column("revenue", _("Omzet"), "rupiah"),
            Column("profit", _("Laba"), "rupiah"),
            Column("group_savings", _("Tabungan kelompok"), "rupiah"),
            Column("eggs_produced_kg", _("Telur (kg)"), "kg"),
            Column("grants_disbursed", _("Bantuan disalurkan"), "rupiah"),
            Column("visits", _("Kunjungan")),
            Column("graduations", _("Graduasi")),
            Column("relapses", _("Kambuh")),
        ],
        rows=trend_rows,
    )
    children = mentoring = None
    groups: list[dict[str, Any]] = []
    if area.child_level is not None:
        rows = _children(area, filters, user)
        label = str(Level(area.child_level).label)
        total = with_derived(_sum_rows(rows, SUMMED_KEYS)) | {"name": _("Jumlah")}
        children = Table(
            slug="wilayah",
            title=_("KUBE dan usaha menurut %(level)s") % {"level": label.lower()},
            columns=_business_columns(label),
            rows=rows,
            total=total,
        )
        mentoring = Table(
            slug="pendampingan",
            title=_("Pendampingan dan graduasi menurut %(level)s") % {"level": label.lower()},
            columns=_mentoring_columns(label),
            rows=rows,
            total=total,
        )
        if area.level == 0 and area.directorate is None:
            groups = _directorate_groups(rows)
            # The page shows provinces under their directorate; a flat sheet names it on each row.
            for group in groups:
                for row in group["rows"]:
                    row["directorate"] = group["name"]
            for table in (children, mentoring):
                table.export_columns = [
                    table.columns[0],
                    Column("directorate", _("Wilayah direktorat"), "text"),
                    *table.columns[1:],
                ]
    return Dashboard(
        area=area,
        filters=filters,
        data_as_of=data_as_of(),
        totals=totals,
        children=children,
        mentoring=mentoring,
        groups=groups,
        trend=trend,
        distribution=_distribution(totals_by_program, programs, filters.program_id),
        programs=programs,
    )


def kube_list(area: Area, user: User) -> KubeQuerySet[Any]:
    """The KUBE of a kab/kota or kecamatan (live register, scoped), for the page's list and its export."""
    if area.region is None:  # only a kab/kota or kecamatan lists its KUBE
        raise Http404
    return (
        Kube.objects.visible_to(user)
        .filter(region_code__startswith=area.region.code)
        .select_related("program", "kecamatan")
        .with_member_count()
        .order_by("region_code", "name", "id")
    )


KUBE_COLUMNS = [
    Column("registration_number", gettext_lazy("Nomor registrasi"), "text"),
    Column("name", gettext_lazy("Nama KUBE"), "text"),
    Column("kecamatan", gettext_lazy("Kecamatan"), "text"),
    Column("program", gettext_lazy("Program"), "text"),
    Column("status", gettext_lazy("Status"), "text"),
    Column("maturity_level", gettext_lazy("Tingkat kematangan"), "text"),
    Column("reporting", gettext_lazy("Laporan usaha"), "text"),
    Column("member_count", gettext_lazy("KPM anggota")),
]


def kube_table(kubes: Iterable[Any]) -> Table:
    rows = [
        {
            "pk": kube.pk,
            "registration_number": kube.registration_number,
            "name": kube.name,
            "kecamatan": kube.kecamatan.name,
            "program": kube.program.name,
            "status": kube.get_status_display(),
            "maturity_level": kube.get_maturity_level_display(),
            "reporting": _("Tidak melapor") if kube.status == Status.AKTIF and kube.not_reporting else "",
            "member_count": kube.member_count,
        }
        for kube in kubes
    ]
    return Table(
        slug="kube",
        title=_("Daftar KUBE"),
        columns=[Column(c.key, str(c.label), c.kind) for c in KUBE_COLUMNS],
        rows=rows,
    )


def as_number(value: object) -> object:
    """Decimal aggregates as float for JSON (Chart.js) and XLSX."""
    return float(value) if isinstance(value, Decimal) else value
