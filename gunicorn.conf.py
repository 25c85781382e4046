"""Gunicorn settings for production: `gunicorn -c gunicorn.conf.py kube_portal.wsgi`.

Sync workers behind nginx (README, "Deploying on real servers"). nginx reads every request
body to the end before it passes the request on, and takes every response at once: a
worker only ever talks to nginx on the same machine, at memory speed. A mentor's phone
sending five photos at 50 KB/s (about 15 minutes for 40 MB) costs nginx a buffer and no
worker at all, so it can never end as a worker timeout. A sync worker handles one request at
a time, which also keeps the photo budget (200 MB a photo) per process.

Every value can be set from the environment (GUNICORN_*), as the app's own settings are.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
# The longest a request may hold its worker: the heaviest page, a visit with five photos
# (2 s each at worst), a district's export. Longer means a fault: the worker is replaced and
# nginx answers 502 (its proxy_read_timeout is longer, so gunicorn's limit is the one that acts).
timeout = _int("GUNICORN_TIMEOUT", 120)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Workers are replaced now and then, so that no slow leak grows for weeks.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = 200
# X-Forwarded-Proto is believed from nginx on this machine only (SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
