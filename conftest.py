"""Shared fixtures: a real slice of the Kemendagri regions and named personas for each role.

Scope tests read like sentences: `officer_bandung` must not see what `officer_garut` entered.
"""

import os
from contextlib import contextmanager

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


# --- Read replica ---------------------------------------------------------------------------------

#: How long each wait for the replica to replay the primary's latest WAL took (ms), for the summary.
REPLAY_WAITS_MS: list[float] = []


#: The mark of a test that reads from the `replica` alias (`replica` or `dead_replica`): its
#: rows must be committed to reach a replica, and Django must let it use the alias.
ON_REPLICA = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


def _point_replica(params: dict, url: str) -> None:
    """Point the `replica` alias (every thread's connection) at the server of `url`, on the test database."""
    import dj_database_url
    from django.db import connections

    target = dj_database_url.parse(url)
    for connection in connections.all(initialized_only=True):
        if connection.alias == "replica":
            connection.close()
    params.update({key: target[key] for key in ("HOST", "PORT", "USER", "PASSWORD")})
    params["OPTIONS"] = {**target.get("OPTIONS", {}), "connect_timeout": 2}


@pytest.fixture(scope="module")
def replica_database(django_db_setup):
    """The `replica` alias for a module of replica tests; a closed port until a test points it elsewhere.

    The settings define no replica under pytest: the rest of the suite writes rows and reads
    them back at once. The alias must exist before Django sets up a test that names it, hence
    a module fixture. A physical replica copies the whole cluster, so the test database that
    pytest-django created on the primary is on the replica too, under the same name. TEST
    MIRROR only tells Django's test cases to leave it alone (no flush of a read-only server);
    the connection itself goes to the replica server.
    """
    import socket

    from django.db import connections

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    params = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": connections["default"].settings_dict["NAME"],
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": False,
        "TEST": {"MIRROR": "default"},
    }
    _point_replica(params, f"postgres://postgres@127.0.0.1:{closed.getsockname()[1]}/unused")
    assert "replica" not in connections.settings
    connections.settings["replica"] = connections.configure_settings(
        {"default": connections.settings["default"], "replica": params}
    )["replica"]
    try:
        yield params
    finally:
        for connection in connections.all(initialized_only=True):
            if connection.alias == "replica":
                connection.close()
                del connections["replica"]
        del connections.settings["replica"]
        closed.close()


class LiveReplica:
    """The streaming replica of scripts/start_replica.sh, seen from a test: replay waits and pauses."""

    def __init__(self, url: str):
        import psycopg2

        self.url = url
        self.admin = psycopg2.connect(url, connect_timeout=2)
        self.admin.autocommit = True

    def query(self, sql: str, params=()):
        with self.admin.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    @staticmethod
    def primary(sql: str):
        from django.db import connections

        with connections["default"].cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]

    def wait_for(self, function: str, timeout: float = 30.0) -> None:
        """Until the replica's `function` (receive or replay LSN) reaches the primary's current WAL position."""
        import time

        target = self.primary("SELECT pg_current_wal_lsn()")
        started = time.monotonic()
        while not self.query(f"SELECT {function}() >= %s::pg_lsn", [target]):  # noqa: S608 - our own names
            if time.monotonic() - started > timeout:
                pytest.fail(f"the replica did not reach the primary's {target} in {timeout:.0f} s ({function})")
            time.sleep(0.002)
        if function == "pg_last_wal_replay_lsn":
            REPLAY_WAITS_MS.append((time.monotonic() - started) * 1000)

    def wait_for_replay(self) -> None:
        """Until the replica shows everything committed on the primary so far."""
        self.wait_for("pg_last_wal_replay_lsn")

    def wait_for_receipt(self) -> None:
        """Until the replica has received everything written on the primary so far (replayed or not)."""
        self.wait_for("pg_last_wal_receive_lsn")

    @contextmanager
    def paused(self):
        """Replay stopped: the replica keeps what it had, whatever the primary commits meanwhile."""
        import time

        self.query("SELECT pg_wal_replay_pause()")
        try:
            while self.query("SELECT pg_get_wal_replay_pause_state()") != "paused":
                time.sleep(0.002)
            yield
        finally:
            self.query("SELECT pg_wal_replay_resume()")


def _replica_missing(reason: str):
    if os.environ.get("KUBE_REQUIRE_REPLICA"):
        pytest.fail(f"{reason}, and KUBE_REQUIRE_REPLICA is set: replica tests may not be skipped")
    pytest.skip(reason)


@pytest.fixture
def replica(replica_database):
    """The `replica` alias on a real streaming replica of the test server (KUBE_TEST_REPLICA_URL).

    Skipped without one, except where KUBE_REQUIRE_REPLICA is set (CI), where it fails.
    Mark the test ON_REPLICA.
    """
    import psycopg2

    url = os.environ.get("KUBE_TEST_REPLICA_URL", "").strip()
    if not url:
        _replica_missing("KUBE_TEST_REPLICA_URL is not set (scripts/start_replica.sh starts a replica and prints it)")
    try:
        server = LiveReplica(url)
    except psycopg2.Error as error:
        _replica_missing(f"the replica {url} does not answer ({error.__class__.__name__})")
    identity = "SELECT system_identifier::text FROM pg_control_system()"
    if not server.query("SELECT pg_is_in_recovery()") or server.query(identity) != server.primary(identity):
        pytest.fail(f"{url} is not a streaming replica of the test server")
    server.query("SELECT pg_wal_replay_resume()")  # a run killed during a pause left it paused
    server.wait_for_replay()  # the test database and the rows of the fixtures so far
    closed_port = dict(replica_database)
    _point_replica(replica_database, url)
    try:
        yield server
    finally:
        _point_replica(replica_database, f"postgres://postgres@127.0.0.1:{closed_port['PORT']}/unused")
        server.admin.close()


@pytest.fixture
def dead_replica(replica_database):
    """The `replica` alias on a real closed port: the replica is down, no mock. Mark the test ON_REPLICA.

    Bound but never listening (like `dead_redis`): every connection is refused at once.
    """
    return replica_database


def pytest_terminal_summary(terminalreporter):
    if REPLAY_WAITS_MS:
        waits = sorted(REPLAY_WAITS_MS)
        terminalreporter.write_line(
            f"replica: {len(waits)} waits for replay of the primary's latest WAL, "
            f"median {waits[len(waits) // 2]:.1f} ms, max {waits[-1]:.1f} ms"
        )
