"""Signed checkpoints: a Merkle root over every custody chain head, signed outside the database.

A checkpoint is four files in a directory outside the database, plus a row in the checkpoint
table: ``checkpoint-N.json`` (the signed statement), ``checkpoint-N.leaves`` (each chain's
tube, head sequence number and head hash, sorted by tube ID, fixed-size records),
``checkpoint-N.tree`` (every level of the Merkle tree, so one tube is proved by reading a
handful of hashes) and ``checkpoint-N.history`` (a hash of every history row, under a root of
its own, so that a history row altered after the checkpoint is named too). The statement alone
is trusted, through its signature; the other files are checked against its roots. The formats
are documented in docs/custody.md. The statement can also be pushed to a witness elsewhere (an
HTTP endpoint of a transparency log), so that no one holding this machine can undo it.
"""

import bisect
import hashlib
import json
import os
import struct
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lims.audit import history_models
from specimens import custody
from specimens.models import Checkpoint, Specimen

VERSION = 1
# Tube ID (ASCII, NUL-padded), head sequence number, head hash.
LEAF = struct.Struct(">16sI32s")
HASH_SIZE = 32


class CheckpointPushFailed(Exception):
    """The witness did not take the checkpoint (the checkpoint itself is recorded)."""


class CheckpointUnusable(Exception):
    """No key, no checkpoint, or one whose files do not match its signature (for commands)."""


def leaf_hash(tube: str, seq: int, head: str) -> bytes:
    return hashlib.sha256(b"\x00" + f"{tube} {seq} {head}".encode("ascii")).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def tree_levels(leaves: list[bytes]) -> list[list[bytes]]:
    """Every level of the tree, leaves first; an odd last node moves up a level unchanged."""
    levels = [leaves or [hashlib.sha256(b"").digest()]]
    while len(levels[-1]) > 1:
        level = levels[-1]
        upper = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        levels.append(upper + level[len(level) - 1 :] if len(level) % 2 else upper)
    return levels


SIGNED = ("version", "at", "chains", "events", "root", "history_rows", "history_root")


def statement(**values) -> bytes:
    """The bytes signed: the checkpoint's ``SIGNED`` values as sorted, compact JSON."""
    signed = {name: values[name] for name in SIGNED}
    return json.dumps(signed, sort_keys=True, separators=(",", ":")).encode()


def history_rows():
    """(table, history id, row hash) for every history row of every audited model."""
    for model in sorted(history_models(), key=lambda model: model._meta.db_table):
        table, names = model._meta.db_table, [f.attname for f in model._meta.concrete_fields]
        key = names.index(model._meta.pk.attname)
        rows = model.objects.order_by("pk").values_list(*names).iterator(chunk_size=20_000)
        for row in rows:
            content = json.dumps([table, *row], default=str, separators=(",", ":"))
            yield table, row[key], hashlib.sha256(b"\x02" + content.encode()).digest()


# --- keys -----------------------------------------------------------------------------------


def signing_key() -> Ed25519PrivateKey:
    if settings.LIMS_CHECKPOINT_KEY_FILE:
        pem = Path(settings.LIMS_CHECKPOINT_KEY_FILE).read_bytes()
        key = serialization.load_pem_private_key(pem, password=None)
    elif settings.LIMS_CHECKPOINT_KEY:
        key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(settings.LIMS_CHECKPOINT_KEY))
    else:
        raise CheckpointUnusable(
            "No checkpoint signing key: set LIMS_CHECKPOINT_KEY_FILE to an Ed25519 PEM file "
            "(manage.py checkpoint --generate-key FILE makes one) or LIMS_CHECKPOINT_KEY."
        )
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointUnusable("The checkpoint signing key is not an Ed25519 key.")
    return key


def trusted_public_key() -> Ed25519PublicKey:
    """The key checkpoints must be signed with: configured, or derived from the signing key.
    Never the one a checkpoint file names, which whoever wrote the file chose."""
    if settings.LIMS_CHECKPOINT_PUBLIC_KEY:
        return Ed25519PublicKey.from_public_bytes(
            bytes.fromhex(settings.LIMS_CHECKPOINT_PUBLIC_KEY)
        )
    if settings.LIMS_CHECKPOINT_KEY_FILE or settings.LIMS_CHECKPOINT_KEY:
        return signing_key().public_key()
    raise CheckpointUnusable(
        "No key to check checkpoints with: set LIMS_CHECKPOINT_PUBLIC_KEY (hex), or the signing "
        "key's LIMS_CHECKPOINT_KEY_FILE."
    )


def public_hex(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def generate_key(path: Path) -> str:
    """Write a new Ed25519 private key (PEM, readable by its owner only); answer its public key."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return public_hex(key.public_key())


# --- making one -----------------------------------------------------------------------------


def make(directory: Path) -> Checkpoint:
    """Sign the current head of every chain; append it to the table and write its files."""
    key = signing_key()
    heads = (
        Specimen.objects.filter(custody_seq__gt=0)
        .order_by("barcode")
        .values_list("barcode", "custody_seq", "custody_head")
    )
    records, leaves, events = [], [], 0
    for tube, seq, head in heads.iterator(chunk_size=20_000):
        records.append(LEAF.pack(tube.encode("ascii"), seq, bytes.fromhex(head)))
        leaves.append(leaf_hash(tube, seq, head))
        events += seq
    levels = tree_levels(leaves)
    history = list(history_rows())
    values = {
        "version": VERSION,
        "at": timezone.now().isoformat(timespec="microseconds"),
        "chains": len(records),
        "events": events,
        "root": levels[-1][0].hex(),
        "history_rows": len(history),
        "history_root": tree_levels([digest for *_, digest in history])[-1][0].hex(),
    }
    signature = key.sign(statement(**values)).hex()
    directory.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():
        checkpoint = Checkpoint.objects.create(
            **values, public_key=public_hex(key.public_key()), signature=signature
        )
        # Inside the transaction: a checkpoint whose files could not be written is not kept.
        stem = directory / f"checkpoint-{checkpoint.pk:08d}"
        _write(stem.with_suffix(".leaves"), b"".join(records))
        _write(stem.with_suffix(".tree"), b"".join(b"".join(level) for level in levels))
        lines = (f"{table} {key} {digest.hex()}\n" for table, key, digest in history)
        _write(stem.with_suffix(".history"), "".join(lines).encode("ascii"))
        header = {**values, "id": checkpoint.pk, "public_key": checkpoint.public_key}
        checkpoint.document = json.dumps({**header, "signature": signature}).encode()
        _write(stem.with_suffix(".json"), checkpoint.document)
    return checkpoint


def push(document: bytes, url: str, *, timeout: float = 10) -> int:
    """POST the signed statement (the bytes of its ``.json`` file) to the witness at ``url``;
    the HTTP status it answered, or CheckpointPushFailed saying why not."""
    if not url.startswith(("http://", "https://")):
        raise CheckpointPushFailed(f"{url} is not an http:// or https:// address")
    request = urllib.request.Request(
        url, data=document, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        raise CheckpointPushFailed(f"{url} answered HTTP {refused.code} {refused.reason}") from None
    except (urllib.error.URLError, OSError) as failed:
        reason = getattr(failed, "reason", failed)
        raise CheckpointPushFailed(f"{url} could not be reached ({reason})") from None


def _write(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


# --- verifying against one ------------------------------------------------------------------


@dataclass(frozen=True)
class Signed:
    """The latest checkpoint of a directory, its signature checked."""

    id: int
    at: str
    chains: int
    events: int
    root: bytes
    history_rows: int
    history_root: bytes
    stem: Path


def latest(directory: Path, key: Ed25519PublicKey) -> Signed:
    stems = sorted(directory.glob("checkpoint-*.json"))
    if not stems:
        raise CheckpointUnusable(f"No checkpoint in {directory}: run manage.py checkpoint first.")
    header = json.loads(stems[-1].read_bytes())
    values = {name: header[name] for name in SIGNED}
    try:
        key.verify(bytes.fromhex(header["signature"]), statement(**values))
    except InvalidSignature:
        raise CheckpointUnusable(
            f"{stems[-1].name} is not signed by the trusted checkpoint key: it was altered or "
            "forged. Check LIMS_CHECKPOINT_PUBLIC_KEY and the directory's copies elsewhere."
        ) from None
    return Signed(
        id=header["id"],
        at=values["at"],
        chains=values["chains"],
        events=values["events"],
        root=bytes.fromhex(values["root"]),
        history_rows=values["history_rows"],
        history_root=bytes.fromhex(values["history_root"]),
        stem=stems[-1].with_suffix(""),
    )


def _leaves(signed: Signed) -> dict[str, tuple[int, str]]:
    data = signed.stem.with_suffix(".leaves").read_bytes()
    pinned = {}
    for raw, seq, head in LEAF.iter_unpack(data):
        pinned[raw.rstrip(b"\0").decode("ascii")] = (seq, head.hex())
    leaves = [leaf_hash(tube, seq, head) for tube, (seq, head) in pinned.items()]
    if len(pinned) != signed.chains or tree_levels(leaves)[-1][0] != signed.root:
        raise CheckpointUnusable(
            f"The chain heads stored with checkpoint {signed.id} do not match its signed root."
        )
    return pinned


def _signed_history(signed: Signed) -> dict[tuple[str, int], str]:
    lines = signed.stem.with_suffix(".history").read_text("ascii").splitlines()
    rows = {}
    for line in lines:
        table, key, digest = line.split(" ")
        rows[table, int(key)] = digest
    leaves = [bytes.fromhex(digest) for digest in rows.values()]
    if len(rows) != signed.history_rows or tree_levels(leaves)[-1][0] != signed.history_root:
        raise CheckpointUnusable(
            f"The history rows stored with checkpoint {signed.id} do not match its signed root."
        )
    return rows


def _history_breaks(signed: Signed) -> list[custody.Break]:
    """Each history row the checkpoint signed that is now altered or gone (table, history id)."""
    unconfirmed = _signed_history(signed)
    breaks = []
    for table, key, digest in history_rows():
        if unconfirmed.pop((table, key), digest.hex()) != digest.hex():
            problem = f"history row altered after checkpoint {signed.id}"
            breaks.append(custody.Break(table, key, problem))
    for table, key in unconfirmed:
        breaks.append(
            custody.Break(table, key, f"history row gone: checkpoint {signed.id} signed it")
        )
    return breaks


def verify_all(directory: Path) -> tuple[Signed, custody.Verification]:
    """Every chain, with each head the latest checkpoint signed still in place, and every
    history row it signed unchanged."""
    signed = latest(directory, trusted_public_key())
    pinned = _leaves(signed)
    result = custody.verify(pinned=pinned, pinned_by=f"checkpoint {signed.id}")
    result.breaks.extend(_history_breaks(signed))
    return signed, result


def verify_tube(directory: Path, tube: str) -> tuple[Signed, custody.Verification]:
    """One tube's trail proved against the latest checkpoint by its Merkle path (a few reads)."""
    signed = latest(directory, trusted_public_key())
    with open(signed.stem.with_suffix(".leaves"), "rb") as leaves:
        index, seq, head = _find(leaves, signed.chains, tube)
    pinned = {}
    if index is not None:
        with open(signed.stem.with_suffix(".tree"), "rb") as tree:
            if _climb(tree, signed.chains, index, leaf_hash(tube, seq, head)) != signed.root:
                raise CheckpointUnusable(
                    f"The path of {tube} does not lead to checkpoint {signed.id}'s signed root."
                )
        pinned[tube] = (seq, head)
    scope = Specimen.objects.filter(barcode=tube)
    return signed, custody.verify(scope, pinned=pinned, pinned_by=f"checkpoint {signed.id}")


def _find(leaves, count: int, tube: str) -> tuple[int | None, int, str]:
    """Binary search of the sorted fixed-size records for ``tube``."""
    wanted = tube.encode("ascii").ljust(16, b"\0")

    def key(index: int) -> bytes:
        leaves.seek(index * LEAF.size)
        return leaves.read(16)

    index = bisect.bisect_left(range(count), wanted, key=key)
    if index == count or key(index) != wanted:
        return None, 0, ""
    leaves.seek(index * LEAF.size)
    _, seq, head = LEAF.unpack(leaves.read(LEAF.size))
    return index, seq, head.hex()


def _climb(tree, count: int, index: int, node: bytes) -> bytes:
    """The root reached from leaf ``index`` with the siblings read from the tree file."""
    offset, width = 0, count
    while width > 1:
        sibling = index ^ 1
        if sibling < width:
            tree.seek((offset + sibling) * HASH_SIZE)
            other = tree.read(HASH_SIZE)
            node = _node(other, node) if index % 2 else _node(node, other)
        offset, width, index = offset + width, (width + 1) // 2, index // 2
    return node
