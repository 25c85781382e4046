"""Rupiah the Indonesian way: `Rp 1.250.000` shown, and entered with or without dots and `Rp`."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_RUPIAH_INPUT = re.compile(r"^-?\d{1,3}(\.\d{3})*$|^-?\d+$")


def format_rupiah(value) -> str:
    if value is None or value == "":
        return "–"
    amount = int(value)
    text = f"{abs(amount):,}".replace(",", ".")
    return f"-Rp {text}" if amount < 0 else f"Rp {text}"


def parse_rupiah(text: str) -> int:
    """`Rp 1.250.000`, `1.250.000`, `1250000` and `1.250.000,00` all mean 1,250,000."""
    cleaned = text.strip().replace(" ", "")
    if cleaned[:2].lower() == "rp":
        cleaned = cleaned[2:]
    whole, _sep, cents = cleaned.partition(",")
    if cents and set(cents) != {"0"}:
        raise ValidationError(_("Rupiah ditulis tanpa sen, misalnya Rp 1.250.000."), code="cents")
    if not _RUPIAH_INPUT.match(whole):
        raise ValidationError(_("Tulis jumlah rupiah seperti Rp 1.250.000."), code="invalid")
    return int(whole.replace(".", ""))
