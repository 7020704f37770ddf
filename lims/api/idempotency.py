"""Idempotency keys: the first response to a keyed POST is stored and replayed for retries.

The claim, the work and the stored response commit in one transaction (the view opens it), so a
crash can never leave an effect without its stored answer; a concurrent duplicate waits on the
unique key and then replays.
"""

import hashlib
import json
import re

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone

from lims.errors import DomainError
from lims.models import IdempotencyKey
from lims.sql import insert_rows, update_rows

HEADER = "Idempotency-Key"
KEY_FORMAT = re.compile(r"[\x21-\x7e]{1,255}")


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
    """The fingerprint of a keyed request sent on its own: the same as inside a batch."""
    try:
        body = json.loads(request.body) if request.content_type == "application/json" else None
    except (ValueError, RecursionError):
        body = None
    query = request.META.get("QUERY_STRING", "")
    path = request.path + (f"?{query}" if query else "")
    if body is None:
        return fingerprint_parts(request.method.encode(), _route(path), request.body)
    return item_fingerprint(path, body, method=request.method)


def _route(path: str) -> bytes:
    # Every API path answers with and without its trailing slash: both name one request.
    route, _, query = path.partition("?")
    return (route.rstrip("/") + (f"?{query}" if query else "")).encode()


def fingerprint_parts(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def claim(*, user, key: str, request_fingerprint: str) -> IdempotencyKey:
    """Reserve ``key`` for this request, or raise Replay / IdempotencyKeyReused.

    One INSERT that skips a taken key: a concurrent duplicate waits on the unique key, then
    finds the first request's answer. Keys past their time to live are purged by
    ``manage.py purge_idempotency_keys``; one met here first is freed on the spot."""
    if not KEY_FORMAT.fullmatch(key):
        raise InvalidIdempotencyKey(
            f"{HEADER} must be 1 to 255 visible ASCII characters, such as a UUID."
        )
    record = _insert(user, key, request_fingerprint)
    if record is not None:
        return record
    existing = IdempotencyKey.objects.get(user=user, key=key)
    if existing.created_at < timezone.now() - settings.LIMS_IDEMPOTENCY_TTL:
        existing.delete()
        # The same one INSERT: a concurrent request that freed the key first wins it.
        record = _insert(user, key, request_fingerprint)
        if record is not None:
            return record
        existing = IdempotencyKey.objects.get(user=user, key=key)
    if existing.fingerprint != request_fingerprint:
        raise IdempotencyKeyReused(
            f"The {HEADER} {key!r} was already used for a different request; "
            "send a new key for a new request."
        )
    raise Replay(existing)


def _insert(user, key: str, fingerprint: str) -> IdempotencyKey | None:
    """The new record, or None when the key is taken (INSERT … ON CONFLICT DO NOTHING, so no
    savepoint is needed to survive the conflict)."""
    record = IdempotencyKey(user=user, key=key, fingerprint=fingerprint, created_at=timezone.now())
    insert_rows(IdempotencyKey, [record], using=IdempotencyKey.objects.db, skip_conflicts=True)
    return record if record.pk is not None else None


def item_fingerprint(path: str, body, *, method: str = "POST") -> str:
    """The fingerprint of a keyed JSON request, alone or in a batch: its method, its path and
    its body as canonical JSON (key order and spacing do not make another request)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return fingerprint_parts(method.encode(), _route(path), canonical)


def claim_many(*, user, fingerprints: dict[str, str]) -> dict[str, IdempotencyKey]:
    """Reserve a batch's keys at once: the record of each key, answered already when an earlier
    request used the key, unanswered (``status_code`` None) when it is this batch's to fill in.

    The inserts wait on the unique key for a concurrent batch with the same keys, as ``claim``
    does, so the later of two equal batches sees the earlier one's answers.
    """
    keys = list(fingerprints)
    cutoff = timezone.now() - settings.LIMS_IDEMPOTENCY_TTL
    mine = IdempotencyKey.objects.filter(user=user, key__in=keys)
    mine.filter(created_at__lt=cutoff).delete()
    IdempotencyKey.objects.bulk_create(
        [IdempotencyKey(user=user, key=key, fingerprint=fingerprints[key]) for key in keys],
        ignore_conflicts=True,
    )
    return {record.key: record for record in mine}


def remember_many(records: list[IdempotencyKey]) -> None:
    IdempotencyKey.objects.bulk_update(records, ["status_code", "content_type", "body"])


def remember(record: IdempotencyKey, response) -> None:
    """Store the answer on the claimed record: one UPDATE written as SQL (lims.sql), as the
    claim's INSERT is, since save() building it cost a keyed scan more than the database's
    work."""
    if hasattr(response, "render"):
        response.render()
    record.status_code = response.status_code
    record.content_type = response.get("Content-Type", "")
    record.body = response.content
    fields = ["status_code", "content_type", "body"]
    update_rows(IdempotencyKey, [record], fields, using=IdempotencyKey.objects.db)
