"""Specimen IDs on the server: the shared ID scheme (``id_scheme``) with errors the API renders."""

import functools
from collections.abc import Callable

import id_scheme
from id_scheme import ALPHABET, DIGITS, MAX_NUMBER
from lims.errors import DomainError

__all__ = [
    "ALPHABET",
    "DIGITS",
    "MAX_NUMBER",
    "InvalidCheckCharacter",
    "InvalidIdFormat",
    "check_character",
    "deployment_prefix",
    "format_id",
    "parse_id",
]


class InvalidIdFormat(DomainError, id_scheme.InvalidIdFormat):
    code = id_scheme.InvalidIdFormat.code
    status = 400
    title = "Not a specimen ID"


class InvalidCheckCharacter(DomainError, id_scheme.InvalidCheckCharacter):
    code = id_scheme.InvalidCheckCharacter.code
    status = 400
    title = "Wrong check character"


_AS_DOMAIN_ERROR = {
    id_scheme.InvalidIdFormat: InvalidIdFormat,
    id_scheme.InvalidCheckCharacter: InvalidCheckCharacter,
}


def _answering_domain_errors(function: Callable) -> Callable:
    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except id_scheme.IdError as error:
            raise _AS_DOMAIN_ERROR[type(error)](str(error)) from error

    return wrapped


check_character = _answering_domain_errors(id_scheme.check_character)
format_id = _answering_domain_errors(id_scheme.format_id)
parse_id = _answering_domain_errors(id_scheme.parse_id)


def deployment_prefix() -> str:
    """The `LIMS_ID_PREFIX` setting, for callers that run inside the configured project."""
    from django.conf import settings

    return settings.LIMS_ID_PREFIX
