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


def test_five_failures_of_one_user_do_not_block_another_user_at_the_same_address(
    settings, officer_bandung, officer_garut
):
    """The district office behind one NAT address: one officer's typos lock out nobody else."""
    settings.LOGIN_ATTEMPTS_LIMIT = 5
    office = "10.0.0.10"
    for _ in range(5):
        login(Client(REMOTE_ADDR=office), officer_garut.username, "salah")
    assert "Terlalu banyak percobaan" in login(Client(REMOTE_ADDR=office), officer_garut.username, PASSWORD).text

    # A colleague at the next desk, same address, logs in (even one who never did from here).
    assert logged_in(login(Client(REMOTE_ADDR=office), officer_bandung.username, PASSWORD))


def test_the_username_limit_holds_from_new_addresses_not_from_the_users_own(officer_bandung):
    # The officer's own desk, known from an earlier login.
    desk = Client(REMOTE_ADDR="10.0.0.20")
    assert logged_in(login(desk, officer_bandung.username, PASSWORD))
    desk.logout()
    # Someone guesses at the account from many machines: 2 x 3 failures reach the username limit.
    for address in ("10.0.0.21", "10.0.0.22", "10.0.0.23", "10.0.0.24", "10.0.0.25", "10.0.0.26"):
        login(Client(REMOTE_ADDR=address), officer_bandung.username, "salah")

    # From yet another machine, even the right password is refused...
    response = login(Client(REMOTE_ADDR="10.0.0.27"), officer_bandung.username.upper(), PASSWORD)
    assert "Terlalu banyak percobaan" in response.text
    # ...but the attacker cannot lock the officer out of their own desk.
    assert logged_in(login(desk, officer_bandung.username, PASSWORD))


def test_one_address_trying_many_usernames_is_blocked_for_new_usernames_only(officer_bandung, officer_garut):
    regular = Client(REMOTE_ADDR="10.0.0.3")
    assert logged_in(login(regular, officer_bandung.username, PASSWORD))
    attacker = Client(REMOTE_ADDR="10.0.0.3")
    # Far above one user's limit (3): ten times it, over many usernames.
    for index in range(30):
        login(attacker, f"tebakan{index}", "salah")

    # A username that never logged in from this address is refused without a password check...
    response = login(attacker, officer_garut.username, PASSWORD)
    assert "Terlalu banyak percobaan" in response.text
    assert not response.wsgi_request.user.is_authenticated
    # ...the Garut officer at their own desk is not affected by that address...
    assert logged_in(login(Client(REMOTE_ADDR="10.0.0.4"), officer_garut.username, PASSWORD))
    # ...and the Bandung officer, who works from it, still logs in there.
    assert logged_in(login(Client(REMOTE_ADDR="10.0.0.3"), officer_bandung.username, PASSWORD))


def test_below_the_address_limit_other_usernames_pass(officer_garut):
    attacker = Client(REMOTE_ADDR="10.0.0.5")
    for name in ("budi", "siti", "agus", "dewi", "eko"):
        login(attacker, name, "salah")
    assert logged_in(login(Client(REMOTE_ADDR="10.0.0.5"), officer_garut.username, PASSWORD))


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
    for key in (attempt.pair_key(0), attempt.user_key, attempt.address_key):
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


def test_a_password_reset_by_the_manager_lifts_every_block_of_the_username(
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

    # At the very desk where the failures were made, the new password works at once.
    assert logged_in(login(Client(REMOTE_ADDR="10.0.0.6"), mentor_bandung.username, NEW_PASSWORD))


def test_behind_our_proxy_each_client_address_is_counted_apart(settings, officer_bandung):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_ATTEMPTS_ADDRESS_LIMIT = 3
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


def test_login_works_with_redis_down_and_health_says_the_throttle_is_off(client, officer_bandung, dead_redis):
    import time

    started = time.monotonic()
    for _ in range(4):  # failures cannot be counted without Redis...
        assert login(Client(REMOTE_ADDR="10.0.0.8"), officer_bandung.username, "salah").status_code == 200
    # ...and the right password still logs in, at once.
    assert logged_in(login(Client(REMOTE_ADDR="10.0.0.8"), officer_bandung.username, PASSWORD))
    assert time.monotonic() - started < 5

    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["redis"].startswith("error")
    assert health.json()["login_throttle"].startswith("degraded")
