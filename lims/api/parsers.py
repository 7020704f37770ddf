"""Request parsers: JSON with a bound on nesting, and CSV bodies (instrument files) as text."""

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import APIException, ParseError

# Deeper than any request of the API (a batch item's body sits four levels down).
MAX_JSON_DEPTH = 32


def body_limit_text() -> str:
    return f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024:g} MB"


class BodyTooLarge(APIException):
    status_code = 413
    default_code = "body_too_large"
    default_detail = "The request body is larger than the server takes"

    def __init__(self) -> None:
        super().__init__(f"A request body may have at most {body_limit_text()}.")


def _depth(value) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing bodies nested deeper than MAX_JSON_DEPTH levels (which would
    otherwise exhaust the interpreter's recursion while being decoded or validated)."""

    def parse(self, stream, media_type=None, parser_context=None):
        too_deep = ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.")
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if _depth(data) > MAX_JSON_DEPTH:
            raise too_deep
        return data


class CSVTextParser(parsers.BaseParser):
    """A ``text/csv`` body as one string (UTF-8, a byte-order mark dropped)."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None) -> str:
        # RequestGuardMiddleware refuses a declared length over the limit; this catches a body
        # sent without one.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise BodyTooLarge
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ParseError(f"The file is not UTF-8 text (byte {error.start}).") from None
