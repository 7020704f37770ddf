"""RFC 9457 problem+json for every error the API answers, domain errors included."""

import logging
from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response

from lims.errors import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Seconds a client waits before retrying while the database cannot be reached.
RETRY_AFTER_SECONDS = 5
_DATABASE_UNAVAILABLE = (
    "The database cannot be reached just now; nothing was changed. Send the request again in "
    "a few seconds."
)

log = logging.getLogger("lims.api")


def problem_body(
    *,
    status: int,
    code: str,
    detail: str,
    title: str | None = None,
    errors: dict | None = None,
    **extra,
) -> dict:
    body = {
        "type": f"/problems/{code}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def problem_response(*, status: int, code: str, detail: str, **fields) -> HttpResponse:
    """A problem+json answer outside DRF (middleware, Django error handlers)."""
    return JsonResponse(
        problem_body(status=status, code=code, detail=detail, **fields),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def _unavailable(error: BaseException) -> tuple[dict, dict]:
    """The 503 problem and its Retry-After: the request did nothing and may be sent again."""
    log.error("database unavailable", exc_info=error)
    body = problem_body(status=503, code="database_unavailable", detail=_DATABASE_UNAVAILABLE)
    return body, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def database_unavailable(error: BaseException, *, api: bool) -> HttpResponse:
    """The 503 answer outside DRF (middleware): problem+json for the API, text for pages."""
    body, headers = _unavailable(error)
    if api:
        response = JsonResponse(body, status=503, content_type=PROBLEM_CONTENT_TYPE)
    else:
        response = HttpResponse(body["detail"], status=503, content_type="text/plain")
    response.headers.update(headers)
    return response


def _validation_problem(exc: exceptions.ValidationError) -> dict:
    detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    codes = exc.get_codes()
    flat_codes = set(_flatten(codes if isinstance(codes, dict) else {"_": codes}))
    code = "unknown_field" if flat_codes == {"unknown_field"} else "invalid"
    return problem_body(
        status=400,
        code=code,
        title="Invalid input",
        detail=_summary(detail),
        errors=detail,
    )


def _flatten(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _flatten(item)
    elif isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    else:
        yield str(value)


def _summary(errors: dict) -> str:
    field, messages = next(iter(errors.items()))
    first = next(_flatten(messages), "is invalid")
    return first if field == "non_field_errors" else f"{field}: {first}"


def _api_exception_problem(exc: exceptions.APIException) -> dict:
    code = exc.default_code
    detail = str(exc.detail)
    if isinstance(exc, exceptions.PermissionDenied) and detail.startswith("CSRF Failed"):
        code = "csrf_failed"
    elif isinstance(exc, exceptions.ParseError):
        code = "malformed_body"
    return problem_body(status=exc.status_code, code=code, detail=detail)


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every exception becomes a problem+json response."""
    headers = {}
    if isinstance(exc, DomainError):
        body = problem_body(
            status=exc.status,
            code=exc.code,
            title=exc.title,
            detail=exc.detail,
            errors=exc.errors,
            **exc.extra,
        )
        headers.update(getattr(exc, "headers", {}))
    elif isinstance(exc, Http404):
        body = problem_body(status=404, code="not_found", detail="Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        body = problem_body(
            status=403, code="permission_denied", detail=str(exc) or "You may not do this."
        )
    elif isinstance(exc, exceptions.ValidationError):
        body = _validation_problem(exc)
    elif isinstance(exc, exceptions.APIException):
        body = _api_exception_problem(exc)
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
    elif isinstance(exc, OperationalError | InterfaceError):
        body, unavailable = _unavailable(exc)
        headers.update(unavailable)
    else:
        log.exception("unhandled error in %s", context.get("view").__class__.__name__)
        body = problem_body(
            status=500,
            code="internal_error",
            detail="The server failed to handle this request; it has been logged.",
        )
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def handler404(request, exception=None):
    if _is_api(request):
        return problem_response(status=404, code="not_found", detail=f"No such URL: {request.path}")
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request):
    if _is_api(request):
        return problem_response(
            status=500,
            code="internal_error",
            detail="The server failed to handle this request; it has been logged.",
        )
    from django.views.defaults import server_error

    return server_error(request)


def handler400(request, exception=None):
    if _is_api(request):
        return problem_response(status=400, code="bad_request", detail="Malformed request.")
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler403(request, exception=None):
    if _is_api(request):
        return problem_response(
            status=403, code="permission_denied", detail=str(exception) or "You may not do this."
        )
    from django.views.defaults import permission_denied

    return permission_denied(request, exception)
