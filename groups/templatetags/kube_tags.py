import datetime

from django import template
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from groups.models import MaturityLevel, Status, StatusNote
from groups.money import format_rupiah

register = template.Library()

STATUS_COLOURS = {
    Status.DRAFT: "secondary",
    Status.DIUSULKAN: "info",
    Status.DIREKOMENDASIKAN: "primary",
    Status.DITETAPKAN: "primary",
    Status.AKTIF: "success",
    Status.NONAKTIF: "warning",
    Status.BUBAR: "dark",
    Status.DIKEMBALIKAN: "danger",
}
LEVEL_COLOURS = {MaturityLevel.TUMBUH: "secondary", MaturityLevel.BERKEMBANG: "info", MaturityLevel.MAJU: "success"}


@register.filter
def rupiah(value) -> str:
    return format_rupiah(value)


@register.filter
def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, "secondary")


@register.filter
def level_colour(level: str) -> str:
    return LEVEL_COLOURS.get(level, "secondary")


def _month(iso: str | None) -> str:
    """ "Juni 2025" / "June 2025" in the reader's language."""
    return date_format(datetime.date.fromisoformat(iso), "F Y") if iso else "–"


@register.filter
def maturity_reason_lines(reason: dict | None) -> list[str]:
    """The facts behind a maturity level (codes and numbers, groups.maturity) as sentences in the reader's language.

    Empty for a reason not (yet) written under the current rule: the page shows none rather than raw codes.
    """
    if not reason or "months_active" not in reason:
        return []
    t = reason["thresholds"]
    lines = [
        _("Aktif %(months)s bulan (Berkembang: minimal %(berkembang)s, Maju: minimal %(maju)s).")
        % {"months": reason["months_active"], "berkembang": t["months"], "maju": t["maju_months"]},
        _(
            "Laba pada %(profitable)s bulan dari %(first)s sampai %(last)s (minimal %(minimum)s); "
            "bulan tanpa laporan dihitung tanpa laba."
        )
        % {
            "profitable": reason["profitable"],
            "first": _month(reason["window_from"]),
            "last": _month(reason["window_to"]),
            "minimum": t["profitable"],
        },
    ]
    values = {
        "mean": format_rupiah(reason["mean_revenue"]),
        "reports": reason["reports"],
        "previous_mean": format_rupiah(reason["previous_mean_revenue"]),
        "previous_reports": reason["previous_reports"],
    }
    if reason["reports"] and reason["previous_reports"]:
        lines.append(
            _(
                "Rata-rata omzet %(mean)s per laporan dari %(reports)s laporan; periode sebelumnya "
                "%(previous_mean)s dari %(previous_reports)s laporan."
            )
            % values
        )
    elif reason["reports"]:
        lines.append(
            _("Rata-rata omzet %(mean)s per laporan dari %(reports)s laporan; periode sebelumnya tanpa laporan.")
            % values
        )
    if min(reason["reports"], reason["previous_reports"]) < t["reports"]:
        lines.append(
            _("Pertumbuhan omzet tidak dinilai: kurang dari %(minimum)s laporan dalam salah satu periode.")
            % {"minimum": t["reports"]}
        )
    elif reason["growing"]:
        lines.append(_("Omzet tumbuh."))
    else:
        lines.append(_("Omzet tidak tumbuh."))
    if reason["savings_month"]:
        lines.append(
            _("Tabungan kelompok %(savings)s pada laporan %(month)s (Maju: minimal %(minimum)s).")
            % {
                "savings": format_rupiah(reason["savings"]),
                "month": _month(reason["savings_month"]),
                "minimum": format_rupiah(t["savings"]),
            }
        )
    else:
        lines.append(_("Tidak ada laporan dalam periode penilaian, jadi tidak ada tabungan kelompok yang dinilai."))
    if reason["not_reporting"]:
        lines.append(not_reporting_text(reason))
    return lines


def not_reporting_text(reason: dict) -> str:
    months = reason["thresholds"]["silent_months"]
    if reason["last_report"]:
        return _("Tidak melapor: tidak ada laporan dalam %(months)s bulan lengkap terakhir (terakhir %(last)s).") % {
            "months": months,
            "last": _month(reason["last_report"]),
        }
    return _("Tidak melapor: belum pernah ada laporan usaha.")


@register.filter
def status_note(change) -> str:
    """The system's note on a status change (a code and its values), in the reader's language."""
    if change.note == StatusNote.FIRST_GRANT:
        reference = change.note_params.get("reference")
        if reference:
            return _("Bantuan pertama disalurkan (%(reference)s).") % {"reference": reference}
        return _("Bantuan pertama disalurkan.")
    return ""
