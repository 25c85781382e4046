import datetime

import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_issue, integration_account_create
from groups.tests.factories import KubeFactory, complete_members
from mentors.tests.factories import AssignmentFactory, MentorFactory
from tests.conftest import world  # noqa: F401 - the personas of the project-wide tests


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def mentor(mentor_bandung):
    return MentorFactory(user=mentor_bandung, name="Rina Pendamping")


@pytest.fixture
def kube(regions):
    kube = KubeFactory(status="aktif", founded_on=datetime.date(2025, 1, 15), name="KUBE Melati")
    complete_members(kube, 5)
    return kube


@pytest.fixture
def assignment(mentor, kube, admin_user):
    return AssignmentFactory(mentor=mentor, kube=kube, started_on=datetime.date(2025, 2, 1), created_by=admin_user)


def token_client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


@pytest.fixture
def mentor_client(mentor, assignment, admin_user):
    """The Bandung mentor's phone, with a device token."""
    _token, secret = api_token_issue(manager=admin_user, user=mentor.user, name="HP Rina")
    return token_client(secret)


@pytest.fixture
def bandung_client(officer_bandung, admin_user):
    """An integration account of the Kota Bandung office (role of a district officer)."""
    _token, secret = integration_account_create(
        manager=admin_user, name="SIKS Bandung", role="dinsos_kabkota", region=officer_bandung.region
    )
    return token_client(secret)


@pytest.fixture
def garut_client(officer_garut):
    """The Garut district head's own integration account for its district."""
    _token, secret = integration_account_create(
        manager=officer_garut, name="SIKS Garut", role="dinsos_kabkota", region=officer_garut.region
    )
    return token_client(secret)
