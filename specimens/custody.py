"""The custody hash chain: appending an event, and verifying every chain.

Each event is hashed as ``sha256(prev_hash + canonical form)`` in the form of its ``version``;
the forms live in ``specimens.verify_trail`` (standard library only, so that anyone can check an
export offline) and are documented in docs/custody.md.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from lims import notes
from lims.audit import SystemWords, stamp
from lims.models import Site, User
from specimens.models import GENESIS_HASH, CustodyEvent, Specimen
from specimens.verify_trail import CURRENT_VERSION, canonical, chain_hash


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
    at = at or timezone.now()
    seq = specimen.custody_seq + 1
    details = out_of_chain(details or {}, subject=f"{specimen.barcode}#{seq}")
    digest = chain_hash(
        specimen.custody_head,
        canonical(
            CURRENT_VERSION,
            specimen=specimen.barcode,
            seq=seq,
            kind=kind,
            at=at,
            actor=actor.get_username(),
            site=site.code,
            ref=ref,
            details=details,
        ),
    )
    event = CustodyEvent(
        specimen=specimen,
        version=CURRENT_VERSION,
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


def save_with_event(specimen: Specimen, *, actor: User, reason: str, **event) -> CustodyEvent:
    """Save ``specimen`` (its history naming ``actor`` and ``reason``) with the next event of
    its chain (``chain``'s arguments): how a new tube gets its first step."""
    saved = chain(specimen, actor=actor, **event)
    stamp(specimen, actor=actor, reason=reason).save()
    saved.save()
    return saved


# Details that hold free text a person typed: kept as notes, the chain holds their digests.
FREE_TEXT = ("notes", "reason", "reason_text")


def out_of_chain(details: dict, *, subject: str) -> dict:
    """``details`` with each non-empty free text replaced by the digest of a note holding it;
    the system's own words (``lims.audit.said``) stay as they are, as in a history row."""
    return {
        key: {notes.DIGEST_KEY: notes.keep(value, subject=subject)}
        if key in FREE_TEXT
        and isinstance(value, str)
        and value
        and not isinstance(value, SystemWords)
        else value
        for key, value in details.items()
    }


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
    "version",
    "kind",
    "at",
    "actor_id",
    "actor__username",
    "site__code",
    "ref",
    "details",
    "prev_hash",
    "hash",
)


def verify(
    specimens: QuerySet | None = None,
    *,
    chunk_size: int = 5000,
    pinned: dict[str, tuple[int, str]] | None = None,
    pinned_by: str = "",
) -> Verification:
    """Recompute every chain (or those of the ``specimens`` queryset), naming each broken
    specimen and sequence number.

    ``pinned`` maps tubes to the (seq, hash) a signed checkpoint (``pinned_by``) holds for
    them: an intact chain whose event differs there was rewritten, hashes and all, after it.
    """
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
    unconfirmed = dict(pinned or {})
    for row in events.values_list(*_FIELDS).iterator(chunk_size=chunk_size):
        result.events += 1
        result.breaks.extend(_check_event(row, seen))
        barcode, seq, digest = row[1], row[2], row[-1]
        if unconfirmed.get(barcode, (0,))[0] == seq and unconfirmed.pop(barcode)[1] != digest:
            result.breaks.append(
                Break(barcode, seq, f"not the event {pinned_by} signed: rewritten after it")
            )
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
    for barcode, (seq, _) in unconfirmed.items():
        result.breaks.append(Break(barcode, seq, f"missing: {pinned_by} signed this event"))
    return result


def _check_event(row, seen: dict) -> Iterator[Break]:
    pk, barcode, seq, version, kind, at, actor_id, username, site, ref, details = row[:11]
    prev_hash, digest = row[11:]
    last_seq, last_hash = seen.get(pk, (0, GENESIS_HASH))
    if seq != last_seq + 1:
        yield Break(barcode, seq, f"sequence jumps from {last_seq} to {seq}")
    if prev_hash != last_hash:
        yield Break(barcode, seq, "prev_hash does not match the event before it")
    recomputed = chain_hash(
        prev_hash,
        canonical(
            version,
            specimen=barcode,
            seq=seq,
            kind=kind,
            at=at,
            # Version 1 hashed the internal user id; later versions the printed username.
            actor=actor_id if version == 1 else username,
            site=site,
            ref=ref,
            details=details,
        ),
    )
    if recomputed != digest:
        yield Break(barcode, seq, "event content does not match its hash (altered)")
    seen[pk] = (seq, digest)
