"""The LIMS API as the bridge sees it: one keyed POST, and what its answer means for the spool."""

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
    """POSTs JSON with a token and an Idempotency-Key over kept-alive connections.

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

    def post(self, path: str, body: dict, *, key: str) -> Answer:
        headers = {
            "Authorization": f"Token {self._token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": key,
        }
        connection = self._checkout()
        try:
            connection.request("POST", self._base + path, json.dumps(body).encode(), headers)
            response = connection.getresponse()
            status, payload = response.status, response.read()
        except (OSError, http.client.HTTPException) as error:
            # The request may or may not have reached the server: only a replay with the same
            # key can tell, so the request is kept. A server that dropped this connection has
            # likely dropped the idle ones too, so they go with it.
            connection.close()
            self.close()
            return Answer(Outcome.RETRY, None, "unreachable", str(error) or type(error).__name__)
        with self._lock:
            self._idle.append(connection)
        return _answer(status, payload)

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


def _answer(status: int, payload: bytes) -> Answer:
    try:
        document = json.loads(payload)
    except ValueError:
        document = {}
    if not isinstance(document, dict):
        document = {}
    if status < 300:
        return Answer(Outcome.ACCEPTED, status, body=document)
    code, detail = str(document.get("code", "")), str(document.get("detail", ""))
    if status >= 500 or status in _RETRY_STATUSES:
        return Answer(Outcome.RETRY, status, code or "server_error", detail or f"HTTP {status}")
    if status == 401:
        return Answer(Outcome.UNAUTHORIZED, status, code, detail, document)
    return Answer(Outcome.REFUSED, status, code, detail or f"HTTP {status}", document)
