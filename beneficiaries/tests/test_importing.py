import csv
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from audit.tests.helpers import changes, entries
from beneficiaries import importing
from beneficiaries.history import household_history
from beneficiaries.import_jobs import LOCK_NAMESPACE
from beneficiaries.importing import COLUMNS, ImportFileError, households_import
from beneficiaries.models import Household, ImportJob, Member
from beneficiaries.tests.factories import HouseholdFactory, MemberFactory
from kube_portal import locks

pytestmark = pytest.mark.django_db

KK_1 = "3273011502200001"
KK_2 = "3273011502200002"
KK_3 = "3273011502200003"


def row(no_kk, nik, name, sex, born, relationship, village="32.73.01.1001", **extra):
    values = dict.fromkeys(COLUMNS, "")
    values.update(
        no_kk=no_kk,
        nik=nik,
        nama=name,
        jenis_kelamin=sex,
        tanggal_lahir=born,
        hubungan=relationship,
        kode_desa=village,
        alamat="Jl. Sukarasa 3",
        rt="1",
        rw="2",
        perkotaan="Y",
        desil="2",
        program="PKH, BPNT",
        disabilitas="N",
        hamil="N",
    )
    values.update(extra)
    return values


GOOD = [
    row(KK_1, "3273011506800001", "Asep Sunandar", "L", "1980-06-15", "kepala keluarga"),
    row(KK_1, "3273015507820001", "Euis Rahmawati", "P", "15-07-1982", "istri"),
    row(KK_2, "3273012003750001", "Ujang Permana", "L", "20/03/1975", "Kepala Keluarga", village="3273011002"),
]
# KK_3: the child's NIK says a girl born on the 4th, the row says a boy born on the 5th.
BAD_HOUSEHOLD = [
    row(KK_3, "3273010101700001", "Dedi Mulyadi", "L", "1970-01-01", "kepala keluarga"),
    row(KK_3, "3273014405100001", "Rina Mulyadi", "L", "2010-05-05", "anak"),
]


def write_csv(tmp_path, rows, *, name="kpm.csv", header=None, delimiter=","):
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header or COLUMNS)
        for values in rows:
            writer.writerow([values[c] for c in COLUMNS] if isinstance(values, dict) else values)
    return path


def test_valid_households_imported_bad_household_rejected_whole(tmp_path, officer_bandung):
    result = households_import(user=officer_bandung, path=write_csv(tmp_path, GOOD + BAD_HOUSEHOLD), dry_run=False)
    assert (result.households_created, result.members_created, result.rows_rejected) == (2, 3, 2)
    assert set(Household.objects.values_list("no_kk", flat=True)) == {KK_1, KK_2}
    assert not Member.objects.filter(nik__startswith="32730101").exists()
    household = Household.objects.get(no_kk=KK_1)
    assert household.region_code == "32.73.01.1001"
    assert household.receives_pkh and household.receives_bpnt and household.rt == "001"
    errors = {(p.row, p.column): p.message for p in result.errors}
    assert errors[(6, "jenis_kelamin")].startswith("Jenis kelamin tidak sesuai NIK: NIK menunjukkan perempuan")
    assert errors[(6, "tanggal_lahir")] == (
        "Tanggal lahir tidak sesuai NIK: NIK menunjukkan 04-05-10, yang diisi 05-05-2010."
    )
    assert "ditolak karena ada baris lain" in errors[(5, "")]
    history = entries(household_history(household), officer_bandung)
    assert sorted(entry.subject for entry in history) == [
        "",
        "Anggota: Asep Sunandar · 3273011506800001",
        "Anggota: Euis Rahmawati · 3273015507820001",
    ]
    assert {entry.action for entry in history} == {"Dibuat"}
    wife = next(entry for entry in history if "Euis" in entry.subject)
    assert changes(wife)["Nama"] == (None, "Euis Rahmawati")
    assert changes(wife)["Hubungan dengan kepala keluarga"] == (None, "Istri")


def test_dry_run_reports_and_writes_nothing(tmp_path, officer_bandung):
    result = households_import(user=officer_bandung, path=write_csv(tmp_path, GOOD + BAD_HOUSEHOLD), dry_run=True)
    assert (result.households_created, result.members_created, result.rows_rejected) == (2, 3, 2)
    assert "akan dibuat 2" in result.summary()
    assert not Household.objects.exists()


def test_second_import_creates_nothing_and_changes_are_audited(tmp_path, officer_bandung):
    path = write_csv(tmp_path, GOOD)
    households_import(user=officer_bandung, path=path, dry_run=False)
    again = households_import(user=officer_bandung, path=path, dry_run=False)
    assert (again.households_created, again.members_created, again.households_updated, again.members_updated) == (
        0,
        0,
        0,
        0,
    )
    changed = [dict(GOOD[0], nama="Asep S."), GOOD[1], dict(GOOD[2], desil="5")]
    result = households_import(user=officer_bandung, path=write_csv(tmp_path, changed), dry_run=False)
    assert (result.households_updated, result.members_updated, result.members_created) == (1, 1, 0)
    assert Member.objects.get(nik="3273011506800001").name == "Asep S."
    first = entries(household_history(Household.objects.get(no_kk=KK_1)), officer_bandung)
    assert [(entry.action, entry.subject, changes(entry)) for entry in first if entry.action == "Diubah"] == [
        ("Diubah", "Anggota: Asep S. · 3273011506800001", {"Nama": ("Asep Sunandar", "Asep S.")})
    ]
    second = entries(household_history(Household.objects.get(no_kk=KK_2)), officer_bandung)
    assert [changes(entry) for entry in second if entry.action == "Diubah"] == [{"Desil DTSEN": ("2", "5")}]
    assert Member.objects.count() == 3


def test_rows_outside_the_users_region_are_rejected(tmp_path, officer_bandung):
    garut_row = row(
        "3205011502200001", "3205011506800001", "Cecep", "L", "1980-06-15", "kepala keluarga", "32.05.01.1001"
    )
    result = households_import(user=officer_bandung, path=write_csv(tmp_path, [garut_row]), dry_run=False)
    assert result.errors[0].message == "Desa ini di luar wilayah Anda."
    assert not Household.objects.exists()


def test_registered_nik_named_in_scope_and_hidden_outside(tmp_path, officer_bandung):
    mine = MemberFactory(nik="3273011506800001")
    MemberFactory(household__garut=True, nik="3273015507820001", sex="P")
    result = households_import(user=officer_bandung, path=write_csv(tmp_path, GOOD[:2]), dry_run=False)
    messages = {p.row: p.message for p in result.errors if p.column == "nik"}
    assert messages[2] == f"NIK ini sudah terdaftar pada keluarga dengan No. KK {mine.household.no_kk}."
    wife_only = households_import(user=officer_bandung, path=write_csv(tmp_path, [GOOD[1]]), dry_run=True)
    assert [p.message for p in wife_only.errors if p.column == "nik"] == ["NIK ini sudah terdaftar di wilayah lain."]
    assert result.households_created == 0


def test_existing_no_kk_in_another_region_is_not_revealed(tmp_path, officer_bandung):
    HouseholdFactory(garut=True, no_kk=KK_1)
    result = households_import(user=officer_bandung, path=write_csv(tmp_path, GOOD[:2]), dry_run=False)
    assert {p.message for p in result.errors} == {"No. KK ini sudah terdaftar di wilayah lain."}


def test_lost_digits_and_one_head(tmp_path, officer_bandung):
    rows = [
        row(KK_1, "3.27301E+15", "Asep", "L", "1980-06-15", "kepala keluarga"),
        row(KK_2, "3273012003750001", "Ujang", "L", "1975-03-20", "anak"),
        row("327301150220003", "3273012003750002", "Iwan", "L", "1975-03-20", "kepala keluarga"),
    ]
    result = households_import(user=officer_bandung, path=write_csv(tmp_path, rows), dry_run=True)
    messages = [p.message for p in result.errors]
    assert any("digitnya hilang" in m for m in messages)
    assert "Keluarga ini tidak memiliki kepala keluarga." in messages
    assert any("15 digit: satu digit hilang" in m for m in messages)
    assert result.rows_rejected == 3


def test_headers_ignore_case_spaces_and_order_unknown_reported(tmp_path, officer_bandung):
    header = [c.upper().replace("_", " ") for c in reversed(COLUMNS)] + ["Catatan"]
    header[header.index("JENIS KELAMIN")] = " Jenis Kelamin (L/P) "
    rows = [[*(r[c] for c in reversed(COLUMNS)), "x"] for r in GOOD]
    path = write_csv(tmp_path, rows, header=header, delimiter=";")
    result = households_import(user=officer_bandung, path=path, dry_run=False)
    assert result.members_created == 3
    assert result.messages == ["Kolom tidak dikenal diabaikan: Catatan."]


def test_xlsx_with_numeric_cells(tmp_path, officer_bandung):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    first = GOOD[0]
    sheet.append([first[c] for c in COLUMNS])
    lost = dict(GOOD[2], nik=3273012003750000.0)  # what Excel keeps of a NIK typed as a number
    sheet.append([lost[c] for c in COLUMNS])
    path = tmp_path / "kpm.xlsx"
    workbook.save(path)
    result = households_import(user=officer_bandung, path=path, dry_run=False)
    assert result.households_created == 1
    assert "digitnya hilang" in result.errors[0].message


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("kpm.pdf", b"%PDF-1.4", "Jenis berkas tidak didukung"),
        ("kpm.csv", b"", "Berkas kosong"),
        ("kpm.csv", b"\x00\x01binary", "bukan CSV"),
        ("kpm.xlsx", b"not a zip", "bukan XLSX"),
        ("kpm.csv", b"foo,bar\n1,2\n", "Baris judul tidak dikenali"),
        (
            "kpm.csv",
            b"no_kk,nik\n1,2\n",
            "Kolom wajib tidak ada: hubungan, jenis_kelamin, kode_desa, nama, tanggal_lahir",
        ),
        ("kpm.csv", ",".join(COLUMNS).encode() + b"\n", "tidak berisi baris data"),
    ],
)
def test_file_level_errors(tmp_path, officer_bandung, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message):
        households_import(user=officer_bandung, path=path, dry_run=True)


def test_huge_file_is_refused_with_the_limit(tmp_path, officer_bandung, monkeypatch):
    monkeypatch.setattr(importing, "MAX_FILE_BYTES", 100)
    with pytest.raises(ImportFileError, match="batasnya 0 MB"):
        households_import(user=officer_bandung, path=write_csv(tmp_path, GOOD), dry_run=True)


def test_readers_cannot_import(tmp_path, officer_jabar):
    with pytest.raises(PermissionDenied):
        households_import(user=officer_jabar, path=write_csv(tmp_path, GOOD), dry_run=True)


def test_command_prints_summary(tmp_path, officer_bandung):
    path = write_csv(tmp_path, GOOD + BAD_HOUSEHOLD)
    out = io.StringIO()
    call_command("import_households", str(path), "--dry-run", "--user", officer_bandung.username, stdout=out)
    assert "Dry run: created 2 households / 3 members, updated 0 households / 0 members, rejected 2 rows." in (
        out.getvalue()
    )
    assert not Household.objects.exists()
    out = io.StringIO()
    report = tmp_path / "errors.xlsx"
    call_command(
        "import_households", str(path), "--user", officer_bandung.username, "--error-report", str(report), stdout=out
    )
    assert "created 2 households / 3 members" in out.getvalue()
    assert "baris 6, jenis_kelamin: Jenis kelamin tidak sesuai NIK" in out.getvalue()
    assert Household.objects.count() == 2
    assert openpyxl.load_workbook(report).active.max_row == 4  # header, two errors in row 6, row 5 rejected with it


def test_command_refuses_unknown_user_and_readers(tmp_path, officer_jabar):
    from django.core.management.base import CommandError

    path = write_csv(tmp_path, GOOD)
    with pytest.raises(CommandError, match="No active user"):
        call_command("import_households", str(path), "--user", "nobody")
    with pytest.raises(CommandError, match="hanya dapat membaca"):
        call_command("import_households", str(path), "--user", officer_jabar.username)


def test_upload_page_runs_the_task_and_offers_the_error_report(
    client, officer_bandung, tmp_path, settings, celery_eager
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(officer_bandung)
    path = write_csv(tmp_path, GOOD + BAD_HOUSEHOLD)
    with path.open("rb") as handle:
        response = client.post(reverse("beneficiaries:import_upload"), {"file": handle, "dry_run": ""})
    job = ImportJob.objects.get()
    assert response.url == reverse("beneficiaries:import_status", args=[job.pk])
    # on_commit runs only when the test's transaction would commit: run what it queued.
    from beneficiaries.tasks import import_run

    import_run.delay(job.pk)
    job.refresh_from_db()
    assert (job.status, job.households_created, job.rows_rejected) == ("done", 2, 2)
    progress = client.get(reverse("beneficiaries:import_progress", args=[job.pk])).content.decode()
    assert "hx-get" not in progress and "Unduh laporan kesalahan" in progress
    report = client.get(reverse("beneficiaries:import_error_report", args=[job.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Baris", "Kolom", "Nilai", "Jenis", "Pesan")
    assert (6, "jenis_kelamin") in {(r[0], r[1]) for r in rows[1:]}
    assert set(Household.objects.values_list("no_kk", flat=True)) == {KK_1, KK_2}


def test_import_jobs_belong_to_their_uploader(client, officer_bandung, officer_garut):
    job = ImportJob.objects.create(user=officer_garut, file="imports/x.csv", original_name="x.csv")
    client.force_login(officer_bandung)
    assert client.get(reverse("beneficiaries:import_status", args=[job.pk])).status_code == 404


def test_template_download(client, officer_bandung):
    client.force_login(officer_bandung)
    response = client.get(reverse("beneficiaries:import_template"))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header, example = list(sheet.iter_rows(values_only=True))
    assert list(header) == COLUMNS
    assert example[1] == "3273014505900001"


def test_progress_fragment_polls_while_running(client, officer_bandung):
    job = ImportJob.objects.create(
        user=officer_bandung,
        file="imports/x.csv",
        original_name="x.csv",
        status=ImportJob.Status.RUNNING,
        rows_total=10_000,
        rows_done=5_000,
        attempts=1,
    )
    client.force_login(officer_bandung)
    # A live worker holds the job's lock.
    assert locks.job_hold(LOCK_NAMESPACE, job.pk)
    try:
        content = client.get(reverse("beneficiaries:import_progress", args=[job.pk])).content.decode()
    finally:
        locks.job_release(LOCK_NAMESPACE, job.pk)
    assert 'hx-trigger="every 1s"' in content
    assert 'aria-valuenow="50"' in content
    assert "Memeriksa baris 5.000 dari 10.000" in content

    # Its worker died: the page says the import starts again, and keeps watching.
    content = client.get(reverse("beneficiaries:import_progress", args=[job.pk])).content.decode()
    assert "hx-get" in content
    assert "Impor dimulai lagi secara otomatis (percobaan 1 dari 3)" in content


def test_head_changes_only_when_the_file_gives_the_old_head_another_role(tmp_path, officer_bandung):
    households_import(user=officer_bandung, path=write_csv(tmp_path, GOOD[:2]), dry_run=False)
    widow = dict(GOOD[1], hubungan="kepala keluarga")
    refused = households_import(user=officer_bandung, path=write_csv(tmp_path, [widow]), dry_run=False)
    assert refused.errors[0].message == "Keluarga ini sudah memiliki kepala keluarga dengan NIK lain."
    moved_on = households_import(
        user=officer_bandung, path=write_csv(tmp_path, [dict(GOOD[0], hubungan="lainnya"), widow]), dry_run=False
    )
    assert not moved_on.errors
    assert Member.objects.get(relationship="kepala").nik == "3273015507820001"
    history = entries(household_history(Household.objects.get(no_kk=KK_1)), officer_bandung)
    updates = {entry.subject: changes(entry) for entry in history if entry.action == "Diubah"}
    assert updates["Anggota: Asep Sunandar · 3273011506800001"] == {
        "Hubungan dengan kepala keluarga": ("Kepala keluarga", "Lainnya")
    }
    assert updates["Anggota: Euis Rahmawati · 3273015507820001"] == {
        "Hubungan dengan kepala keluarga": ("Istri", "Kepala keluarga")
    }


def test_xlsx_with_date_cells_blank_rows_and_row_numbers(tmp_path, officer_bandung):
    import datetime

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    head = dict(GOOD[0], tanggal_lahir=datetime.date(1980, 6, 15))
    sheet.append([head[c] for c in COLUMNS])
    sheet.append([])  # a blank row: the next one is still row 4 for the user
    bad = dict(GOOD[2], jenis_kelamin="P")
    sheet.append([bad[c] for c in COLUMNS])
    path = tmp_path / "kpm.xlsx"
    workbook.save(path)
    result = households_import(user=officer_bandung, path=path, dry_run=False)
    assert result.households_created == 1
    assert Member.objects.get().birth_date == datetime.date(1980, 6, 15)
    assert [(p.row, p.column) for p in result.errors] == [(4, "jenis_kelamin")]


def test_xlsx_reader_matches_openpyxl_on_the_template(tmp_path):
    from beneficiaries import xlsx
    from beneficiaries.importing import template_xlsx

    path = tmp_path / "template.xlsx"
    template_xlsx(path)
    expected = [list(row) for row in openpyxl.load_workbook(path).active.iter_rows(values_only=True)]
    assert [values for _number, values in xlsx.iter_rows(path, max_rows=10)] == expected


def test_upload_with_redis_down_says_try_later_and_leaves_no_job(
    client, officer_bandung, tmp_path, settings, dead_redis
):
    import time

    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(officer_bandung)
    path = write_csv(tmp_path, GOOD)
    started = time.monotonic()
    with path.open("rb") as handle:
        response = client.post(reverse("beneficiaries:import_upload"), {"file": handle, "dry_run": "on"})
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert "Coba lagi nanti" in response.content.decode()
    assert not ImportJob.objects.exists()
    # The uploaded file went with the job.
    assert not [p for p in (tmp_path / "media").rglob("*") if p.is_file()]


def test_confirming_a_dry_run_with_redis_down_keeps_the_dry_run(client, officer_bandung, dead_redis):
    dry = ImportJob.objects.create(
        user=officer_bandung, file="imports/x.csv", original_name="x.csv", status=ImportJob.Status.DONE
    )
    client.force_login(officer_bandung)
    response = client.post(reverse("beneficiaries:import_confirm", args=[dry.pk]), follow=True)
    assert "Coba lagi nanti" in response.content.decode()
    assert list(ImportJob.objects.all()) == [dry]


def test_a_job_whose_task_was_lost_is_published_again_then_given_up(officer_bandung, celery_eager, tmp_path, settings):
    import datetime

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from beneficiaries.import_jobs import import_jobs_recover

    settings.MEDIA_ROOT = tmp_path / "media"
    job = ImportJob(user=officer_bandung, original_name="kpm.csv", enqueued_at=timezone.now())
    job.file.save("kpm.csv", ContentFile(write_csv(tmp_path, GOOD).read_bytes()))
    # Just queued: left alone.
    assert import_jobs_recover() == {"requeued": 0, "failed": 0}
    # Ten minutes later no worker has started it: published again (and, eagerly, run).
    assert import_jobs_recover(now=timezone.now() + datetime.timedelta(minutes=10)) == {"requeued": 1, "failed": 0}
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.attempts == 1

    lost = ImportJob.objects.create(user=officer_bandung, file="imports/x.csv", original_name="x.csv")
    ImportJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - datetime.timedelta(hours=2))
    assert import_jobs_recover()["failed"] == 1
    lost.refresh_from_db()
    assert lost.status == ImportJob.Status.FAILED
    assert "Tidak ada pemroses yang menjalankan impor ini" in lost.messages[0]


def test_a_job_that_keeps_killing_its_worker_is_given_up(officer_bandung):
    from beneficiaries.import_jobs import import_job_run

    job = ImportJob.objects.create(
        user=officer_bandung, file="imports/x.csv", original_name="x.csv", status=ImportJob.Status.RUNNING, attempts=3
    )
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "terhenti 3 kali" in job.messages[0]


def test_an_unexpected_error_ends_the_job_failed_with_a_sentence(officer_bandung, tmp_path, settings, monkeypatch):
    from django.core.files.base import ContentFile

    from beneficiaries import import_jobs

    settings.MEDIA_ROOT = tmp_path / "media"

    def explode(**kwargs):
        raise MemoryError

    monkeypatch.setattr(import_jobs, "households_import", explode)
    job = ImportJob(user=officer_bandung, original_name="kpm.csv")
    job.file.save("kpm.csv", ContentFile(b"x"))
    import_jobs.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "memerlukan lebih banyak memori" in job.messages[0]
    # The liveness lock went with the run.
    assert not import_jobs.import_job_alive(job)


def test_a_reader_cannot_start_an_import_job_whatever_calls_the_service(officer_jabar):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from beneficiaries.import_jobs import import_job_start

    upload = SimpleUploadedFile("kpm.csv", b"no_kk\n")
    with pytest.raises(PermissionDenied):
        import_job_start(user=officer_jabar, file=upload, original_name="kpm.csv", dry_run=True, language="id")
    assert not ImportJob.objects.exists()
