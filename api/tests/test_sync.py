"""Accepted when: the Kota Bandung register exported page by page, 10 households changed through the
API, and the re-sync with `updated_since` returns exactly those 10."""

import gzip
import json

import pytest

from groups.tests.factories import household_in

pytestmark = pytest.mark.django_db


def pull(client, url, params) -> tuple[list[dict], str]:
    """Every page of a list; the rows and the first page's server time."""
    rows, first_time = [], None
    response = client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        first_time = first_time or body["server_time"]
        rows += body["results"]
        if not body["next"]:
            return rows, first_time
        response = client.get(body["next"])


def test_round_trip_of_the_kota_bandung_register(bandung_client, regions):
    bandung = [household_in("32.73.01", village_suffix=suffix) for suffix in ("1001", "1002") for _ in range(12)]
    garut = [household_in("32.05.01") for _ in range(3)]

    rows, synced_at = pull(bandung_client, "/api/v1/households/", {"page_size": 5})
    assert sorted(row["id"] for row in rows) == sorted(h.pk for h in bandung)
    assert not {h.pk for h in garut} & {row["id"] for row in rows}

    changed = rows[3:13]
    for row in changed:
        response = bandung_client.put(f"/api/v1/households/{row['id']}/", {**row, "rt": "009"}, format="json")
        assert response.status_code == 200, response.json()

    again, _later = pull(bandung_client, "/api/v1/households/", {"page_size": 5, "updated_since": synced_at})
    assert sorted(row["id"] for row in again) == sorted(row["id"] for row in changed)
    assert {row["rt"] for row in again} == {"009"}

    gone = rows[0]
    bandung_client.post(f"/api/v1/households/{gone['id']}/deactivate/", {"reason": "pindah"}, format="json")
    deleted, _at = pull(bandung_client, "/api/v1/households/", {"deleted_since": synced_at})
    assert [row["id"] for row in deleted] == [gone["id"]]
    assert deleted[0]["deactivation_reason"] == "pindah"


def test_fields_trim_the_payload_and_answers_are_gzipped(bandung_client, regions):
    for _ in range(10):  # gzip starts at 200 bytes
        household_in("32.73.01")
    response = bandung_client.get("/api/v1/households/", {"fields": "id,no_kk"}, HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    body = json.loads(gzip.decompress(response.content))
    assert [set(row) for row in body["results"]] == [{"id", "no_kk"}] * 10


def test_bad_sync_parameters_are_400_not_500(bandung_client, regions):
    for params in ({"updated_since": "kemarin"}, {"cursor": "%%%"}, {"page_size": "x"}, {"kecamatan": "zz"}):
        response = bandung_client.get("/api/v1/households/", params)
        assert response.status_code in (200, 400, 404), (params, response.status_code)
        if response.status_code != 200:
            assert set(response.json()) >= {"code", "message", "errors"}
    assert bandung_client.get("/api/v1/nothing-here/").json()["code"] == "not_found"


def test_the_household_rows_are_what_the_fields_describe(bandung_client, regions):
    """HouseholdSerializer builds its rows directly (speed): they must equal DRF's field-by-field output."""
    from rest_framework import serializers

    from api.serializers import HouseholdSerializer
    from beneficiaries.models import Household

    household = household_in("32.73.01")
    household.deactivated_at = household.updated_at
    fast = HouseholdSerializer(Household.objects.get(pk=household.pk)).data
    slow = serializers.ModelSerializer.to_representation(HouseholdSerializer(), Household.objects.get(pk=household.pk))
    assert fast == slow
    assert bandung_client.get(f"/api/v1/households/{household.pk}/").json() == fast
