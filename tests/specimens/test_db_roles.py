"""Least privilege: the app role cannot rewrite custody even once the trigger is gone."""

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import ProgrammingError

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.db_superuser,
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="roles are PostgreSQL's"),
]


def test_the_app_role_cannot_update_custody_even_with_the_trigger_dropped(
    make_order, phleb_north, an_hour_ago
):
    from specimens import services

    services.order_collect(actor=phleb_north, order=make_order("1UR10"), collected_at=an_hour_ago)
    with connection.cursor() as cursor:
        # Inside the test's transaction: deferred foreign-key checks would block ALTER TABLE.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("db_roles", owner="lims_test_owner", app="lims_test_app")
    with connection.cursor() as cursor:
        cursor.execute(
            'DROP TRIGGER "lims_ao_update_specimens_custodyevent" ON specimens_custodyevent'
        )
        cursor.execute("SET LOCAL ROLE lims_test_app")
        cursor.execute("SELECT count(*) FROM specimens_custodyevent")
        assert cursor.fetchone()[0] == 2
        cursor.execute("UPDATE specimens_specimen SET hold_reason = hold_reason")
        for statement in (
            "UPDATE specimens_custodyevent SET ref = 'forged'",
            "DELETE FROM specimens_custodyevent",
            "TRUNCATE specimens_custodyevent",
            "UPDATE specimens_signature SET printed_name = 'forged'",
            "UPDATE specimens_historicalspecimen SET history_change_reason = 'forged'",
            'DROP TRIGGER "lims_ao_delete_specimens_custodyevent" ON specimens_custodyevent',
        ):
            with pytest.raises(ProgrammingError) as refused, transaction.atomic():
                cursor.execute(statement)
            assert isinstance(
                refused.value.__cause__,
                psycopg.errors.InsufficientPrivilege,
            ), statement
        cursor.execute("RESET ROLE")


def test_the_app_role_may_only_blank_a_note_even_with_the_trigger_dropped(
    make_order, phleb_north, an_hour_ago
):
    from specimens import services

    order = services.order_collect(
        actor=phleb_north, order=make_order("1UR10"), collected_at=an_hour_ago
    )
    services.specimen_hold(actor=phleb_north, specimen=order.specimens.get(), reason="cap loose")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("db_roles", owner="lims_test_owner", app="lims_test_app")
    with connection.cursor() as cursor:
        cursor.execute('DROP TRIGGER "lims_ao_update_lims_note" ON lims_note')
        cursor.execute("SET LOCAL ROLE lims_test_app")
        for statement in (
            "UPDATE lims_note SET digest = 'forged'",
            "UPDATE lims_note SET subject = 'forged'",
            "DELETE FROM lims_note",
            "UPDATE lims_noteredaction SET reason = 'forged'",
        ):
            with pytest.raises(ProgrammingError) as refused, transaction.atomic():
                cursor.execute(statement)
            assert isinstance(refused.value.__cause__, psycopg.errors.InsufficientPrivilege), (
                statement
            )
        # Redaction is the one change granted: text and salt.
        cursor.execute("SELECT count(*) FROM lims_note WHERE text <> ''")
        held = cursor.fetchone()[0]
        cursor.execute("UPDATE lims_note SET text = '', salt = ''")
        assert cursor.rowcount == held > 0
        cursor.execute("RESET ROLE")
