"""A Kota Bandung officer imports a file with good and bad rows in Chromium."""

import openpyxl
import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from beneficiaries.models import Household
from beneficiaries.tests.test_importing import BAD_HOUSEHOLD, GOOD, KK_1, KK_2, write_csv
from conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_imports_good_and_bad_rows(
    page, live_server, regions, officer_bandung, settings, tmp_path, celery_eager
):
    # The live server has no Celery worker: the task runs inside the upload request.
    settings.MEDIA_ROOT = tmp_path / "media"
    upload = write_csv(tmp_path, GOOD + BAD_HOUSEHOLD, name="kpm-bandung.csv")

    browser_login(page, live_server, officer_bandung.username, PASSWORD)
    page.goto(f"{live_server.url}/kpm/")
    page.get_by_role("link", name="Impor berkas").click()

    # A dry run first: the report of what would happen, nothing saved.
    page.set_input_files("#id_file", str(upload))
    expect(page.locator("#id_dry_run")).to_be_checked()
    page.click("main form button[type=submit]")
    progress = page.get_by_role("progressbar")
    expect(progress).to_be_visible()
    expect(page.get_by_test_id("import-summary")).to_contain_text("Hasil uji coba")
    expect(page.get_by_test_id("households-created")).to_have_text("2")
    assert not Household.objects.exists()

    # Then for real.
    page.get_by_role("button", name="Impor sekarang").click()
    expect(page.get_by_test_id("import-summary")).to_contain_text("Impor selesai")
    expect(progress).to_have_attribute("aria-valuenow", "100")
    expect(page.get_by_test_id("rows-rejected")).to_have_text("2")
    screenshot(page, "beneficiaries-import-result")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Unduh laporan kesalahan (XLSX)").click()
    report = tmp_path / "report.xlsx"
    download_info.value.save_as(report)
    rows = list(openpyxl.load_workbook(report).active.iter_rows(values_only=True))
    assert rows[0] == ("Baris", "Kolom", "Nilai", "Jenis", "Pesan")
    assert {(row[0], row[1]) for row in rows[1:]} >= {(6, "jenis_kelamin"), (6, "tanggal_lahir"), (5, None)}

    page.get_by_role("link", name="Ke daftar KPM").click()
    table = page.locator("main table")
    expect(table.get_by_role("link", name=KK_1)).to_be_visible()
    expect(table.get_by_role("link", name=KK_2)).to_be_visible()
    expect(table).not_to_contain_text("3273011502200003")
    page.fill("#id_q", "Euis")
    page.click("main form[role=search] button[type=submit]")
    expect(table.get_by_role("link")).to_have_count(1)
    table.get_by_role("link", name=KK_1).click()
    expect(page.locator("[data-testid=history]")).to_contain_text("impor #")


def test_progress_bar_polls_until_the_job_is_done(page, live_server, regions, officer_bandung, settings, tmp_path):
    from django.core.files.base import ContentFile

    from beneficiaries.import_jobs import import_job_run
    from beneficiaries.models import ImportJob

    settings.MEDIA_ROOT = tmp_path / "media"
    content = write_csv(tmp_path, GOOD + BAD_HOUSEHOLD).read_bytes()
    job = ImportJob.objects.create(
        user=officer_bandung, file=ContentFile(content, name="kpm.csv"), original_name="kpm.csv", dry_run=False
    )
    browser_login(page, live_server, officer_bandung.username, PASSWORD)
    page.goto(f"{live_server.url}/kpm/impor/{job.pk}/")
    expect(page.locator("#import-progress")).to_contain_text("Memeriksa baris")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "0")

    # What a Celery worker does; the open page picks the result up by polling (htmx, every second).
    import_job_run(job_id=job.pk)
    expect(page.get_by_test_id("import-summary")).to_contain_text("Impor selesai")
    expect(page.get_by_test_id("households-created")).to_have_text("2")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
