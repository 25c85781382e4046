"""The world of the project-wide tests: personas of each role and their logged-in clients."""

from types import SimpleNamespace

import pytest
from django.test import Client


@pytest.fixture
def world(regions, officer_garut, officer_bandung, mentor_bandung, admin_user, direktorat_user, officer_jabar):
    owner_client, intruder_client, mentor_client = Client(), Client(), Client()
    owner_client.force_login(officer_garut)
    intruder_client.force_login(officer_bandung)
    mentor_client.force_login(mentor_bandung)
    return SimpleNamespace(
        regions=regions,
        officer_garut=officer_garut,
        officer_bandung=officer_bandung,
        mentor_bandung=mentor_bandung,
        admin_user=admin_user,
        direktorat_user=direktorat_user,
        officer_jabar=officer_jabar,
        owner_client=owner_client,
        intruder_client=intruder_client,
        mentor_client=mentor_client,
    )


@pytest.fixture
def workers(tmp_path, settings):
    """Start Celery workers on demand (`workers()`, `workers(name="a")`); all are stopped at the end."""
    from kube_portal.celery import app
    from tests.servers import Worker

    settings.MEDIA_ROOT = tmp_path / "media"
    app.control.purge()  # messages an earlier run may have left in this Redis database
    started: list[Worker] = []

    def start(name: str = "worker") -> Worker:
        worker = Worker(tmp_path, settings.MEDIA_ROOT, name=name).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
