"""Shared fixtures: a real slice of the Kemendagri regions and named personas for each role.

Scope tests read like sentences: `officer_bandung` must not see what `officer_garut` entered.
"""

import os

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Browser tests drive a live server from the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Property tests (the SQL and Python engines agree): 300 examples each by default, which is what CI
# runs; HYPOTHESIS_PROFILE=dev runs 50 while developing. Each example builds its rows in a savepoint
# of the test's transaction (function-scoped fixtures are shared on purpose) and rolls them back.
hypothesis_settings.register_profile(
    "ci",
    max_examples=300,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
hypothesis_settings.register_profile("dev", hypothesis_settings.get_profile("ci"), max_examples=50)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

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


@pytest.fixture(autouse=True)
def default_language_after_each_test():
    """A request in English leaves English active in this thread; the next test starts in Indonesian."""
    yield
    from django.utils import translation

    translation.deactivate()


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


@pytest.fixture
def dead_redis(settings):
    """Point the cache and the Celery broker at a real closed port: Redis is down, no mock.

    The port is bound but never listens, so every connection is refused at once and no other
    process can start listening there during the test.
    """
    import socket

    from kube_portal.celery import app

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    url = f"redis://127.0.0.1:{closed.getsockname()[1]}/0"
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": url}}
    settings.REDIS_URL = url

    def use_broker(broker_url):
        # The producer pools are made once per app for the broker URL of the time.
        app.conf.broker_url = broker_url
        app._pool = None
        app.amqp._producer_pool = None

    previous = app.conf.broker_url
    use_broker(url)
    try:
        yield url
    finally:
        use_broker(previous)
        closed.close()


@pytest.fixture(autouse=True)
def _throttle_uses_redis_again():
    """A test against a dead Redis leaves the throttle stepped aside in this process: undo it."""
    yield
    from accounts import throttling

    throttling._redis_down_until = 0.0


# --- Browser tests ---------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_DIR = os.path.join(os.path.dirname(__file__), "test-artifacts")


@pytest.fixture(scope="session")
def browser():
    """Chromium through Playwright. Skipped without Chromium, except where KUBE_REQUIRE_BROWSER is set (CI)."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("KUBE_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing and KUBE_REQUIRE_BROWSER is set: browser tests may not be skipped")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    # CI machines have two cores; a page may take longer than Playwright's 5 s default there.
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def screenshot(page, name: str) -> str:
    """Save a full-page screenshot under test-artifacts/ (to look at) and return its path."""
    os.makedirs(SCREENSHOT_DIR, exist_ok=True)
    path = os.path.join(SCREENSHOT_DIR, f"{name}.png")
    page.screenshot(path=path, full_page=True)
    return path


def browser_login(page, live_server, username: str, password: str):
    page.goto(f"{live_server.url}/akun/masuk/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")


# --- Celery -------------------------------------------------------------------------------------


@pytest.fixture
def celery_eager():
    """Run Celery tasks inside the calling process (no worker), for this test only.

    Set on the Celery app itself: once its configuration is loaded, a change to the
    Django setting CELERY_TASK_ALWAYS_EAGER no longer reaches it.
    """
    from kube_portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous
