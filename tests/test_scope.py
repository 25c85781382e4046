"""Every view that takes an object identifier is scoped: another region's user gets 404.

The test walks the URL patterns of the project itself, so a view added later is
picked up without anyone remembering to list it: an object URL without an entry
in `tests/scope_registry.py` fails as "not covered", and one that answers the
Bandung officer with anything but 404 fails as "not scoped".
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.scope_registry import OBJECT_URLS
from tests.urlwalk import ADMIN, url_patterns


def object_url_names() -> set[str]:
    """Names of all URL patterns that take a parameter (an object identifier)."""
    return {name for name, takes_parameter in url_patterns(ADMIN).items() if takes_parameter}


def scope_problems(world, registry=None) -> list[str]:
    """Every object URL that is not covered, not scoped, or whose entry builds nothing visible."""
    registry = OBJECT_URLS if registry is None else registry
    problems = []
    for name in sorted(object_url_names()):
        build = registry.get(name)
        if build is None:
            problems.append(f"{name}: not covered (add it to tests/scope_registry.py)")
            continue
        url = reverse(name, kwargs=build(world))
        owner_status = _status(world.owner_client, url)
        if owner_status == 404:
            problems.append(f"{name}: the Garut officer gets 404 at {url}; the registry entry builds nothing visible")
        for label, client in (("Bandung officer", world.intruder_client), ("Bandung mentor", world.mentor_client)):
            status = _status(client, url)
            if status != 404:
                problems.append(f"{name}: not scoped, the {label} gets {status} at {url}")
    return problems


def _status(client: Client, url: str) -> int:
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    return response.status_code


@pytest.mark.django_db
def test_every_object_view_is_scoped(world):
    assert scope_problems(world) == []


def test_registry_has_no_stale_entries():
    assert set(OBJECT_URLS) <= object_url_names(), "entries in tests/scope_registry.py name URLs that no longer exist"


# --- the test of the test: an unscoped view added to the project is caught ----------------


@pytest.mark.django_db
def test_an_uncovered_object_view_is_reported(world, settings):
    settings.ROOT_URLCONF = "tests.leaky_urls"
    problems = scope_problems(world)
    assert "leaky:region: not covered (add it to tests/scope_registry.py)" in problems


@pytest.mark.django_db
def test_an_unscoped_object_view_is_reported(world, settings):
    settings.ROOT_URLCONF = "tests.leaky_urls"
    registry = {**OBJECT_URLS, "leaky:region": OBJECT_URLS["regions:region_detail"]}
    problems = scope_problems(world, registry=registry)
    assert any(p.startswith("leaky:region: not scoped, the Bandung officer gets 200") for p in problems)
    assert not any(p.startswith("regions:region_detail") for p in problems)
