"""Batches of keyed POSTs: a station sends many scans in one request; each is applied in order,
answered as its own endpoint answers it, and remembered under its own Idempotency-Key.

This module knows no app: each app registers the endpoints a batch may carry as batchables
(the route, its body's serializer, a function that applies many scans at once, the serializer
of an answer), from its AppConfig.ready().
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import groupby

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.validators import RegexValidator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.urls import Resolver404, resolve
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer

from lims.api import idempotency
from lims.api.base import LimsAPIView, StrictSerializer
from lims.api.problems import PROBLEM_CONTENT_TYPE
from lims.errors import DomainError, InvalidInput, NotFound

log = logging.getLogger("lims.api")
_JSON = JSONRenderer()
API_ROOT = "/api/v1/"
# Segments of letters, digits and the unreserved marks, and "*" (a check character): no query,
# no "..", nothing to decode.
_PATH = re.compile(r"[A-Za-z0-9*][A-Za-z0-9_.~*-]*(?:/[A-Za-z0-9*][A-Za-z0-9_.~*-]*)*/?")
MAX_REQUESTS = 200


@dataclass(frozen=True)
class Scan:
    """One request of a batch as a batchable takes it: the URL's arguments and the body its
    serializer accepted."""

    args: dict[str, str]
    data: dict


# Takes the acting user and scans, applies them as if one by one in the order given, and
# returns, in that order, what each did or the exception that refused it (a refused one writes
# nothing). Any other exception fails the whole batch.
Apply = Callable[..., list]


@dataclass(frozen=True)
class Batchable:
    """An endpoint a batch may carry: ``route`` is its URL's name, ``body`` the serializer of
    its request body, ``answer`` the serializer of what ``apply`` returns for a scan, answered
    with ``status``, as the endpoint answers it alone."""

    route: str
    body: type[serializers.Serializer]
    apply: Apply
    answer: type[serializers.Serializer]
    status: int = 200


_BATCHABLE: dict[str, Batchable] = {}


def register(batchable: Batchable) -> None:
    """Let batches carry POSTs to ``batchable.route`` (each app, from its AppConfig.ready())."""
    if _BATCHABLE.setdefault(batchable.route, batchable) is not batchable:
        raise ImproperlyConfigured(f"Two batchables for the route {batchable.route!r}")


# What refuses one request: domain errors, bad input, unknown or forbidden objects.
REFUSALS = (DomainError, APIException, Http404, PermissionDenied)


def one_by_one(apply_one: Callable[..., object]) -> Apply:
    """An ``apply`` from a function of one scan (``apply_one(actor=, scan=)``): each is applied
    in turn, and a refused one is undone to its savepoint."""

    def apply(*, actor, scans: list[Scan]) -> list:
        outcomes = []
        for scan in scans:
            try:
                with transaction.atomic():
                    outcomes.append(apply_one(actor=actor, scan=scan))
            except REFUSALS as error:
                outcomes.append(error)
        return outcomes

    return apply


class NotBatchable(DomainError):
    code = "not_batchable"
    status = 400
    title = "This request cannot go in a batch"


class BatchItemFailed(DomainError):
    code = "batch_item_failed"
    status = 500
    title = "A request of the batch failed on the server"


class TextField(serializers.CharField):
    """A JSON string and nothing else: DRF's CharField would take 0 for "0"."""

    def to_internal_value(self, data) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class KeyedRequestSerializer(StrictSerializer):
    key = TextField(
        max_length=255,
        trim_whitespace=False,
        validators=[RegexValidator(rf"\A{idempotency.KEY_FORMAT.pattern}\Z", "Not a valid key.")],
        help_text="The Idempotency-Key of this request: 1 to 255 visible ASCII characters.",
    )
    path = TextField(
        max_length=300,
        trim_whitespace=False,
        help_text="The endpoint under /api/v1/, e.g. specimens/BN0000123K/weigh/.",
    )
    body = serializers.DictField(help_text="The JSON body the endpoint takes.")


class BatchSerializer(StrictSerializer):
    requests = KeyedRequestSerializer(many=True, allow_empty=False, max_length=MAX_REQUESTS)

    def validate_requests(self, requests: list[dict]) -> list[dict]:
        repeated = sorted(key for key, n in Counter(r["key"] for r in requests).items() if n > 1)
        if repeated:
            raise serializers.ValidationError(
                f"Each request needs a key of its own; repeated: {', '.join(repeated[:5])}."
            )
        return requests


@dataclass
class _Item:
    index: int
    key: str
    path: str
    body: dict
    fingerprint: str
    batchable: Batchable | None = None
    args: dict = field(default_factory=dict)
    # The answer: status, content type and JSON body.
    status: int = 0
    content_type: str = ""
    content: bytes = b""

    def answer(self, status: int, content_type: str, content: bytes) -> None:
        self.status, self.content_type, self.content = status, content_type, content


class BatchView(LimsAPIView):
    """A station's scans in one request, each a keyed POST to a scan endpoint.

    The requests are applied in the order given, in one transaction: a request that the server
    fails to handle (5xx) fails the whole batch, so that it can be sent again unchanged. Each
    answer is stored under its key, and a request whose key was answered before is answered as
    then, without being applied again.
    """

    # Each request of the batch carries its own key. The body is the requests: the batch's
    # change reason comes in the X-Change-Reason header, for every request it carries.
    idempotent = False
    body_reason = False

    @extend_schema(
        request=BatchSerializer,
        responses=inline_serializer(
            "BatchAnswer",
            {
                "results": inline_serializer(
                    "BatchResult",
                    {
                        "key": serializers.CharField(),
                        "status": serializers.IntegerField(),
                        "body": serializers.DictField(),
                    },
                    many=True,
                )
            },
        ),
    )
    def post(self, request):
        items = [
            _Item(
                index,
                given["key"],
                given["path"],
                given["body"],
                idempotency.item_fingerprint(API_ROOT + given["path"], given["body"]),
            )
            for index, given in enumerate(self.validated(BatchSerializer)["requests"])
        ]
        with transaction.atomic():
            records = idempotency.claim_many(
                user=request.user, fingerprints={item.key: item.fingerprint for item in items}
            )
            fresh = [item for item in items if self._new(item, records[item.key])]
            for run in _runs(item for item in fresh if self._resolved(item)):
                self._apply(run)
            for item in fresh:
                record = records[item.key]
                record.status_code, record.content_type = item.status, item.content_type
                record.body = item.content
            idempotency.remember_many([records[item.key] for item in fresh])
        return HttpResponse(_results(items), content_type="application/json")

    def _new(self, item: _Item, record) -> bool:
        if record.status_code is None:
            return True
        if record.fingerprint != item.fingerprint:
            self._refuse(
                item,
                idempotency.IdempotencyKeyReused(
                    f"The key {item.key!r} was already used for a different request; "
                    "send a new key for a new request."
                ),
            )
        else:
            item.answer(record.status_code, record.content_type, bytes(record.body))
        return False

    def _resolved(self, item: _Item) -> bool:
        if not _PATH.fullmatch(item.path):
            self._refuse(
                item,
                InvalidInput(
                    f"{item.path[:60]!r} is not a path under {API_ROOT}: letters, digits and "
                    "- _ . ~ * between slashes, e.g. specimens/BN0000123K/weigh/."
                ),
            )
            return False
        try:
            match = resolve(API_ROOT + item.path)
        except Resolver404:
            match = None
        # Unknown API paths resolve to the catch-all that answers them with a 404 problem.
        if match is None or match.url_name == "api-not-found":
            self._refuse(item, NotFound(f"No such URL: {API_ROOT}{item.path}"))
            return False
        item.batchable, item.args = _BATCHABLE.get(match.url_name), match.kwargs
        if item.batchable is None:
            self._refuse(
                item,
                NotBatchable(
                    f"POST {API_ROOT}{item.path} cannot go in a batch: only scan endpoints "
                    "can; send it on its own."
                ),
            )
            return False
        return True

    def _apply(self, run: list[_Item]) -> None:
        """Apply a run of requests to one batchable: each body checked, then all at once."""
        batchable = run[0].batchable
        checked, scans = [], []
        for item in run:
            try:
                scans.append(Scan(item.args, self.validated(batchable.body, item.body)))
            except REFUSALS as error:
                self._refuse(item, error)
            else:
                checked.append(item)
        if not scans:
            return
        try:
            outcomes = batchable.apply(actor=self.request.user, scans=scans)
        except Exception as error:
            log.exception("a batch of %s failed", batchable.route)
            raise BatchItemFailed(_failed(checked)) from error
        context = {"request": self.request, "view": self, "scope": self.scope}
        for item, outcome in zip(checked, outcomes, strict=True):
            if isinstance(outcome, Exception):
                self._refuse(item, outcome)
            else:
                answer = batchable.answer(outcome, context=context).data
                self._finish(item, batchable.status, "application/json", _JSON.render(answer))

    def _refuse(self, item: _Item, error: Exception) -> None:
        response = self.handle_exception(error)
        self._finish(item, response.status_code, PROBLEM_CONTENT_TYPE, _JSON.render(response.data))

    def _finish(self, item: _Item, status: int, content_type: str, content: bytes) -> None:
        if status >= 500:
            raise BatchItemFailed(_failed([item]))
        item.answer(status, content_type, content)


def _failed(items: list[_Item]) -> str:
    which = (
        f"Request {items[0].index + 1} of the batch (key {items[0].key})"
        if len(items) == 1
        else f"One of requests {items[0].index + 1} to {items[-1].index + 1} of the batch "
        f"(keys {items[0].key} to {items[-1].key})"
    )
    return f"{which} failed on the server; nothing of the batch was applied. Send it again."


def _runs(items) -> Iterator[list[_Item]]:
    """Consecutive requests to one batchable: what one call of its ``apply`` takes."""
    for _, run in groupby(items, key=lambda item: item.batchable):
        yield list(run)


def _results(items: list[_Item]) -> bytes:
    # The stored answers are JSON already: they are spliced in, not parsed and written again.
    results = [
        b'{"key":%s,"status":%d,"body":%s}'
        % (json.dumps(item.key).encode(), item.status, item.content or b"null")
        for item in items
    ]
    return b'{"results":[' + b",".join(results) + b"]}"
