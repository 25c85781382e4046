import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from groups.models import Status
from groups.tests.factories import GrantFactory, KubeFactory, complete_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(regions, officer_bandung):
    active = KubeFactory(name='=HYPERLINK("http://x")', status=Status.AKTIF)
    complete_members(active, 5)
    GrantFactory(kube=active, amount=20_000_000, recorded_by=officer_bandung)
    KubeFactory(name="KUBE Draf")
    KubeFactory(name="KUBE Garut", garut=True)
    return active


def test_csv_is_streamed_scoped_filtered_and_neutralised(client, officer_bandung, data):
    client.force_login(officer_bandung)
    response = client.get(reverse("groups:kube_export"), {"format": "csv"})
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][0] == "Nomor registrasi"
    names = {row[1] for row in table[1:]}
    assert names == {'\'=HYPERLINK("http://x")', "KUBE Draf"}
    active_row = next(row for row in table[1:] if row[0] == data.registration_number)
    assert active_row[8:12] == ["Aktif", "Tumbuh", "5", "20000000"]

    response = client.get(reverse("groups:kube_export"), {"format": "csv", "status": "draft"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert [row[1] for row in csv.reader(io.StringIO(text))][1:] == ["KUBE Draf"]


def test_xlsx_keeps_numbers(client, officer_bandung, data):
    client.force_login(officer_bandung)
    response = client.get(reverse("groups:kube_export"), {"format": "xlsx", "q": "HYPERLINK"})
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook["KUBE"].iter_rows())
    assert len(rows) == 2
    name = rows[1][1]
    # The name as typed, in a text cell with Excel's quote prefix: shown, never run.
    assert (name.value, name.data_type, name.quotePrefix) == ('=HYPERLINK("http://x")', "s", True)
    assert [cell.value for cell in rows[1][10:12]] == [5, 20_000_000]


def test_export_in_english_has_english_headers(client, officer_bandung, data):
    client.force_login(officer_bandung)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("groups:kube_export"), {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.startswith("Registration number")
