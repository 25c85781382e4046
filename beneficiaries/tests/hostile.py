"""Hostile import files, generated on the fly (nothing big is committed).

Each entry writes one file into a folder and says how the import must end: `failed` with a
message matching `expect`, or `done`. Used by the engine-level tests (fast, in-process) and
by the upload-page suite with a real Celery worker (tests/test_hostile_uploads.py).
"""

import codecs
import io
import random
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="KPM" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
SHEET_HEAD = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'
SHEET_TAIL = "</sheetData></worksheet>"

# One valid household of two members in Kota Bandung (a village of the test regions).
ROWS = [
    ["3273011502150001", "3273014505900001", "Siti Aminah", "P", "1990-05-05", "kepala keluarga", "3273011001"],
    ["3273011502150001", "3273011203880002", "Asep Sunandar", "L", "1988-03-12", "suami", "3273011001"],
]
REQUIRED = ["no_kk", "nik", "nama", "jenis_kelamin", "tanggal_lahir", "hubungan", "kode_desa"]
FILLER = {"perkotaan": "Y", "disabilitas": "N", "hamil": "N"}
CSV_HEADER = [*REQUIRED, *FILLER]
CSV_ROWS = [[*row, *FILLER.values()] for row in ROWS]


@dataclass(frozen=True)
class Hostile:
    name: str
    write: Callable[[Path], Path]
    outcome: str  # "failed", "done", or "refused" (the upload form says no; there is no job)
    expect: str = ""


def _cell(ref: str, value: str) -> str:
    escaped = value.replace("&", "&amp;").replace("<", "&lt;")
    return f'<c r="{ref}" t="inlineStr"><is><t>{escaped}</t></is></c>'


def _row(number: int, values: list[str]) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return f'<row r="{number}">' + "".join(_cell(f"{letters[i]}{number}", v) for i, v in enumerate(values)) + "</row>"


def sheet_xml(*rows: str) -> str:
    return SHEET_HEAD + _row(1, CSV_HEADER) + "".join(rows) + SHEET_TAIL


def good_rows_xml() -> str:
    return "".join(_row(n, values) for n, values in enumerate(CSV_ROWS, start=2))


def write_xlsx(path: Path, sheet, *, shared=None, compress: int = zipfile.ZIP_DEFLATED, extra=()) -> Path:
    """A minimal workbook; `sheet`/`shared` are text, or callables that write into an open part."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, content in (("xl/worksheets/sheet1.xml", sheet), ("xl/sharedStrings.xml", shared)):
            if content is None:
                continue
            if callable(content):
                info = zipfile.ZipInfo(name)
                info.compress_type = compress
                with archive.open(info, "w", force_zip64=True) as part:
                    content(part)
            else:
                archive.writestr(name, content, compress_type=compress)
        for name, content in extra:
            archive.writestr(name, content)
    return path


def _repeat(head: str, body: bytes, times: int, tail: str):
    def write(part):
        part.write(head.encode())
        for _ in range(times):
            part.write(body)
        part.write(tail.encode())

    return write


def _shared_strings(strings) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">' + "".join(strings) + "</sst>"


def _patch_sizes(path: Path, part: str, *, declared: int) -> None:
    """Make the archive lie: the part's uncompressed size, in both headers, becomes `declared`."""
    data = bytearray(path.read_bytes())
    name = part.encode()
    # Central directory entry: signature, then the uncompressed size at offset 24, name at 46.
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46 : central + 46 + name_length]) == name:
            struct.pack_into("<I", data, central + 24, declared)
            local = struct.unpack_from("<I", data, central + 42)[0]
            struct.pack_into("<I", data, local + 22, declared)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


def _csv(path: Path, rows, *, encoding="utf-8", delimiter=",") -> Path:
    text = io.StringIO()
    for row in rows:
        text.write(delimiter.join(row) + "\r\n")
    path.write_bytes(text.getvalue().encode(encoding))
    return path


# --- The files ------------------------------------------------------------------------------


def column_bomb(folder: Path) -> Path:
    # The 5 KB file of the issue: one cell at column ZZZZZZZ asked for ~64 GB.
    sheet = SHEET_HEAD + '<row r="1">' + _cell("ZZZZZZZ1", "x") + "</row>" + SHEET_TAIL
    return write_xlsx(folder / "column-bomb.xlsx", sheet)


def column_xfd(folder: Path) -> Path:
    # The last column Excel has is allowed; its value is simply not one the import reads.
    return write_xlsx(
        folder / "column-xfd.xlsx", sheet_xml(good_rows_xml(), '<row r="4">' + _cell("XFD4", "x") + "</row>")
    )


def row_bomb(folder: Path) -> Path:
    # A row numbered 30,000,000 held the worker 10 s (2e9 would have held it 11 min).
    return write_xlsx(folder / "row-bomb.xlsx", sheet_xml(good_rows_xml(), _row(30_000_000, CSV_ROWS[0])))


def row_beyond_excel(folder: Path) -> Path:
    return write_xlsx(folder / "row-2e9.xlsx", sheet_xml('<row r="2000000000"><c r="A2000000000"><v>1</v></c></row>'))


def row_beyond_limit(folder: Path) -> Path:
    # A row Excel can have, beyond the import's row limit.
    return write_xlsx(folder / "row-beyond-limit.xlsx", sheet_xml(good_rows_xml(), _row(900_000, CSV_ROWS[0])))


def shared_string_bomb(folder: Path) -> Path:
    # One 300 MB shared string in a file of a few hundred KB.
    shared = _repeat(f'<sst xmlns="{MAIN}"><si><t>', b"A" * (1024 * 1024), 300, "</t></si></sst>")
    sheet = sheet_xml('<row r="2"><c r="A2" t="s"><v>0</v></c></row>')
    return write_xlsx(folder / "shared-string-bomb.xlsx", sheet, shared=shared)


def shared_string_count(folder: Path) -> Path:
    shared = _shared_strings(f"<si><t>{i}</t></si>" for i in range(1_000_001))
    return write_xlsx(folder / "shared-string-count.xlsx", sheet_xml(good_rows_xml()), shared=shared)


def shared_string_long(folder: Path) -> Path:
    text = "".join(random.Random(1).choices("abcdefghijklmnopqrstuvwxyz ", k=40_000))
    shared = _shared_strings([f"<si><t>{text}</t></si>"])
    return write_xlsx(folder / "shared-string-long.xlsx", sheet_xml(good_rows_xml()), shared=shared)


def shared_string_index(folder: Path) -> Path:
    shared = _shared_strings(["<si><t>satu</t></si>"])
    sheet = sheet_xml('<row r="2"><c r="A2" t="s"><v>99</v></c></row>')
    return write_xlsx(folder / "shared-string-index.xlsx", sheet, shared=shared)


def zip_bomb_ratio(folder: Path) -> Path:
    sheet = _repeat(SHEET_HEAD, b" " * (1024 * 1024), 64, SHEET_TAIL)
    return write_xlsx(folder / "zip-bomb-ratio.xlsx", sheet)


def zip_bomb_size(folder: Path) -> Path:
    # A part that declares 600 MB: refused on its header before a byte is inflated.
    path = write_xlsx(folder / "zip-bomb-size.xlsx", sheet_xml(good_rows_xml()))
    _patch_sizes(path, "xl/worksheets/sheet1.xml", declared=600 * 1024 * 1024)
    return path


def zip_bomb_lying(folder: Path) -> Path:
    # 64 MB of spaces whose headers claim 1,000 bytes: zipfile must not believe them.
    path = write_xlsx(
        folder / "zip-bomb-lying.xlsx", _repeat(SHEET_HEAD, b" " * (1024 * 1024), 64, good_rows_xml() + SHEET_TAIL)
    )
    _patch_sizes(path, "xl/worksheets/sheet1.xml", declared=1_000)
    return path


def bzip2_part(folder: Path) -> Path:
    # zipfile inflates bzip2 and LZMA without an output limit per call.
    return write_xlsx(folder / "bzip2.xlsx", sheet_xml(good_rows_xml()), compress=zipfile.ZIP_BZIP2)


def many_parts(folder: Path) -> Path:
    extra = [(f"xl/media/empty{i}.bin", b"") for i in range(12_000)]
    return write_xlsx(folder / "many-parts.xlsx", sheet_xml(good_rows_xml()), extra=extra)


def long_tag(folder: Path) -> Path:
    noise = "".join(random.Random(2).choices("abcdefghijklmnopqrstuvwxyz", k=2 * 1024 * 1024))
    return write_xlsx(folder / "long-tag.xlsx", sheet_xml(f'<row r="2" x="{noise}"></row>'))


def deep_xml(folder: Path) -> Path:
    return write_xlsx(folder / "deep.xlsx", sheet_xml("<a>" * 200 + "</a>" * 200))


def billion_laughs(folder: Path) -> Path:
    entities = '<!ENTITY a "hahahahahahahahahaha">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    sheet = f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]><worksheet xmlns="{MAIN}"><sheetData>'
    sheet += '<row r="1"><c r="A1" t="inlineStr"><is><t>&j;</t></is></c></row>' + SHEET_TAIL
    return write_xlsx(folder / "billion-laughs.xlsx", sheet)


def not_xml(folder: Path) -> Path:
    return write_xlsx(folder / "not-xml.xlsx", "this is { not xml")


def long_cell(folder: Path) -> Path:
    return write_xlsx(folder / "long-cell.xlsx", sheet_xml('<row r="2">' + _cell("C2", "x" * 200_000) + "</row>"))


def garbage_xlsx(folder: Path) -> Path:
    path = folder / "garbage.xlsx"
    path.write_bytes(random.Random(3).randbytes(256 * 1024))
    return path


def garbage_csv(folder: Path) -> Path:
    path = folder / "garbage.csv"
    path.write_bytes(random.Random(4).randbytes(256 * 1024))
    return path


def utf16_csv(folder: Path) -> Path:
    path = _csv(folder / "utf16.csv", [CSV_HEADER, *CSV_ROWS], encoding="utf-16", delimiter="\t")
    assert path.read_bytes().startswith(codecs.BOM_UTF16_LE)
    return path


def latin1_csv(folder: Path) -> Path:
    rows = [CSV_HEADER, *CSV_ROWS]
    rows[1] = [*rows[1][:2], "Siti Aminah Peña", *rows[1][3:]]
    return _csv(folder / "latin1.csv", rows, encoding="latin-1", delimiter=";")


def header_only_csv(folder: Path) -> Path:
    return _csv(folder / "header-only.csv", [CSV_HEADER])


def header_only_xlsx(folder: Path) -> Path:
    return write_xlsx(folder / "header-only.xlsx", sheet_xml())


def long_field_csv(folder: Path) -> Path:
    row = [*CSV_ROWS[0]]
    row[2] = "x" * 200_000
    return _csv(folder / "long-field.csv", [CSV_HEADER, row])


def huge_line_csv(folder: Path) -> Path:
    # Just under the 60 MB upload limit, all on one line.
    path = folder / "huge-line.csv"
    with path.open("wb") as handle:
        handle.write(",".join(CSV_HEADER).encode() + b"\n")
        block = b"x" * (1024 * 1024)
        for _ in range(58):
            handle.write(block)
    return path


def many_fields_csv(folder: Path) -> Path:
    return _csv(folder / "many-fields.csv", [CSV_HEADER + [""] * 900_000, *CSV_ROWS])


def hundred_megabytes(folder: Path) -> Path:
    path = folder / "seratus-mb.csv"
    with path.open("wb") as handle:
        handle.write(",".join(CSV_HEADER).encode() + b"\n")
        handle.truncate(100 * 1024 * 1024)
    return path


HOSTILE = [
    Hostile("column-bomb", column_bomb, "failed", r"Kolom ZZZZZZZ1 pada baris 1 berada di luar batas XLSX"),
    Hostile("column-xfd", column_xfd, "done"),
    Hostile("row-bomb", row_bomb, "failed", r"Baris 30000000 berada di luar batas lembar kerja"),
    Hostile("row-2e9", row_beyond_excel, "failed", r"Baris 2000000000 berada di luar batas lembar kerja"),
    Hostile("row-beyond-limit", row_beyond_limit, "failed", r"Baris 900000 melebihi batas 200000 baris data"),
    Hostile(
        "shared-string-bomb", shared_string_bomb, "failed", r"xl/sharedStrings.xml .* terlalu besar setelah diekstrak"
    ),
    Hostile("shared-string-count", shared_string_count, "failed", r"lebih dari 1000000 teks bersama"),
    Hostile("shared-string-long", shared_string_long, "failed", r"Teks bersama nomor 0 berisi teks lebih dari 32767"),
    Hostile("shared-string-index", shared_string_index, "failed", r"Sel A2 merujuk teks bersama nomor 99"),
    Hostile("zip-bomb-ratio", zip_bomb_ratio, "failed", r"sheet1.xml .* dipadatkan secara tidak wajar"),
    Hostile("zip-bomb-size", zip_bomb_size, "failed", r"sheet1.xml .* terlalu besar setelah diekstrak"),
    Hostile("zip-bomb-lying", zip_bomb_lying, "failed", r"sheet1.xml"),
    Hostile("bzip2", bzip2_part, "failed", r"tidak didukung"),
    Hostile("many-parts", many_parts, "failed", r"terlalu banyak bagian"),
    Hostile("long-tag", long_tag, "failed", r"satu unsur XML lebih dari 1024 KB"),
    Hostile("deep-xml", deep_xml, "failed", r"terlalu dalam"),
    Hostile("billion-laughs", billion_laughs, "failed", r"DTD"),
    Hostile("not-xml", not_xml, "failed", r"bukan XML yang sah"),
    Hostile("long-cell", long_cell, "failed", r"Sel C2 berisi teks lebih dari 32767"),
    Hostile("garbage-xlsx", garbage_xlsx, "failed", r"bukan XLSX yang sah"),
    Hostile("garbage-csv", garbage_csv, "failed", r"bukan CSV teks"),
    Hostile("utf16", utf16_csv, "done"),
    Hostile("latin1", latin1_csv, "done"),
    Hostile("header-only-csv", header_only_csv, "failed", r"tidak berisi baris data"),
    Hostile("header-only-xlsx", header_only_xlsx, "failed", r"tidak berisi baris data"),
    Hostile("long-field", long_field_csv, "failed", r"Baris 2 berisi kolom yang lebih dari 32767 karakter"),
    Hostile("huge-line", huge_line_csv, "failed", r"Baris 2 berkas CSV lebih dari 1048576 karakter"),
    Hostile("many-fields", many_fields_csv, "done"),
    Hostile("100-mb", hundred_megabytes, "refused", r"Berkas terlalu besar"),
]
