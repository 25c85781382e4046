"""Login throttling: the one rule for how many failed logins are allowed.

Failures are counted twice, per username and per client address, in Django's
cache (Redis, shared by every web process). Once either counter reaches
LOGIN_ATTEMPTS_LIMIT, further attempts are refused without checking the password
until LOGIN_ATTEMPTS_WINDOW_SECONDS after the first counted failure have passed.
The per-username counter protects one account from a spread-out attack; the
per-address counter stops one machine from trying many usernames.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

KEY_PREFIX = "login-failures"


@dataclass(frozen=True)
class LoginAttempt:
    username: str
    client_ip: str

    def cache_keys(self) -> list[str]:
        # Usernames are user input: hash them so any character is a safe cache key.
        username = hashlib.sha256(self.username.strip().lower().encode()).hexdigest()
        return [f"{KEY_PREFIX}:user:{username}", f"{KEY_PREFIX}:ip:{self.client_ip}"]


def client_ip(request) -> str:
    """The address of the client, as far as the proxies we run can vouch for it.

    Behind N reverse proxies of our own (settings.TRUSTED_PROXY_COUNT), REMOTE_ADDR is
    the nearest proxy, and each proxy appended the address it saw to X-Forwarded-For:
    the N-th entry from the right is the client. Entries further left are written by
    the client itself and would let anyone dodge the per-address counter. Without
    proxies (the default), REMOTE_ADDR is the client.
    """
    if request is None:  # AuthenticationForm may be used without a request (e.g. in a shell)
        return "unknown"
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or "unknown"


def attempt_for(request, username: str) -> LoginAttempt:
    return LoginAttempt(username=username or "", client_ip=client_ip(request))


def is_blocked(attempt: LoginAttempt) -> bool:
    counts = cache.get_many(attempt.cache_keys())
    return any(count >= settings.LOGIN_ATTEMPTS_LIMIT for count in counts.values())


def record_failure(attempt: LoginAttempt) -> None:
    window = settings.LOGIN_ATTEMPTS_WINDOW_SECONDS
    for key in attempt.cache_keys():
        # add() starts the window only on the first failure; incr() is atomic in Redis,
        # so concurrent failures from several web processes are all counted.
        cache.add(key, 0, timeout=window)
        try:
            cache.incr(key)
        except ValueError:  # the key expired between add() and incr(): a new window
            cache.set(key, 1, timeout=window)


def record_success(attempt: LoginAttempt) -> None:
    """Forget the failures of this username and address.

    Resetting the address too keeps an office behind one NAT address from locking
    itself out after a few typos; the per-username limit still guards every account.
    """
    cache.delete_many(attempt.cache_keys())


def forget_username(username: str) -> None:
    """Lift the per-username block, when a manager has just given the login a new password."""
    cache.delete(LoginAttempt(username=username, client_ip="").cache_keys()[0])


def wait_minutes() -> int:
    """The window in whole minutes (rounded up), for the message shown to a blocked user."""
    return max(1, -(-settings.LOGIN_ATTEMPTS_WINDOW_SECONDS // 60))
