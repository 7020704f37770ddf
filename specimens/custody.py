"""The custody hash chain: canonical form, appending an event, and verifying every chain.

Canonical form of an event, hashed as ``sha256(prev_hash + canonical)`` (hex digests, UTF-8):
a JSON object with exactly the keys ``specimen`` (barcode), ``seq``, ``kind``, ``at`` (UTC,
ISO 8601 with microseconds, e.g. ``2026-11-23T14:05:00.000000+00:00``), ``actor`` (user id, which
never changes, unlike a username), ``site`` (site code), ``ref`` and ``details``; keys sorted,
separators ``,`` and ``:``, no ASCII escaping. The first event's ``prev_hash`` is 64 zeros.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import QuerySet
from django.utils import timezone

from lims.models import Site, User
from specimens.models import GENESIS_HASH, CustodyEvent, Specimen


def canonical(
    *,
    specimen: str,
    seq: int,
    kind: str,
    at: datetime,
    actor: int,
    site: str,
    ref: str,
    details: dict,
) -> bytes:
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
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev_hash: str, payload: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + payload).hexdigest()


def chain(
    specimen: Specimen,
    *,
    kind: str,
    actor: User,
    site: Site,
    ref: str = "",
    details: dict | None = None,
    at: datetime | None = None,
) -> CustodyEvent:
    """The next event of ``specimen``'s chain, unsaved, with the specimen's head moved onto it.

    The caller holds the specimen's row lock and saves the specimen, then the event, in one
    transaction.
    """
    details = details or {}
    at = at or timezone.now()
    seq = specimen.custody_seq + 1
    digest = chain_hash(
        specimen.custody_head,
        canonical(
            specimen=specimen.barcode,
            seq=seq,
            kind=kind,
            at=at,
            actor=actor.pk,
            site=site.code,
            ref=ref,
            details=details,
        ),
    )
    event = CustodyEvent(
        specimen=specimen,
        seq=seq,
        kind=kind,
        at=at,
        actor=actor,
        site=site,
        ref=ref,
        details=details,
        prev_hash=specimen.custody_head,
        hash=digest,
    )
    specimen.custody_seq, specimen.custody_head = seq, digest
    return event


@dataclass(frozen=True)
class Break:
    specimen: str
    seq: int
    problem: str

    def as_dict(self) -> dict:
        return {"specimen": self.specimen, "seq": self.seq, "problem": self.problem}


@dataclass
class Verification:
    specimens: int = 0
    events: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks


_FIELDS = (
    "specimen_id",
    "specimen__barcode",
    "seq",
    "kind",
    "at",
    "actor_id",
    "site__code",
    "ref",
    "details",
    "prev_hash",
    "hash",
)


def verify(specimens: QuerySet | None = None, *, chunk_size: int = 5000) -> Verification:
    """Recompute every chain (or those of the ``specimens`` queryset), naming each broken
    specimen and sequence number."""
    heads = Specimen.objects.all() if specimens is None else specimens
    events = CustodyEvent.objects.order_by("specimen_id", "seq")
    if specimens is not None:
        # A subquery: a scope of millions of specimens never travels as a list of keys.
        events = events.filter(specimen__in=specimens.values("pk"))
    result = Verification()
    expected = {
        pk: (barcode, seq, head)
        for pk, barcode, seq, head in heads.values_list(
            "pk", "barcode", "custody_seq", "custody_head"
        )
    }
    seen: dict[int, tuple[int, str]] = {}
    for row in events.values_list(*_FIELDS).iterator(chunk_size=chunk_size):
        result.events += 1
        result.breaks.extend(_check_event(row, seen))
    for pk, (barcode, seq, head) in expected.items():
        result.specimens += 1
        if seen.get(pk, (0, GENESIS_HASH)) != (seq, head):
            result.breaks.append(
                Break(
                    barcode,
                    seen.get(pk, (0, ""))[0],
                    f"chain ends before the recorded head (event {seq})",
                )
            )
    return result


def _check_event(row, seen: dict) -> Iterator[Break]:
    pk, barcode, seq, kind, at, actor, site, ref, details, prev_hash, digest = row
    last_seq, last_hash = seen.get(pk, (0, GENESIS_HASH))
    if seq != last_seq + 1:
        yield Break(barcode, seq, f"sequence jumps from {last_seq} to {seq}")
    if prev_hash != last_hash:
        yield Break(barcode, seq, "prev_hash does not match the event before it")
    recomputed = chain_hash(
        prev_hash,
        canonical(
            specimen=barcode,
            seq=seq,
            kind=kind,
            at=at,
            actor=actor,
            site=site,
            ref=ref,
            details=details,
        ),
    )
    if recomputed != digest:
        yield Break(barcode, seq, "event content does not match its hash (altered)")
    seen[pk] = (seq, digest)
