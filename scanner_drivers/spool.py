"""The station's outbox: every request waits in a local SQLite file until the server answered it."""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    body TEXT NOT NULL,
    label TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class Pending:
    """One request to send: `key` is its Idempotency-Key, `label` the scanned ID."""

    seq: int
    key: str
    path: str
    body: dict
    label: str


class Spool:
    """A durable FIFO of requests, shared by the reading and the sending thread.

    Sequence numbers only grow, even across restarts, so a key is never reused. The key also
    carries a random tag made with the file: a spool deleted and created again starts at 1, and
    its keys must not replay the answers to the old file's requests.
    """

    def __init__(self, path: str | Path, station: str) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.executescript(_SCHEMA)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('tag', ?), ('last_seq', '0')",
                [secrets.token_hex(4)],
            )
            (tag,) = self._db.execute("SELECT value FROM meta WHERE name = 'tag'").fetchone()
        self._prefix = f"{station}-{tag}"

    def append(self, path: str, body: dict, label: str) -> Pending:
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE name = 'last_seq'"
            )
            (seq,) = self._db.execute("SELECT value FROM meta WHERE name = 'last_seq'").fetchone()
            pending = Pending(int(seq), f"{self._prefix}-{seq}", path, body, label)
            self._db.execute(
                "INSERT INTO outbox VALUES (?, ?, ?, ?, ?)",
                [pending.seq, pending.key, path, json.dumps(body), label],
            )
        return pending

    def head(self, count: int) -> list[Pending]:
        """The `count` oldest requests waiting, oldest first."""
        with self._lock:
            query = self._db.execute("SELECT * FROM outbox ORDER BY seq LIMIT ?", [count])
            rows = query.fetchall()
        return [
            Pending(seq, key, path, json.loads(body), label) for seq, key, path, body, label in rows
        ]

    def done(self, answered: list[Pending]) -> None:
        """Forget answered requests, in one transaction however many."""
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("DELETE FROM outbox WHERE seq = ?", [[p.seq] for p in answered])

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM outbox").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
