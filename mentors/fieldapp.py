"""The mentor's installable offline-first field app: service worker, manifest and the pages it keeps.

The pages stay server-rendered. The service worker (served from the site root, so that its
scope covers the forms under /kube/ and /graduasi/ too) precaches the static files those pages
load and keeps a copy of each of the mentor's pages, refreshed whenever the phone is online, so
a cold start without a network opens the app. The mentor's writes go through the outbox
(static/js/outbox-core.js) to the REST API.
"""

import hashlib
import json
from functools import cache

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from groups.models import Kube, Status
from groups.permissions import can_report_business
from mentors.selectors import MAX_ASSESSMENTS, households_to_assess

#: Static files every page of the field app loads: precached when the service worker installs.
SHELL_STATIC = (
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
    "vendor/htmx/htmx.min.js",
    "vendor/idb/umd.js",
    "css/app.css",
    "js/app.js",
    "js/outbox-core.js",
    "js/outbox.js",
    "js/field-form.js",
    "js/photos.js",
    "icons/icon-192.png",
)

#: What the service worker itself imports (importScripts), in dependency order.
WORKER_SCRIPTS = (
    "vendor/workbox/workbox-core.prod.js",
    "vendor/workbox/workbox-routing.prod.js",
    "vendor/workbox/workbox-strategies.prod.js",
    "vendor/workbox/workbox-cacheable-response.prod.js",
    "vendor/workbox/workbox-expiration.prod.js",
    "vendor/workbox/workbox-precaching.prod.js",
    "vendor/idb/umd.js",
    "js/outbox-core.js",
)

#: A mentor's KUBE that take monthly business reports.
REPORTING_STATUSES = (Status.AKTIF, Status.NONAKTIF)

#: The REST API's reads the field app keeps (the API's contract: api/v1).
API_ME = "/api/v1/me/"
API_KUBE = "/api/v1/kube/"
API_VISITS = "/api/v1/field-visits/"


def _revision(path: str) -> str:
    found = finders.find(path)
    if not found:
        raise LookupError(f"static file {path} is missing")
    with open(found, "rb") as file:
        return hashlib.md5(file.read(), usedforsecurity=False).hexdigest()[:12]


def _precache_manifest() -> list[dict]:
    return [{"url": staticfiles_storage.url(path), "revision": _revision(path)} for path in SHELL_STATIC]


# In production the files do not change while the process runs; in development they do.
_cached_manifest = cache(_precache_manifest)


def precache_manifest() -> list[dict]:
    return _precache_manifest() if settings.DEBUG else _cached_manifest()


@require_GET
def service_worker(request):
    """The service worker script, at /sw.js so that its scope is the whole site."""
    manifest = precache_manifest()
    config = {
        "precache": manifest,
        "pagesUrl": reverse("mentors:field_pages"),
        "offlineUrl": reverse("mentors:field_offline"),
        "homeUrl": reverse("mentors:visit_home"),
    }
    script = render_to_string(
        "mentors/sw.js",
        {
            "scripts": json.dumps([staticfiles_storage.url(path) for path in WORKER_SCRIPTS]),
            "config": json.dumps(config),
        },
    )
    version = hashlib.md5(script.encode(), usedforsecurity=False).hexdigest()[:12]
    response = HttpResponse(f"// version {version}\n{script}", content_type="text/javascript; charset=utf-8")
    # The browser checks for a new worker on each navigation; it must not keep an old copy.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest(request):
    icons = [
        {"src": staticfiles_storage.url(f"icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ] + [
        {
            "src": staticfiles_storage.url(f"icons/maskable-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "maskable",
        }
        for size in (192, 512)
    ]
    data = {
        "name": _("KUBE Portal · Pendamping"),
        "short_name": "KUBE",
        "description": _("Catat kunjungan, laporan usaha dan asesmen KUBE, juga tanpa sinyal."),
        "lang": request.LANGUAGE_CODE,
        "start_url": reverse("mentors:visit_home"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b3b6f",
        "icons": icons,
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


def mentor_pages(user) -> list[str]:
    """Every page the mentor needs offline: home, the forms of each assigned KUBE, the data they read."""
    urls = [reverse("mentors:visit_home"), reverse("mentors:field_offline")]
    kubes = list(Kube.objects.visible_to(user).order_by("name", "pk").values_list("pk", "status"))
    reports = can_report_business(user)
    for pk, status in kubes:
        urls.append(reverse("mentors:visit_create", args=[pk]))
        if reports and status in REPORTING_STATUSES:
            urls.append(reverse("groups:report_add", args=[pk]))
    for household in households_to_assess(user)[:MAX_ASSESSMENTS]:
        urls.append(reverse("graduation:assessment_create", args=[household.pk]))
    # The REST API's reads (the mentor, assigned KUBE with members, recent visits), when installed.
    data = [API_ME, API_KUBE] + [f"{API_VISITS}?kube={pk}" for pk, _status in kubes]
    urls.extend(url for url in data if _resolves(url))
    return urls


def _resolves(url: str) -> bool:
    try:
        resolve(url.split("?", 1)[0])
    except Resolver404:
        return False
    return True


@never_cache
@login_required
def field_pages(request):
    """The list the service worker walks to refresh its copy of the mentor's pages."""
    if not request.user.is_mentor:
        return JsonResponse({"pages": []})
    return JsonResponse({"pages": mentor_pages(request.user)})


@login_required
def field_offline(request):
    """Shown by the service worker for a page it never kept, when there is no network."""
    return render(request, "mentors/field_offline.html")
