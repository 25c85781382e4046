"""Export of the filtered household list, one row per member in the import file's columns.

Rows come from a server-side cursor in chunks, so a million rows never sit in memory: CSV
is streamed to the client as it is produced; XLSX goes through openpyxl's write-only mode,
which keeps the rows on disk. Text that a spreadsheet would run as a formula is neutralised.
"""

import csv

from beneficiaries.importing import COLUMNS, neutralise
from beneficiaries.models import Member, mask_nik

CHUNK = 2000
XLSX_MAX_ROWS = 1_048_576
RELATIONSHIP_LABELS = {
    "kepala": "kepala keluarga",
    "istri": "istri",
    "suami": "suami",
    "anak": "anak",
    "orang_tua": "orang tua",
    "lainnya": "lainnya",
}
FIELDS = [
    "household__no_kk",
    "nik",
    "name",
    "sex",
    "birth_date",
    "relationship",
    "household__region_code",
    "household__address",
    "household__rt",
    "household__rw",
    "household__is_urban",
    "household__desil",
    "household__receives_pkh",
    "household__receives_bpnt",
    "household__receives_pbi_jk",
    "has_disability",
    "is_pregnant",
    "education",
    "occupation",
    "household__phone",
]


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


def rows(households, *, full_nik: bool):
    """Lists of cell values (strings), one per member of the given households."""
    members = (
        Member.objects.filter(household__in=households.values("pk"))
        .order_by("household__no_kk", "id")
        .values_list(*FIELDS)
    )
    for (
        no_kk,
        nik,
        name,
        sex,
        birth_date,
        relationship,
        region_code,
        address,
        rt,
        rw,
        urban,
        desil,
        pkh,
        bpnt,
        pbi,
        disability,
        pregnant,
        education,
        occupation,
        phone,
    ) in members.iterator(chunk_size=CHUNK):
        programs = ", ".join(name for flag, name in ((pkh, "PKH"), (bpnt, "BPNT"), (pbi, "PBI-JK")) if flag)
        yield [
            no_kk,
            nik if full_nik else mask_nik(nik),
            neutralise(name),
            sex,
            birth_date.isoformat(),
            RELATIONSHIP_LABELS[relationship],
            region_code,
            neutralise(address),
            rt,
            rw,
            _yn(urban),
            "" if desil is None else str(desil),
            programs,
            _yn(disability),
            _yn(pregnant),
            neutralise(education),
            neutralise(occupation),
            neutralise(phone),
        ]


class _Echo:
    def write(self, value):
        return value


def csv_rows(households, *, full_nik: bool):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(COLUMNS)  # the BOM makes Excel read UTF-8
    for row in rows(households, full_nik=full_nik):
        yield writer.writerow(row)


def write_xlsx(households, destination, *, full_nik: bool) -> None:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet, used = None, XLSX_MAX_ROWS
    for row in rows(households, full_nik=full_nik):
        if used == XLSX_MAX_ROWS:
            # A sheet holds 1,048,576 rows: carry on in the next one, under the same header.
            sheet = workbook.create_sheet(f"KPM {len(workbook.worksheets) + 1}" if workbook.worksheets else "KPM")
            sheet.append(COLUMNS)
            used = 1
        sheet.append(row)
        used += 1
    if sheet is None:
        workbook.create_sheet("KPM").append(COLUMNS)
    workbook.save(destination)
