"""A streaming reader of the first sheet of an XLSX file: cell values, row by row.

openpyxl's read-only mode builds a cell object per value and needs about 30 s for a
100,000-row sheet on the import's 2-core machine; reading the sheet XML with the C
ElementTree parser takes a few seconds. Values come back as an import needs them:
text as `str`, numbers as `int` or `float` (a date cell is its Excel serial number),
booleans as `bool`, empty cells as None. A missing row is yielded as `[]`, so row
numbers stay those the user sees in Excel.
"""

import posixpath
import zipfile
from collections.abc import Iterator
from xml.etree.ElementTree import iterparse  # noqa: S405 - expat (libexpat >= 2.4) refuses entity expansion attacks

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
ROW = f"{MAIN}row"
VALUE = f"{MAIN}v"
_COLUMN_INDEX: dict[str, int] = {}


class XlsxError(ValueError):
    pass


def _column_index(reference: str) -> int:
    letters = reference.rstrip("0123456789")
    index = _COLUMN_INDEX.get(letters)
    if index is None:
        index = 0
        for letter in letters:
            index = index * 26 + (ord(letter) - 64)
        index = _COLUMN_INDEX[letters] = index - 1
    return index


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    try:
        handle = archive.open("xl/sharedStrings.xml")
    except KeyError:
        return []
    strings = []
    with handle:
        for _event, element in iterparse(handle):  # noqa: S314 - see the import
            if element.tag == f"{MAIN}si":
                # Rich text splits a string into runs; phonetic hints (rPh) are not part of it.
                parts = [t.text or "" for t in element.iter(f"{MAIN}t")]
                hints = [t.text or "" for ph in element.iter(f"{MAIN}rPh") for t in ph.iter(f"{MAIN}t")]
                text = "".join(parts)
                for hint in hints:
                    text = text.replace(hint, "", 1)
                strings.append(text)
                element.clear()
    return strings


def _first_sheet(archive: zipfile.ZipFile) -> str:
    try:
        with archive.open("xl/workbook.xml") as handle:
            sheet = next(element for _event, element in iterparse(handle) if element.tag == f"{MAIN}sheet")  # noqa: S314
        relation = sheet.get(f"{RELATIONSHIPS}id")
        with archive.open("xl/_rels/workbook.xml.rels") as handle:
            for _event, element in iterparse(handle):  # noqa: S314
                if element.tag == f"{PACKAGE_RELATIONSHIPS}Relationship" and element.get("Id") == relation:
                    target = element.get("Target")
                    return target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    except (KeyError, StopIteration):
        pass
    return "xl/worksheets/sheet1.xml"


def _value(cell):
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{MAIN}t"))
    raw = cell.findtext(VALUE)
    if raw is None:
        return None
    if kind == "s":
        return int(raw)  # resolved by the caller
    if kind == "n":
        if "." in raw or "E" in raw or "e" in raw:
            number = float(raw)
            return int(number) if number.is_integer() and abs(number) < 1e15 else number
        return int(raw)
    if kind == "b":
        return raw == "1"
    if kind == "e":
        return None
    return raw  # "str" (a formula's text), "d" (ISO date)


def iter_rows(path) -> Iterator[list]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise XlsxError(str(error)) from error
    with archive:
        shared = _shared_strings(archive)
        try:
            handle = archive.open(_first_sheet(archive))
        except KeyError as error:
            raise XlsxError("no worksheet") from error
        with handle:
            expected = 1
            for _event, element in iterparse(handle):  # noqa: S314 - see the import
                if element.tag != ROW:
                    continue
                number = int(element.get("r", expected))
                while expected < number:
                    yield []
                    expected += 1
                values: list = []
                for position, cell in enumerate(element):
                    reference = cell.get("r")
                    index = _column_index(reference) if reference else position
                    value = _value(cell)
                    if value is not None and cell.get("t") == "s":
                        value = shared[value]
                    if index >= len(values):
                        values.extend([None] * (index - len(values)))
                        values.append(value)
                    else:
                        values[index] = value
                yield values
                expected = number + 1
                # A row already read is of no further use: keep memory flat.
                element.clear()
