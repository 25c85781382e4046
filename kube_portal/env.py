"""Typed readers for environment variables that fail loudly on a bad value."""

import os
from urllib.parse import parse_qs, unquote, urlparse

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
    """Django connection settings from postgres://user:password@host:port/name, or {} when unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {}
    url = urlparse(raw)
    if url.scheme not in ("postgres", "postgresql") or not url.path.strip("/"):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a PostgreSQL URL like postgres://user:password@host:5432/kube_portal."
        )
    try:
        port = url.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a port that is not a number.") from None
    query = parse_qs(url.query)
    return {
        "NAME": unquote(url.path.lstrip("/")),
        "USER": unquote(url.username or ""),
        "PASSWORD": unquote(url.password or ""),
        # ?host=/path/to/socket-dir selects a unix socket, as libpq does.
        "HOST": query.get("host", [url.hostname or ""])[0],
        "PORT": str(port or ""),
    }


def env_redis_url(name: str) -> str:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return ""
    if urlparse(raw).scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a Redis URL like redis://127.0.0.1:6379/0.")
    return raw
