"""Every list page reads its rows through an index (issue 16, DESIGN.md section 7).

The plan of each SQL statement a list page sends (as the national administrator, the widest
scope) is asked for with sequential scans switched off: PostgreSQL then still plans a
"Seq Scan" of a table only when no index can serve the filter, the search or the order. At
a realistic size the planner takes those indexes by itself; bench/web.py checks that on a
million households.
"""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from beneficiaries.models import Relationship
from beneficiaries.tests.factories import HouseholdFactory, MemberFactory
from kube_portal import paging

pytestmark = pytest.mark.django_db

#: The registers a list may never read whole.
LARGE_TABLES = {
    "beneficiaries_household",
    "beneficiaries_member",
    "groups_kube",
    "mentors_fieldvisit",
    "graduation_graduationstatus",
    "graduation_graduationdecision",
}
_CONTEXT = re.compile(r"^SELECT set_config\('pghistory\.context_id'.*?, true\); ", re.DOTALL)

#: (URL name, parameters, whether the filter is selective). At scale the count of a list that
#: is not selective is the planner's estimate (kube_portal.paging): its rows are never counted,
#: so the test counts them only for the selective ones, as a large register would.
LISTS = [
    ("beneficiaries:household_list", {}, False),
    ("beneficiaries:household_list", {"q": "sunandar"}, True),
    ("beneficiaries:household_list", {"q": "3273"}, True),
    ("beneficiaries:household_list", {"q": "3273011506800010"}, True),
    ("beneficiaries:household_list", {"urut": "-no_kk"}, False),
    ("beneficiaries:household_list", {"urut": "nama"}, False),
    ("beneficiaries:household_list", {"urut": "desa"}, False),
    ("beneficiaries:household_list", {"urut": "-diubah"}, False),
    ("beneficiaries:household_list", {"status": "nonaktif"}, True),
    ("beneficiaries:household_list", {"kecamatan": "32.73.01"}, True),
    ("beneficiaries:household_list", {"desa": "32.73.01.1001", "status": "semua"}, True),
    ("groups:kube_list", {}, False),
    ("mentors:mentor_list", {}, False),
    ("mentors:visit_review", {}, False),
    ("mentors:visit_review", {"status": "semua"}, False),
    ("graduation:readiness_list", {}, False),
    ("graduation:readiness_list", {"kesiapan": "siap"}, False),
    ("graduation:decision_queue", {}, False),
]


def _scans(node: dict):
    yield node.get("Node Type"), node.get("Relation Name")
    for child in node.get("Plans", []):
        yield from _scans(child)


def seq_scans(sql: str) -> set[str]:
    """The large tables that the statement's plan reads whole when an index could be used instead."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql.replace("%", "%%"))
            plan = cursor.fetchone()[0]
        finally:
            cursor.execute("SET LOCAL enable_seqscan = on")
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return {table for node, table in _scans(plan[0]["Plan"]) if node == "Seq Scan" and table in LARGE_TABLES}


@pytest.mark.parametrize(("name", "params", "selective"), LISTS, ids=[f"{n}-{'&'.join(p)}" for n, p, _s in LISTS])
def test_the_list_reads_through_indexes(client, admin_user, monkeypatch, name, params, selective):
    if not selective:
        monkeypatch.setattr(paging, "ESTIMATE_ABOVE", 0)
    for _ in range(3):
        household = HouseholdFactory()
        MemberFactory(household=household, name="Asep Sunandar")
        MemberFactory(household=household, relationship=Relationship.CHILD)
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(name), params).status_code == 200
    # The statements as psycopg2 sent them (parameters in place), without the audit trail's context.
    statements = [_CONTEXT.sub("", query["sql"]) for query in queries.captured_queries]
    reads = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    found = {sql[:300]: tables for sql in reads if any(t in sql for t in LARGE_TABLES) and (tables := seq_scans(sql))}
    assert found == {}
