"""The LIMS API as the bridge sees it: batches of keyed POSTs, and what each answer means."""

from __future__ import annotations

import http.client
import json
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

# Statuses worth sending again: the server is busy or broken, not refusing this request.
_RETRY_STATUSES = frozenset({408, 429})


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"
    UNAUTHORIZED = "unauthorized"
    RETRY = "retry"


@dataclass(frozen=True, slots=True)
class Answer:
    """What became of one POST: `detail` is the problem+json detail or why it failed, `body`
    the JSON object the server answered (empty when it answered none)."""

    outcome: Outcome
    status: int | None
    code: str = ""
    detail: str = ""
    body: dict = field(default_factory=dict)


class ApiClient:
    """POSTs batches of keyed requests with a token over kept-alive connections.

    Threads may share one client: each POST takes an idle connection (or opens one) and gives
    it back once answered, so the connections in use are as many as the POSTs under way.
    """

    def __init__(self, server: str, token: str, *, timeout: float = 5.0) -> None:
        url = urlsplit(server)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"server must be an http(s) URL, not {server!r}")
        https = url.scheme == "https"
        self._factory = http.client.HTTPSConnection if https else http.client.HTTPConnection
        self._netloc = url.netloc
        self._base = url.path.rstrip("/") + "/"
        self._token = token
        self._timeout = timeout
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def post_batch(self, requests: list[tuple[str, str, dict]]) -> list[Answer]:
        """POST `(key, path, body)` requests as one batch; the answer to each, in order.

        When the batch as a whole fails (unreachable, 5xx, a refused token), each request gets
        that answer: nothing of a failed batch was applied.
        """
        batch = {"requests": [{"key": k, "path": path, "body": b} for k, path, b in requests]}
        headers = {
            "Authorization": f"Token {self._token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        connection = self._checkout()
        try:
            connection.request("POST", self._base + "batch/", json.dumps(batch).encode(), headers)
            response = connection.getresponse()
            status, payload = response.status, response.read()
        except (OSError, http.client.HTTPException) as error:
            # The batch may or may not have reached the server: only a replay with the same
            # keys can tell, so its requests are kept. A server that dropped this connection
            # has likely dropped the idle ones too, so they go with it.
            connection.close()
            self.close()
            failed = Answer(Outcome.RETRY, None, "unreachable", str(error) or type(error).__name__)
            return [failed] * len(requests)
        with self._lock:
            self._idle.append(connection)
        document = _document(payload)
        results = document.get("results")
        if status != 200 or not isinstance(results, list) or len(results) != len(requests):
            return [_answer(status, document)] * len(requests)
        return [_result(result) for result in results]

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _checkout(self) -> http.client.HTTPConnection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._factory(self._netloc, timeout=self._timeout)


def _document(payload) -> dict:
    """A JSON object from bytes or from an already parsed value; empty for anything else."""
    if isinstance(payload, bytes | str):
        try:
            payload = json.loads(payload)
        except ValueError:
            payload = {}
    return payload if isinstance(payload, dict) else {}


def _result(result) -> Answer:
    result = result if isinstance(result, dict) else {}
    status = result.get("status")
    # A result without a usable status is the server's fault: send the request again.
    return _answer(status if isinstance(status, int) else 502, _document(result.get("body")))


def _answer(status: int, document: dict) -> Answer:
    if status < 300:
        return Answer(Outcome.ACCEPTED, status, body=document)
    code, detail = str(document.get("code", "")), str(document.get("detail", ""))
    if status >= 500 or status in _RETRY_STATUSES:
        return Answer(Outcome.RETRY, status, code or "server_error", detail or f"HTTP {status}")
    if status == 401:
        return Answer(Outcome.UNAUTHORIZED, status, code, detail, document)
    return Answer(Outcome.REFUSED, status, code, detail or f"HTTP {status}", document)
