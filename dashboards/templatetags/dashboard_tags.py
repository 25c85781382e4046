from decimal import Decimal
from html import escape as html_escape

from django import template
from django.utils.safestring import mark_safe

from groups.money import format_rupiah, group_digits

register = template.Library()


def format_number(value, decimals: int = 0) -> str:
    """The reader's digit grouping: 1.250.000 and 12,5 in Bahasa Indonesia, 1,250,000 and 12.5 in English."""
    if value is None or value == "":
        return "–"
    return group_digits(f"{float(value) if isinstance(value, Decimal) else value:,.{decimals}f}")


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


def escape(value) -> str:
    # The standard library's: django.utils.html.escape's lazy-argument check costs more than the page's SQL here.
    return html_escape(str(value))


def _link(row: dict, text: str, query_string: str) -> str:
    url = row.get("url")
    if not url:
        return text
    if query_string:
        url = f"{url}{'&' if '?' in url else '?'}{query_string}"
    return f'<a href="{escape(url)}">{text}</a>'


def _row_html(row: dict, columns, query_string: str, *, first_class: str = "fw-normal") -> str:
    """One table row; built in Python because a template loop per cell costs more than the page's SQL."""
    parts = ["<tr>"]
    for index, column in enumerate(columns):
        text = escape(cell(row, column))
        if index == 0:
            parts.append(f'<th scope="row" class="{first_class}">{_link(row, text, query_string)}</th>')
        elif column.kind == "text":
            parts.append(f"<td>{text}</td>")
        else:
            parts.append(f'<td class="text-end text-nowrap">{text}</td>')
    parts.append("</tr>")
    return "".join(parts)


@register.simple_tag
def table_rows(rows, columns, query_string="", first_class="fw-normal"):
    return mark_safe("".join(_row_html(row, columns, query_string, first_class=first_class) for row in rows))  # noqa: S308 - every value escaped


@register.simple_tag
def table_head(columns):
    cells = []
    for column in columns:
        align = "" if column.kind == "text" else ' class="text-end"'
        cells.append(f'<th scope="col"{align}>{escape(column.label)}</th>')
    return mark_safe(f"<tr>{''.join(cells)}</tr>")  # noqa: S308 - every value escaped
