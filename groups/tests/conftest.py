import pytest
from django.utils import translation

from groups.tests.factories import ensure_reference_data


@pytest.fixture(autouse=True)
def _indonesian_by_default():
    """Messages are asserted in Bahasa Indonesia; a request in English must not leak into the next test."""
    with translation.override("id"):
        yield


@pytest.fixture(autouse=True)
def reference_data(request):
    """Seeded programmes and fields, also after a transactional test flushed them."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    ensure_reference_data()
