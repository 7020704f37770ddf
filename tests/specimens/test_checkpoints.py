"""Signed checkpoints: a rewrite of a chain after one is named even with every hash recomputed."""

import json
from contextlib import contextmanager

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from lims.db_guards import install_guards, remove_guards
from specimens import checkpoints, custody, services
from specimens.models import GENESIS_HASH, Checkpoint, CustodyEvent, Specimen
from specimens.verify_trail import canonical, chain_hash

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_file(tmp_path, settings):
    path = tmp_path / "checkpoint-key.pem"
    public = checkpoints.generate_key(path)
    settings.LIMS_CHECKPOINT_KEY_FILE = str(path)
    return public


@pytest.fixture
def folder(tmp_path, key_file):
    return tmp_path / "checkpoints"


@pytest.fixture
def tubes(make_order, phleb_north, an_hour_ago):
    order = services.order_collect(
        actor=phleb_north, order=make_order("1UR10", "1ED10"), collected_at=an_hour_ago
    )
    tubes = list(order.specimens.order_by("barcode"))
    services.specimen_hold(actor=phleb_north, specimen=tubes[0], reason="cap loose")
    return tubes


def verify_against(folder, capsys) -> tuple[bool, str]:
    try:
        call_command("verify_custody", "--checkpoints", str(folder))
    except CommandError as failed:
        return False, capsys.readouterr().out + str(failed)
    return True, capsys.readouterr().out


@contextmanager
def triggers_removed():
    remove_guards()
    try:
        yield
    finally:
        install_guards()


@contextmanager
def triggers_disabled_as_superuser():
    """What a database superuser can do in any session: skip every trigger until told not to."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        yield
        cursor.execute("SET LOCAL session_replication_role = origin")


def rewrite_consistently(tube: Specimen, actor, ref: str) -> None:
    """Give event 2 of ``tube`` another actor and reference, recompute every later hash and
    move the head: the chain is intact again, and only a checkpoint can tell."""
    previous = GENESIS_HASH
    with connection.cursor() as cursor:
        for event in tube.custody_events.order_by("seq").select_related("actor", "site"):
            if event.seq == 2:
                event.actor, event.ref = actor, ref
            digest = chain_hash(
                previous,
                canonical(
                    event.version,
                    specimen=tube.barcode,
                    seq=event.seq,
                    kind=event.kind,
                    at=event.at,
                    actor=event.actor.username,
                    site=event.site.code,
                    ref=event.ref,
                    details=event.details,
                ),
            )
            cursor.execute(
                "UPDATE specimens_custodyevent SET actor_id = %s, ref = %s, prev_hash = %s, "
                "hash = %s WHERE id = %s",
                [event.actor.pk, event.ref, previous, digest, event.pk],
            )
            previous = digest
        cursor.execute(
            "UPDATE specimens_specimen SET custody_head = %s WHERE id = %s", [previous, tube.pk]
        )


def test_a_checkpoint_signs_every_chain_head_into_the_table_and_a_file(
    tubes, folder, key_file, capsys
):
    call_command("checkpoint", "--dir", str(folder))
    row = Checkpoint.objects.get()
    assert f"Checkpoint {row.pk}: 2 chains, 5 events" in capsys.readouterr().out
    assert (row.chains, row.events, row.public_key) == (2, 5, key_file)
    header = json.loads((folder / f"checkpoint-{row.pk:08d}.json").read_text())
    assert (header["root"], header["signature"]) == (row.root, row.signature)
    signed = checkpoints.statement(**header)
    Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_file)).verify(
        bytes.fromhex(header["signature"]), signed
    )
    assert verify_against(folder, capsys) == (
        True,
        f"OK: 2 specimens, 5 custody events checked against checkpoint {row.pk} of {header['at']}; "
        "every chain intact.\n",
    )


# The trigger itself: the app role is refused before it fires (tests/specimens/test_app_role.py).
@pytest.mark.db_superuser
def test_the_checkpoint_table_is_append_only(tubes, folder):
    checkpoints.make(folder)
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE specimens_checkpoint SET root = %s", ["0" * 64])


@pytest.mark.db_superuser
def test_a_consistent_rewrite_after_a_checkpoint_is_named(tubes, folder, tech, capsys):
    made = checkpoints.make(folder)
    with triggers_removed():
        rewrite_consistently(tubes[0], tech, "SH-0000666")
    assert custody.verify().ok, "the rewrite must fool the chain alone"
    ok, out = verify_against(folder, capsys)
    assert not ok
    assert f"BROKEN {tubes[0].barcode} #3: not the event checkpoint {made.pk} signed" in out
    assert tubes[1].barcode not in out


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a PostgreSQL superuser")
@pytest.mark.db_superuser
def test_a_superuser_who_disables_the_triggers_and_rewrites_a_chain_is_named(
    tubes, folder, tech, capsys
):
    made = checkpoints.make(folder)
    before = CustodyEvent.objects.get(specimen=tubes[0], seq=2)
    with triggers_disabled_as_superuser():
        rewrite_consistently(tubes[0], tech, "SH-0000666")
    rewritten = CustodyEvent.objects.get(specimen=tubes[0], seq=2)
    assert (rewritten.actor, rewritten.ref) == (tech, "SH-0000666") != (before.actor, before.ref)
    assert custody.verify().ok
    ok, out = verify_against(folder, capsys)
    assert not ok
    assert f"BROKEN {tubes[0].barcode} #3: not the event checkpoint {made.pk} signed" in out
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        CustodyEvent.objects.filter(pk=rewritten.pk).update(ref="again")


@pytest.mark.db_superuser
def test_one_tube_is_proved_by_its_path_to_the_signed_root(tubes, folder, tech, phleb_north):
    made = checkpoints.make(folder)
    signed, result = checkpoints.verify_tube(folder, tubes[1].barcode)
    assert (signed.id, result.ok, result.events) == (made.pk, True, 2)
    with triggers_removed():
        rewrite_consistently(tubes[0], tech, "SH-0000666")
    _, result = checkpoints.verify_tube(folder, tubes[0].barcode)
    assert [(b.specimen, b.seq) for b in result.breaks] == [(tubes[0].barcode, 3)]
    # Events after the checkpoint are checked by the chain from the signed head on.
    services.specimen_hold(actor=phleb_north, specimen=tubes[1], reason="label smudged")
    assert checkpoints.verify_tube(folder, tubes[1].barcode)[1].ok


@pytest.mark.db_superuser
def test_a_removed_chain_is_named(tubes, folder, capsys):
    made = checkpoints.make(folder)
    with triggers_removed(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM specimens_custodyevent WHERE specimen_id = %s", [tubes[1].pk])
        cursor.execute("DELETE FROM specimens_specimen WHERE id = %s", [tubes[1].pk])
    ok, out = verify_against(folder, capsys)
    assert not ok and f"BROKEN {tubes[1].barcode} #2: missing: checkpoint {made.pk} signed" in out


def test_an_altered_or_forged_checkpoint_is_refused(tubes, folder, tmp_path, settings, capsys):
    made = checkpoints.make(folder)
    path = folder / f"checkpoint-{made.pk:08d}.json"
    header = json.loads(path.read_text())
    path.write_text(json.dumps({**header, "events": header["events"] + 1}))
    with pytest.raises(CommandError, match="not signed by the trusted checkpoint key"):
        call_command("verify_custody", "--checkpoints", str(folder))

    # A checkpoint signed with another key does not pass either.
    path.write_text(json.dumps(header))
    settings.LIMS_CHECKPOINT_PUBLIC_KEY = checkpoints.generate_key(tmp_path / "other.pem")
    with pytest.raises(CommandError, match="not signed by the trusted checkpoint key"):
        call_command("verify_custody", "--checkpoints", str(folder))


def test_altered_chain_heads_beside_a_checkpoint_are_refused(tubes, folder):
    made = checkpoints.make(folder)
    leaves = folder / f"checkpoint-{made.pk:08d}.leaves"
    data = bytearray(leaves.read_bytes())
    data[-1] ^= 1
    leaves.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="do not match its signed root"):
        call_command("verify_custody", "--checkpoints", str(folder))


def test_without_a_key_or_a_folder_nothing_is_signed_or_checked(
    tubes, tmp_path, key_file, settings
):
    with pytest.raises(CommandError, match="No checkpoint in"):
        call_command("verify_custody", "--checkpoints", str(tmp_path))
    settings.LIMS_CHECKPOINT_DIR = ""
    with pytest.raises(CommandError, match="LIMS_CHECKPOINT_DIR"):
        call_command("checkpoint")
    settings.LIMS_CHECKPOINT_KEY_FILE = ""
    with pytest.raises(CommandError, match="No checkpoint signing key"):
        call_command("checkpoint", "--dir", str(tmp_path))
    with pytest.raises(CommandError, match="No key to check checkpoints with"):
        call_command("verify_custody", "--checkpoints", str(tmp_path))
    assert not Checkpoint.objects.exists() and not list(tmp_path.glob("checkpoint-*.json"))


def test_a_key_file_is_never_overwritten(tmp_path):
    path = tmp_path / "key.pem"
    call_command("checkpoint", "--generate-key", str(path))
    first = path.read_bytes()
    with pytest.raises(CommandError, match="never overwritten"):
        call_command("checkpoint", "--generate-key", str(path))
    assert path.read_bytes() == first and path.stat().st_mode & 0o777 == 0o600


@pytest.mark.db_superuser
def test_a_history_row_altered_after_a_checkpoint_is_named(tubes, folder, capsys):
    made = checkpoints.make(folder)
    record = tubes[0].history.order_by("history_id").last()
    assert made.history_rows > 0
    with triggers_removed(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE specimens_historicalspecimen SET history_change_reason = %s "
            "WHERE history_id = %s",
            ["forged reason", record.history_id],
        )
    ok, out = verify_against(folder, capsys)
    assert not ok
    assert (
        f"BROKEN specimens_historicalspecimen #{record.history_id}: "
        f"history row altered after checkpoint {made.pk}"
    ) in out
    assert "BROKEN BX" not in out


@pytest.mark.db_superuser
def test_a_deleted_history_row_is_named(tubes, folder, capsys):
    made = checkpoints.make(folder)
    record = tubes[1].history.order_by("history_id").first()
    with triggers_removed(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM specimens_historicalspecimen WHERE history_id = %s", [record.history_id]
        )
    ok, out = verify_against(folder, capsys)
    assert not ok
    assert f"#{record.history_id}: history row gone: checkpoint {made.pk} signed it" in out
