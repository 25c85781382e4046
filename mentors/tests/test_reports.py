"""The monthly mentor report: what it contains, and that the PDF renders (poppler, when installed)."""

import datetime
import os
import shutil
import subprocess

import pytest
from PIL import Image

from conftest import SCREENSHOT_DIR
from groups.tests.factories import BusinessReportFactory, KubeFactory
from mentors import reports
from mentors.tests.factories import AssignmentFactory, FieldVisitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def april(officer_bandung, assignment, kube, admin_user):
    second = KubeFactory(status="aktif", name="KUBE Mawar Sejahtera")
    AssignmentFactory(mentor=assignment.mentor, kube=second, created_by=admin_user)
    FieldVisitFactory(
        mentor=assignment.mentor,
        kube=kube,
        visited_on=datetime.date(2025, 4, 3),
        topics=["pembukuan", "tabungan"],
        notes="Buku kas diperbarui; tabungan kelompok naik.",
        problems="Dua anggota belum menyetor iuran.",
        follow_up="Rapat anggota minggu depan.",
    )
    FieldVisitFactory(
        mentor=assignment.mentor,
        kube=second,
        visited_on=datetime.date(2025, 4, 17),
        topics=["pemasaran"],
        notes="Mencoba jualan daring.",
    )
    FieldVisitFactory(mentor=assignment.mentor, kube=kube, visited_on=datetime.date(2025, 5, 2))
    BusinessReportFactory(kube=kube, month=datetime.date(2025, 4, 1), revenue=7_250_000, costs=5_100_000)
    return reports.monthly_report(user=officer_bandung, mentor=assignment.mentor, month=datetime.date(2025, 4, 1))


def test_the_report_holds_the_months_visits_groups_figures_and_problems(april):
    assert [v.visited_on.day for v in april.visits] == [3, 17]
    assert {k.name for k in april.kube} == {"KUBE Melati", "KUBE Mawar Sejahtera"}
    assert [b.revenue for b in april.business] == [7_250_000]
    assert [v.problems for v in april.problems] == ["Dua anggota belum menyetor iuran."]
    assert april.period == "April 2025"


def test_another_district_reads_nothing_of_it(officer_garut, assignment, april):
    other = reports.monthly_report(user=officer_garut, mentor=assignment.mentor, month=datetime.date(2025, 4, 1))
    assert other.visits == [] and other.kube == []


@pytest.mark.skipif(
    not shutil.which("pdftoppm") and not os.environ.get("KUBE_REQUIRE_BROWSER"),
    reason="poppler-utils is not installed",
)
def test_the_pdf_renders_and_shows_the_visits(april):
    os.makedirs(SCREENSHOT_DIR, exist_ok=True)
    pdf_path = os.path.join(SCREENSHOT_DIR, "mentor-report.pdf")
    with open(pdf_path, "wb") as handle:
        handle.write(reports.as_pdf(april))
    text = subprocess.run(["pdftotext", "-layout", pdf_path, "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607
    for expected in (
        "Laporan Bulanan Pendamping KUBE",
        "April 2025",
        "KUBE Melati",
        "KUBE Mawar Sejahtera",
        "03-04-2025",
        "7.250.000",
        "Dua anggota belum menyetor iuran.",
        "Pendamping KUBE",
        "Kepala Dinas Sosial",
    ):
        assert expected in text, expected
    assert "02-05-2025" not in text
    prefix = os.path.join(SCREENSHOT_DIR, "mentor-report")
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", pdf_path, prefix], check=True)  # noqa: S603, S607
    png = next(p for p in (f"{prefix}-1.png", f"{prefix}-01.png") if os.path.exists(p))
    with Image.open(png) as image:
        assert image.width > image.height  # landscape A4
        assert len(image.convert("L").getcolors(256 * 256) or []) > 2  # not a blank page
