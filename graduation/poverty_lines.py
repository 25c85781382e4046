"""Loading per-province BPS poverty lines from a CSV file (admins, page or command).

Columns: `kode_provinsi, wilayah, periode, garis_kemiskinan`. `wilayah` is
perkotaan / perdesaan / total (or K / D / T); `periode` is `2025-03`, `03-2025`
or `Maret 2025`; the amount is whole Rupiah (dots or commas as thousands
separators are fine). The file is checked whole first: one bad row rejects the
file with every error listed, so nothing is half-loaded.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from graduation.models import Area, PovertyLine
from regions.models import Level, Region

MAX_ROWS = 5000
AREA_WORDS = {
    "perkotaan": Area.URBAN,
    "k": Area.URBAN,
    "kota": Area.URBAN,
    "perdesaan": Area.RURAL,
    "pedesaan": Area.RURAL,
    "d": Area.RURAL,
    "desa": Area.RURAL,
    "total": Area.TOTAL,
    "t": Area.TOTAL,
}
MONTH_WORDS = {"maret": 3, "mar": 3, "3": 3, "september": 9, "sep": 9, "sept": 9, "9": 9}
HEADERS = ["kode_provinsi", "wilayah", "periode", "garis_kemiskinan"]


@dataclass
class PovertyLineImport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def parse_period(text: str) -> datetime.date | None:
    text = text.strip().lower()
    for pattern, year_first in ((r"(\d{4})[-/](\w+)", True), (r"(\w+)[-/ ](\d{4})", False)):
        match = re.fullmatch(pattern, text)
        if match:
            year, month = match.groups() if year_first else reversed(match.groups())
            number = MONTH_WORDS.get(month.lstrip("0") or month)
            return datetime.date(int(year), number, 1) if number else None
    return None


def parse_amount(text: str) -> int | None:
    digits = re.sub(r"[.,\s]", "", text.strip().removeprefix("Rp").removeprefix("rp"))
    return int(digits) if digits.isdigit() and int(digits) > 0 else None


def poverty_lines_import(*, content: bytes) -> PovertyLineImport:
    """Check the whole file, then upsert every row in one transaction (or nothing)."""
    result = PovertyLineImport()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append(_("Berkas bukan teks CSV berkode UTF-8."))
        return result
    reader = csv.reader(io.StringIO(text), delimiter=";" if text.count(";") > text.count(",") else ",")
    rows = list(reader)
    if not rows:
        result.errors.append(_("Berkas kosong."))
        return result
    header = [cell.strip().lower().replace(" ", "_") for cell in rows[0]]
    missing = [name for name in HEADERS if name not in header]
    if missing:
        result.errors.append(_("Kolom tidak ditemukan: %(columns)s.") % {"columns": ", ".join(missing)})
        return result
    if len(rows) - 1 > MAX_ROWS:
        result.errors.append(_("Berkas terlalu besar: paling banyak %(max)s baris.") % {"max": MAX_ROWS})
        return result
    provinces = {code: code for code in Region.objects.filter(level=Level.PROVINCE).values_list("code", flat=True)}
    parsed = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = dict(zip(header, (cell.strip() for cell in row), strict=False))
        code = values.get("kode_provinsi", "")
        area = AREA_WORDS.get(values.get("wilayah", "").lower())
        period = parse_period(values.get("periode", ""))
        amount = parse_amount(values.get("garis_kemiskinan", ""))
        problems = []
        if code not in provinces:
            problems.append(_("kode provinsi '%(code)s' tidak dikenal") % {"code": code})
        if area is None:
            problems.append(_("wilayah harus perkotaan, perdesaan atau total"))
        if period is None:
            problems.append(_("periode harus Maret atau September, mis. 2025-03 atau 'Maret 2025'"))
        if amount is None:
            problems.append(_("garis kemiskinan harus bilangan rupiah lebih dari nol"))
        if problems:
            result.errors.append(_("Baris %(row)s: %(problems)s.") % {"row": number, "problems": "; ".join(problems)})
            continue
        key = (code, area, period)
        if key in parsed:
            result.errors.append(
                _("Baris %(row)s: baris ganda untuk provinsi, wilayah dan periode yang sama.") % {"row": number}
            )
            continue
        parsed[key] = amount
    if result.errors:
        return result
    _save(parsed, result)
    return result


@transaction.atomic
def _save(parsed: dict, result: PovertyLineImport) -> None:
    for (code, area, period), amount in parsed.items():
        _line, created = PovertyLine.objects.update_or_create(
            province_id=code, area=area, period=period, defaults={"amount": amount, "source": "BPS (provinsi)"}
        )
        if created:
            result.created += 1
        else:
            result.updated += 1
