"""The bounded readers: every hostile file ends in one clear message (or imports), in-process.

The same files go through the upload page and a real Celery worker in
tests/test_hostile_uploads.py; here each one is checked fast, against the engine itself.
"""

import random
import resource

import pytest

from beneficiaries import xlsx
from beneficiaries.importing import ImportFileError, households_import
from beneficiaries.tests import hostile

pytestmark = pytest.mark.django_db

IN_PROCESS = [case for case in hostile.HOSTILE if case.outcome != "refused"]


@pytest.mark.parametrize("case", IN_PROCESS, ids=[case.name for case in IN_PROCESS])
def test_hostile_file_ends_in_a_clear_message(case, tmp_path, officer_bandung):
    path = case.write(tmp_path)
    if case.outcome == "failed":
        with pytest.raises(ImportFileError, match=case.expect):
            households_import(user=officer_bandung, path=path, dry_run=True)
    else:
        result = households_import(user=officer_bandung, path=path, dry_run=True)
        assert result.rows_total >= 2
        assert result.households_created == 1, [p.message for p in result.problems]


def test_reading_a_bomb_allocates_nothing_big(tmp_path):
    """The issue's 5 KB column bomb asked for ~64 GB; now it costs nothing measurable."""
    path = hostile.column_bomb(tmp_path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(xlsx.XlsxError, match="ZZZZZZZ1"):
        list(xlsx.iter_rows(path, max_rows=200_000))
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 10 * 1024  # KB


def rows_of(path, max_rows=100):
    return list(xlsx.iter_rows(path, max_rows=max_rows))


def test_prefixed_names_positional_cells_rich_text_and_phonetic_hints(tmp_path):
    main = hostile.MAIN
    shared = (
        f'<x:sst xmlns:x="{main}"><x:si><x:t>satu</x:t></x:si>'
        "<x:si><x:r><x:t>Sus</x:t></x:r><x:r><x:t>anti</x:t></x:r><x:rPh><x:t>スサンティ</x:t></x:rPh></x:si></x:sst>"
    )
    sheet = (
        f'<x:worksheet xmlns:x="{main}"><x:sheetData>'
        '<x:row><x:c t="s"><x:v>0</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c><x:c><x:v>3.5</x:v></x:c></x:row>'
        '<x:row r="4"><x:c r="C4" t="b"><x:v>1</x:v></x:c><x:c t="e"><x:v>#N/A</x:v></x:c>'
        '<x:c t="inlineStr"><x:is><x:t>a&amp;b</x:t></x:is></x:c></x:row>'
        '<x:row r="5"><x:c r="A5" s="1"/></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    path = hostile.write_xlsx(tmp_path / "prefixed.xlsx", sheet, shared=shared)
    # Row 5 holds no value and is left out; row numbers stay those of Excel.
    assert rows_of(path) == [(1, ["satu", "Susanti", 3.5]), (4, [None, None, True, None, "a&b"])]


def test_rows_out_of_order_and_bad_references_name_the_place(tmp_path):
    unordered = hostile.write_xlsx(
        tmp_path / "a.xlsx", hostile.sheet_xml('<row r="3"><c r="A3"><v>1</v></c></row><row r="2"></row>')
    )
    with pytest.raises(xlsx.XlsxError, match="Nomor baris 2 .* tidak berurutan"):
        rows_of(unordered)
    bad = hostile.write_xlsx(tmp_path / "b.xlsx", hostile.sheet_xml('<row r="2"><c r="A-2"><v>1</v></c></row>'))
    with pytest.raises(xlsx.XlsxError, match="Alamat sel A-2 pada baris 2 tidak sah"):
        rows_of(bad)
    number = hostile.write_xlsx(tmp_path / "c.xlsx", hostile.sheet_xml('<row r="2"><c r="B2"><v>1e</v></c></row>'))
    with pytest.raises(xlsx.XlsxError, match="Sel B2 berisi angka yang tidak sah"):
        rows_of(number)


def test_a_row_with_too_much_text_is_refused(tmp_path):
    noise = random.Random(5)
    cells = "".join(
        hostile._cell(f"{xlsx.column_letters(i)}2", "".join(noise.choices("abcdefgh", k=30_000))) for i in range(40)
    )
    path = hostile.write_xlsx(tmp_path / "wide.xlsx", hostile.sheet_xml(f'<row r="2">{cells}</row>'))
    with pytest.raises(xlsx.XlsxError, match="Baris 2 berisi teks lebih dari 1048576 karakter"):
        rows_of(path)


def test_comments_inside_a_value_are_refused_elsewhere_ignored(tmp_path):
    fine = hostile.write_xlsx(
        tmp_path / "a.xlsx", hostile.sheet_xml('<!-- c --><row r="2"><!-- c --><c r="A2"><v>7</v></c></row>')
    )
    assert rows_of(fine)[-1] == (2, [7])
    split = hostile.write_xlsx(
        tmp_path / "b.xlsx", hostile.sheet_xml('<row r="2"><c r="A2"><v>7<!-- c -->8</v></c></row>')
    )
    with pytest.raises(xlsx.XlsxError, match="komentar atau CDATA"):
        rows_of(split)


def test_the_sheet_is_found_through_the_workbook_relationships(tmp_path):
    import zipfile

    path = tmp_path / "moved.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", hostile.WORKBOOK)
        archive.writestr(
            "xl/_rels/workbook.xml.rels", hostile.WORKBOOK_RELS.replace("worksheets/sheet1.xml", "/xl/ws/data.xml")
        )
        archive.writestr("xl/ws/data.xml", hostile.sheet_xml())
    assert rows_of(path) == [(1, hostile.CSV_HEADER)]


def test_messages_are_in_english_for_english_users(tmp_path, settings):
    from django.utils.translation import override

    path = hostile.column_bomb(tmp_path)
    with override("en"), pytest.raises(xlsx.XlsxError, match="Column ZZZZZZZ1 in row 1 is beyond the XLSX limit"):
        rows_of(path)
