"""Dashboards, exports and reports read from a real streaming replica; the app never depends on it.

The views marked @reads_from_replica are opened as their users while a real replica of the
test server is the `replica` alias (scripts/start_replica.sh; KUBE_TEST_REPLICA_URL): every
read of the data comes from the replica, the download records are still written to the
primary. Stopping the replica's replay (`pg_wal_replay_pause()`) makes the two servers
differ, which shows from which one a page was read: an export shows what the replica holds,
while the officer who just changed a household sees the change at once (read-your-writes).
With the replica down (a closed port) every page answers from the primary.
"""

import csv
import io
import re
from urllib.parse import urlencode

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from beneficiaries.tests.factories import HouseholdFactory, MemberFactory
from conftest import KAB_GARUT, ON_REPLICA
from tests.test_downloads import DOWNLOADS, download_world  # noqa: F401 - a fixture used below

REPLICA_VIEWS = {
    "dashboards:national",
    "dashboards:national_export",
    "dashboards:region",
    "dashboards:region_export",
    "beneficiaries:household_export_csv",
    "beneficiaries:household_export_xlsx",
    "groups:kube_export",
    "mentors:mentor_report",
}
# The table each view is about: its reads must come from the replica.
MAIN_TABLE = {
    "dashboards": "dashboards_",
    "beneficiaries": "beneficiaries_member",
    "groups": "groups_kube",
    "mentors": "mentors_fieldvisit",
}
# What a replica view still reads from the primary: the login (session, user).
PRIMARY_READS = re.compile(r'FROM "(django_session|accounts_user)"')
# pghistory prefixes a write with its context (`SELECT set_config(...); INSERT ...`): a write, not a read.
AUDIT_CONTEXT = re.compile(
    r"^SELECT set_config\('pghistory\.context_id', '[^']*', true\), set_config\('pghistory\.context_metadata', '(?:[^']|'')*', true\); "
)


def marked_views() -> set[str]:
    found = set()

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, ":".join(filter(None, [namespace, entry.namespace])))
            elif isinstance(entry, URLPattern) and getattr(entry.callback, "reads_from_replica", False):
                found.add(":".join(filter(None, [namespace, entry.name])))

    walk(get_resolver().url_patterns, "")
    return found


def test_the_dashboards_exports_and_reports_are_the_views_that_read_the_replica():
    assert marked_views() == REPLICA_VIEWS


@pytest.fixture
def replica_world(download_world):  # noqa: F811 - the fixture imported above
    """The data behind every download (tests/test_downloads.py), and the dashboard figures over it."""
    from dashboards.refresh import refresh_all

    refresh_all(trigger="test")
    return download_world


def requests_of_marked_views(world) -> list[tuple[str, str, str]]:
    """(view name, URL, client) of every variant of every marked view."""
    requests = [
        ("dashboards:national", reverse("dashboards:national"), "admin"),
        ("dashboards:region", reverse("dashboards:region", args=[KAB_GARUT]), "owner"),
    ]
    for name in sorted(REPLICA_VIEWS & set(DOWNLOADS)):
        for kwargs, query, user in DOWNLOADS[name].variants(world):
            requests.append((name, reverse(name, kwargs=kwargs) + ("?" + urlencode(query) if query else ""), user))
    assert {name for name, _url, _user in requests} == REPLICA_VIEWS
    return requests


def fetch(client, url) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content


@ON_REPLICA
def test_every_marked_view_reads_its_data_from_the_replica(replica, replica_world):
    from accounts.models import DownloadRecord

    replica.wait_for_replay()
    records = DownloadRecord.objects.count()
    for name, url, user in requests_of_marked_views(replica_world):
        with (
            CaptureQueriesContext(connections["replica"]) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            fetch(replica_world.clients[user], url)
        table = MAIN_TABLE[name.split(":")[0]]
        assert any(table in query["sql"] for query in on_replica.captured_queries), f"{url} did not read the replica"
        primary_reads = [
            sql
            for sql in (AUDIT_CONTEXT.sub("", query["sql"]) for query in on_primary.captured_queries)
            if sql.startswith("SELECT") and not PRIMARY_READS.search(sql)
        ]
        assert primary_reads == [], f"{url} read data from the primary"
    # The personal-data downloads were recorded: writes go to the primary.
    assert DownloadRecord.objects.count() > records


def garut_household():
    return MemberFactory(household=HouseholdFactory(garut=True)).household


def export_kk(client) -> set[str]:
    """The No. KK in the KPM export (CSV, streamed) that `client` downloads."""
    content = fetch(client, reverse("beneficiaries:household_export_csv"))
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    return {row[0].lstrip("'") for row in rows[1:]}


@ON_REPLICA
def test_an_export_shows_what_the_replica_holds(replica, world):
    before = garut_household()
    replica.wait_for_replay()
    with replica.paused():
        after = garut_household()  # committed on the primary, not on the replica
        assert export_kk(world.owner_client) == {before.no_kk}
    replica.wait_for_replay()
    assert export_kk(world.owner_client) == {before.no_kk, after.no_kk}


@ON_REPLICA
def test_whoever_just_wrote_reads_their_write_at_once(replica, world):
    household = garut_household()
    replica.wait_for_replay()
    reader = Client()
    reader.force_login(world.officer_jabar)  # Jawa Barat: Garut is in scope
    with replica.paused():
        response = world.owner_client.post(
            reverse("beneficiaries:household_deactivate", args=[household.pk]), {"reason": "pindah"}
        )
        assert response.status_code == 302
        # The officer who deactivated it reads the primary: it is gone from their export.
        assert export_kk(world.owner_client) == set()
        # Anyone else reads the replica, which has not replayed the change yet.
        assert export_kk(reader) == {household.no_kk}
    replica.wait_for_replay()
    assert export_kk(reader) == set()


@ON_REPLICA
def test_pages_and_exports_answer_from_the_primary_when_the_replica_is_down(dead_replica, replica_world):
    for name, url, user in requests_of_marked_views(replica_world):
        with CaptureQueriesContext(connections["default"]) as on_primary:
            fetch(replica_world.clients[user], url)
        table = MAIN_TABLE[name.split(":")[0]]
        assert any(table in query["sql"] for query in on_primary.captured_queries), url
