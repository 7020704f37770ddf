"""Writes sent as SQL written once (lims.sql): the rows the ORM would have written, keys set,
conflicts skipped only where the caller can tell which."""

import pytest
from django.db import IntegrityError, transaction

from lims.models import IdempotencyKey
from lims.sql import insert_rows, update_rows

pytestmark = pytest.mark.django_db


def _key(user, key: str, fingerprint: str = "f" * 64) -> IdempotencyKey:
    return IdempotencyKey(user=user, key=key, fingerprint=fingerprint)


def test_inserted_rows_read_back_as_the_orm_writes_them(phleb_north):
    records = insert_rows(
        IdempotencyKey, [_key(phleb_north, "a"), _key(phleb_north, "b")], using="default"
    )
    assert all(record.pk is not None and not record._state.adding for record in records)
    stored = IdempotencyKey.objects.get(pk=records[1].pk)
    # created_at is the field's own default (auto_now_add), as bulk_create would set it.
    assert (stored.key, stored.user, stored.created_at) == ("b", phleb_north, records[1].created_at)
    assert insert_rows(IdempotencyKey, [], using="default") == []


def test_a_conflict_is_skipped_for_one_row_and_refused_otherwise(phleb_north):
    insert_rows(IdempotencyKey, [_key(phleb_north, "taken")], using="default")
    (again,) = insert_rows(
        IdempotencyKey, [_key(phleb_north, "taken", "0" * 64)], using="default", skip_conflicts=True
    )
    assert again.pk is None
    assert IdempotencyKey.objects.get(key="taken").fingerprint == "f" * 64

    with pytest.raises(ValueError, match="one object"):
        insert_rows(
            IdempotencyKey,
            [_key(phleb_north, "new"), _key(phleb_north, "taken")],
            using="default",
            skip_conflicts=True,
        )
    assert not IdempotencyKey.objects.filter(key="new").exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(IdempotencyKey, [_key(phleb_north, "taken")], using="default")


def test_updated_rows_hold_each_objects_own_values(phleb_north):
    records = insert_rows(
        IdempotencyKey, [_key(phleb_north, "x"), _key(phleb_north, "y")], using="default"
    )
    for n, record in enumerate(records):
        record.status_code, record.content_type, record.body = 200 + n, "text/plain", b"\x00\xff"
    update_rows(IdempotencyKey, records, ["status_code", "content_type", "body"], using="default")
    stored = {r.key: (r.status_code, bytes(r.body)) for r in IdempotencyKey.objects.all()}
    assert stored == {"x": (200, b"\x00\xff"), "y": (201, b"\x00\xff")}
