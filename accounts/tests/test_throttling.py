"""Login throttling through the real login page: counting, the message, the reset on success."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts import throttling
from accounts.tests.factories import NEW_PASSWORD, PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


@pytest.fixture(autouse=True)
def limit_of_three(settings):
    settings.LOGIN_ATTEMPTS_LIMIT = 3
    settings.LOGIN_ATTEMPTS_WINDOW_SECONDS = 900


def login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def logged_in(response) -> bool:
    return response.status_code == 302 and response.wsgi_request.user.is_authenticated


def test_a_right_password_still_works_below_the_limit(client, officer_bandung):
    for _ in range(2):
        response = login(client, officer_bandung.username, "salah")
        assert response.status_code == 200
        assert not response.wsgi_request.user.is_authenticated

    assert logged_in(login(client, officer_bandung.username, PASSWORD))


def test_after_the_limit_even_the_right_password_is_refused_with_a_wait_message(client, officer_bandung):
    for _ in range(3):
        login(client, officer_bandung.username, "salah")

    response = login(client, officer_bandung.username, PASSWORD)

    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert "Terlalu banyak percobaan masuk yang gagal" in response.text
    assert "tunggu 15 menit" in response.text


def test_the_username_limit_holds_from_another_address(officer_bandung):
    attacker = Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(3):
        login(attacker, officer_bandung.username, "salah")

    # Same account, another machine: the per-username counter still refuses.
    other_machine = Client(REMOTE_ADDR="10.0.0.2")
    response = login(other_machine, officer_bandung.username.upper(), PASSWORD)
    assert response.status_code == 200
    assert "Terlalu banyak percobaan" in response.text


def test_one_address_trying_many_usernames_is_blocked_for_every_username(officer_bandung, officer_garut):
    attacker = Client(REMOTE_ADDR="10.0.0.3")
    for name in ("budi", "siti", "agus"):
        login(attacker, name, "salah")

    response = login(attacker, officer_garut.username, PASSWORD)
    assert "Terlalu banyak percobaan" in response.text
    assert not response.wsgi_request.user.is_authenticated

    # The Garut officer at their own desk is not affected by that address.
    assert logged_in(login(Client(REMOTE_ADDR="10.0.0.4"), officer_garut.username, PASSWORD))


def test_a_successful_login_resets_the_count(client, officer_bandung):
    for _ in range(2):
        login(client, officer_bandung.username, "salah")
    assert logged_in(login(client, officer_bandung.username, PASSWORD))
    client.logout()

    # Two more failures would have reached the limit without the reset.
    for _ in range(2):
        login(client, officer_bandung.username, "salah")
    assert logged_in(login(client, officer_bandung.username, PASSWORD))


def test_failures_expire_after_the_window(settings):
    settings.LOGIN_ATTEMPTS_WINDOW_SECONDS = 120
    attempt = throttling.LoginAttempt(username="budi", client_ip="10.0.0.5")
    throttling.record_failure(attempt)
    throttling.record_failure(attempt)

    client = cache._cache.get_client(write=False)
    for key in attempt.cache_keys():
        assert cache.get(key) == 2
        # Redis forgets the counters when the window is over.
        assert 0 < client.ttl(cache.make_key(key)) <= 120


def test_the_message_states_the_window_in_minutes(settings):
    settings.LOGIN_ATTEMPTS_WINDOW_SECONDS = 61
    assert throttling.wait_minutes() == 2
    settings.LOGIN_ATTEMPTS_WINDOW_SECONDS = 900
    assert throttling.wait_minutes() == 15


def test_the_django_admin_login_is_throttled_too(client, admin_user):
    for _ in range(3):
        client.post("/admin/login/", {"username": admin_user.username, "password": "salah"})

    response = client.post("/admin/login/?next=/admin/", {"username": admin_user.username, "password": PASSWORD})

    assert response.status_code == 200
    assert "Terlalu banyak percobaan masuk yang gagal" in response.text
    assert not response.wsgi_request.user.is_authenticated


def test_a_password_reset_by_the_manager_lifts_the_username_block(
    client, officer_bandung, mentor_bandung, django_capture_on_commit_callbacks
):
    mentor = Client(REMOTE_ADDR="10.0.0.6")
    for _ in range(3):
        login(mentor, mentor_bandung.username, "lupa")
    assert "Terlalu banyak percobaan" in login(mentor, mentor_bandung.username, PASSWORD).text

    client.force_login(officer_bandung)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:user_password_reset", args=[mentor_bandung.pk]),
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )

    # The address that made the failures stays counted; from another desk the new password works.
    assert logged_in(login(Client(REMOTE_ADDR="10.0.0.7"), mentor_bandung.username, NEW_PASSWORD))


def test_behind_our_proxy_each_client_address_is_counted_apart(settings, officer_bandung):
    settings.TRUSTED_PROXY_COUNT = 1
    # Every request arrives from the proxy; it appends the address it saw to X-Forwarded-For.
    attacker = Client(REMOTE_ADDR="10.1.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    for name in ("budi", "siti", "agus"):
        login(attacker, name, "salah")
    assert "Terlalu banyak percobaan" in login(attacker, "dewi", "salah").text

    # A forged left-most entry does not help the attacker...
    forged = Client(REMOTE_ADDR="10.1.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9")
    assert "Terlalu banyak percobaan" in login(forged, "dewi", "salah").text
    # ...and another office behind the same proxy is not blocked with the attacker.
    office = Client(REMOTE_ADDR="10.1.0.1", HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert logged_in(login(office, officer_bandung.username, PASSWORD))
