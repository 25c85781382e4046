"""Accepted when: Schemathesis, against the live schema, as a district officer and as a mentor.

The schema is read from the running app (/api/v1/schema/) and every operation in it is fuzzed
with the requests Hypothesis generates from it, through the app's WSGI handler, in the test's
transaction. Each answer must be no 5xx and conform to the schema (status, content type, body).
At least 1,000 requests in total (SCHEMATHESIS_EXAMPLES per operation and role).
"""

import datetime
import os

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import api_token_issue
from groups.tests.factories import BusinessReportFactory, KubeFactory, complete_members
from mentors.tests.factories import AssignmentFactory, FieldVisitFactory, MentorFactory

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "9"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MINIMUM_REQUESTS = 1_000
sent: dict[str, int] = {}


@pytest.fixture
def wsgi(settings):
    """The app's WSGI handler on this test's database connection and transaction."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.API_THROTTLE_TOKEN_RATE = settings.API_THROTTLE_USER_RATE = "1000000/min"
    # Django's test client does the same: a request must not close the connection holding the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bandung_data(officer_bandung, mentor_bandung, admin_user):
    """Something to find behind the generated ids: a Bandung KUBE with members, report, mentor, visit."""
    kube = KubeFactory(status="aktif", founded_on=datetime.date(2025, 1, 15))
    complete_members(kube, 5)
    BusinessReportFactory(kube=kube)
    mentor = MentorFactory(user=mentor_bandung)
    AssignmentFactory(mentor=mentor, kube=kube, created_by=admin_user)
    FieldVisitFactory(mentor=mentor, kube=kube)
    return kube


def fuzz(wsgi, user, admin_user, role: str) -> int:
    _token, secret = api_token_issue(manager=admin_user, user=user, name=f"schemathesis {role}")
    # The WSGI test client would not undo the API's gzip: asked for plain answers.
    headers = {"Authorization": f"Token {secret}", "Accept-Encoding": "identity"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", wsgi, headers=headers)
    count = 0
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            nonlocal count
            response = case.call(headers=headers)
            count += 1
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            run()
        except Exception as error:  # noqa: BLE001 - every operation is fuzzed; the failures are reported together
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert not failures, "\n\n".join(failures)
    sent[role] = count
    print(f"schemathesis as {role}: {count} requests, {len(operations)} operations")
    return count


def test_schemathesis_as_a_district_officer(wsgi, bandung_data, officer_bandung, admin_user):
    assert fuzz(wsgi, officer_bandung, admin_user, "district officer") > 0


def test_schemathesis_as_a_mentor(wsgi, bandung_data, mentor_bandung, admin_user):
    assert fuzz(wsgi, mentor_bandung, admin_user, "mentor") > 0
    if "district officer" in sent:
        assert sum(sent.values()) >= MINIMUM_REQUESTS, sent
