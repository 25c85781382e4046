"""Accepted when: tokens read and write exactly their login's scope; a revoked token is refused."""

import pytest

from accounts.models import ApiToken, DownloadChannel, DownloadRecord
from accounts.services import api_token_issue, api_token_revoke, integration_account_create
from api.tests.conftest import token_client
from beneficiaries.models import Household
from beneficiaries.tests.factories import HouseholdFactory, MemberFactory
from conftest import JAWA_BARAT, KOTA_MEDAN
from groups.tests.factories import KubeFactory, MembershipFactory, household_in
from mentors.tests.scope_builders import _garut_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def garut(world):
    """A household, a KUBE and a visit of Kabupaten Garut."""
    household = household_in("32.05.01")
    kube = KubeFactory(garut=True, status="draft")
    MembershipFactory(kube=kube)
    return {"household": household, "kube": kube, "visit": _garut_visit(world)}


def test_a_district_officers_token_gets_404_for_another_districts_household_kube_and_visit(
    world, garut, officer_bandung, admin_user
):
    _token, secret = api_token_issue(manager=admin_user, user=officer_bandung, name="Laptop dinas")
    bandung = token_client(secret)
    household, kube, visit = garut["household"], garut["kube"], garut["visit"]
    reads = [
        f"/api/v1/households/{household.pk}/",
        f"/api/v1/kube/{kube.pk}/",
        f"/api/v1/field-visits/{visit.pk}/",
        f"/api/v1/field-visits/{visit.pk}/photos/1/",
    ]
    for url in reads:
        response = bandung.get(url)
        assert (url, response.status_code, response.json()["code"]) == (url, 404, "not_found")
    writes = [
        ("put", f"/api/v1/households/{household.pk}/", {"no_kk": household.no_kk}),
        ("post", f"/api/v1/households/{household.pk}/deactivate/", {"reason": "pindah"}),
        ("put", f"/api/v1/kube/{kube.pk}/", {"name": "Diambil"}),
        ("post", f"/api/v1/kube/{kube.pk}/propose/", {}),
        ("post", f"/api/v1/field-visits/{visit.pk}/verify/", {}),
        ("post", f"/api/v1/field-visits/{visit.pk}/return/", {"comment": "x"}),
    ]
    for method, url, body in writes:
        assert getattr(bandung, method)(url, body, format="json").status_code == 404, url
    # Nor does a create reach across: the Garut KUBE is not a KUBE the Bandung token can name.
    grant = bandung.post(
        "/api/v1/grants/",
        {"kube": kube.pk, "amount": 1, "disbursed_on": "2025-01-01", "transfer_reference": "X"},
        format="json",
    )
    assert grant.status_code == 400 and "kube" in grant.json()["errors"]
    lists = bandung.get("/api/v1/households/", {"status": "semua"}).json()["results"]
    assert household.pk not in {h["id"] for h in lists}
    household.refresh_from_db()
    kube.refresh_from_db()
    assert household.is_active and kube.name != "Diambil" and kube.status == "draft"


def test_a_mentors_token_sees_only_its_kube_and_their_members(mentor_client, kube, regions):
    other = KubeFactory(status="aktif")  # Bandung too, not assigned to this mentor
    MembershipFactory(kube=other)
    HouseholdFactory()  # a Bandung household in no KUBE
    kubes = mentor_client.get("/api/v1/kube/").json()["results"]
    assert [k["id"] for k in kubes] == [kube.pk]
    members = {m.household_id for m in kube.memberships.all()}
    households = mentor_client.get("/api/v1/households/", {"page_size": 1000}).json()["results"]
    assert {h["id"] for h in households} == members
    assert mentor_client.get(f"/api/v1/kube/{other.pk}/").status_code == 404


def test_an_integration_account_bound_to_a_province_sees_that_province(world, admin_user, regions):
    bandung, garut = household_in("32.73.01"), household_in("32.05.01")
    medan = HouseholdFactory(village_id=f"{KOTA_MEDAN}.01.1001")
    MemberFactory(household=medan)
    _token, secret = integration_account_create(
        manager=admin_user, name="Sistem Dinsos Jawa Barat", role="dinsos_provinsi", region=regions[JAWA_BARAT]
    )
    jabar = token_client(secret)
    seen = {h["id"] for h in jabar.get("/api/v1/households/", {"page_size": 1000}).json()["results"]}
    assert {bandung.pk, garut.pk} <= seen
    assert medan.pk not in seen
    assert jabar.get(f"/api/v1/households/{medan.pk}/").status_code == 404
    me = jabar.get("/api/v1/me/").json()
    assert (me["role"], me["scope"]) == ("dinsos_provinsi", [JAWA_BARAT])


def test_a_revoked_token_is_401(officer_garut, regions):
    token, secret = integration_account_create(
        manager=officer_garut, name="SIKS Garut", role="dinsos_kabkota", region=officer_garut.region
    )
    client = token_client(secret)
    assert client.get("/api/v1/me/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    api_token_revoke(manager=officer_garut, token=token)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert token_client("kube_not-a-token").get("/api/v1/me/").status_code == 401
    # Stored hashed: the secret itself is nowhere in the table.
    assert not ApiToken.objects.filter(key_hash=secret).exists()


def test_a_district_head_issues_integration_accounts_only_for_its_district(officer_garut, regions):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        integration_account_create(manager=officer_garut, name="x", role="dinsos_provinsi", region=regions[JAWA_BARAT])
    with pytest.raises(ValidationError):
        integration_account_create(manager=officer_garut, name="x", role="dinsos_kabkota", region=regions["32.73"])


def test_the_token_page_issues_shows_once_and_revokes(client, officer_garut, regions):
    client.force_login(officer_garut)
    page = client.post(
        "/akun/token-api/",
        {"integration-name": "SIKS Garut", "integration-role": "dinsos_kabkota", "integration-region": "32.05"},
    )
    assert page.status_code == 200
    secret = page.context["secret"]
    assert secret.startswith("kube_") and secret in page.content.decode()
    token = ApiToken.objects.get(name="SIKS Garut")
    listing = client.get("/akun/token-api/").content.decode()
    assert "SIKS Garut" in listing and secret not in listing
    client.post(f"/akun/token-api/{token.pk}/cabut/")
    token.refresh_from_db()
    assert token.is_revoked
    assert token_client(secret).get("/api/v1/me/").status_code == 401


def test_api_writes_carry_actor_and_api_source_and_reads_of_personal_data_are_recorded(bandung_client, regions):
    household = household_in("32.73.01")
    body = bandung_client.get(f"/api/v1/households/{household.pk}/").json()
    record = DownloadRecord.objects.get()
    assert (record.channel, record.kind, record.row_count) == (DownloadChannel.API, "kpm_export", 1)
    actor = record.user
    assert actor.username.startswith("api-")
    body["phone"] = "081299990000"
    response = bandung_client.put(f"/api/v1/households/{household.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    event = Household.pgh_event_model.objects.filter(pgh_obj_id=household.pk, pgh_label="update").get()
    metadata = event.pgh_context.metadata
    assert (metadata["source"], metadata["user"], metadata["method"]) == ("api", actor.pk, "PUT")
    # A stale version is a 409 with the stored object.
    stale = bandung_client.put(f"/api/v1/households/{household.pk}/", {**body, "phone": "0811"}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    assert stale.json()["current"]["phone"] == "081299990000"
