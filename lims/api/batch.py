"""Batches of keyed POSTs: a station sends many scans in one request; each is applied in order,
answered as its own endpoint answers it, and remembered under its own Idempotency-Key."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby

from django.core.handlers.wsgi import WSGIRequest
from django.core.validators import RegexValidator
from django.db import transaction
from django.http import HttpResponse
from django.urls import Resolver404, ResolverMatch, resolve
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from lims.api import idempotency
from lims.api.base import LimsAPIView, StrictSerializer
from lims.api.problems import PROBLEM_CONTENT_TYPE
from lims.audit import history_request
from lims.errors import DomainError, InvalidInput, NotFound

API_ROOT = "/api/v1/"
# Segments of letters, digits and the unreserved marks, and "*" (a check character): no query,
# no "..", nothing to decode.
_PATH = re.compile(r"[A-Za-z0-9*][A-Za-z0-9_.~*-]*(?:/[A-Za-z0-9*][A-Za-z0-9_.~*-]*)*/?")
MAX_REQUESTS = 200
# Headers of the batch that are not the items': each item has its own body and key.
_NOT_FORWARDED = frozenset(
    {"CONTENT_LENGTH", "CONTENT_TYPE", "HTTP_IDEMPOTENCY_KEY", "QUERY_STRING", "wsgi.input"}
)


def batchable(bulk: str | None = None):
    """Lets a batch carry POSTs to the decorated view action.

    ``bulk`` names a view method that applies a run of such requests at once, as if one by one
    in the order given: it takes a list of ``(url_kwargs, body)`` pairs and returns, in the
    same order, the Response to each or the exception that refused it, writing nothing for a
    refused one. Without it, each request of a batch is dispatched to the action on its own.
    """

    def mark(function):
        function.batchable = True
        function.batch_bulk = bulk
        return function

    return mark


class NotBatchable(DomainError):
    code = "not_batchable"
    status = 400
    title = "This request cannot go in a batch"


class BatchItemFailed(DomainError):
    code = "batch_item_failed"
    status = 500
    title = "A request of the batch failed on the server"


class KeyedRequestSerializer(StrictSerializer):
    key = serializers.CharField(
        max_length=255,
        trim_whitespace=False,
        validators=[RegexValidator(rf"\A{idempotency.KEY_FORMAT.pattern}\Z", "Not a valid key.")],
        help_text="The Idempotency-Key of this request: 1 to 255 visible ASCII characters.",
    )
    path = serializers.CharField(
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
    match: ResolverMatch | None = None
    # The answer: status, content type and JSON body.
    status: int = 0
    content_type: str = ""
    content: bytes = b""

    def answer(self, status: int, content_type: str, content: bytes) -> None:
        self.status, self.content_type, self.content = status, content_type, content

    @property
    def action(self):
        """The view method this request goes to, if a batch may carry it."""
        actions = getattr(self.match.func, "actions", None) or {}
        method = getattr(getattr(self.match.func, "cls", None), actions.get("post", ""), None)
        return method if getattr(method, "batchable", False) else None


class BatchView(LimsAPIView):
    """A station's scans in one request, each a keyed POST to a scan endpoint.

    The requests are applied in the order given, in one transaction: a request that the server
    fails to handle (5xx) fails the whole batch, so that it can be sent again unchanged. Each
    answer is stored under its key, and a request whose key was answered before is answered as
    then, without being applied again.
    """

    # Each request of the batch carries its own key, and its own reason.
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
            item.match = resolve(API_ROOT + item.path)
        except Resolver404:
            self._refuse(item, NotFound(f"No such URL: {API_ROOT}{item.path}"))
            return False
        if item.action is None:
            self._refuse(
                item,
                NotBatchable(
                    f"POST {API_ROOT}{item.path} cannot go in a batch: only scan endpoints "
                    "(weigh, collect, pack, receive) can; send it on its own."
                ),
            )
            return False
        return True

    def _apply(self, run: list[_Item]) -> None:
        bulk = run[0].action.batch_bulk
        if bulk is None:
            for item in run:
                self._dispatch(item)
            return
        view = self._view(run[0].match)
        view.check_permissions(self.request)
        answers = getattr(view, bulk)([(item.match.kwargs, item.body) for item in run])
        for item, answer in zip(run, answers, strict=True):
            self._answer(
                item, view.handle_exception(answer) if isinstance(answer, Exception) else answer
            )

    def _refuse(self, item: _Item, error: DomainError) -> None:
        self._answer(item, self.handle_exception(error))

    def _answer(self, item: _Item, response) -> None:
        """Store a DRF Response made outside dispatch (so not yet rendered) as the answer."""
        content_type = PROBLEM_CONTENT_TYPE if response.status_code >= 400 else "application/json"
        rendered = JSONRenderer().render(response.data)
        self._finish(item, response.status_code, content_type, rendered)

    def _view(self, match: ResolverMatch):
        """The viewset of ``match`` as it would be set up to serve this request."""
        view = match.func.cls(**match.func.initkwargs)
        view.action_map = match.func.actions
        view.action = match.func.actions["post"]
        view.request, view.args, view.kwargs = self.request, (), {}
        view.format_kwarg, view.headers = None, {}
        return view

    def _dispatch(self, item: _Item) -> None:
        """Serve one request as if it came on its own, as the batch's user; a refused one is
        undone to its savepoint."""
        body = json.dumps(item.body).encode()
        outer = self.request._request
        environ = {name: value for name, value in outer.META.items() if name not in _NOT_FORWARDED}
        environ.update(
            REQUEST_METHOD="POST",
            PATH_INFO=API_ROOT + item.path,
            CONTENT_TYPE="application/json",
            CONTENT_LENGTH=str(len(body)),
        )
        environ["wsgi.input"] = io.BytesIO(body)
        sub = WSGIRequest(environ)
        # DRF's hook for a user already authenticated: the batch's own token or session.
        sub._force_auth_user, sub._force_auth_token = self.request.user, self.request.auth
        savepoint = transaction.savepoint()
        with history_request(sub):
            response = item.match.func(sub, *item.match.args, **item.match.kwargs)
        if hasattr(response, "render"):
            response.render()
        if 400 <= response.status_code < 500:
            transaction.savepoint_rollback(savepoint)
        else:
            transaction.savepoint_commit(savepoint)
        self._finish(item, response.status_code, response["Content-Type"], response.content)

    def _finish(self, item: _Item, status: int, content_type: str, content: bytes) -> None:
        if status >= 500:
            raise BatchItemFailed(
                f"Request {item.index + 1} of the batch (key {item.key}) failed on the server; "
                "nothing of the batch was applied. Send it again."
            )
        item.answer(status, content_type, content)


def _runs(items) -> Iterator[list[_Item]]:
    """Consecutive requests to one action: what one bulk call takes."""
    for _, run in groupby(items, key=lambda item: item.match.func):
        yield list(run)


def _results(items: list[_Item]) -> bytes:
    # The stored answers are JSON already: they are spliced in, not parsed and written again.
    results = [
        b'{"key":%s,"status":%d,"body":%s}'
        % (json.dumps(item.key).encode(), item.status, item.content or b"null")
        for item in items
    ]
    return b'{"results":[' + b",".join(results) + b"]}"
