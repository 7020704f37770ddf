"""Web pages of the lims app: the front page, sign-in, the health probe and problem-type
documentation."""

import logging

from django.contrib.auth import views as auth_views
from django.db import DatabaseError, connections
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from lims.problem_catalog import problem_types
from lims.security import LoginThrottle

log = logging.getLogger("lims.health")


@require_safe
def home(request):
    return render(request, "lims/home.html")


class SignInView(auth_views.LoginView):
    """The web sign-in form, throttled per client address with the API's token endpoint."""

    def post(self, request, *args, **kwargs):
        throttle = LoginThrottle()
        if throttle.allow_request(request, self):
            return super().post(request, *args, **kwargs)
        wait = int(throttle.wait() or 1)
        response = render(request, "lims/throttled.html", {"wait": wait}, status=429)
        response["Retry-After"] = str(wait)
        return response


@never_cache
@require_safe
def healthz(request):
    """200 when every configured database answers a query, 503 otherwise (no auth)."""
    checks = {}
    for alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
            checks[alias] = "ok"
        except DatabaseError as exc:
            log.error("health check: database %s unreachable: %s", alias, exc)
            checks[alias] = "unreachable"
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "databases": checks},
        status=200 if healthy else 503,
    )


@require_safe
def problem_type(request, code: str):
    catalog = problem_types()
    if code not in catalog:
        raise Http404(code)
    return render(request, "lims/problem_type.html", {"code": code, "title": catalog[code]})
