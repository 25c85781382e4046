"""The one writer of every spreadsheet the app hands out (XLSX and CSV).

Whatever a user typed (a name, an address, a visit note) can end up in a cell that an
officer opens in Excel or LibreOffice. Text that starts like a formula must never run as
one (`=HYPERLINK(...)`, `+cmd|' /C calc'!A0`, `@SUM(1,1)`, `-1+1`). The rule lives here
and nowhere else:

- **XLSX**: text is always written as a text cell, never as a formula, whatever it starts
  with (openpyxl would otherwise type any string starting with `=` as a formula, and
  `#N/A` as an error). Text that starts like a formula also gets Excel's *quote prefix*,
  so that editing the cell later does not turn it into one either. The text itself is
  kept as typed: an exported file imports back unchanged.
- **CSV** has no cell types: text that starts like a formula gets a leading apostrophe
  (the OWASP advice), which Excel shows as text.

Numbers stay numbers in both (a negative amount is a number, not text). Characters an
XLSX file cannot hold are dropped and text is cut at the 32,767 characters a cell holds,
so no user input can make an export fail.
"""

import csv
import datetime
import decimal
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

#: What a spreadsheet may read as the start of a formula (full-width forms included:
#: Excel converts them on entry in some locales).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CELL_CHARS = 32_767
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]\*\?/\\:]")
NUMBER = (int, float, decimal.Decimal)


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


# --- CSV --------------------------------------------------------------------------------------


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: numbers as they are, text with formula starts escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, NUMBER):
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if looks_like_formula(text) else text


class _Echo:
    def write(self, value):
        return value


def csv_lines(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], *, on_finish: Callable[[int], None] | None = None
) -> Iterator[str]:
    """The lines of a CSV file, to stream: a BOM (so Excel reads UTF-8), the header, the rows.

    `on_finish(count)` is called with the number of rows once the last one was produced
    (not when a client drops the download halfway).
    """
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([csv_cell(value) for value in header])
    count = 0
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])
        count += 1
    if on_finish is not None:
        on_finish(count)


# --- XLSX -------------------------------------------------------------------------------------


@cache
def _font(bold: bool, size: float | None) -> Font:
    return Font(bold=bold, size=size) if size else Font(bold=bold)


WRAP = Alignment(wrap_text=True, vertical="top")


def _text(value: Any) -> str:
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text[:XLSX_MAX_CELL_CHARS]


class XlsxSheet:
    """One sheet of an `XlsxBook`, written row by row (openpyxl's write-only mode)."""

    def __init__(self, book: "XlsxBook", title: str):
        self._sheet: WriteOnlyWorksheet = book._workbook.create_sheet(sheet_title(title))
        self.rows = 0

    def column_widths(self, widths: Sequence[float | None]) -> None:
        """Widths in characters, from column A; set them before the first row."""
        from openpyxl.utils import get_column_letter

        for index, width in enumerate(widths, start=1):
            if width:
                self._sheet.column_dimensions[get_column_letter(index)].width = width

    def append(
        self,
        values: Sequence[Any],
        *,
        bold: bool = False,
        size: float | None = None,
        wrap: bool = False,
        number_formats: Sequence[str | None] | None = None,
    ) -> None:
        if self.rows >= XLSX_MAX_ROWS:
            raise OverflowError("an XLSX sheet holds 1,048,576 rows")
        formats = number_formats or ()
        cells = [
            self._cell(value, bold=bold, size=size, wrap=wrap, number_format=formats[i] if i < len(formats) else None)
            for i, value in enumerate(values)
        ]
        self._sheet.append(cells)
        self.rows += 1

    def _cell(self, value: Any, *, bold: bool, size: float | None, wrap: bool, number_format: str | None):
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            value = timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
        if isinstance(value, bool) or value is None or isinstance(value, NUMBER + (datetime.date,)):
            cell = WriteOnlyCell(self._sheet, value=value)
        else:
            text = _text(value)
            cell = WriteOnlyCell(self._sheet, value=text)
            # Text stays text: never a formula (`=...`) nor an error value (`#N/A`).
            cell.data_type = "s"
            if looks_like_formula(text):
                cell.quotePrefix = True
        if bold or size:
            cell.font = _font(bold, size)
        if wrap:
            cell.alignment = WRAP
        if number_format:
            cell.number_format = number_format
        return cell


class XlsxBook:
    """An XLSX workbook written through this module only; see the module docstring."""

    def __init__(self):
        self._workbook = Workbook(write_only=True)

    def sheet(self, title: str) -> XlsxSheet:
        return XlsxSheet(self, title)

    def table(
        self,
        title: str,
        header: Sequence[Any],
        rows: Iterable[Sequence[Any]],
        *,
        number_formats: Sequence[str | None] | None = None,
    ) -> int:
        """A header row in bold and the rows under it; returns how many rows were written.

        A sheet holds 1,048,576 rows: past that the table carries on in "<title> 2", ...
        under the same header.
        """
        sheet = self.sheet(title)
        sheet.append(header, bold=True)
        count, part = 0, 1
        for row in rows:
            if sheet.rows == XLSX_MAX_ROWS:
                part += 1
                sheet = self.sheet(f"{title} {part}")
                sheet.append(header, bold=True)
            sheet.append(row, number_formats=number_formats)
            count += 1
        return count

    def save(self, destination) -> None:
        if not self._workbook.worksheets:
            self._workbook.create_sheet("-")
        self._workbook.save(destination)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()


def sheet_title(title: str) -> str:
    """Excel allows 31 characters and none of []*?/\\: in a sheet's name."""
    return _SHEET_TITLE_FORBIDDEN.sub(" ", str(title)).strip()[:31] or "-"
