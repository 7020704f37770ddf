"""The catalogue of problem codes the API can answer, for the /problems/<code> pages."""

from rest_framework import exceptions

from lims.errors import DomainError

# Codes answered by the framework layer rather than by a DomainError subclass.
FRAMEWORK_PROBLEMS = {
    "invalid": "Invalid input",
    "unknown_field": "The request has a field this endpoint does not take",
    "malformed_body": "The request body is not valid JSON",
    "csrf_failed": "The CSRF token is missing or wrong",
    "internal_error": "The server failed to handle the request",
    "bad_request": "Malformed request",
    "account_locked": "Too many failed sign-ins: the account is locked for this address",
    "invalid_characters": "The address contains a NUL character",
    "database_unavailable": "The database cannot be reached just now; retry after a pause",
}


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def problem_types() -> dict[str, str]:
    catalog = {
        exc.default_code: str(exc.default_detail)
        for exc in _subclasses(exceptions.APIException)
        if isinstance(getattr(exc, "default_code", None), str)
    }
    catalog.update(FRAMEWORK_PROBLEMS)
    catalog.update({error.code: error.title for error in _subclasses(DomainError)})
    return catalog
