"""The LIMS API as the bridge sees it: one keyed POST, and what its answer means for the spool."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
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
    """What became of one POST; `detail` is the problem+json detail or why it failed."""

    outcome: Outcome
    status: int | None
    code: str = ""
    detail: str = ""


class ApiClient:
    """POSTs JSON with a token and an Idempotency-Key over one kept-alive connection."""

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
        self._connection: http.client.HTTPConnection | None = None

    def post(self, path: str, body: dict, *, key: str) -> Answer:
        headers = {
            "Authorization": f"Token {self._token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": key,
        }
        try:
            connection = self._connect()
            connection.request("POST", self._base + path, json.dumps(body).encode(), headers)
            response = connection.getresponse()
            status, payload = response.status, response.read()
        except (OSError, http.client.HTTPException) as error:
            # The request may or may not have reached the server: only a replay with the same
            # key can tell, so the connection is dropped and the request kept.
            self.close()
            return Answer(Outcome.RETRY, None, "unreachable", str(error) or type(error).__name__)
        return _answer(status, payload)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            self._connection = self._factory(self._netloc, timeout=self._timeout)
        return self._connection


def _answer(status: int, payload: bytes) -> Answer:
    try:
        problem = json.loads(payload) if status >= 400 else {}
    except ValueError:
        problem = {}
    if not isinstance(problem, dict):
        problem = {}
    code, detail = str(problem.get("code", "")), str(problem.get("detail", ""))
    if status < 300:
        return Answer(Outcome.ACCEPTED, status)
    if status >= 500 or status in _RETRY_STATUSES:
        return Answer(Outcome.RETRY, status, code or "server_error", detail or f"HTTP {status}")
    if status == 401:
        return Answer(Outcome.UNAUTHORIZED, status, code, detail)
    return Answer(Outcome.REFUSED, status, code, detail or f"HTTP {status}")
