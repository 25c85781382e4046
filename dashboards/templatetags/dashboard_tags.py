from decimal import Decimal

from django import template

from groups.money import format_rupiah

register = template.Library()


def format_number(value, decimals: int = 0) -> str:
    """Indonesian digit grouping: 1.250.000 and 12,5."""
    if value is None or value == "":
        return "–"
    text = f"{float(value) if isinstance(value, Decimal) else value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


@register.filter
def number(value) -> str:
    return format_number(value)


@register.filter
def rupiah(value) -> str:
    return format_rupiah(value)


@register.filter
def cell(row: dict, column) -> str:
    """A table cell formatted by its column's kind."""
    value = row.get(column.key)
    if column.kind == "text":
        return "" if value is None else str(value)
    if column.kind == "rupiah":
        return format_rupiah(value)
    if column.kind in ("kg", "dec"):
        return format_number(value, 1)
    if column.kind == "pct":
        return "–" if value is None else f"{format_number(value, 1)}%"
    return format_number(value)


@register.filter
def get(mapping: dict, key):
    return mapping.get(key)


@register.filter
def percent(value) -> str:
    return "–" if value is None else f"{format_number(value, 1)}%"


@register.filter
def kg(value) -> str:
    """One decimal, Indonesian style: 120,5."""
    return format_number(value, 1)
