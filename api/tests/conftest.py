import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_issue, integration_account_create
from mentors.tests.conftest import assignment, kube, media_root, mentor  # noqa: F401 - the field app's world
from tests.conftest import world  # noqa: F401 - the personas of the project-wide tests


def token_client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


@pytest.fixture
def mentor_client(mentor, assignment, admin_user):  # noqa: F811 - fixtures imported above
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
