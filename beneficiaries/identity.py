"""Checks of NIK and No. KK, shared by the forms, the import engine and (later) the API.

Only lossless normalisation is applied: spaces, dots, dashes and the leading apostrophe
Excel users type to keep a number as text. A number Excel turned into scientific
notation, or that lost a digit, cannot be repaired and is rejected as such.
"""

import datetime
import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from lokal import PROVINCES, parse_nik
from lokal.wilayah import wilayah_name

_SEPARATORS = re.compile(r"[\s.\-\u00a0]")
_SCIENTIFIC = re.compile(r"^[0-9]+([.,][0-9]+)?[eE][+]?[0-9]+$")
_DIGITS = re.compile(r"^[0-9]+$")
# Excel keeps 15 significant digits: a 16-digit number typed into a numeric cell loses the last one.
EXCEL_PRECISION = 15


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


@dataclass
class IdentityCheck:
    value: str | None = None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # What the number encodes, when it could be read.
    sex: str | None = None
    birth_date: datetime.date | None = None

    @property
    def valid(self) -> bool:
        return not self.errors


def _sixteen_digits(raw, field_name: str, label: str, check: IdentityCheck) -> str | None:
    """The 16 digits of `raw`, or None with an error saying what is wrong."""
    if raw is None:
        raw = ""
    if isinstance(raw, bool):
        raw = str(raw)
    if isinstance(raw, int | float | Decimal):
        # A spreadsheet cell that holds a number, not text. Excel keeps 15 significant digits,
        # so a 16-digit number it stored ends in a 0 that replaced the real last digit.
        if raw != int(raw):
            check.errors.append(Problem(field_name, _lost_digits_message(label)))
            return None
        raw = int(raw)
        if len(str(raw)) > EXCEL_PRECISION and raw % 10 == 0:
            check.errors.append(Problem(field_name, _lost_digits_message(label)))
            return None
    text = str(raw).strip()
    if text.startswith("'"):
        text = text[1:]
    if _SCIENTIFIC.match(text.replace(" ", "")):
        check.errors.append(Problem(field_name, _lost_digits_message(label)))
        return None
    digits = _SEPARATORS.sub("", text)
    if not digits:
        check.errors.append(Problem(field_name, _("%(label)s wajib diisi.") % {"label": label}))
        return None
    if not _DIGITS.match(digits):
        check.errors.append(Problem(field_name, _("%(label)s hanya boleh berisi angka.") % {"label": label}))
        return None
    if len(digits) == 15:
        check.errors.append(
            Problem(
                field_name,
                _(
                    "%(label)s hanya 15 digit: satu digit hilang (misalnya angka 0 di depan yang dibuang "
                    "spreadsheet). Ketik ulang ke-16 digitnya sebagai teks."
                )
                % {"label": label},
            )
        )
        return None
    if len(digits) != 16:
        check.errors.append(
            Problem(
                field_name,
                _("%(label)s harus 16 digit, bukan %(count)d.") % {"label": label, "count": len(digits)},
            )
        )
        return None
    return digits


def _lost_digits_message(label: str) -> str:
    return _(
        "%(label)s tersimpan sebagai angka biasa atau notasi ilmiah (mis. 3.17101E+15) sehingga digitnya "
        "hilang. Format kolom sebagai teks dan ketik ulang ke-16 digitnya."
    ) % {"label": label}


@functools.lru_cache(maxsize=8192)
def known_district(district_code: str) -> bool:
    """Whether a kecamatan code (and its kabupaten/kota) is in the current Kemendagri list."""
    regency = district_code[:5]
    return (
        district_code[:2] in PROVINCES and wilayah_name(regency) is not None and wilayah_name(district_code) is not None
    )


def _sex_label(sex: str) -> str:
    return _("perempuan") if sex == "P" else _("laki-laki")


def nik_check(raw, *, sex: str | None = None, birth_date: datetime.date | None = None) -> IdentityCheck:
    """Check a NIK's structure and that it agrees with the sex and birth date entered with it."""
    check = IdentityCheck()
    digits = _sixteen_digits(raw, "nik", "NIK", check)
    if digits is None:
        return check
    check.value = digits
    info = parse_nik(digits)
    for issue in info.errors:
        if issue.code == "province":
            check.errors.append(
                Problem("nik", _("Kode provinsi %(code)s di NIK tidak dikenal.") % {"code": info.province_code})
            )
        elif issue.code == "wilayah":
            check.errors.append(Problem("nik", _("Kode kabupaten/kota dan kecamatan di NIK tidak boleh 00.")))
        elif issue.code == "birth_date":
            check.errors.append(
                Problem("nik", _("Tanggal lahir di NIK (%(part)s) bukan tanggal yang ada.") % {"part": digits[6:12]})
            )
        elif issue.code == "serial":
            check.errors.append(Problem("nik", _("Nomor urut NIK (4 digit terakhir) tidak boleh 0000.")))
        else:  # pragma: no cover - a new lokal-id rule: show its own message
            check.errors.append(Problem("nik", issue.message))
    if info.province and "00" not in (digits[2:4], digits[4:6]) and not known_district(info.district_code):
        # Codes from before a regional split stay valid on old NIKs.
        check.warnings.append(
            Problem(
                "nik",
                _(
                    "Kode kabupaten/kecamatan %(code)s di NIK tidak ada di data Kemendagri terbaru "
                    "(mungkin kode lama sebelum pemekaran)."
                )
                % {"code": info.district_code},
            )
        )
    if info.birth_date:
        check.sex = info.gender
        check.birth_date = datetime.date.fromisoformat(info.birth_date)
        if sex and sex != info.gender:
            check.errors.append(
                Problem(
                    "jenis_kelamin",
                    _(
                        "Jenis kelamin tidak sesuai NIK: NIK menunjukkan %(nik_sex)s (tanggal %(day)s), "
                        "yang diisi %(sex)s."
                    )
                    % {"nik_sex": _sex_label(info.gender), "day": digits[6:8], "sex": _sex_label(sex)},
                )
            )
        nik_date = check.birth_date
        # Only day, month and the two-digit year are in the NIK: the century is not.
        if birth_date and (birth_date.day, birth_date.month, birth_date.year % 100) != (
            nik_date.day,
            nik_date.month,
            nik_date.year % 100,
        ):
            check.errors.append(
                Problem(
                    "tanggal_lahir",
                    _("Tanggal lahir tidak sesuai NIK: NIK menunjukkan %(nik_date)s, yang diisi %(date)s.")
                    % {"nik_date": nik_date.strftime("%d-%m-%y"), "date": birth_date.strftime("%d-%m-%Y")},
                )
            )
    return check


def no_kk_check(raw, *, today: datetime.date | None = None) -> IdentityCheck:
    """Check a No. KK: 16 digits, a known region prefix (warning only), a plausible issue date."""
    check = IdentityCheck()
    digits = _sixteen_digits(raw, "no_kk", _("No. KK"), check)
    if digits is None:
        return check
    check.value = digits
    district = f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}"
    if not known_district(district):
        check.warnings.append(
            Problem(
                "no_kk",
                _("Kode wilayah %(code)s di No. KK tidak ada di data Kemendagri terbaru.") % {"code": district},
            )
        )
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    today = today or timezone.localdate()
    year = 2000 + yy if yy <= today.year % 100 else 1900 + yy
    try:
        issued = datetime.date(year, month, day)
    except ValueError:
        issued = None
    if issued is None:
        check.errors.append(
            Problem("no_kk", _("Tanggal di No. KK (%(part)s) bukan tanggal yang ada.") % {"part": digits[6:12]})
        )
    if digits[12:] == "0000":
        check.errors.append(Problem("no_kk", _("Nomor urut No. KK (4 digit terakhir) tidak boleh 0000.")))
    return check
