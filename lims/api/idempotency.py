"""Idempotency keys: the first response to a keyed POST is stored and replayed for retries.

The claim, the work and the stored response commit in one transaction (the view opens it), so a
crash can never leave an effect without its stored answer; a concurrent duplicate waits on the
unique key and then replays.
"""

import hashlib
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone

from lims.errors import DomainError
from lims.models import IdempotencyKey

HEADER = "Idempotency-Key"
_KEY_FORMAT = re.compile(r"[\x21-\x7e]{1,255}")


class InvalidIdempotencyKey(DomainError):
    code = "invalid_idempotency_key"
    status = 400
    title = "Invalid Idempotency-Key header"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 422
    title = "Idempotency key already used for a different request"


class Replay(Exception):
    """Raised to short-circuit a view with the stored first response."""

    def __init__(self, record: IdempotencyKey):
        self.record = record

    def response(self) -> HttpResponse:
        answer = HttpResponse(
            bytes(self.record.body),
            status=self.record.status_code,
            content_type=self.record.content_type,
        )
        answer["Idempotent-Replayed"] = "true"
        return answer


def fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(), request.body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def claim(*, user, key: str, request_fingerprint: str) -> IdempotencyKey:
    """Reserve ``key`` for this request, or raise Replay / IdempotencyKeyReused."""
    if not _KEY_FORMAT.fullmatch(key):
        raise InvalidIdempotencyKey(
            f"{HEADER} must be 1 to 255 visible ASCII characters, such as a UUID."
        )
    cutoff = timezone.now() - settings.LIMS_IDEMPOTENCY_TTL
    IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=cutoff).delete()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                user=user, key=key, fingerprint=request_fingerprint
            )
    except IntegrityError:
        existing = IdempotencyKey.objects.get(user=user, key=key)
    if existing.fingerprint != request_fingerprint:
        raise IdempotencyKeyReused(
            f"The {HEADER} {key!r} was already used for a different request; "
            "send a new key for a new request."
        )
    raise Replay(existing)


def remember(record: IdempotencyKey, response) -> None:
    if hasattr(response, "render"):
        response.render()
    record.status_code = response.status_code
    record.content_type = response.get("Content-Type", "")
    record.body = response.content
    record.save(update_fields=["status_code", "content_type", "body"])
