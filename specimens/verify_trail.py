#!/usr/bin/env python3
"""Check an exported custody trail offline: the Python standard library and this file suffice.

    python3 specimens/verify_trail.py trail.jsonl [more.csv ...]

Reads the JSON Lines or CSV exports of ``/api/v1/specimens/{id}/custody/`` and
``/api/v1/audit/events/`` (``?format=jsonl`` or ``?format=csv``), recomputes each event's hash
from its printed values and checks that each event links to the one before it. Prints one line
per broken event, naming the tube and sequence number, and exits 1 if any; exits 0 otherwise.
The canonical forms are documented in docs/custody.md; the server imports them from here, so
the two can never disagree.
"""

import csv
import hashlib
import json
import sys
from collections import defaultdict
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64
CURRENT_VERSION = 3
# A free-text detail in form 3 is the salted digest of a note kept outside the chain.
DIGEST_KEY = "salted_sha256"


def canonical(version: int, *, specimen, seq, kind, at, actor, site, ref, details) -> bytes:
    """The bytes hashed for an event written in form ``version``.

    Version 1 (events written before version 2) holds the actor's internal user id, which an
    export does not show; version 2 holds only printed values: the actor is the username;
    version 3 is version 2 with free text (notes, reasons) in ``details`` replaced by
    ``{"salted_sha256": sha256(salt || text)}``, so that the text can be redacted.
    """
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    payload = {
        "specimen": specimen,
        "seq": seq,
        "kind": kind,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "site": site,
        "ref": ref,
        "details": details,
    }
    if version in (2, 3):
        payload["v"] = version
    elif version != 1:
        raise ValueError(f"unknown canonical form version {version}")
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev_hash: str, payload: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + payload).hexdigest()


def read_events(path: str) -> list[dict]:
    """Events of a JSON Lines or CSV export, with CSV cells turned back into their values."""
    with open(path, encoding="utf-8", newline="") as handle:
        text = handle.read()
    if text.lstrip().startswith("{"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    rows = list(csv.DictReader(text.splitlines()))
    for row in rows:
        row["seq"], row["version"] = int(row["seq"]), int(row["version"])
        row["details"] = json.loads(row["details"] or "{}")
        row["texts"] = json.loads(row.get("texts") or "{}")
    return rows


def problems(events: list[dict]) -> list[tuple[str, int, str, str]]:
    """(tube, seq, kind, problem) for each broken event; a trail may start after event 1."""
    trails = defaultdict(list)
    for event in events:
        trails[event["specimen"]].append(event)
    found = []
    for tube, trail in sorted(trails.items()):
        trail.sort(key=lambda event: event["seq"])
        previous = None
        for event in trail:
            found += [(tube, event["seq"], event["kind"], p) for p in _check(event, previous)]
            previous = event
    return found


def _check(event: dict, previous: dict | None) -> list[str]:
    found = []
    if previous is not None and event["seq"] != previous["seq"] + 1:
        found.append(f"sequence jumps from {previous['seq']} to {event['seq']}")
    elif previous is not None and event["prev_hash"] != previous["hash"]:
        found.append("prev_hash does not match the event before it")
    elif previous is None and event["seq"] == 1 and event["prev_hash"] != GENESIS_HASH:
        found.append("the first event does not start from the genesis hash")
    # Version 1 hashed an internal user id that exports do not carry: only its links are checked.
    if event["version"] != 1:
        payload = canonical(
            event["version"],
            **{key: event[key] for key in ("specimen", "seq", "kind", "at", "actor", "site")},
            ref=event["ref"],
            details=event["details"],
        )
        if chain_hash(event["prev_hash"], payload) != event["hash"]:
            found.append("event content does not match its hash (altered)")
    found += _check_texts(event)
    return found


def _check_texts(event: dict) -> list[str]:
    """A note shown beside its digest (text and salt) must hash to it; a redacted one is not
    shown, and its digest alone stands in the chain."""
    found = []
    for key, shown in (event.get("texts") or {}).items():
        held = event["details"].get(key)
        if not isinstance(held, dict) or held.get(DIGEST_KEY) != shown.get("digest"):
            found.append(f"note '{key}' is not the one the event holds")
        elif (
            shown.get("salt")
            and note_digest(shown["salt"], shown.get("text", "")) != shown["digest"]
        ):
            found.append(f"note '{key}' does not match its digest (text altered)")
    return found


def note_digest(salt_hex: str, text: str) -> str:
    """``sha256(salt || text)``: the salt's 16 bytes then the text as UTF-8, as hex."""
    return hashlib.sha256(bytes.fromhex(salt_hex) + text.encode()).hexdigest()


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    events = [event for path in paths for event in read_events(path)]
    found = problems(events)
    for tube, seq, kind, problem in found:
        print(f"BROKEN {tube} #{seq} ({kind}): {problem}")
    tubes = len({event["specimen"] for event in events})
    links_only = sum(1 for event in events if event["version"] == 1)
    summary = f"{len(events)} events of {tubes} tubes checked"
    if links_only:
        summary += f" ({links_only} written in form 1: links checked, content not)"
    if found:
        print(f"{len(found)} problems in {summary}.")
        return 1
    print(f"OK: {summary}; every trail intact.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
