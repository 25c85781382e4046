import importlib

import pytest


@pytest.fixture(autouse=True)
def national_poverty_lines(request):
    """The seeded national lines, put back when a transactional (browser) test flushed the table."""
    if "db" not in request.fixturenames and "transactional_db" not in request.fixturenames:
        marker = request.node.get_closest_marker("django_db")
        if marker is None:
            return
    request.getfixturevalue("transactional_db" if _transactional(request) else "db")
    from django.apps import apps

    seeding = importlib.import_module("graduation.migrations.0002_seed_national_poverty_lines")
    seeding.seed(apps, None)


def _transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
