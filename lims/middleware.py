"""Requests refused before any view runs, and headers every API answer carries.

A NUL byte in a path or query, or a body over the one size limit, would otherwise surface as a
database or parser error deep inside a view; they are answered here as problems.
"""

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.utils.cache import patch_cache_control

from lims.api.parsers import BodyTooLarge
from lims.api.problems import database_unavailable, problem_response

API_PREFIX = "/api/"


def _has_nul(request) -> bool:
    query = request.META.get("QUERY_STRING", "")
    return "\x00" in request.path or "%00" in query or "\x00" in query


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class RequestGuardMiddleware:
    """Refuses NUL bytes (400) and oversized bodies (413); API answers are never cached, and a
    lost database connection is a 503 the client may retry."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        refusal = self._refusal(request)
        response = refusal or self.get_response(request)
        if request.path.startswith(API_PREFIX):
            # Answers carry specimens, custody and tokens: no cache along the way may keep them.
            patch_cache_control(response, no_store=True)
        return response

    def _refusal(self, request) -> HttpResponse | None:
        api = request.path.startswith(API_PREFIX)
        if _has_nul(request):
            detail = "The address contains a NUL character (%00); no identifier contains one."
            if api:
                return problem_response(status=400, code="invalid_characters", detail=detail)
            return HttpResponse(detail, status=400, content_type="text/plain")
        if _content_length(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            detail = str(BodyTooLarge().detail)
            if api:
                return problem_response(status=413, code="body_too_large", detail=detail)
            return HttpResponse(detail, status=413, content_type="text/plain")
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            return database_unavailable(exception, api=request.path.startswith(API_PREFIX))
        return None


def token_api_call(request) -> bool:
    """An API request that authenticates with a token: it has no session, cookie or CSRF
    token to read, and its answer is JSON, never a page."""
    return request.path.startswith(API_PREFIX) and request.META.get(
        "HTTP_AUTHORIZATION", ""
    ).startswith("Token ")


class _BrowserOnly:
    """A browser's middleware that a token API call goes past: on a scan's path, sessions,
    the lazy user, messages and the CSP header cost a tenth of the request's CPU for nothing.
    (CSRF and framing stay as Django names them: its deployment checks look for them.)"""

    def __call__(self, request):
        if token_api_call(request):
            return self.get_response(request)
        return super().__call__(request)


def _browser_only(middleware: type) -> type:
    return type(middleware.__name__, (_BrowserOnly, middleware), {"__doc__": middleware.__doc__})


BrowserCSPMiddleware = _browser_only(CSPMiddleware)
BrowserSessionMiddleware = _browser_only(SessionMiddleware)
BrowserAuthenticationMiddleware = _browser_only(AuthenticationMiddleware)
BrowserMessageMiddleware = _browser_only(MessageMiddleware)
