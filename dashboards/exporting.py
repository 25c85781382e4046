"""A dashboard table as an XLSX workbook: area, filters and "data as of" above the table."""

import re

from django.utils import timezone
from django.utils.translation import gettext as _

from dashboards.selectors import Table, as_number
from kube_portal.spreadsheets import XlsxBook

NUMBER_FORMATS = {"rupiah": '"Rp" #,##0', "int": "#,##0", "kg": "#,##0.0", "pct": "0.0", "dec": "0.0"}


def sheet_name(title) -> str:
    """The table's title in the reader's language, as Excel allows it: 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "-", str(title))[:31]


def table_xlsx(table: Table, *, area_name: str, filters_text: str, data_as_of) -> bytes:
    book = XlsxBook()
    sheet = book.sheet(sheet_name(table.title))
    columns = table.export_columns or table.columns
    sheet.column_widths([max(12, len(str(column.label)) + 4) for column in columns])
    as_of = timezone.localtime(data_as_of).strftime("%d/%m/%Y %H:%M") if data_as_of else _("belum pernah diperbarui")
    sheet.append([table.title], bold=True, size=13)
    sheet.append([_("Wilayah"), area_name])
    sheet.append([_("Filter"), filters_text])
    sheet.append([_("Data per"), as_of])
    sheet.append([])
    sheet.append([str(column.label) for column in columns], bold=True)
    formats = [NUMBER_FORMATS.get(column.kind) for column in columns]
    for row in [*table.rows, *([table.total] if table.total else [])]:
        sheet.append([as_number(value) for value in table.values(row, columns)], number_formats=formats)
    return book.to_bytes()
