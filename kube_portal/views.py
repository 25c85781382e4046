import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts import throttling
from kube_portal import db_router
from regions.models import Level, Region


@login_required
def home(request):
    user = request.user
    if user.is_mentor:
        # A mentor's home is the field app's: today's work.
        return redirect("mentors:visit_home")
    counts = (
        Region.objects.visible_to(user)
        .current()
        .aggregate(
            provinces=Count("code", filter=Q(level=Level.PROVINCE)),
            kabkota=Count("code", filter=Q(level=Level.KABKOTA)),
            kecamatan=Count("code", filter=Q(level=Level.KECAMATAN)),
            villages=Count("code", filter=Q(level=Level.VILLAGE)),
        )
    )
    scope = user.scope
    scope_regions = (
        Region.objects.filter(code__in=scope.prefixes).select_related("parent").order_by("code")
        if scope.prefixes
        else []
    )
    return render(
        request,
        "home.html",
        {"counts": counts, "scope_regions": scope_regions, "is_national": scope.national},
    )


@never_cache
@require_GET
def healthz(request):
    """Liveness of the two servers the app needs: 200 when both answer, 503 otherwise.

    The read replica is reported but never makes it 503: without it reads go to the primary.
    """
    checks = {"database": _check_database(), "redis": _check_redis()}
    healthy = all(state == "ok" for state in checks.values())
    # Logins go on without the throttle while Redis is down (accounts.throttling): say so.
    throttle = "ok" if checks["redis"] == "ok" and not throttling.degraded() else "degraded: logins are not throttled"
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks, "login_throttle": throttle, **_replica_report()},
        status=200 if healthy else 503,
    )


def _replica_report() -> dict:
    if not db_router.replica_configured():
        return {"replica": "not configured"}
    health = db_router.replica_health()
    lag = None if health.lag_seconds is None else round(health.lag_seconds, 3)
    return {"replica": health.describe(), "replica_lag_seconds": lag}


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means "down"
        return f"error: {error.__class__.__name__}"
    return "ok"


def _check_redis() -> str:
    try:
        redis.Redis.from_url(
            settings.REDIS_URL,
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
            socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
            retry=None,
        ).ping()
    except redis.RedisError as error:
        return f"error: {error.__class__.__name__}"
    return "ok"


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No context processors: the database may be what failed.
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("errors/500.html").render())
