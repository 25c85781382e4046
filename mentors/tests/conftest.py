import datetime

import pytest

from groups.tests.factories import KubeFactory, complete_members
from mentors.tests.factories import AssignmentFactory, MentorFactory


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def mentor(mentor_bandung):
    """The Bandung mentor persona's Mentor record."""
    return MentorFactory(user=mentor_bandung, name="Rina Pendamping")


@pytest.fixture
def kube(regions):
    kube = KubeFactory(status="aktif", founded_on=datetime.date(2025, 1, 15), name="KUBE Melati")
    complete_members(kube, 5)
    return kube


@pytest.fixture
def assignment(mentor, kube, admin_user):
    return AssignmentFactory(mentor=mentor, kube=kube, started_on=datetime.date(2025, 2, 1), created_by=admin_user)
