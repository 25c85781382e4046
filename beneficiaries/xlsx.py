"""A streaming reader of the first sheet of an XLSX file that no file can make explode.

Values come back as an import needs them: text as `str`, numbers as `int` or `float` (a
date cell is its Excel serial number), booleans as `bool`, empty cells as None. Rows come
as `(row number, values)`, numbered as the user sees them in Excel; rows without any value
are left out.

Every dimension of the input is bounded *before* anything is allocated for it, and a
violation raises `XlsxError` with a message for the user that names the cell, the row or
the part of the file:

- the archive: number of parts and size of its directory (read from the end record before
  `zipfile` builds an entry per part), compression method (deflate or none: zipfile
  inflates bzip2/LZMA without an output limit), each part's uncompressed size and
  compression ratio, from the directory and again while reading (`_BoundedPart`);
- the XML: depth, number of elements, and the length of every tag and text run (the
  distance between two `<`), so expat never buffers more than `MAX_TOKEN_BYTES`;
- the sheet: column index (XFD at most), row numbers (ascending, at most the import's row
  limit for a row with a value), text per cell (Excel's own 32,767 characters) and per row;
- the shared strings: their number, total length and each one's length, and every
  reference to them.

Why not a library: openpyxl's read-only mode builds a cell object per value (about 30 s for
100,000 rows) and python-calamine (much faster) loads the sheet into a dense rectangle in
Rust, so one cell at XFD200000 asks for tens of GB and aborts the whole process; neither
offers these bounds. Expat with handlers is fast, streams, and lets every check run as the
bytes arrive. Expat (libexpat >= 2.4) also refuses entity expansion attacks, and no DTD
gets through `_BoundedPart` anyway.
"""

import posixpath
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

from django.utils.translation import gettext as _

#: Excel's own limits: 16,384 columns (A..XFD), 1,048,576 rows, 32,767 characters per cell.
MAX_COLUMNS = 16_384
MAX_SHEET_ROWS = 1_048_576
MAX_CELL_CHARS = 32_767
#: All cells of one row together (18 columns of the import at Excel's cell limit fit twice).
MAX_ROW_CHARS = 1_048_576
#: Elements of the sheet per allowed row: a row of the import's 18 columns has about 75
#: (row, c, v or is/t); beyond this a file costs more time than the largest real one.
ELEMENTS_PER_ROW = 120
#: Shared strings: a 200,000-row Excel file has about 550,000 distinct texts of 12 M chars.
MAX_SHARED_STRINGS = 1_000_000
MAX_SHARED_CHARS = 32 * 1024 * 1024
#: Uncompressed size of one part; the sheet of a 200,000-row file is about 250 MB.
MAX_SHEET_BYTES = 512 * 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 256 * 1024 * 1024
MAX_OTHER_PART_BYTES = 16 * 1024 * 1024
#: Deflate reaches about 1,000:1 on repeated bytes; XML of a real sheet stays far below
#: 100:1 (Apache POI's default limit too). Parts under the grace size are not judged.
MAX_RATIO = 100
RATIO_GRACE_BYTES = 1024 * 1024
MAX_PARTS = 10_000
MAX_DIRECTORY_BYTES = 4 * 1024 * 1024
#: The longest tag or text run between two "<" (a cell's text escaped is at most ~200 KB).
MAX_TOKEN_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_SMALL_PART_ELEMENTS = 100_000
READ_SIZE = 64 * 1024

#: Column letters -> index, filled as cells are read (only valid columns: 16,384 at most).
_COLUMN_INDEX: dict[str, int] = {}
_KNOWN_NAMES = {"row", "c", "v", "is", "t", "rPh", "si", "sheet", "Relationship"}
_LOCAL_NAMES = {name: name for name in _KNOWN_NAMES}


class XlsxError(Exception):
    """The file cannot be read; the message, for the user, names the cell, row or part."""


def column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _local(name: str) -> str:
    """The element's local name, whatever namespace prefix the writer chose ("x:c" -> "c")."""
    local = _LOCAL_NAMES.get(name)
    if local is None:
        local = name.rpartition(":")[2]
        if local in _KNOWN_NAMES:  # only known names: a file could bring millions of others
            _LOCAL_NAMES[name] = local
    return local


# --- The archive --------------------------------------------------------------------------


def _check_directory(handle) -> None:
    """Refuse an archive whose directory is too big before `zipfile` makes an object per entry."""
    # zipfile's own end-record reader (private, but unchanged since Python 2.6): it also
    # follows the ZIP64 record.
    end = zipfile._EndRecData(handle)  # type: ignore[attr-defined]
    if end is None:
        raise XlsxError(_("Berkas ini bukan XLSX yang sah."))
    entries, size = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]  # type: ignore[attr-defined]
    if entries > MAX_PARTS or size > MAX_DIRECTORY_BYTES:
        raise XlsxError(
            _("Berkas XLSX ini berisi terlalu banyak bagian (%(count)d; batasnya %(limit)d).")
            % {"count": entries, "limit": MAX_PARTS}
        )


class _BoundedPart:
    """A part of the archive, read with its size, ratio and token lengths checked as it arrives.

    zipfile already stops at the size the directory declares; this counts again what really
    comes out, so a directory that lies about sizes cannot get more through.
    """

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int):
        self.name = info.filename
        self.limit = limit
        self.compressed = max(info.compress_size, 1)
        self.read_bytes = 0
        self.since_tag = 0
        self._handle = archive.open(info)

    def read(self, size: int = READ_SIZE) -> bytes:
        try:
            chunk = self._handle.read(size)
        except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, ValueError, zlib.error) as error:
            raise XlsxError(
                _("Bagian %(part)s dari berkas XLSX rusak: %(error)s") % {"part": self.name, "error": error}
            ) from error
        self.read_bytes += len(chunk)
        if self.read_bytes > self.limit:
            raise _too_big(self.name, self.limit)
        if self.read_bytes > RATIO_GRACE_BYTES and self.read_bytes > MAX_RATIO * self.compressed:
            raise _too_compressed(self.name, self.read_bytes // self.compressed)
        last = chunk.rfind(b"<")
        self.since_tag = self.since_tag + len(chunk) if last < 0 else len(chunk) - last - 1
        if self.since_tag > MAX_TOKEN_BYTES:
            raise XlsxError(
                _("Bagian %(part)s dari berkas XLSX berisi satu unsur XML lebih dari %(limit)d KB.")
                % {"part": self.name, "limit": MAX_TOKEN_BYTES // 1024}
            )
        return chunk

    def close(self) -> None:
        self._handle.close()


def _too_big(part: str, limit: int) -> XlsxError:
    return XlsxError(
        _("Bagian %(part)s dari berkas XLSX terlalu besar setelah diekstrak (lebih dari %(limit)d MB).")
        % {"part": part, "limit": limit // (1024 * 1024)}
    )


def _too_compressed(part: str, ratio: int) -> XlsxError:
    return XlsxError(
        _("Bagian %(part)s dari berkas XLSX dipadatkan secara tidak wajar (rasio %(ratio)d:1; batasnya %(limit)d:1).")
        % {"part": part, "ratio": ratio, "limit": MAX_RATIO}
    )


def _parser(part: _BoundedPart, text: list[str]) -> expat.XMLParserType:
    """Expat that appends character data to `text` (a C-level call: the sheet has millions).

    The handlers empty `text` at every tag, so it holds at most one run between two tags,
    which `_BoundedPart` keeps under MAX_TOKEN_BYTES. Comments, processing instructions and
    CDATA are the only ways to carry a text past a tag: none appears in an Office file, and
    one inside a value is refused rather than counted.
    """
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = READ_SIZE
    parser.CharacterDataHandler = text.append

    def doctype(*_args) -> None:
        # Office files never declare a DTD; one could only serve to define entities.
        raise XlsxError(_("Bagian %(part)s dari berkas XLSX berisi DTD, yang tidak diizinkan.") % {"part": part.name})

    def markup(*_args) -> None:
        if text:
            raise XlsxError(
                _("Bagian %(part)s dari berkas XLSX berisi komentar atau CDATA di dalam nilai sel.")
                % {"part": part.name}
            )

    parser.StartDoctypeDeclHandler = doctype
    parser.CommentHandler = parser.ProcessingInstructionHandler = markup
    parser.StartCdataSectionHandler = parser.EndCdataSectionHandler = markup
    return parser


def _parsed(parser: expat.XMLParserType, part: _BoundedPart) -> Iterator[None]:
    """Feed the whole part to the parser, pausing after each chunk so handlers' results can be taken."""
    while True:
        chunk = part.read()
        try:
            parser.Parse(chunk, not chunk)
        except expat.ExpatError as error:
            raise XlsxError(
                _("Bagian %(part)s dari berkas XLSX bukan XML yang sah (baris %(line)d): %(error)s")
                % {"part": part.name, "line": error.lineno, "error": expat.ErrorString(error.code)}
            ) from error
        yield
        if not chunk:
            return


def _structure(part: _BoundedPart, elements: int, max_elements: int) -> XlsxError:
    if elements > max_elements:
        return XlsxError(
            _("Bagian %(part)s dari berkas XLSX berisi terlalu banyak unsur XML (lebih dari %(limit)d).")
            % {"part": part.name, "limit": max_elements}
        )
    return XlsxError(_("Struktur XML bagian %(part)s terlalu dalam.") % {"part": part.name})


def _too_long(where: str) -> XlsxError:
    return XlsxError(
        _("%(where)s berisi teks lebih dari %(limit)d karakter.") % {"where": where, "limit": MAX_CELL_CHARS}
    )


# The parsers below run once per element of files with millions of them: the checks written out
# inline, no call that can be avoided (the shared strings: closures over local state).


def _shared_strings(part: _BoundedPart) -> list[str]:
    text: list[str] = []
    parser = _parser(part, text)
    strings: list[str] = []
    max_elements = MAX_SHARED_STRINGS * 16
    elements = depth = chars = length = 0
    current: list[str] | None = None
    collecting = phonetic = False
    names = _LOCAL_NAMES

    def start(name: str, attributes: dict) -> None:
        nonlocal elements, depth, current, length, collecting, phonetic
        elements += 1
        depth += 1
        if elements > max_elements or depth > MAX_DEPTH:
            raise _structure(part, elements, max_elements)
        text.clear()
        local = names.get(name) or _local(name)
        if local == "t":
            collecting = current is not None and not phonetic
        elif local == "si":
            if len(strings) >= MAX_SHARED_STRINGS:
                raise XlsxError(
                    _("Berkas XLSX berisi lebih dari %(limit)d teks bersama (xl/sharedStrings.xml).")
                    % {"limit": MAX_SHARED_STRINGS}
                )
            current, length = [], 0
        elif local == "rPh":
            # Phonetic hints (furigana) are not part of the text.
            phonetic = True

    def end(name: str) -> None:
        nonlocal depth, current, chars, length, collecting, phonetic
        depth -= 1
        local = names.get(name) or _local(name)
        if local == "t":
            if collecting and current is not None:
                piece = "".join(text)
                length += len(piece)
                if length > MAX_CELL_CHARS:
                    raise _too_long(_("Teks bersama nomor %(index)d") % {"index": len(strings)})
                current.append(piece)
                collecting = False
        elif local == "si" and current is not None:
            chars += length
            if chars > MAX_SHARED_CHARS:
                raise XlsxError(
                    _("Teks bersama di berkas XLSX lebih dari %(limit)d juta karakter.")
                    % {"limit": MAX_SHARED_CHARS // (1024 * 1024)}
                )
            strings.append(current[0] if len(current) == 1 else "".join(current))
            current = None
        elif local == "rPh":
            phonetic = False
        text.clear()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    for _chunk in _parsed(parser, part):
        pass
    return strings


def _sheet_rows(part: _BoundedPart, shared: list[str], max_rows: int) -> Iterator[tuple[int, list]]:
    yield from _SheetReader(part, shared, max_rows)


class _SheetReader:
    """The rows of a worksheet part as (row number, values), every dimension checked as it is read.

    Expat calls `start` and `end` for each element; each dispatches on the element's local name
    to one small handler (cells, values, inline text, rows, phonetic hints), so that the checks
    of one kind of element stay together.
    """

    def __init__(self, part: _BoundedPart, shared: list[str], max_rows: int):
        self.part, self.shared, self.max_rows = part, shared, max_rows
        self.text: list[str] = []
        self.parser = _parser(part, self.text)
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.rows: list[tuple[int, list]] = []
        self.max_elements = (max_rows + 1) * ELEMENTS_PER_ROW
        self.elements = self.depth = self.row_number = self.row_chars = self.inline_length = 0
        self.column = -1
        self.values: list = []
        self.kind = "n"
        self.raw: str | None = None
        self.inline: list[str] | None = None
        self.collecting = self.phonetic = False
        self.starts = {
            "c": self.start_cell,
            "v": self.start_value,
            "t": self.start_text,
            "row": self.start_row,
            "is": self.start_inline,
            "rPh": self.start_phonetic,
        }
        self.ends = {
            "c": self.end_cell,
            "v": self.end_value,
            "t": self.end_text,
            "row": self.end_row,
            "rPh": self.end_phonetic,
        }
        self.handlers: dict[str, tuple] = {}

    def __iter__(self) -> Iterator[tuple[int, list]]:
        for _chunk in _parsed(self.parser, self.part):
            yield from self.rows
            self.rows.clear()

    def cell(self) -> str:
        return f"{column_letters(self.column)}{self.row_number}"

    def start(self, name: str, attributes: dict) -> None:
        self.elements += 1
        self.depth += 1
        if self.elements > self.max_elements or self.depth > MAX_DEPTH:
            raise _structure(self.part, self.elements, self.max_elements)
        self.text.clear()
        handlers = self.handlers.get(name) or self.handlers_of(name)
        if handlers[0] is not None:
            handlers[0](attributes)

    def end(self, name: str) -> None:
        self.depth -= 1
        handlers = self.handlers.get(name) or self.handlers_of(name)
        if handlers[1] is not None:
            handlers[1]()
        self.text.clear()

    def handlers_of(self, name: str) -> tuple:
        """The (start, end) handlers of an element name, remembered for the first few names seen."""
        local = _LOCAL_NAMES.get(name) or _local(name)
        handlers = (self.starts.get(local), self.ends.get(local))
        if len(self.handlers) < 64:  # a file may carry any number of names: remember a few
            self.handlers[name] = handlers
        return handlers

    # --- <row>: its number, in order, inside the sheet's bounds ---

    def start_row(self, attributes: dict) -> None:
        reference = attributes.get("r")
        if reference is None:
            number = self.row_number + 1
        else:
            number = int(reference) if reference.isdigit() and len(reference) <= 10 else -1
            if number <= self.row_number:
                raise XlsxError(
                    _("Nomor baris %(row)s di berkas XLSX tidak sah atau tidak berurutan.") % {"row": reference[:20]}
                )
        if number > MAX_SHEET_ROWS:
            raise XlsxError(
                _("Baris %(row)d berada di luar batas lembar kerja XLSX (baris terakhir %(limit)d).")
                % {"row": number, "limit": MAX_SHEET_ROWS}
            )
        self.row_number, self.values, self.row_chars, self.column = number, [], 0, -1

    def end_row(self) -> None:
        if self.values:
            if self.row_number > self.max_rows + 1:
                raise XlsxError(
                    _("Baris %(row)d melebihi batas %(limit)d baris data. Bagi menjadi beberapa berkas.")
                    % {"row": self.row_number, "limit": self.max_rows}
                )
            self.rows.append((self.row_number, self.values))
        self.values = []

    # --- <c>: its column and type; its value when it ends ---

    def start_cell(self, attributes: dict) -> None:
        reference = attributes.get("r")
        if reference is None:
            self.column += 1
        else:
            index = _COLUMN_INDEX.get(reference.rstrip("0123456789"))
            self.column = _column_index(reference, self.row_number) if index is None else index
        if self.column >= MAX_COLUMNS:
            raise XlsxError(
                _("Kolom %(column)s pada baris %(row)d berada di luar batas XLSX (kolom terakhir XFD).")
                % {"column": (reference or column_letters(self.column))[:20], "row": self.row_number}
            )
        self.kind = attributes.get("t", "n")
        self.raw = self.inline = None

    def end_cell(self) -> None:
        value = self.cell_value()
        if value is None:
            return
        if type(value) is str:
            self.row_chars += len(value)
            if self.row_chars > MAX_ROW_CHARS:
                raise XlsxError(
                    _("Baris %(row)d berisi teks lebih dari %(limit)d karakter.")
                    % {"row": self.row_number, "limit": MAX_ROW_CHARS}
                )
        values, column = self.values, self.column
        if column >= len(values):
            values.extend([None] * (column - len(values)))
            values.append(value)
        else:
            values[column] = value

    def cell_value(self):
        """The value of the cell that ends: a shared string, an inline string, or `_value` of its <v>."""
        raw, kind = self.raw, self.kind
        if kind == "s":
            if raw is None:
                return None
            if raw.isdigit() and int(raw) < len(self.shared):
                return self.shared[int(raw)]
            raise XlsxError(
                _("Sel %(cell)s merujuk teks bersama nomor %(index)s yang tidak ada.")
                % {"cell": self.cell(), "index": raw[:20]}
            )
        if kind == "inlineStr":
            inline = self.inline
            return None if inline is None else inline[0] if len(inline) == 1 else "".join(inline)
        return _value(kind, raw, self.cell)

    # --- <v>, <is>, <t>, <rPh>: the text of a value, of an inline string, phonetic hints left out ---

    def start_value(self, attributes: dict) -> None:
        self.collecting = True

    def end_value(self) -> None:
        if self.collecting:
            text = self.text
            self.raw = raw = text[0] if len(text) == 1 else "".join(text)
            if len(raw) > MAX_CELL_CHARS:
                raise _too_long(_("Sel %(cell)s") % {"cell": self.cell()})
            self.collecting = False

    def start_inline(self, attributes: dict) -> None:
        self.inline, self.inline_length = [], 0

    def start_text(self, attributes: dict) -> None:
        self.collecting = self.inline is not None and not self.phonetic

    def end_text(self) -> None:
        if self.collecting and self.inline is not None:
            piece = "".join(self.text)
            self.inline_length += len(piece)
            if self.inline_length > MAX_CELL_CHARS:
                raise _too_long(_("Sel %(cell)s") % {"cell": self.cell()})
            self.inline.append(piece)
            self.collecting = False

    def start_phonetic(self, attributes: dict) -> None:
        self.phonetic = True

    def end_phonetic(self) -> None:
        self.phonetic = False


def _column_index(reference: str, row: int) -> int:
    """The column of a cell reference like "AB12"; remembered when valid (16,384 entries at most)."""
    letters = reference.rstrip("0123456789")
    if not (letters and letters.isascii() and letters.isalpha()):
        raise XlsxError(_("Alamat sel %(cell)s pada baris %(row)d tidak sah.") % {"cell": reference[:20], "row": row})
    if len(letters) > 3:  # beyond XFD, however long: not worth computing
        return MAX_COLUMNS
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    index -= 1
    if index < MAX_COLUMNS:
        _COLUMN_INDEX[letters] = index
    return index


def _value(kind: str, raw: str | None, cell: Callable[[], str]):
    """A cell's value from its <v> text, for every type but shared and inline strings."""
    if raw is None or kind == "e":
        return None
    if kind == "n":
        try:
            if "." in raw or "E" in raw or "e" in raw:
                number = float(raw)
                return int(number) if number.is_integer() and abs(number) < 1e15 else number
            return int(raw)
        except ValueError:
            raise XlsxError(
                _("Sel %(cell)s berisi angka yang tidak sah: %(value)s") % {"cell": cell(), "value": raw[:30]}
            ) from None
    if kind == "b":
        return raw == "1"
    return raw  # "str" (a formula's text), "d" (ISO date)


class Workbook:
    """The first worksheet of an XLSX file; opening checks the archive, `rows()` reads the sheet."""

    def __init__(self, source: Path | str | BinaryIO, *, max_rows: int):
        """`source` is a path or an open binary file (seekable)."""
        self.max_rows = max_rows
        try:
            if isinstance(source, str | Path):
                with open(source, "rb") as handle:
                    _check_directory(handle)
            else:
                _check_directory(source)
                source.seek(0)
            self.archive = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            raise XlsxError(_("Berkas ini bukan XLSX yang sah.")) from error
        try:
            self.sheet_name, self.shared_name = self._targets()
            sheet_info = self._info(self.sheet_name, MAX_SHEET_BYTES)
            if sheet_info is None:
                raise XlsxError(_("Berkas XLSX ini tidak berisi lembar kerja."))
            self.sheet_info: zipfile.ZipInfo = sheet_info
        except BaseException:
            self.archive.close()
            raise

    @property
    def sheet_bytes(self) -> int:
        return self.sheet_info.file_size

    def close(self) -> None:
        self.archive.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _info(self, name: str, limit: int) -> zipfile.ZipInfo | None:
        """The part's directory entry (None when missing), refused at once when it declares too much."""
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            return None
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
            raise XlsxError(
                _("Bagian %(part)s dari berkas XLSX dipadatkan atau dienkripsi dengan cara yang tidak didukung.")
                % {"part": name}
            )
        if info.file_size > limit:
            raise _too_big(name, limit)
        if info.file_size > RATIO_GRACE_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _too_compressed(name, info.file_size // max(info.compress_size, 1))
        return info

    def _open(self, info: zipfile.ZipInfo, limit: int) -> _BoundedPart:
        try:
            return _BoundedPart(self.archive, info, limit)
        except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, NotImplementedError) as error:
            raise XlsxError(
                _("Bagian %(part)s dari berkas XLSX rusak: %(error)s") % {"part": info.filename, "error": error}
            ) from error

    def _small_part(self, name: str, element: str) -> list[dict]:
        info = self._info(name, MAX_OTHER_PART_BYTES)
        if info is None:
            return []
        part = self._open(info, MAX_OTHER_PART_BYTES)
        try:
            return list(_attributes_of(part, element))
        finally:
            part.close()

    def _targets(self) -> tuple[str, str]:
        """The parts of the first sheet and of the shared strings, as the workbook's relationships say."""
        sheets = self._small_part("xl/workbook.xml", "sheet")
        relation = next((v for k, v in sheets[0].items() if k == "r:id" or k.endswith(":id")), None) if sheets else None
        sheet, shared = "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"
        for attributes in self._small_part("xl/_rels/workbook.xml.rels", "Relationship"):
            target = attributes.get("Target", "")
            if not target:
                continue
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            if relation is not None and attributes.get("Id") == relation:
                sheet = target
            if attributes.get("Type", "").endswith("/sharedStrings"):
                shared = target
        return sheet, shared

    def rows(self) -> Iterator[tuple[int, list]]:
        shared: list[str] = []
        info = self._info(self.shared_name, MAX_SHARED_STRINGS_BYTES)
        if info is not None:
            part = self._open(info, MAX_SHARED_STRINGS_BYTES)
            try:
                shared = _shared_strings(part)
            finally:
                part.close()
        part = self._open(self.sheet_info, MAX_SHEET_BYTES)
        try:
            yield from _sheet_rows(part, shared, self.max_rows)
        finally:
            part.close()


def _attributes_of(part: _BoundedPart, wanted: str) -> Iterator[dict]:
    """The attributes of every `wanted` element of a small part (workbook, relationships)."""
    text: list[str] = []
    parser = _parser(part, text)
    found: list[dict] = []
    elements = depth = 0

    def start(name: str, attributes: dict) -> None:
        nonlocal elements, depth
        elements += 1
        depth += 1
        if elements > MAX_SMALL_PART_ELEMENTS or depth > MAX_DEPTH:
            raise _structure(part, elements, MAX_SMALL_PART_ELEMENTS)
        text.clear()
        if _local(name) == wanted:
            found.append(attributes)

    def end(_name: str) -> None:
        nonlocal depth
        depth -= 1
        text.clear()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    for _chunk in _parsed(parser, part):
        yield from found
        found.clear()


def iter_rows(source: Path | str | BinaryIO, *, max_rows: int) -> Iterator[tuple[int, list]]:
    """`(row number, values)` of the first sheet's rows that hold a value."""
    with Workbook(source, max_rows=max_rows) as workbook:
        yield from workbook.rows()
