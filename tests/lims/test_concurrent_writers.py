"""Concurrent writers wait for each other instead of failing (SQLite and PostgreSQL)."""

import threading

import pytest
from django.db import connection, transaction

from lims.audit import stamp
from lims.models import Site


@pytest.mark.django_db(transaction=True)
def test_two_writers_holding_transactions_both_succeed():
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(code: str):
        try:
            barrier.wait()
            with transaction.atomic():
                site = Site(code=code, name=code, kind="collection", time_zone="UTC")
                stamp(site, actor=None, reason="concurrency test").save()
                # Hold the write lock long enough that the other writer must wait for it.
                threading.Event().wait(0.3)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(f"SITE-W{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(Site.objects.values_list("code", flat=True)) == ["SITE-W0", "SITE-W1"]
    assert Site.history.count() == 2
