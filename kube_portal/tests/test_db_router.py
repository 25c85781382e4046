"""The read replica's rules (kube_portal.db_router), against a real streaming replica where one is needed.

Tests that take the `replica` fixture need the replica of scripts/start_replica.sh
(KUBE_TEST_REPLICA_URL); `dead_replica` is a real closed port and runs everywhere. Without
any replica (the settings under pytest): kube_portal/tests/test_views.py.
"""

import json
import time

from django.contrib.sessions.models import Session
from django.db import router, transaction
from django.http import HttpResponse, JsonResponse
from django.urls import reverse

from accounts.models import User
from conftest import ON_REPLICA
from kube_portal.db_router import WROTE_COOKIE, ReadYourWritesMiddleware, ReplicaRouter, reads_from_replica
from regions.models import Region


def _routes(request):
    """Where this request's reads and writes would go."""
    routes = {
        "region": router.db_for_read(Region),
        "user": router.db_for_read(User),
        "session": router.db_for_read(Session),
        "write": router.db_for_write(Region),
    }
    with transaction.atomic():
        routes["in_transaction"] = router.db_for_read(Region)
    return JsonResponse(routes)


marked = reads_from_replica(_routes)
VIA_REPLICA = {
    "region": "replica",
    "user": "default",
    "session": "default",
    "write": "default",
    "in_transaction": "default",
}
VIA_PRIMARY = dict.fromkeys(VIA_REPLICA, "default")


def routes_of(view, request) -> dict:
    return json.loads(view(request).content)


def wrote_cookie(rf, *, status=302) -> str:
    """The cookie that the middleware hands a browser whose write request answered `status`."""
    response = ReadYourWritesMiddleware(lambda request: HttpResponse(status=status))(rf.post("/"))
    return response.cookies[WROTE_COOKIE].value if WROTE_COOKIE in response.cookies else ""


def test_migrations_and_relations():
    rules = ReplicaRouter()
    assert rules.allow_migrate("replica", "regions") is False
    assert rules.allow_migrate("default", "regions") is None
    from_primary, from_replica = Region(code="32"), Region(code="32.05")
    from_primary._state.db, from_replica._state.db = "default", "replica"
    assert rules.allow_relation(from_primary, from_replica) is True


@ON_REPLICA
def test_a_marked_view_reads_the_replica_and_nothing_else_does(replica, rf):
    assert routes_of(marked, rf.get("/")) == VIA_REPLICA
    assert routes_of(marked, rf.head("/")) == VIA_REPLICA
    assert routes_of(_routes, rf.get("/")) == VIA_PRIMARY  # not marked
    assert routes_of(marked, rf.post("/")) == VIA_PRIMARY  # a write request reads the primary
    with transaction.atomic():  # inside a transaction of the caller
        assert routes_of(marked, rf.get("/")) == VIA_PRIMARY


@ON_REPLICA
def test_a_browser_that_just_wrote_reads_the_primary(replica, rf, settings):
    cookie = wrote_cookie(rf)
    assert cookie
    assert routes_of(marked, rf.get("/", HTTP_COOKIE=f"{WROTE_COOKIE}={cookie}")) == VIA_PRIMARY
    # Only a write that succeeded marks the browser, and only a cookie the server signed counts.
    assert wrote_cookie(rf, status=400) == ""
    forged = cookie.replace(cookie.split(":")[-1], "x" * 10)
    assert routes_of(marked, rf.get("/", HTTP_COOKIE=f"{WROTE_COOKIE}={forged}")) == VIA_REPLICA
    # Read-your-writes off (0 s): no cookie, and an old one no longer counts.
    settings.DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS = 0
    assert wrote_cookie(rf) == ""
    assert routes_of(marked, rf.get("/", HTTP_COOKIE=f"{WROTE_COOKIE}={cookie}")) == VIA_REPLICA


@ON_REPLICA
def test_the_write_cookie_lasts_the_configured_seconds(replica, rf, settings):
    settings.DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS = 7
    response = ReadYourWritesMiddleware(lambda request: HttpResponse(status=201))(rf.put("/"))
    cookie = response.cookies[WROTE_COOKIE]
    assert cookie["max-age"] == 7 and cookie["httponly"] and cookie["samesite"] == "Lax"


@ON_REPLICA
def test_a_lagging_replica_is_left_for_the_primary(replica, rf, client, settings):
    with replica.paused():
        User.objects.create(username="written-while-replay-is-paused")
        replica.wait_for_receipt()  # received, not replayed: behind by the time since its last replay
        settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 0
        assert routes_of(marked, rf.get("/")) == VIA_PRIMARY
        health = client.get(reverse("healthz"))
        assert health.status_code == 200
        assert health.json()["replica"].startswith("degraded: lag")
        assert health.json()["replica_lag_seconds"] > 0
    replica.wait_for_replay()
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 30
    assert routes_of(marked, rf.get("/")) == VIA_REPLICA


@ON_REPLICA
def test_healthz_reports_the_replica_and_its_lag(replica, client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["replica"] == "ok"
    assert 0 <= body["replica_lag_seconds"] <= 30


@ON_REPLICA
def test_a_replica_that_is_down_is_passed_over_at_once(dead_replica, rf, client):
    started = time.monotonic()
    assert routes_of(marked, rf.get("/")) == VIA_PRIMARY
    assert routes_of(marked, rf.get("/")) == VIA_PRIMARY  # left alone for a while: no second connect
    assert time.monotonic() - started < 1.0
    response = client.get(reverse("healthz"))
    assert response.status_code == 200  # primary and Redis answer: the app works
    body = response.json()
    assert body["status"] == "ok"
    assert body["replica"] == "degraded: unreachable (OperationalError), reads go to the primary"
    assert body["replica_lag_seconds"] is None
