"""A dashboard table as an XLSX workbook: area, filters and "data as of" above the table."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from dashboards.selectors import Table, as_number

NUMBER_FORMATS = {"rupiah": '"Rp" #,##0', "int": "#,##0", "kg": "#,##0.0", "pct": "0.0", "dec": "0.0"}


def _cell_value(value):
    value = as_number(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # never let a name become a formula
    return value


def table_xlsx(table: Table, *, area_name: str, filters_text: str, data_as_of) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.slug[:31]
    as_of = timezone.localtime(data_as_of).strftime("%d/%m/%Y %H:%M") if data_as_of else _("belum pernah diperbarui")
    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_("Wilayah"), area_name])
    sheet.append([_("Filter"), filters_text])
    sheet.append([_("Data per"), as_of])
    sheet.append([])
    columns = table.export_columns or table.columns
    sheet.append([str(column.label) for column in columns])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    body = [*table.rows, *([table.total] if table.total else [])]
    for row in body:
        sheet.append([_cell_value(value) for value in table.values(row, columns)])
        for cell, column in zip(sheet[sheet.max_row], columns, strict=True):
            if column.kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[column.kind]
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(row=6, column=index).column_letter].width = max(
            12, len(str(column.label)) + 4
        )
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
