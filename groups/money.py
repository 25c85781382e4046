"""Rupiah in the reader's digit grouping: `Rp 1.250.000` in Bahasa Indonesia, `Rp 1,250,000` in
English; entered the same way, with or without the separators and `Rp`."""

import re

from django.core.exceptions import ValidationError
from django.utils.formats import get_format
from django.utils.translation import gettext as _


def separators() -> tuple[str, str]:
    """The active language's thousands and decimal separators ("." and "," in Bahasa Indonesia)."""
    return get_format("THOUSAND_SEPARATOR"), get_format("DECIMAL_SEPARATOR")


def group_digits(text: str) -> str:
    """A number written by Python (`1,250,000.5`) in the reader's separators."""
    group, decimal = separators()
    return text.replace(",", "\x00").replace(".", decimal).replace("\x00", group)


def format_rupiah(value) -> str:
    if value is None or value == "":
        return "–"
    amount = int(value)
    text = group_digits(f"{abs(amount):,}")
    return f"-Rp {text}" if amount < 0 else f"Rp {text}"


def parse_rupiah(text: str) -> int:
    """`Rp 1.250.000`, `1.250.000`, `1250000` and `1.250.000,00` all mean 1,250,000 (in English: `1,250,000.00`)."""
    group, decimal = separators()
    cleaned = text.strip().replace(" ", "")
    if cleaned[:2].lower() == "rp":
        cleaned = cleaned[2:]
    whole, _sep, cents = cleaned.partition(decimal)
    example = format_rupiah(1_250_000)
    if cents and set(cents) != {"0"}:
        raise ValidationError(_("Rupiah ditulis tanpa sen, misalnya %(example)s.") % {"example": example}, code="cents")
    if not re.fullmatch(rf"-?\d{{1,3}}({re.escape(group)}\d{{3}})*|-?\d+", whole):
        raise ValidationError(_("Tulis jumlah rupiah seperti %(example)s.") % {"example": example}, code="invalid")
    return int(whole.replace(group, ""))
