import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _indonesian_by_default():
    """Messages are asserted in Bahasa Indonesia; a request in English must not leak into the next test."""
    with translation.override("id"):
        yield
