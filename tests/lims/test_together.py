"""Writes held by lims.sql.together: one statement on PostgreSQL, one after another on SQLite;
seen by every read made inside the block; dropped with the block's exception; each inserted
row's key read back into its object, and taken by the rows that refer to it."""

import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from lims.audit import said
from lims.choices import Role, SiteKind
from lims.models import IdempotencyKey, Membership, Site
from lims.sql import Pending, insert_rows, together, update_rows

pytestmark = pytest.mark.django_db

_TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


def _site(code: str) -> Site:
    return Site(code=code, name=f"{code} name", kind=SiteKind.COLLECTION, time_zone="UTC")


def _sent(captured) -> list[str]:
    return [q["sql"] for q in captured if not _TRANSACTION_CONTROL.match(q["sql"])]


def test_held_rows_go_together_and_refer_to_each_others_keys(north_admin):
    east, west = _site("SITE-EAST"), _site("SITE-WEST")
    membership = Membership(user=north_admin, site=west, role=Role.SITE_ADMIN)
    with CaptureQueriesContext(connection) as captured, together():
        Site.objects.bulk_create_with_history(
            [east, west], actor=north_admin, reason=said("opened")
        )
        Membership.objects.save_with_history(membership, actor=north_admin, reason=said("granted"))
        assert isinstance(west.pk, Pending) and not _sent(captured)
    # PostgreSQL: one WITH of four writes; SQLite: the sites, their history, the membership and
    # its history, in turn.
    assert len(_sent(captured)) == (1 if connection.vendor == "postgresql" else 4)

    assert Site.objects.get(pk=east.pk).code == "SITE-EAST"
    assert Site.objects.get(pk=west.pk).code == "SITE-WEST"
    assert Membership.objects.get(pk=membership.pk).site_id == west.pk
    assert not membership._state.adding
    recorded = Site.history.filter(code__in=["SITE-EAST", "SITE-WEST"])
    assert {(row.id, row.code, row.history_type) for row in recorded} == {
        (east.pk, "SITE-EAST", "+"),
        (west.pk, "SITE-WEST", "+"),
    }
    assert {(row.history_user, row.history_change_reason) for row in recorded} == {
        (north_admin, "opened")
    }
    granted = Membership.history.get(id=membership.pk)
    assert (granted.site_id, granted.history_change_reason) == (west.pk, "granted")


def test_a_read_inside_the_block_sees_the_held_writes(north_admin, north):
    east = _site("SITE-EAST")
    with together():
        Site.objects.save_with_history(east, actor=north_admin, reason=said("opened"))
        north.name = "North renamed"
        Site.objects.save_with_history(north, actor=north_admin, reason=said("renamed"))
        assert Site.objects.get(code="SITE-EAST").pk == east.pk
        assert Site.objects.get(pk=north.pk).name == "North renamed"


def test_a_row_written_twice_keeps_both_steps(north_admin, north):
    # PostgreSQL runs a WITH's writes on one snapshot: the second must not be lost.
    with together():
        for name in ("First", "Second"):
            north.name = name
            Site.objects.bulk_update_with_history(
                [north], ["name"], actor=north_admin, reason=said("renamed")
            )
    north.refresh_from_db()
    assert north.name == "Second"
    renamed = Site.history.filter(id=north.pk, history_type="~").order_by("history_id")
    assert [row.name for row in renamed] == ["First", "Second"]


def test_an_exception_drops_what_was_held(north_admin):
    east = _site("SITE-EAST")
    with pytest.raises(RuntimeError), transaction.atomic(), together():
        Site.objects.save_with_history(east, actor=north_admin, reason=said("opened"))
        raise RuntimeError("refused")
    assert east.pk is None
    assert not Site.objects.filter(code="SITE-EAST").exists()
    assert not Site.history.filter(code="SITE-EAST").exists()


def test_a_broken_constraint_is_raised_at_the_end_and_writes_nothing(north_admin, north):
    east, again = _site("SITE-EAST"), _site(north.code)
    with pytest.raises(IntegrityError), transaction.atomic(), together():
        Site.objects.save_with_history(east, actor=north_admin, reason=said("opened"))
        Site.objects.save_with_history(again, actor=north_admin, reason=said("opened"))
    assert east.pk is None and again.pk is None
    assert not Site.objects.filter(code="SITE-EAST").exists()
    assert Site.objects.filter(code=north.code).count() == 1


def test_the_outermost_block_sends(north_admin):
    east = _site("SITE-EAST")
    with CaptureQueriesContext(connection) as captured, together():
        with together():
            Site.objects.save_with_history(east, actor=north_admin, reason=said("opened"))
        assert isinstance(east.pk, Pending) and not _sent(captured)
    assert Site.objects.filter(pk=east.pk, code="SITE-EAST").exists()


def test_rows_of_one_table_are_updated_each_with_its_own_values(phleb_north):
    records = insert_rows(
        IdempotencyKey,
        [IdempotencyKey(user=phleb_north, key=key, fingerprint="f" * 64) for key in "xyz"],
        using="default",
    )
    for n, record in enumerate(records):
        record.status_code = None if n == 1 else 200 + n
        record.content_type, record.body = f"text/plain; n={n}", bytes([n, 255])
    with CaptureQueriesContext(connection) as captured, together():
        update_rows(
            IdempotencyKey, records, ["status_code", "content_type", "body"], using="default"
        )
    assert len(_sent(captured)) == 1
    stored = {
        r.key: (r.status_code, r.content_type, bytes(r.body)) for r in IdempotencyKey.objects.all()
    }
    assert stored == {
        "x": (200, "text/plain; n=0", b"\x00\xff"),
        "y": (None, "text/plain; n=1", b"\x01\xff"),
        "z": (202, "text/plain; n=2", b"\x02\xff"),
    }
