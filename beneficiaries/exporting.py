"""Export of the filtered household list, one row per member in the import file's columns.

Rows come from a server-side cursor in chunks, so a million rows never sit in memory: CSV
is streamed to the client as it is produced; XLSX goes through openpyxl's write-only mode,
which keeps the rows on disk. Both are written by `kube_portal.spreadsheets`, which
neutralises text that a spreadsheet would run as a formula.
"""

from beneficiaries.importing import COLUMNS
from beneficiaries.models import Member, mask_nik
from kube_portal.spreadsheets import XlsxBook, csv_lines

CHUNK = 2000
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
            name,
            sex,
            birth_date.isoformat(),
            RELATIONSHIP_LABELS[relationship],
            region_code,
            address,
            rt,
            rw,
            _yn(urban),
            "" if desil is None else str(desil),
            programs,
            _yn(disability),
            _yn(pregnant),
            education,
            occupation,
            phone,
        ]


def csv_rows(households, *, full_nik: bool, on_finish=None):
    return csv_lines(COLUMNS, rows(households, full_nik=full_nik), on_finish=on_finish)


def write_xlsx(households, destination, *, full_nik: bool) -> int:
    """Returns the number of member rows written."""
    book = XlsxBook()
    count = book.table("KPM", COLUMNS, rows(households, full_nik=full_nik))
    book.save(destination)
    return count
