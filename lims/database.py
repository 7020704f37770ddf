"""The owner's connection: migrations run as the role of MIGRATE_DATABASE_URL, which owns the
tables, while the server connects as an app role that cannot alter them (manage.py db_roles)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")


def switch(alias: str, credentials: dict) -> dict:
    """Reconnect ``alias`` (same database name) with ``credentials``; return the ones it had."""
    connection = connections[alias]
    before = {key: connection.settings_dict.get(key) for key in CREDENTIALS}
    connection.close()
    connection.settings_dict.update({key: credentials.get(key) for key in CREDENTIALS})
    return before


@contextmanager
def as_owner(alias: str = "default") -> Iterator[None]:
    """``alias`` connected as the owner role while inside, if MIGRATE_DATABASE_URL is set."""
    if settings.MIGRATE_DATABASE is None or alias != "default":
        yield
        return
    before = switch(alias, settings.MIGRATE_DATABASE)
    try:
        yield
    finally:
        switch(alias, before)
