import pytest
from django.core.cache import cache

from accounts import throttling


def _delete_login_failures():
    """Forget counted login failures of this test run only.

    cache.clear() would flush the whole Redis database, which other test runs and the
    Celery broker share; the key prefix (per KUBE_TEST_DB_SUFFIX) keeps this run's apart.
    """
    client = cache._cache.get_client(write=True)
    pattern = cache.make_key(f"{throttling.KEY_PREFIX}:*")
    keys = list(client.scan_iter(match=pattern))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def forget_login_failures():
    """Every test starts with no failed logins counted, whatever earlier runs left behind."""
    _delete_login_failures()
    yield
    _delete_login_failures()
