"""Login throttling that locks out attackers, not offices.

Failed logins are counted in Django's cache (Redis, shared by every web process), three ways,
each for LOGIN_ATTEMPTS_WINDOW_SECONDS from its first failure:

- per username *and* address: LOGIN_ATTEMPTS_LIMIT failures block that username from that
  address. A typo at one desk blocks the one who typed, nobody else behind the same address;
- per username: LOGIN_ATTEMPTS_USER_LIMIT failures (from anywhere) block that username from
  addresses it has not logged in from: a guess at one account spread over many machines;
- per address: LOGIN_ATTEMPTS_ADDRESS_LIMIT failures (any usernames), far above one user's
  limit, block that address for usernames that have not logged in from it: one machine
  trying many accounts.

A successful login marks the (username, address) pair as known for LOGIN_KNOWN_ADDRESS_DAYS.
The two wide counters never block a known pair: a district office behind one NAT address
keeps working while someone in it, or an attacker spraying through it, fails; an attacker
elsewhere cannot lock a user out of their own desk. A blocked attempt is refused before the
password is checked, so a blocked attacker learns nothing from a right guess.

When Redis is down the throttle steps aside (logged, and reported by /healthz): login keeps
working, unthrottled, rather than nobody being able to log in.
"""

import hashlib
import logging
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

KEY_PREFIX = "login-failures"
#: After Redis fails, this process leaves it alone for a while: one slow timeout, not one per login.
RETRY_REDIS_AFTER_SECONDS = 30
_redis_down_until = 0.0


@dataclass(frozen=True)
class LoginAttempt:
    username: str
    client_ip: str

    @property
    def user_id(self) -> str:
        # Usernames are user input: hashed, any character makes a safe cache key.
        return hashlib.sha256(self.username.strip().lower().encode()).hexdigest()

    def pair_key(self, generation: int) -> str:
        # The generation changes when a manager resets the password: all pairs start afresh.
        return f"{KEY_PREFIX}:pair:{self.user_id}:{generation}:{self.client_ip}"

    @property
    def user_key(self) -> str:
        return f"{KEY_PREFIX}:user:{self.user_id}"

    @property
    def address_key(self) -> str:
        return f"{KEY_PREFIX}:ip:{self.client_ip}"

    @property
    def known_key(self) -> str:
        return f"{KEY_PREFIX}:known:{self.user_id}:{self.client_ip}"

    @property
    def generation_key(self) -> str:
        return f"{KEY_PREFIX}:generation:{self.user_id}"


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


def _limits() -> tuple[int, int, int]:
    pair = settings.LOGIN_ATTEMPTS_LIMIT
    user = getattr(settings, "LOGIN_ATTEMPTS_USER_LIMIT", 0) or 2 * pair
    address = getattr(settings, "LOGIN_ATTEMPTS_ADDRESS_LIMIT", 0) or 10 * pair
    return pair, user, address


def _available() -> bool:
    return time.monotonic() >= _redis_down_until


def _redis_failed(error: Exception) -> None:
    global _redis_down_until
    _redis_down_until = time.monotonic() + RETRY_REDIS_AFTER_SECONDS
    logger.error("login throttle disabled for %d s: Redis unavailable (%s)", RETRY_REDIS_AFTER_SECONDS, error)


def degraded() -> bool:
    """Whether this process runs logins without the throttle right now (Redis failed lately)."""
    return not _available()


def _generation(attempt: LoginAttempt) -> int:
    return cache.get(attempt.generation_key) or 0


def is_blocked(attempt: LoginAttempt) -> bool:
    if not _available():
        return False
    pair_limit, user_limit, address_limit = _limits()
    try:
        pair_key = attempt.pair_key(_generation(attempt))
        counts = cache.get_many([pair_key, attempt.user_key, attempt.address_key, attempt.known_key])
    except (redis.RedisError, OSError) as error:
        _redis_failed(error)
        return False
    if counts.get(pair_key, 0) >= pair_limit:
        return True
    if counts.get(attempt.known_key):
        return False
    return counts.get(attempt.user_key, 0) >= user_limit or counts.get(attempt.address_key, 0) >= address_limit


def record_failure(attempt: LoginAttempt) -> None:
    if not _available():
        return
    window = settings.LOGIN_ATTEMPTS_WINDOW_SECONDS
    try:
        for key in (attempt.pair_key(_generation(attempt)), attempt.user_key, attempt.address_key):
            # add() starts the window only on the first failure; incr() is atomic in Redis,
            # so concurrent failures from several web processes are all counted.
            cache.add(key, 0, timeout=window)
            try:
                cache.incr(key)
            except ValueError:  # the key expired between add() and incr(): a new window
                cache.set(key, 1, timeout=window)
    except (redis.RedisError, OSError) as error:
        _redis_failed(error)


def record_success(attempt: LoginAttempt) -> None:
    """Forget this user's failures and remember the address as one they use.

    The address's own counter stays: one valid account must not let a sprayer start over.
    """
    if not _available():
        return
    try:
        cache.delete_many([attempt.pair_key(_generation(attempt)), attempt.user_key])
        cache.set(attempt.known_key, 1, timeout=settings.LOGIN_KNOWN_ADDRESS_DAYS * 24 * 3600)
    except (redis.RedisError, OSError) as error:
        _redis_failed(error)


def forget_username(username: str) -> None:
    """Lift every block of this username (all addresses), when a manager has just given it a new password."""
    if not _available():
        return
    attempt = LoginAttempt(username=username, client_ip="")
    try:
        cache.delete(attempt.user_key)
        cache.add(attempt.generation_key, 0, timeout=None)
        cache.incr(attempt.generation_key)
    except (redis.RedisError, OSError) as error:
        _redis_failed(error)


def wait_minutes() -> int:
    """The window in whole minutes (rounded up), for the message shown to a blocked user."""
    return max(1, -(-settings.LOGIN_ATTEMPTS_WINDOW_SECONDS // 60))
