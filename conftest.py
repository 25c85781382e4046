"""Shared fixtures: a real slice of the Kemendagri regions and named personas for each role.

Scope tests read like sentences: `officer_bandung` must not see what `officer_garut` entered.
"""

import os

import pytest

# Browser tests drive a live server from the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Kota Bandung and Kabupaten Garut (Jawa Barat, Wilayah I), Kota Medan (Sumatera Utara,
# Wilayah I) and Kota Jakarta Pusat (DKI Jakarta, outside Wilayah I).
TEST_REGION_PREFIXES = ["32.73", "32.05", "12.71", "31.71"]
KOTA_BANDUNG = "32.73"
KAB_GARUT = "32.05"
JAWA_BARAT = "32"
KOTA_MEDAN = "12.71"
JAKARTA_PUSAT = "31.71"


def ensure_test_regions():
    from regions.loading import ensure_directorate_areas, load_regions
    from regions.models import Region

    if not Region.objects.filter(code=JAKARTA_PUSAT).exists():
        load_regions(only_prefixes=TEST_REGION_PREFIXES)
    ensure_directorate_areas()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_test_regions()


@pytest.fixture
def regions(db):
    """The test slice of regions; reloaded when a transactional test flushed the tables."""
    ensure_test_regions()
    from regions.models import Region

    return {
        code: Region.objects.get(code=code) for code in [JAWA_BARAT, KOTA_BANDUNG, KAB_GARUT, KOTA_MEDAN, JAKARTA_PUSAT]
    }


@pytest.fixture
def wilayah_1(regions):
    from regions.loading import WILAYAH_I_CODE
    from regions.models import DirectorateArea

    return DirectorateArea.objects.get(code=WILAYAH_I_CODE)


@pytest.fixture
def admin_user(regions):
    from accounts.models import Role
    from accounts.tests.factories import UserFactory

    return UserFactory(username="admin_pusat", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def direktorat_user(wilayah_1):
    from accounts.models import Role
    from accounts.tests.factories import UserFactory

    return UserFactory(username="dit_wilayah1", role=Role.DIREKTORAT, directorate_area=wilayah_1)


@pytest.fixture
def officer_jabar(regions):
    from accounts.models import Role
    from accounts.tests.factories import UserFactory

    return UserFactory(username="dinsos_jabar", role=Role.DINSOS_PROVINSI, region=regions[JAWA_BARAT])


@pytest.fixture
def officer_bandung(regions):
    from accounts.models import Role
    from accounts.tests.factories import UserFactory

    return UserFactory(username="dinsos_bandung", role=Role.DINSOS_KABKOTA, region=regions[KOTA_BANDUNG])


@pytest.fixture
def officer_garut(regions):
    from accounts.models import Role
    from accounts.tests.factories import UserFactory

    return UserFactory(username="dinsos_garut", role=Role.DINSOS_KABKOTA, region=regions[KAB_GARUT])


@pytest.fixture
def officer_jakarta(regions):
    from accounts.models import Role
    from accounts.tests.factories import UserFactory

    return UserFactory(username="dinsos_jakpus", role=Role.DINSOS_KABKOTA, region=regions[JAKARTA_PUSAT])


@pytest.fixture
def mentor_bandung(regions):
    from accounts.models import Role
    from accounts.tests.factories import UserFactory

    return UserFactory(username="pendamping_bandung", role=Role.PENDAMPING, region=regions[KOTA_BANDUNG])
