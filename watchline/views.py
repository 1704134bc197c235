"""The project's own pages: each role's home, health probes for the load balancer, and the
error pages."""

import sys

from asgiref.sync import async_to_sync
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from watchline import live, permissions
from watchline.middleware import DATABASE_DOWN, database_unavailable


@login_required
def home(request):
    """Each role lands on its own home."""
    name = permissions.home_url_name(request.user)
    if name is None:
        return render(request, "no_role.html", status=403)
    return redirect(name)


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_channel_layer():
    """Round-trip one message through the channel layer (releasing its channel afterwards)."""
    async_to_sync(live.round_trip)(timeout=3)


@never_cache
@require_GET
def livez(request):
    """Liveness for the load balancer: the process answers. Touches nothing else."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_GET
def healthz(request):
    checks = {}
    for name, check in (("database", _check_database), ("channel_layer", _check_channel_layer)):
        try:
            check()
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    """The 500 page, or the static 503 page when the failure is the database being down (the
    500 page itself needs the database: its layout names the user's roles)."""
    if isinstance(sys.exc_info()[1], DATABASE_DOWN):
        return database_unavailable()
    try:
        return render(request, "errors/500.html", status=500)
    except DATABASE_DOWN:
        return database_unavailable()
