"""The benchmarks' scratch databases: one per benchmark (and per person: `--database NAME`), on the
server of DATABASE_URL, or on the embedded PostgreSQL when it is not set."""

import os
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from kube_portal import embedded


def scratch_database_url(name: str, *, recreate: bool = False) -> str:
    """DATABASE_URL with its database replaced by `name`, created if missing (dropped first with `recreate`)."""
    raw = os.environ.get("DATABASE_URL", "")
    if raw:
        url = urlsplit(raw)
        # A unix socket may be named in the query string (`?host=/run/postgresql`).
        query = dict(part.split("=", 1) for part in url.query.split("&") if "=" in part)
        server = {
            "host": unquote(query.get("host", "")) or url.hostname,
            "port": url.port,
            "user": unquote(url.username or "") or "postgres",
            "password": unquote(url.password or "") or None,
        }
        scratch = urlunsplit(url._replace(path=f"/{name}"))
    else:
        settings = embedded.postgres_settings()
        server = {"host": settings["HOST"], "user": settings["USER"]}
        scratch = f"postgres://{settings['USER']}@/{name}?host={quote(settings['HOST'])}"
    embedded.create_database(name, recreate=recreate, **server)
    return scratch
