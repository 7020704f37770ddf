"""Connected as the app role (.ci/run's PostgreSQL pass: DATABASE_URL is the app role, the
owner of MIGRATE_DATABASE_URL made the tables), custody cannot be rewritten: the database
refuses on permissions, before any trigger is asked."""

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.utils import ProgrammingError

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql" or settings.MIGRATE_DATABASE is None,
        reason="only as the app role, with MIGRATE_DATABASE_URL naming the owner",
    ),
]


def test_the_suite_runs_as_a_role_that_owns_no_table(tube):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        user, superuser = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s",
            [user],
        )
        owned = cursor.fetchone()[0]
    assert (user, superuser, owned) == (settings.DATABASES["default"]["USER"], False, 0)
    assert user != settings.MIGRATE_DATABASE["USER"]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE specimens_custodyevent SET ref = 'forged'",
        "DELETE FROM specimens_custodyevent",
        "TRUNCATE specimens_custodyevent",
        "UPDATE specimens_historicalspecimen SET history_change_reason = 'forged'",
        "UPDATE lims_note SET digest = 'forged'",
        "ALTER TABLE specimens_custodyevent DISABLE TRIGGER ALL",
        'DROP TRIGGER "lims_ao_update_specimens_custodyevent" ON specimens_custodyevent',
        "SET session_replication_role = replica",
    ],
)
def test_the_app_role_cannot_rewrite_custody_or_drop_its_guards(tube, statement):
    before = list(tube.custody_events.order_by("seq").values_list("ref", "hash"))
    with (
        pytest.raises(ProgrammingError) as refused,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert isinstance(refused.value.__cause__, psycopg.errors.InsufficientPrivilege), statement
    assert list(tube.custody_events.order_by("seq").values_list("ref", "hash")) == before
