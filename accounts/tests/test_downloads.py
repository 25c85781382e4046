"""The record of personal-data downloads: what is written, and who may read it.

The project-wide walk (tests/test_downloads.py) checks that every download of personal
data leaves a record; these tests check what the record says and the records page.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.downloads import data_region
from accounts.models import DownloadKind, DownloadRecord
from beneficiaries.tests.factories import HouseholdFactory, MemberFactory
from conftest import KAB_GARUT, KOTA_BANDUNG
from tests.pages import client_for

pytestmark = pytest.mark.django_db

PAGE = "accounts:download_list"


def record(user, *, kind=DownloadKind.KPM_EXPORT, region_code="", **fields) -> DownloadRecord:
    return DownloadRecord.objects.create(
        user=user,
        kind=kind,
        file_format="csv",
        region_code=region_code,
        channel="page",
        path="/kpm/ekspor.csv",
        client_ip="10.0.0.1",
        **fields,
    )


def test_a_kpm_export_records_who_what_filters_rows_and_where(officer_bandung):
    for _ in range(3):
        MemberFactory(household=HouseholdFactory())
    client = client_for(officer_bandung)
    response = client.get(reverse("beneficiaries:household_export_csv"), {"kecamatan": "32.73.01", "page": "2"})
    entry = DownloadRecord.objects.get()
    # Recorded before the first byte; the row count once the last row went out.
    assert entry.row_count is None
    b"".join(response.streaming_content)
    entry.refresh_from_db()
    assert (entry.user, entry.kind, entry.file_format, entry.row_count) == (officer_bandung, "kpm_export", "csv", 3)
    assert entry.filters == {"kecamatan": "32.73.01"}
    assert entry.full_nik and entry.region_code == "32.73.01"
    assert (entry.channel, entry.client_ip) == ("page", "127.0.0.1")
    assert entry.path.startswith("/kpm/ekspor.csv?")


def test_an_xlsx_export_counts_its_rows_at_once(officer_jabar):
    MemberFactory(household=HouseholdFactory())
    client_for(officer_jabar).get(reverse("beneficiaries:household_export_xlsx"))
    entry = DownloadRecord.objects.get()
    assert (entry.row_count, entry.full_nik, entry.region_code) == (1, False, "32")


def test_the_data_region_is_the_narrowest_that_holds_the_download(officer_bandung, admin_user, direktorat_user):
    assert data_region(officer_bandung) == KOTA_BANDUNG
    assert data_region(officer_bandung, "32.73.01", "") == "32.73.01"
    assert data_region(officer_bandung, "32.05.01") == KOTA_BANDUNG  # outside the scope: no narrower
    assert data_region(officer_bandung, "3") == KOTA_BANDUNG  # not a region code
    assert data_region(admin_user) == ""
    assert data_region(direktorat_user, "32.05") == "32.05"


def test_the_page_shows_the_district_head_only_their_district(officer_bandung, officer_garut, admin_user):
    ours = record(officer_bandung, region_code="32.73.01", description="Daftar KPM Sukasari")
    record(admin_user, region_code=KOTA_BANDUNG, description="Diunduh pusat untuk Bandung")
    record(officer_garut, region_code=KAB_GARUT, description="Daftar KPM Garut")
    record(admin_user, region_code="", description="Seluruh Indonesia")

    page = client_for(officer_bandung).get(reverse(PAGE))
    assert page.status_code == 200
    assert [r.description for r in page.context["page"]] == ["Diunduh pusat untuk Bandung", "Daftar KPM Sukasari"]
    html = page.content.decode()
    assert "Daftar KPM Garut" not in html and "Seluruh Indonesia" not in html
    assert "/kpm/ekspor.csv" in html and ours.client_ip in html

    everything = client_for(admin_user).get(reverse(PAGE))
    assert everything.context["page"].paginator.count == 4


@pytest.mark.parametrize("persona", ["officer_jabar", "direktorat_user", "mentor_bandung"])
def test_other_roles_may_not_read_the_records(request, persona):
    assert client_for(request.getfixturevalue(persona)).get(reverse(PAGE)).status_code == 403


def test_the_page_is_read_only(admin_user):
    assert client_for(admin_user).post(reverse(PAGE)).status_code == 405


def test_filters_and_pagination(admin_user, officer_bandung, officer_garut, django_assert_max_num_queries):
    for _ in range(55):
        record(officer_bandung, region_code=KOTA_BANDUNG)
    record(officer_garut, kind=DownloadKind.MENTOR_REPORT, region_code=KAB_GARUT)
    old = record(officer_garut, kind=DownloadKind.VISIT_PHOTO, region_code=KAB_GARUT)
    DownloadRecord.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=40))
    client = client_for(admin_user)
    with django_assert_max_num_queries(8):
        first = client.get(reverse(PAGE))
    assert first.context["page"].paginator.count == 57 and len(first.context["page"]) == 50
    assert len(client.get(reverse(PAGE), {"page": 2}).context["page"]) == 7

    def found(**query):
        return [(r.user.username, r.kind) for r in client.get(reverse(PAGE), query).context["page"]]

    assert found(kind="mentor_report") == [("dinsos_garut", "mentor_report")]
    assert len(found(q="GARUT")) == 2
    assert len(found(region="32.05")) == 2
    since = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    assert ("dinsos_garut", "visit_photo") not in found(since=since, region="32.05")
    assert client.get(reverse(PAGE), {"region": "Garut"}).context["page"].paginator.count == 0


def test_the_page_in_english(admin_user, officer_bandung, settings):
    record(officer_bandung, region_code=KOTA_BANDUNG)
    client = client_for(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse(PAGE)).content.decode()
    assert "Personal data downloads" in html and "KPM data export" in html
