"""The household import engine, shared by the upload page (through a Celery task), the
`import_households` command and the benchmark.

Set-based in two passes: a streaming pass reads and checks every row in Python and groups
the rows by No. KK, keeping of each member only a compact tuple; then, a batch of households
at a time, the registered households and members of those numbers are read, compared, and
the valid households of the batch are copied (COPY) into temporary tables; at the end one
INSERT ... ON CONFLICT per table writes them. No row is saved one at a time, and what is
held of the register at once is one batch (issue 16: 200,000 rows in at most 300 MB).

A household is imported whole or not at all: one bad member row rejects all its rows.
"""

import codecs
import csv
import datetime
import re
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries import rules, xlsx
from beneficiaries.models import Household, Relationship, normalize_name
from beneficiaries.services import HOUSEHOLD_FIELDS, MEMBER_FIELDS
from beneficiaries.signals import households_changed
from kube_portal.pgcopy import copy_rows
from kube_portal.spreadsheets import XlsxBook
from regions.models import Level, Region

COLUMNS = [
    "no_kk",
    "nik",
    "nama",
    "jenis_kelamin",
    "tanggal_lahir",
    "hubungan",
    "kode_desa",
    "alamat",
    "rt",
    "rw",
    "perkotaan",
    "desil",
    "program",
    "disabilitas",
    "hamil",
    "pendidikan",
    "pekerjaan",
    "telepon",
]
REQUIRED_COLUMNS = {"no_kk", "nik", "nama", "jenis_kelamin", "tanggal_lahir", "hubungan", "kode_desa"}
EXAMPLE_ROW = [
    "3273011502150001",
    "3273014505900001",
    "Siti Aminah",
    "P",
    "1990-05-05",
    "kepala keluarga",
    "32.73.01.1001",
    "Jl. Sukarasa No. 12",
    "001",
    "002",
    "Y",
    "2",
    "PKH, BPNT",
    "N",
    "N",
    "SMA",
    "Pedagang",
    "081234567890",
]

MAX_FILE_BYTES = getattr(settings, "KPM_IMPORT_MAX_BYTES", 60 * 1024 * 1024)
MAX_ROWS = getattr(settings, "KPM_IMPORT_MAX_ROWS", 200_000)
PROGRESS_EVERY = 5_000
#: Households compared with the register and copied to PostgreSQL at a time.
BATCH_HOUSEHOLDS = 5_000
# What the engine keeps of a cell's text beyond the row being checked (a value in the error
# report, a household's raw columns), so memory follows the rows, not the cells' lengths.
VALUE_PREVIEW = 200
RAW_KEPT = 300
UNKNOWN_COLUMNS_NAMED = 10

RELATIONSHIPS = {
    "kepala keluarga": Relationship.HEAD,
    "kepala": Relationship.HEAD,
    "istri": Relationship.WIFE,
    "suami": Relationship.HUSBAND,
    "anak": Relationship.CHILD,
    "orang tua": Relationship.PARENT,
    "orangtua": Relationship.PARENT,
    "lainnya": Relationship.OTHER,
    "famili lain": Relationship.OTHER,
}
PROGRAMS = {"pkh": "receives_pkh", "bpnt": "receives_bpnt", "sembako": "receives_bpnt", "pbi-jk": "receives_pbi_jk"}
YES = {"y", "ya", "yes", "1", "true"}
NO = {"n", "tidak", "t", "no", "0", "false", ""}
# The file's column for each field a household rule names in its problems.
RULE_COLUMNS = {
    "no_kk": "no_kk",
    "nik": "nik",
    "sex": "jenis_kelamin",
    "birth_date": "tanggal_lahir",
    "is_pregnant": "hamil",
    "rt": "rt",
    "rw": "rw",
    "desil": "desil",
}
_VILLAGE_DIGITS = re.compile(r"^[0-9]{10}$")
_HEADER_JUNK = re.compile(r"\(.*?\)|[^a-z0-9]")


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message says why."""


@dataclass
class RowError:
    row: int
    column: str
    value: str
    message: str
    warning: bool = False


@dataclass
class ImportResult:
    rows_total: int = 0
    rows_rejected: int = 0
    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    members_created: int = 0
    members_updated: int = 0
    dry_run: bool = True
    messages: list[str] = field(default_factory=list)
    problems: list[RowError] = field(default_factory=list)

    @property
    def errors(self) -> list[RowError]:
        return [p for p in self.problems if not p.warning]

    def summary(self) -> str:
        verb = _("akan") + " " if self.dry_run else ""
        return _(
            "%(rows)d baris: keluarga %(verb)sdibuat %(hc)d, %(verb)sdiubah %(hu)d; anggota %(verb)sdibuat %(mc)d, "
            "%(verb)sdiubah %(mu)d; baris ditolak %(rej)d."
        ) % {
            "rows": self.rows_total,
            "verb": verb,
            "hc": self.households_created,
            "hu": self.households_updated,
            "mc": self.members_created,
            "mu": self.members_updated,
            "rej": self.rows_rejected,
        }


# --- Reading ----------------------------------------------------------------------------


def header_key(text) -> str:
    """Header matching ignores case, spaces, punctuation and a hint in brackets: 'Jenis Kelamin (L/P)'."""
    return _HEADER_JUNK.sub("", str(text or "").lower())


COLUMN_KEYS = {header_key(name): name for name in COLUMNS}


def _open_rows(path: Path, filename: str) -> tuple[Iterator[tuple[int, list]], int]:
    """An iterator over the file's `(row number, values)` (header first) and an estimate of their number."""
    size = path.stat().st_size
    if size == 0:
        raise ImportFileError(_("Berkas kosong."))
    if size > MAX_FILE_BYTES:
        raise ImportFileError(
            _("Berkas terlalu besar (%(size)d MB); batasnya %(limit)d MB. Bagi menjadi beberapa berkas.")
            % {"size": size // (1024 * 1024), "limit": MAX_FILE_BYTES // (1024 * 1024)}
        )
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_rows(path)
    if suffix == ".csv":
        return _csv_rows(path)
    raise ImportFileError(_("Jenis berkas tidak didukung. Unggah berkas CSV atau XLSX."))


def _xlsx_rows(path: Path) -> tuple[Iterator[tuple[int, list]], int]:
    def unreadable(error: xlsx.XlsxError) -> ImportFileError:
        return ImportFileError(_("Berkas XLSX tidak dapat dibaca: %(error)s") % {"error": error})

    if not zipfile.is_zipfile(path):
        raise ImportFileError(_("Berkas ini bukan XLSX yang sah."))
    try:
        workbook = xlsx.Workbook(path, max_rows=MAX_ROWS)
    except xlsx.XlsxError as error:
        raise unreadable(error) from error

    def rows():
        try:
            with workbook:
                yield from workbook.rows()
        except xlsx.XlsxError as error:
            raise unreadable(error) from error

    # The sheet's XML is about 90 bytes per cell: enough for a progress estimate.
    return rows(), max(workbook.sheet_bytes // (90 * len(COLUMNS)), 1)


def _csv_rows(path: Path) -> tuple[Iterator[tuple[int, list]], int]:
    with path.open("rb") as handle:
        head = handle.read(64 * 1024)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export.
        encoding = "utf-16"
    else:
        if b"\x00" in head or head.startswith(b"PK"):
            raise ImportFileError(_("Berkas ini bukan CSV teks. Gunakan berkas CSV atau XLSX."))
        encoding = "utf-8-sig"
        try:
            head.decode(encoding)
        except UnicodeDecodeError as error:
            if error.start < len(head) - 4:
                encoding = "cp1252"
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    first_line = head.decode(encoding, errors="replace").split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)

    def rows():
        # Process-wide, but the same bound suits every CSV this app reads: Excel's cell limit.
        csv.field_size_limit(xlsx.MAX_CELL_CHARS)
        with path.open(encoding=encoding, errors="replace", newline="") as text:
            reader = csv.reader(_bounded_lines(text), delimiter=delimiter)
            number = 0
            try:
                for number, values in enumerate(reader, start=1):  # noqa: B007 - read after the loop on an error
                    yield number, values
            except csv.Error as error:
                if "field limit" in str(error):
                    raise ImportFileError(
                        _("Baris %(row)d berisi kolom yang lebih dari %(limit)d karakter.")
                        % {"row": number + 1, "limit": xlsx.MAX_CELL_CHARS}
                    ) from error
                raise ImportFileError(
                    _("Baris %(row)d berkas CSV tidak dapat dibaca: %(error)s") % {"row": number + 1, "error": error}
                ) from error

    return rows(), max(lines - 1, 1)


def _bounded_lines(text) -> Iterator[str]:
    """The file's lines, refusing one longer than a row may be before it is read whole."""
    number = 0
    while line := text.readline(xlsx.MAX_ROW_CHARS + 1):
        number += 1
        if len(line) > xlsx.MAX_ROW_CHARS:
            raise ImportFileError(
                _("Baris %(row)d berkas CSV lebih dari %(limit)d karakter.")
                % {"row": number, "limit": xlsx.MAX_ROW_CHARS}
            )
        yield line


def _preview(value, length: int):
    if type(value) is str and len(value) > length:
        return value[: length - 1] + "…"
    return value


def _text(value) -> str:
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


EXCEL_EPOCH = datetime.date(1899, 12, 30)


def _date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 100_000:
        # A spreadsheet date cell: days since Excel's epoch.
        return EXCEL_EPOCH + datetime.timedelta(days=int(value))
    text = _text(value).split(" ")[0]
    try:
        if len(text) == 10 and text[4] == "-":
            return datetime.date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
        if len(text) == 10 and text[2] in "-/" and text[5] == text[2]:
            return datetime.date(int(text[6:10]), int(text[3:5]), int(text[0:2]))
    except ValueError:
        return None
    return None


def _flag(value) -> bool | None:
    text = _text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    return None


def _village_code(value) -> str | None:
    digits = _text(value).replace(".", "").replace(" ", "")
    if not _VILLAGE_DIGITS.match(digits):
        return None
    return f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:10]}"


# --- The engine -----------------------------------------------------------------------------


HOUSEHOLD_COLUMNS = ["kode_desa", "alamat", "rt", "rw", "perkotaan", "desil", "program", "telepon"]


class _Member(NamedTuple):
    """A checked member row: a tuple, as 200,000 of them wait for the second pass (a dict costs 3x)."""

    row: int
    nik: str | None
    name: str
    sex: str | None
    birth_date: datetime.date | None
    relationship: str | None
    has_disability: bool | None
    is_pregnant: bool | None
    education: str
    occupation: str


@dataclass(slots=True)
class _Household:
    # The hash of the household columns as its first valid row gave them (rows repeat them).
    raw: int | None = None
    rows: list[int] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    members: list[_Member] = field(default_factory=list)
    rejected: bool = False


def _header(rows: Iterator[tuple[int, list]]) -> list:
    """The first row that is not empty: the header."""
    for _number, header_row in rows:
        if any(_text(cell) for cell in header_row):
            return header_row
    raise ImportFileError(_("Berkas kosong."))


class _Engine:
    def __init__(self, *, user, path: Path, filename: str, dry_run: bool, progress: Callable[[int, int], None] | None):
        self.user = user
        self.path = path
        self.filename = filename
        self.progress = progress or (lambda done, total: None)
        self.result = ImportResult(dry_run=dry_run)
        self.households: dict[str, _Household] = {}
        self.nik_rows: dict[str, int] = {}
        self.kk_checks: dict = {}
        self.today = timezone.localdate()

    def error(self, row: int, column: str, value, message: str, *, warning: bool = False) -> None:
        # Only a preview of the value is kept: a file may repeat a 32,767-character cell on every row.
        self.result.problems.append(RowError(row, column, _preview(_text(value), VALUE_PREVIEW), message, warning))

    # Pass 1: read and check every row, group by No. KK.
    def read(self) -> None:
        rows, estimate = _open_rows(self.path, self.filename)
        getters = self.columns(_header(rows))
        self.villages = set(
            Region.objects.visible_to(self.user).filter(level=Level.VILLAGE).values_list("code", flat=True)
        )
        for row_number, raw in rows:
            if not any(raw):  # a blank line, or the empty rows below a spreadsheet's data
                continue
            values = {name: (raw[index] if index is not None and index < len(raw) else None) for name, index in getters}
            self.result.rows_total += 1
            if self.result.rows_total > MAX_ROWS:
                raise ImportFileError(
                    _("Berkas berisi lebih dari %(limit)d baris. Bagi menjadi beberapa berkas.") % {"limit": MAX_ROWS}
                )
            self.check_row(row_number, values)
            if self.result.rows_total % PROGRESS_EVERY == 0:
                self.progress(self.result.rows_total, max(estimate, self.result.rows_total))
        if not self.result.rows_total:
            raise ImportFileError(_("Berkas tidak berisi baris data di bawah baris judul."))
        self.progress(self.result.rows_total, self.result.rows_total)

    def columns(self, header: list) -> list[tuple[str, int | None]]:
        """(column, its position in the file) for every column, from the header; unknown ones are named."""
        positions: dict[str, int] = {}
        unknown = []
        for index, cell in enumerate(header):
            name = COLUMN_KEYS.get(header_key(cell))
            if name and name not in positions:
                positions[name] = index
            elif _text(cell):
                unknown.append(_text(cell))
        if not positions:
            raise ImportFileError(
                _("Baris judul tidak dikenali. Kolom yang diharapkan: %(columns)s.") % {"columns": ", ".join(COLUMNS)}
            )
        missing = sorted(REQUIRED_COLUMNS - set(positions))
        if missing:
            raise ImportFileError(_("Kolom wajib tidak ada: %(columns)s.") % {"columns": ", ".join(missing)})
        if unknown:
            # A header may hold thousands of columns: name a few, count the rest.
            named = ", ".join(_preview(name, 40) for name in unknown[:UNKNOWN_COLUMNS_NAMED])
            if len(unknown) > UNKNOWN_COLUMNS_NAMED:
                named += " " + _("dan %(count)d lainnya") % {"count": len(unknown) - UNKNOWN_COLUMNS_NAMED}
            self.result.messages.append(_("Kolom tidak dikenal diabaikan: %(columns)s.") % {"columns": named})
        return [(name, positions.get(name)) for name in COLUMNS]

    def check_row(self, row: int, values: dict) -> None:
        """Check one member row; a valid one joins its household, an invalid one rejects the household."""
        kk = self.no_kk(row, values)
        if kk.value is None:
            # Without a household key the row cannot belong to any household.
            self.result.rows_rejected += 1
            return
        member, member_ok = self.member(row, values)
        household = self.households.get(kk.value)
        if household is None:
            household = self.households[kk.value] = _Household()
        household.rows.append(row)
        household_ok = self.household_row(household, row, values)
        if not (kk.valid and member_ok and household_ok):
            household.rejected = True
            self.result.rows_rejected += 1
            return
        household.members.append(member)

    def no_kk(self, row: int, values: dict) -> rules.IdentityCheck:
        raw_kk = values["no_kk"]
        # A household's rows repeat its No. KK: check each distinct value once.
        cacheable = isinstance(raw_kk, str) and len(raw_kk) <= 32
        kk = self.kk_checks.get(raw_kk) if cacheable else None
        if kk is None:
            kk = rules.no_kk_check(raw_kk, today=self.today)
            if cacheable:
                self.kk_checks[raw_kk] = kk
        for problem in kk.warnings:
            self.error(row, "no_kk", raw_kk, problem.message, warning=True)
        for problem in kk.errors:
            self.error(row, "no_kk", raw_kk, problem.message)
        return kk

    def member(self, row: int, values: dict) -> tuple[_Member, bool]:
        """The member of the row, and whether every one of its columns is valid."""
        ok = True
        sex: str | None = _text(values["jenis_kelamin"]).upper()[:1]
        if sex not in ("L", "P"):
            self.error(row, "jenis_kelamin", values["jenis_kelamin"], _("Jenis kelamin harus L atau P."))
            ok, sex = False, None
        birth_date = _date(values["tanggal_lahir"])
        if birth_date is None:
            self.error(
                row,
                "tanggal_lahir",
                values["tanggal_lahir"],
                _("Tanggal lahir harus berformat YYYY-MM-DD, DD-MM-YYYY atau DD/MM/YYYY."),
            )
            ok = False
        disability, pregnant = _flag(values["disabilitas"]), _flag(values["hamil"])
        for column, flag in (("disabilitas", disability), ("hamil", pregnant)):
            if flag is None:
                self.error(row, column, values[column], _("Isi Y atau N."))
                ok = False
        nik = rules.member_check(
            nik=values["nik"], sex=sex, birth_date=birth_date, is_pregnant=bool(pregnant), today=self.today
        )
        ok = self.nik(row, values, nik) and ok
        name = _text(values["nama"])
        if not name:
            self.error(row, "nama", "", _("Nama wajib diisi."))
            ok = False
        elif len(name) > 150:
            self.error(row, "nama", name[:30], _("Nama terlalu panjang (maksimal 150 karakter)."))
            ok = False
        relationship = RELATIONSHIPS.get(" ".join(_text(values["hubungan"]).lower().replace("_", " ").split()))
        if relationship is None:
            self.error(
                row,
                "hubungan",
                values["hubungan"],
                _("Hubungan harus salah satu dari: kepala keluarga, istri, suami, anak, orang tua, lainnya."),
            )
            ok = False
        member = _Member(
            row=row,
            nik=nik.value,
            name=name,
            sex=sex,
            birth_date=birth_date,
            relationship=relationship,
            has_disability=disability,
            is_pregnant=pregnant,
            # A few distinct values over the whole file: one string each.
            education=sys.intern(_text(values["pendidikan"])[:50]),
            occupation=sys.intern(_text(values["pekerjaan"])[:100]),
        )
        return member, ok

    def nik(self, row: int, values: dict, nik: rules.IdentityCheck) -> bool:
        """Report the member rules' verdict; a NIK may appear once in the file."""
        ok = True
        for problem in nik.warnings:
            self.error(row, "nik", values["nik"], problem.message, warning=True)
        for problem in nik.errors:
            column = RULE_COLUMNS[problem.field]
            self.error(row, column, values[column], problem.message)
            ok = False
        if nik.value:
            if nik.value in self.nik_rows:
                self.error(
                    row,
                    "nik",
                    values["nik"],
                    _("NIK ini juga ada di baris %(row)d berkas ini.") % {"row": self.nik_rows[nik.value]},
                )
                ok = False
            else:
                self.nik_rows[nik.value] = row
        return ok

    def household_row(self, household: _Household, row: int, values: dict) -> bool:
        """The household columns of one of its rows, checked and merged with its other rows' ones."""
        # A household's rows usually repeat its address columns: check each variant once.
        raw_household = hash(tuple(_preview(values[name], RAW_KEPT) for name in HOUSEHOLD_COLUMNS))
        if raw_household == household.raw:
            return True
        household_data = self.household_data(row, values)
        if household_data is None:
            return False
        if not household.data:
            household.raw = raw_household
            household.data = household_data
            return True
        ok = True
        for key, value in household_data.items():
            if value in ("", None, False) or value == household.data.get(key):
                continue
            if household.data.get(key) in ("", None, False):
                household.data[key] = value
            elif key == "village_id":
                self.error(
                    row,
                    "kode_desa",
                    values["kode_desa"],
                    _("Kode desa berbeda dengan baris lain dari No. KK yang sama."),
                )
                ok = False
        return ok

    def household_data(self, row: int, values: dict) -> dict | None:
        ok = True
        village = _village_code(values["kode_desa"])
        if village is None:
            self.error(row, "kode_desa", values["kode_desa"], _("Kode desa harus 10 digit Kemendagri."))
            ok = False
        elif village not in self.villages:
            if Region.objects.filter(code=village, level=Level.VILLAGE).exists():
                self.error(row, "kode_desa", values["kode_desa"], _("Desa ini di luar wilayah Anda."))
            else:
                self.error(row, "kode_desa", values["kode_desa"], _("Kode desa tidak dikenal."))
            ok = False
        checks = [
            rules.desil_check(values["desil"]),
            rules.rt_rw_check(values["rt"], field_name="rt"),
            rules.rt_rw_check(values["rw"], field_name="rw"),
        ]
        for check in checks:
            for problem in check.errors:
                self.error(row, RULE_COLUMNS[problem.field], values[RULE_COLUMNS[problem.field]], problem.message)
                ok = False
        desil, rt, rw = (check.value for check in checks)
        urban = _flag(values["perkotaan"])
        if urban is None:
            self.error(row, "perkotaan", values["perkotaan"], _("Isi Y atau N."))
            ok = False
        programs = {"receives_pkh": False, "receives_bpnt": False, "receives_pbi_jk": False}
        for item in re.split(r"[,;/]", _text(values["program"])):
            key = item.strip().lower().replace(" ", "")
            if not key:
                continue
            if key.replace("_", "-") in PROGRAMS:
                programs[PROGRAMS[key.replace("_", "-")]] = True
            else:
                self.error(row, "program", values["program"], _("Program tidak dikenal: %(name)s.") % {"name": item})
                ok = False
        if not ok:
            return None
        return {
            "village_id": village,
            "address": _text(values["alamat"])[:255],
            "rt": rt,
            "rw": rw,
            "is_urban": urban,
            "desil": desil,
            "phone": _text(values["telepon"])[:20],
            **programs,
        }

    # Pass 2: compare with what is registered, a batch of households at a time, and stage the writes.
    def reconcile(self, writer: "_Writer | None") -> None:
        """Compare the file's households with the register; unless a dry run, `writer` stages what changes."""
        households = self.households
        keys = list(households)
        for start in range(0, len(keys), BATCH_HOUSEHOLDS):
            # Each batch leaves the engine once compared: only one batch of the register is held.
            batch = {no_kk: households.pop(no_kk) for no_kk in keys[start : start + BATCH_HOUSEHOLDS]}
            staged = self.reconcile_batch(batch)
            if writer is not None:
                writer.stage(*staged)

    def reconcile_batch(self, batch: dict) -> tuple[list, list]:
        existing_households, existing_members, existing_heads = self.registered(batch)
        in_scope = self.user.scope.contains
        household_rows, member_rows = [], []
        for no_kk, household in batch.items():
            if household.rejected:
                self.reject(
                    household, _("Keluarga ini ditolak karena ada baris lain dari No. KK yang sama yang salah.")
                )
                continue
            current = existing_households.get(no_kk)
            if current and not in_scope(current["village_id"]):
                self.reject(household, _("No. KK ini sudah terdaftar di wilayah lain."), column="no_kk", all_rows=True)
                continue
            if not self.acceptable(household, no_kk, existing_members, existing_heads.get(no_kk)):
                self.reject(
                    household, _("Keluarga ini ditolak karena ada baris lain dari No. KK yang sama yang salah.")
                )
                continue
            data = {"no_kk": no_kk, **household.data}
            if current is None:
                self.result.households_created += 1
                household_rows.append([data[k] for k in HOUSEHOLD_FIELDS])
            elif any(current[k] != data[k] for k in HOUSEHOLD_FIELDS):
                self.result.households_updated += 1
                household_rows.append([data[k] for k in HOUSEHOLD_FIELDS])
            else:
                self.result.households_unchanged += 1
            for member in household.members:
                registered = existing_members.get(member.nik)
                if registered is None:
                    self.result.members_created += 1
                elif any(registered[k] != getattr(member, k) for k in MEMBER_FIELDS):
                    self.result.members_updated += 1
                else:
                    continue
                member_rows.append([no_kk, *(getattr(member, k) for k in MEMBER_FIELDS), normalize_name(member.name)])
        return household_rows, member_rows

    def registered(self, households: dict) -> tuple[dict, dict, dict]:
        """What the register holds of these households and their members: households and members by
        No. KK and NIK, and the NIK of each registered household's head."""
        existing_households = {}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, no_kk, village_id, address, rt, rw, is_urban, desil, receives_pkh, receives_bpnt, "
                "receives_pbi_jk, phone FROM beneficiaries_household WHERE no_kk = ANY(%s)",
                [list(households)],
            )
            for row in cursor.fetchall():
                existing_households[row[1]] = {"id": row[0], **dict(zip(HOUSEHOLD_FIELDS, row[1:], strict=True))}
            niks = [m.nik for h in households.values() for m in h.members]
            cursor.execute(
                "SELECT m.id, h.no_kk, h.region_code, m.nik, m.name, m.sex, m.birth_date, m.relationship, "
                "m.has_disability, m.is_pregnant, m.education, m.occupation FROM beneficiaries_member m "
                "JOIN beneficiaries_household h ON h.id = m.household_id WHERE m.nik = ANY(%s)",
                [niks],
            )
            existing_members = {
                row[3]: {
                    "id": row[0],
                    "no_kk": row[1],
                    "region_code": row[2],
                    **dict(zip(MEMBER_FIELDS, row[3:], strict=True)),
                }
                for row in cursor.fetchall()
            }
            cursor.execute(
                "SELECT h.no_kk, m.nik FROM beneficiaries_member m JOIN beneficiaries_household h "
                "ON h.id = m.household_id WHERE m.relationship = 'kepala' AND h.no_kk = ANY(%s)",
                [list(existing_households)],
            )
            existing_heads = dict(cursor.fetchall())
        return existing_households, existing_members, existing_heads

    def acceptable(
        self, household: _Household, no_kk: str, existing_members: dict, registered_head: str | None
    ) -> bool:
        """Whether the household may be written: one head, and no NIK of another household; reports what is not."""
        problem: tuple[str, str | None] | None = self.head_problem(household, registered_head)
        # Every NIK registered in another household is reported, whatever else is wrong.
        for member in household.members:
            registered = existing_members.get(member.nik)
            if registered and registered["no_kk"] != no_kk:
                if self.user.scope.contains(registered["region_code"]):
                    message = _("NIK ini sudah terdaftar pada keluarga dengan No. KK %(no_kk)s.") % {
                        "no_kk": registered["no_kk"]
                    }
                else:
                    message = _("NIK ini sudah terdaftar di wilayah lain.")
                self.error(member.row, "nik", member.nik, message)
                problem = problem or ("nik", None)
        if problem is None:
            return True
        column, reason = problem
        if reason:
            self.error(household.rows[0], column, "", reason)
        return False

    @staticmethod
    def head_problem(household: _Household, registered_head: str | None) -> tuple[str, str] | None:
        """(column, message) when the household would not have exactly one head; None when it would."""
        heads = [m for m in household.members if m.relationship == Relationship.HEAD]
        head_nik = heads[0].nik if heads else registered_head
        if len(heads) > 1:
            return ("hubungan", _("Satu keluarga harus memiliki tepat satu kepala keluarga."))
        if head_nik is None:
            return ("hubungan", _("Keluarga ini tidak memiliki kepala keluarga."))
        if heads and registered_head not in (None, head_nik):
            # A new head is fine when the file also gives the registered head another role.
            demoted = {m.nik for m in household.members if m.relationship != Relationship.HEAD}
            if registered_head not in demoted:
                return ("hubungan", _("Keluarga ini sudah memiliki kepala keluarga dengan NIK lain."))
        return None

    def reject(self, household: _Household, message: str, *, column: str = "", all_rows: bool = False) -> None:
        flagged = {p.row for p in self.result.problems if not p.warning}
        for row in household.rows:
            if all_rows or row not in flagged:
                self.error(row, column, "", message)
        accepted = len(household.members)
        household.members = []
        household.rejected = True
        self.result.rows_rejected += accepted


#: The staged member columns: the No. KK, MEMBER_FIELDS, the normalised name.
STAGED_MEMBER_COLUMNS = ["no_kk", *MEMBER_FIELDS, "name_normalized"]


class _Writer:
    """The writing pass, inside the caller's transaction: batches of households and members are
    copied into temporary tables as the comparison produces them, then one statement per table
    upserts them. The audit trail's triggers record every row written, with the context the caller
    entered (the import job, see import_jobs)."""

    def __init__(self, user):
        self.user = user
        self.members_staged = 0
        with connection.cursor() as cursor:
            # ON COMMIT DROP cleans up; the DROP covers an import inside an outer transaction.
            cursor.execute("DROP TABLE IF EXISTS kpm_import_household, kpm_import_member")
            cursor.execute(
                "CREATE TEMP TABLE kpm_import_household (no_kk varchar(16), village_id varchar(13), "
                "address varchar(255), rt varchar(3), rw varchar(3), is_urban boolean, desil smallint, "
                "receives_pkh boolean, receives_bpnt boolean, receives_pbi_jk boolean, phone varchar(20)) "
                "ON COMMIT DROP"
            )
            cursor.execute(
                "CREATE TEMP TABLE kpm_import_member (no_kk varchar(16), nik varchar(16), name varchar(150), "
                "sex varchar(1), birth_date date, relationship varchar(10), has_disability boolean, "
                "is_pregnant boolean, education varchar(50), occupation varchar(100), name_normalized varchar(150)) "
                "ON COMMIT DROP"
            )

    def stage(self, household_rows: list, member_rows: list) -> None:
        """Rows in the order of HOUSEHOLD_FIELDS and STAGED_MEMBER_COLUMNS."""
        with connection.cursor() as cursor:
            if household_rows:
                copy_rows(cursor, "kpm_import_household", household_rows)
            if member_rows:
                copy_rows(cursor, "kpm_import_member", member_rows)
        self.members_staged += len(member_rows)

    def finish(self) -> None:
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                """
                  INSERT INTO beneficiaries_household AS h (no_kk, village_id, region_code, address, rt, rw, is_urban,
                    desil, receives_pkh, receives_bpnt, receives_pbi_jk, phone, is_active, deactivation_reason,
                    deactivation_note, created_at, updated_at, created_by_id)
                  SELECT no_kk, village_id, village_id, address, rt, rw, is_urban, desil, receives_pkh,
                    receives_bpnt, receives_pbi_jk, phone, TRUE, '', '', %(now)s, %(now)s, %(actor)s
                  FROM kpm_import_household
                  ON CONFLICT (no_kk) DO UPDATE SET village_id = EXCLUDED.village_id,
                    region_code = EXCLUDED.region_code, address = EXCLUDED.address, rt = EXCLUDED.rt,
                    rw = EXCLUDED.rw, is_urban = EXCLUDED.is_urban, desil = EXCLUDED.desil,
                    receives_pkh = EXCLUDED.receives_pkh, receives_bpnt = EXCLUDED.receives_bpnt,
                    receives_pbi_jk = EXCLUDED.receives_pbi_jk, phone = EXCLUDED.phone, updated_at = %(now)s,
                    version = h.version + 1
                """,
                {"now": now, "actor": self.user.pk},
            )
            cursor.execute("ANALYZE kpm_import_household")
            cursor.execute("ANALYZE kpm_import_member")
            # Relationship changes may move the head role between members of one household:
            # clear the old heads first so the one-head constraint holds at every row.
            cursor.execute(
                """
                UPDATE beneficiaries_member m SET relationship = 'lainnya'
                FROM kpm_import_member t WHERE t.nik = m.nik AND m.relationship = 'kepala'
                  AND t.relationship <> 'kepala'
                """
            )
            cursor.execute(
                """
                WITH upserted AS (
                  INSERT INTO beneficiaries_member AS m (household_id, nik, name, name_normalized, sex, birth_date,
                    relationship, has_disability, is_pregnant, education, occupation, created_at, updated_at)
                  SELECT h.id, t.nik, t.name, t.name_normalized, t.sex, t.birth_date, t.relationship,
                    t.has_disability, t.is_pregnant, t.education, t.occupation, %(now)s, %(now)s
                  FROM kpm_import_member t JOIN beneficiaries_household h ON h.no_kk = t.no_kk
                  ORDER BY (t.relationship = 'kepala')
                  ON CONFLICT (nik) DO UPDATE SET name = EXCLUDED.name, name_normalized = EXCLUDED.name_normalized,
                    sex = EXCLUDED.sex, birth_date = EXCLUDED.birth_date, relationship = EXCLUDED.relationship,
                    has_disability = EXCLUDED.has_disability, is_pregnant = EXCLUDED.is_pregnant,
                    education = EXCLUDED.education, occupation = EXCLUDED.occupation, updated_at = %(now)s
                  WHERE m.household_id = EXCLUDED.household_id
                  RETURNING m.household_id
                ), bumped AS (
                  -- Members changed: an edit form opened on the household before is stale now.
                  UPDATE beneficiaries_household h SET version = h.version + 1
                  WHERE h.id IN (SELECT household_id FROM upserted) AND h.created_at < %(now)s
                )
                SELECT count(*) FROM upserted
                """,
                {"now": now},
            )
            (written,) = cursor.fetchone()
            if written != self.members_staged:
                # A NIK registered meanwhile in another household: the WHERE above skipped it.
                raise ImportFileError(
                    _("Data berubah selama impor (NIK baru terdaftar di keluarga lain). Jalankan impor sekali lagi.")
                )
            cursor.execute(
                "SELECT h.id FROM beneficiaries_household h WHERE h.no_kk IN "
                "(SELECT no_kk FROM kpm_import_household UNION SELECT no_kk FROM kpm_import_member)"
            )
            household_ids = [row[0] for row in cursor.fetchall()]
        Household.objects.filter(pk__in=household_ids).refresh_head_name()
        households_changed.send(sender=Household, household_ids=household_ids)


def households_import(
    *,
    user,
    path: Path,
    filename: str | None = None,
    dry_run: bool,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Check and (unless `dry_run`) import a CSV/XLSX file of household members.

    Not one transaction from end to end on purpose: the reading pass reports progress
    that another connection must see; the writing pass is atomic.
    """
    if not user.enters_data:
        raise PermissionDenied(_("Peran Anda hanya dapat membaca data KPM."))
    engine = _Engine(
        user=user, path=Path(path), filename=filename or Path(path).name, dry_run=dry_run, progress=progress
    )
    engine.read()
    if dry_run:
        engine.reconcile(None)
    else:
        # The comparison and the writes in one transaction: what is compared is what is written.
        with transaction.atomic():
            writer = _Writer(user)
            engine.reconcile(writer)
            if engine.result.households_created + engine.result.households_updated or writer.members_staged:
                writer.finish()
    engine.result.problems.sort(key=lambda p: (p.row, p.warning))
    return engine.result


def error_report_xlsx(result: ImportResult, destination) -> None:
    """The rejected rows (and warnings) with row number, column and message."""
    header = [_("Baris"), _("Kolom"), _("Nilai"), _("Jenis"), _("Pesan")]
    rows: list[list[object]] = [["", "", "", _("Berkas"), message] for message in result.messages]
    rows += [
        [
            problem.row,
            problem.column,
            problem.value,
            _("Peringatan") if problem.warning else _("Ditolak"),
            problem.message,
        ]
        for problem in result.problems
    ]
    book = XlsxBook()
    book.table(_("Kesalahan"), header, rows)
    book.save(destination)


def template_xlsx(destination) -> None:
    book = XlsxBook()
    # Text cells: Excel must not turn 16-digit numbers into 3.27301E+15.
    text = {COLUMNS.index(name) for name in ("no_kk", "nik", "kode_desa", "rt", "rw")}
    formats = ["@" if index in text else None for index in range(len(COLUMNS))]
    sheet = book.sheet("KPM")
    sheet.append(COLUMNS, number_formats=formats)
    sheet.append(EXAMPLE_ROW, number_formats=formats)
    book.save(destination)
