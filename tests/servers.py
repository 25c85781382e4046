"""Processes that tests start next to themselves (a Celery worker, gunicorn) on the test database."""

from urllib.parse import quote

from django.db import connection


def database_url_of_this_run() -> str:
    """A DATABASE_URL for the database this test run uses (a transactional test commits to it)."""
    settings = connection.settings_dict
    host = settings["HOST"] or settings.get("OPTIONS", {}).get("host", "")
    if host.startswith("/"):
        location = f"/{settings['NAME']}?host={quote(host)}"
    else:
        location = f"{host}:{settings['PORT'] or 5432}/{settings['NAME']}"
    credentials = quote(settings["USER"]) + (f":{quote(settings['PASSWORD'])}" if settings["PASSWORD"] else "")
    return f"postgres://{credentials}@{location}"
