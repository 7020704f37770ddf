"""The OpenAPI schema's error answers: every operation documents the problem+json statuses the
API can give it, in one place rather than on each view."""

from http import HTTPStatus

from lims.api.problems import PROBLEM_CONTENT_TYPE

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An RFC 9457 problem; `code` is stable and names what went wrong.",
    "properties": {
        "type": {"type": "string", "example": "/problems/specimen_on_hold"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "A sentence a user can act on."},
        "code": {"type": "string", "example": "specimen_on_hold"},
        "errors": {
            "type": "object",
            "description": "Field errors, by field name.",
            "additionalProperties": True,
        },
    },
    "required": ["type", "title", "status", "detail", "code"],
    "additionalProperties": True,
}

# Any request can be malformed, unauthenticated, forbidden, out of scope, refused by the state
# of things (a read too: free slots that are not there), too large, throttled, or meet a
# database that cannot be reached.
ANY_REQUEST = (400, 401, 403, 404, 406, 409, 413, 429, 503)
# A write can also send a body it cannot read, or an Idempotency-Key already used for another
# request.
WRITES = (415, 422)
WRITE_METHODS = {"post", "put", "patch", "delete"}


def _problem(status: int) -> dict:
    return {
        "description": f"{HTTPStatus(status).phrase} (problem+json)",
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def document_problems(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the problem answers to every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            statuses = ANY_REQUEST + (WRITES if method in WRITE_METHODS else ())
            responses = operation.setdefault("responses", {})
            for status in statuses:
                responses.setdefault(str(status), _problem(status))
    return result
