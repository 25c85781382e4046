"""Every file the app hands out: no spreadsheet cell runs as a formula, and personal data is recorded.

The test walks the URL patterns of the project itself (like tests/test_scope.py), opens
each one as a district officer and as an administrator, and notes every answer that is a
file. Each of those must be declared in DOWNLOADS below, with the variants it offers
(formats, tables) and whether it holds personal data; so a download view added later
cannot be forgotten. Then formulas are planted in every free-text field of the data
(`=HYPERLINK(...)`, `+cmd|' /C calc'!A0`, `@SUM(1,1)`, `-1+1`), every variant is
downloaded, and:

- no cell of any XLSX is a formula (openpyxl's data type "f", nor an <f> element in the
  sheet XML), and the planted text is there, as text;
- no CSV cell starts with a formula character unless escaped (a plain number such as
  `-500000` is a number, not a formula);
- numbers stay numbers (a negative profit is a negative number cell);
- each download of personal data left a DownloadRecord.
"""

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import openpyxl
import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import DatabaseError, models, transaction
from django.db.models import F
from django.db.models.functions import Cast, Concat
from django.test import Client
from django.urls import reverse

from accounts.models import DownloadKind, DownloadRecord
from conftest import KAB_GARUT
from kube_portal.spreadsheets import FORMULA_STARTS
from tests.scope_registry import OBJECT_URLS
from tests.urlwalk import ADMIN, url_patterns

pytestmark = pytest.mark.django_db

PAYLOADS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1,1)", "-1+1"]
SHORT_PAYLOAD = "=A1"
# The apps whose tables hold what people type (dashboards only holds figures computed from them).
PLANTED_APPS = ["regions", "accounts", "beneficiaries", "groups", "mentors", "graduation"]
#: Files that hold no free text: the import template (a fixed example) and photos.
WITHOUT_TEXT = {"beneficiaries:import_template", "mentors:visit_photo", "api:field-visit-photo", "api:schema"}
FILE_TYPES = ("spreadsheetml", "text/csv", "application/pdf", "image/")
PLAIN_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


@dataclass(frozen=True)
class Download:
    """A download URL: the variants to fetch (URL kwargs, query, who) and whether it holds personal data."""

    variants: Callable[..., list[tuple[dict, dict, str]]]
    personal: bool = False
    records: str = ""  # the DownloadKind it must record, for personal data


def _mentor_report(world):
    return [
        ({"pk": world.report_mentor.pk, "year": 2025, "month": 4, "fmt": fmt}, {}, "owner") for fmt in ("xlsx", "pdf")
    ]


def _dashboard_tables(world, page: str, kwargs: dict, user: str):
    """One variant per table the dashboard page shows (its export takes `?tabel=`)."""
    context = world.clients[user].get(reverse(page, kwargs=kwargs)).context
    slugs = [table.slug for table in context["board"].tables()]
    if context.get("kube_page") is not None:
        slugs.append("kube")
    return [(kwargs, {"tabel": slug}, user) for slug in slugs]


DOWNLOADS: dict[str, Download] = {
    "beneficiaries:household_export_csv": Download(
        lambda w: [({}, {}, "owner"), ({}, {"status": "semua", "q": "a"}, "owner"), ({}, {}, "reader")],
        personal=True,
        records=DownloadKind.KPM_EXPORT,
    ),
    "beneficiaries:household_export_xlsx": Download(
        lambda w: [({}, {}, "owner"), ({}, {"kecamatan": "32.05.01"}, "reader")],
        personal=True,
        records=DownloadKind.KPM_EXPORT,
    ),
    "beneficiaries:import_template": Download(lambda w: [({}, {}, "owner")]),
    "beneficiaries:import_error_report": Download(
        lambda w: [({"pk": w.import_job.pk}, {}, "owner")], personal=True, records=DownloadKind.IMPORT_ERRORS
    ),
    "groups:kube_export": Download(lambda w: [({}, {"format": "csv"}, "owner"), ({}, {"format": "xlsx"}, "owner")]),
    "mentors:mentor_report": Download(_mentor_report, personal=True, records=DownloadKind.MENTOR_REPORT),
    "mentors:visit_photo": Download(
        lambda w: [({"pk": w.photo_visit.pk, "photo_pk": w.photo_visit.photos.get().pk, "size": "besar"}, {}, "owner")],
        personal=True,
        records=DownloadKind.VISIT_PHOTO,
    ),
    # The REST API: the same files, recorded with channel "api"; its schema (a YAML file) holds no data.
    "api:field-visit-photo": Download(
        lambda w: [({"pk": w.photo_visit.pk, "photo_id": w.photo_visit.photos.get().pk}, {}, "owner")],
        personal=True,
        records=DownloadKind.VISIT_PHOTO,
    ),
    "api:import-job-error-report": Download(
        lambda w: [({"pk": w.import_job.pk}, {}, "owner")], personal=True, records=DownloadKind.IMPORT_ERRORS
    ),
    "api:schema": Download(lambda w: [({}, {}, "owner")]),
    "dashboards:national_export": Download(lambda w: _dashboard_tables(w, "dashboards:national", {}, "admin")),
    "dashboards:region_export": Download(
        lambda w: _dashboard_tables(w, "dashboards:region", {"region_code": KAB_GARUT}, "owner")
    ),
}


# --- discovery ----------------------------------------------------------------------------------


def url_names() -> list[tuple[str, bool]]:
    """(name, takes a parameter) of every named URL pattern of the project outside Django's admin."""
    return sorted((name, takes) for name, takes in url_patterns(ADMIN).items() if not name.startswith("<unnamed"))


def is_file(response) -> bool:
    return response.has_header("Content-Disposition") or response.get("Content-Type", "").startswith(FILE_TYPES)


def files_found(world) -> set[str]:
    """The URL names whose page, opened as the Garut officer or an administrator, is a file."""
    found = set()
    for name, takes_parameter in url_names():
        if takes_parameter:
            build = OBJECT_URLS.get(name)
            if build is None:
                continue  # tests/test_scope.py reports it as not covered
            url = reverse(name, kwargs=build(world))
        else:
            url = reverse(name)
        for client in (world.clients["owner"], world.clients["admin"]):
            response = client.get(url)
            if response.status_code == 200 and is_file(response):
                found.add(name)
    return found


# --- the data -------------------------------------------------------------------------------------


def build_download_data(world):
    """Data behind every download, in Kabupaten Garut: a mentor's month, a photo, an import gone wrong."""
    from groups.models import BusinessReport
    from mentors.tests.factories import FieldVisitFactory
    from mentors.tests.scope_builders import _garut_assignment, _garut_visit

    assignment = _garut_assignment(world)
    world.report_mentor = assignment.mentor
    for day in (3, 17):
        FieldVisitFactory(
            mentor=assignment.mentor,
            kube=assignment.kube,
            visited_on=datetime.date(2025, 4, day),
            problems="Harga pakan naik",
            follow_up="Cari pemasok lain",
        )
    # Costs above revenue: the month's profit is negative, and must stay a number.
    BusinessReport.objects.create(
        kube=assignment.kube, month=datetime.date(2025, 4, 1), revenue=1_000_000, costs=1_750_000
    )
    world.photo_visit = _garut_visit(world, photo=True)
    world.import_job = failed_import(world)


def failed_import(world):
    """A real dry run of a file whose bad cells carry formulas, so its error report repeats them."""
    from beneficiaries.import_jobs import import_job_run
    from beneficiaries.importing import COLUMNS
    from beneficiaries.models import ImportJob

    rows = []
    for index, payload in enumerate(PAYLOADS):
        values = dict.fromkeys(COLUMNS, "")
        values.update(
            no_kk=f"320501150316{index:04d}",
            nik=f"320501150680{index:04d}",
            nama=payload,
            jenis_kelamin=payload,
            tanggal_lahir="1980-06-15",
            hubungan="kepala keluarga",
            kode_desa="32.05.01.1001",
            alamat=payload,
        )
        rows.append([values[column] for column in COLUMNS])
    text = io.StringIO()
    csv.writer(text).writerows([COLUMNS, *rows])
    job = ImportJob.objects.create(
        user=world.officer_garut,
        file=ContentFile(text.getvalue().encode(), name="formula.csv"),
        original_name="formula.csv",
        dry_run=True,
    )
    job = import_job_run(job_id=job.pk)
    assert job.error_report, job.messages
    return job


def plant_formulas() -> dict[str, int]:
    """Every free-text field of every project model gets a formula; returns {model.field: rows}."""
    planted = {}
    index = 0
    for label in PLANTED_APPS:
        for model in apps.get_app_config(label).get_models():
            for model_field in model._meta.concrete_fields:
                if not _free_text(model_field):
                    continue
                payload = next(
                    (p for p in PAYLOADS[index % 4 :] + PAYLOADS if len(p) + 12 <= (model_field.max_length or 10**6)),
                    SHORT_PAYLOAD[: model_field.max_length],
                )
                index += 1
                value = models.Value(payload)
                if model_field.unique and len(payload) + 12 <= (model_field.max_length or 10**6):
                    value = Concat(value, Cast(F("pk"), models.TextField()))  # each row its own
                try:
                    with transaction.atomic():
                        planted[f"{model.__name__}.{model_field.name}"] = model._default_manager.update(
                            **{model_field.name: value}
                        )
                except DatabaseError:
                    continue  # a code the database checks (NIK, No. KK, region codes): not free text
    return planted


def _free_text(model_field) -> bool:
    return (
        isinstance(model_field, (models.CharField, models.TextField))
        and not model_field.choices
        and not model_field.primary_key
        and model_field.editable
        and model_field.name != "password"
    )


# --- checks ---------------------------------------------------------------------------------------


def spreadsheet_problems(label: str, kind: str, content: bytes) -> tuple[list[str], list[str]]:
    """(problems, planted texts found) of one downloaded file."""
    problems, texts = [], []
    if "spreadsheetml" in kind:
        archive = zipfile.ZipFile(io.BytesIO(content))
        for part in archive.namelist():
            if part.startswith("xl/worksheets/") and re.search(rb"<f[ >]", archive.read(part)):
                problems.append(f"{label}: {part} holds a formula element")
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        problems.append(f"{label}: {sheet.title}!{cell.coordinate} is a formula: {cell.value!r}")
                    elif isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                        texts.append(cell.value)
                        if not cell.quotePrefix:
                            problems.append(f"{label}: {sheet.title}!{cell.coordinate} lacks the quote prefix")
    elif "text/csv" in kind:
        for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))):
            for cell in row:
                if cell.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.match(cell):
                    problems.append(f"{label}: CSV cell {cell!r} starts like a formula")
                if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
                    texts.append(cell)
    return problems, texts


@pytest.fixture
def download_world(world, admin_user, direktorat_user):
    clients = {"owner": world.owner_client, "reader": Client(), "admin": Client()}
    clients["reader"].force_login(direktorat_user)
    clients["admin"].force_login(admin_user)
    world.clients = clients
    build_download_data(world)
    return world


def test_every_download_is_declared(download_world):
    found = files_found(download_world)
    assert sorted(found - set(DOWNLOADS)) == [], "downloads not declared in DOWNLOADS (tests/test_downloads.py)"
    assert sorted(set(DOWNLOADS) - found) == [], "declared downloads that hand out no file"


def test_an_undeclared_download_is_reported(download_world, settings):
    settings.ROOT_URLCONF = "tests.leaky_urls"
    assert "leaky:export" in files_found(download_world) - set(DOWNLOADS)


def test_no_formula_in_any_download_and_personal_data_is_recorded(download_world):
    from dashboards.refresh import refresh_all

    planted = plant_formulas()
    for name in ("Household.address", "Member.name", "Kube.name", "FieldVisit.notes", "Region.name"):
        assert planted.get(name), f"{name} was not planted"
    refresh_all(trigger="test")  # the dashboard figures, over the planted data
    problems, planted_seen, negative_numbers = [], dict.fromkeys(DOWNLOADS, 0), 0
    for name, download in DOWNLOADS.items():
        for kwargs, query, user in download.variants(download_world):
            url = reverse(name, kwargs=kwargs) + ("?" + urlencode(query) if query else "")
            before = DownloadRecord.objects.count()
            response = download_world.clients[user].get(url)
            assert response.status_code == 200, url
            content = b"".join(response.streaming_content) if response.streaming else response.content
            found, texts = spreadsheet_problems(url, response["Content-Type"], content)
            problems += found
            planted_seen[name] += len(texts)
            negative_numbers += negative_number_cells(response["Content-Type"], content)
            if download.personal:
                assert DownloadRecord.objects.count() == before + 1, f"{url}: no download record"
                record = DownloadRecord.objects.order_by("-id").first()
                assert (record.kind, record.path) == (download.records, url)
    assert problems == []
    assert [name for name, seen in planted_seen.items() if not seen and name not in WITHOUT_TEXT] == [], (
        "files in which no planted text arrived: the walk proves nothing for them"
    )
    assert negative_numbers >= 1, "the negative profit of the mentor report is not a number cell"


def negative_number_cells(kind: str, content: bytes) -> int:
    if "spreadsheetml" not in kind:
        return 0
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return sum(
        1
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "n" and isinstance(cell.value, (int, float)) and cell.value < 0
    )
