"""Readiness explanations in the reader's language, from the stored codes and numbers.

The runs store no sentences (graduation.readiness builds the codes, the SQL run writes the same):
these filters word them with Indonesian msgids and the English catalog. A row written before
the codes existed (migrated, not yet recomputed) yields no sentence rather than a raw code.
"""

import datetime

from django import template
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from graduation.models import Area
from groups.models import MaturityLevel
from groups.money import format_rupiah
from regions.models import Region

register = template.Library()


def _period(iso: str) -> str:
    day = datetime.date.fromisoformat(iso)
    month = _("Maret") if day.month == 3 else _("September")
    return f"{month} {day.year}"


def _area(code: str) -> str:
    return str(Area(code).label).lower()


def _line_text(line: dict) -> str:
    values = {"area": _area(line["area"]), "period": _period(line["period"]), "amount": format_rupiah(line["amount"])}
    if line["province"]:
        name = Region.objects.filter(code=line["province"]).values_list("name", flat=True).first() or line["province"]
        return _("Garis kemiskinan %(area)s provinsi %(province)s, %(period)s: %(amount)s per kapita per bulan.") % {
            **values,
            "province": name,
        }
    return (
        _(
            "Garis kemiskinan %(area)s provinsi belum dimuat; dipakai garis nasional %(area)s, %(period)s: "
            "%(amount)s per kapita per bulan."
        )
        % values
    )


def _no_assessment() -> str:
    return _("Belum ada asesmen: tidak terpenuhi sampai asesmen dicatat.")


def _income(item: dict) -> str:
    code = item.get("code")
    if code == "no_assessment":
        return _no_assessment()
    if code == "no_members":
        return _("Keluarga tanpa anggota tercatat.")
    if code == "no_line":
        return _("Belum ada garis kemiskinan yang dimuat.")
    if code == "compared":
        return (
            _line_text(item["line"])
            + " "
            + _("Pendapatan keluarga dibagi %(members)s anggota.") % {"members": item["members"]}
        )
    return ""


def _kube(item: dict) -> str:
    code = item.get("code")
    if code == "no_membership":
        return _("Bukan anggota KUBE aktif.")
    if code == "member":
        return _(
            "Anggota KUBE aktif tingkat %(level)s selama %(months)s bulan (syarat: tingkat %(min_level)s "
            "atau lebih, %(threshold)s bulan)."
        ) % {
            "level": MaturityLevel(item["level"]).label,
            "months": item["value"],
            "min_level": MaturityLevel(item["min_level"]).label,
            "threshold": item["threshold"],
        }
    return ""


def _assets(item: dict) -> str:
    code = item.get("code")
    if code == "no_assessment":
        return _no_assessment()
    if code == "savings":
        return _("Tabungan %(savings)s mencapai ambang.") % {"savings": format_rupiah(item["savings"])}
    if code == "assets":
        return _("Aset produktif %(assets)s mencapai ambang.") % {"assets": format_rupiah(item["assets"])}
    if code == "below":
        return _("Tabungan %(savings)s dan aset produktif %(assets)s di bawah ambang.") % {
            "savings": format_rupiah(item["savings"]),
            "assets": format_rupiah(item["assets"]),
        }
    return ""


def _desil(item: dict) -> str:
    verdict = item.get("verdict")
    if verdict == "unknown":
        return _("Desil DTSEN tidak diketahui: tidak dihitung.")
    if verdict == "met":
        return _("Desil di atas ambang.")
    return _("Desil tidak di atas ambang.")


@register.filter
def criterion_text(row: dict) -> str:
    """The sentence of one row of GraduationStatus.criteria_rows."""
    return {"income": _income, "kube": _kube, "assets": _assets, "desil": _desil}[row["key"]](row)


@register.filter
def assessment_text(explanation: dict) -> str:
    date = (explanation.get("assessment") or {}).get("date")
    if date:
        return _("Asesmen terakhir: %(date)s.") % {"date": date_format(datetime.date.fromisoformat(date), "j F Y")}
    return _("Perlu asesmen: tanpa asesmen, pendapatan dan aset dinilai belum terpenuhi.")


PKH_COMPONENT_LABELS = {
    "under_6": lambda: _("anak di bawah 6 tahun"),
    "school_age": lambda: _("anak usia sekolah (6–21)"),
    "pregnant": lambda: _("ibu hamil"),
    "elderly": lambda: _("lansia (60+)"),
    "disabled": lambda: _("penyandang disabilitas"),
}


@register.filter
def alamiah_text(explanation: dict) -> str:
    item = explanation.get("alamiah") or {}
    if "pkh" not in item:
        return ""
    if not item["pkh"]:
        return _("Tidak menerima PKH: bukan calon graduasi alamiah.")
    if not item["members"]:
        return _("Tidak ada anggota tercatat.")
    if item["value"]:
        return _("Calon graduasi alamiah: tidak ada lagi anggota yang membuat keluarga layak PKH.")
    reasons = [f"{label()} ({item[key]})" for key, label in PKH_COMPONENT_LABELS.items() if item.get(key)]
    return _("Masih layak PKH: %(reasons)s.") % {"reasons": ", ".join(reasons)}
