"""Typed readers for environment variables that fail loudly on a bad value."""

import os
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_str(name: str, *, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use one of true/false, 1/0, yes/no, on/off.")


def env_int(name: str, *, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, *, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_database(name: str) -> dict:
    """Django connection settings from a PostgreSQL URL, or {} when unset.

    Parsed by dj-database-url, so every libpq option in the query string passes through
    (`?sslmode=require&connect_timeout=5`, `?host=/socket/dir` for a unix socket).
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {}
    if urlparse(raw).scheme not in ("postgres", "postgresql"):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a PostgreSQL URL like postgres://user:password@host:5432/kube_portal."
        )
    try:
        database = dj_database_url.parse(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} cannot be read: {error}") from None
    if not database.get("NAME"):
        raise ImproperlyConfigured(f"{name}={raw!r} names no database (postgres://host:5432/kube_portal).")
    # The pool settings are ours (DATABASE_CONN_MAX_AGE), not the URL's.
    for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "DISABLE_SERVER_SIDE_CURSORS"):
        database.pop(key, None)
    return database


def env_redis_url(name: str) -> str:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return ""
    if urlparse(raw).scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a Redis URL like redis://127.0.0.1:6379/0.")
    return raw
