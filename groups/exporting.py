"""Export of the filtered KUBE list to CSV (streamed) and XLSX (openpyxl write-only).

Rows come from a server-side cursor in chunks, so the whole register never sits in memory.
Both files are written by `kube_portal.spreadsheets`, which neutralises free text that a
spreadsheet would run as a formula.
"""

from django.utils.translation import gettext as _

from groups.models import BusinessType, KurStatus, MaturityLevel, Status
from kube_portal import spreadsheets

CHUNK = 2000


def columns() -> list[str]:
    return [
        _("Nomor registrasi"),
        _("Nama KUBE"),
        _("Program"),
        _("Jenis usaha"),
        _("Bidang usaha"),
        _("Kode kecamatan"),
        _("Kecamatan"),
        _("Kabupaten/kota"),
        _("Status"),
        _("Tingkat kematangan"),
        _("Jumlah anggota"),
        _("Total bantuan (Rp)"),
        _("Aktif sejak"),
        _("Status KUR"),
        _("Tidak melapor"),
    ]


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def rows(kubes):
    """Lists of cell values, one per KUBE; amounts and counts stay numbers.

    Labels are translated now, in the request's language, not when a stream is consumed.
    """
    statuses, levels = _labels(Status.choices), _labels(MaturityLevel.choices)
    types, kur = _labels(BusinessType.choices), _labels(KurStatus.choices)
    values = (
        kubes.with_member_count()
        .with_grant_total()
        .order_by("registration_number")
        .values_list(
            "registration_number",
            "name",
            "program__name",
            "business_type",
            "business_field__name",
            "region_code",
            "kecamatan__name",
            "kecamatan__parent__name",
            "status",
            "maturity_level",
            "member_count",
            "grant_total",
            "activated_on",
            "kur_status",
            "not_reporting",
        )
    )
    yes = _("ya")
    for (
        number,
        name,
        program,
        btype,
        field,
        code,
        kecamatan,
        kabkota,
        status,
        level,
        members,
        grants,
        active,
        kur_status,
        not_reporting,
    ) in values.iterator(chunk_size=CHUNK):
        yield [
            number,
            name,
            program,
            types.get(btype, btype),
            field,
            code,
            kecamatan,
            kabkota,
            statuses.get(status, status),
            levels.get(level, level) if status in (Status.AKTIF, Status.NONAKTIF) else "",
            members,
            grants,
            active.isoformat() if active else "",
            kur.get(kur_status, ""),
            yes if status == Status.AKTIF and not_reporting else "",
        ]


def csv_lines(kubes):
    return spreadsheets.csv_lines(columns(), rows(kubes))


def write_xlsx(kubes, destination) -> int:
    book = spreadsheets.XlsxBook()
    count = book.table("KUBE", columns(), rows(kubes))
    book.save(destination)
    return count
