"""Personas for every role and API clients that sign in with real tokens."""

import importlib

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from lims.choices import Role, SiteKind
from tests.helpers import client_for, make_site, make_user


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """With MIGRATE_DATABASE_URL set, the test database is created and migrated by the owner
    role (the app role may not create a database or tables); ``django_db_setup`` below then
    hands the tests the app role's connection."""
    from django.conf import settings

    if settings.MIGRATE_DATABASE is not None:
        from lims.database import switch

        _app_role.update(switch("default", settings.MIGRATE_DATABASE))


# The app role's credentials (DATABASE_URL) while the owner builds the test database.
_app_role: dict = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Tests run as the app role when MIGRATE_DATABASE_URL names an owner (.ci/run): the owner
    grants it what ``manage.py db_roles`` grants, and every test connects as it."""
    if not _app_role:
        yield
        return
    from django.core.management import call_command

    from lims.database import switch

    with django_db_blocker.unblock():
        call_command("db_roles", owner=_owner_name(), app=_app_role["USER"], verbosity=0)
        owner = switch("default", _app_role)
    yield
    with django_db_blocker.unblock():
        # The owner drops the test database it made.
        switch("default", owner)


def _owner_name() -> str:
    from django.conf import settings

    return settings.MIGRATE_DATABASE["USER"]


def pytest_collection_modifyitems(config, items):
    """As the app role, tests that must act as a database superuser (disable triggers, create
    roles) cannot run: .ci/run runs them in a second pass as the superuser (``-m db_superuser``)."""
    from django.conf import settings

    if settings.MIGRATE_DATABASE is None:
        return
    skip = pytest.mark.skip(reason="needs a database superuser; run with -m db_superuser")
    for item in items:
        if item.get_closest_marker("db_superuser"):
            item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def one_round_password_hashing():
    """Users made by tests are hashed with one PBKDF2 round (see tests/hashers.py)."""
    from django.conf import global_settings
    from django.test.utils import override_settings

    hashers = ["tests.hashers.OneRoundPBKDF2PasswordHasher", *global_settings.PASSWORD_HASHERS]
    with override_settings(PASSWORD_HASHERS=hashers):
        yield


@pytest.fixture
def north(db):
    return make_site("SITE-NORTH")


@pytest.fixture
def south(db):
    return make_site("SITE-SOUTH", time_zone="America/Phoenix")


@pytest.fixture
def biobank(db):
    return make_site("BIOBANK", SiteKind.BIOBANK, "America/New_York")


@pytest.fixture
def phleb_north(north):
    return make_user("phleb-north", (north, Role.PHLEBOTOMIST))


@pytest.fixture
def phleb_south(south):
    return make_user("phleb-south", (south, Role.PHLEBOTOMIST))


@pytest.fixture
def north_admin(north):
    return make_user("admin-north", (north, Role.SITE_ADMIN))


@pytest.fixture
def tech(biobank):
    return make_user("tech", (biobank, Role.BIOBANK_TECHNICIAN))


@pytest.fixture
def auditor(biobank):
    return make_user("auditor", (biobank, Role.AUDITOR))


@pytest.fixture
def north_auditor(north):
    return make_user("auditor-north", (north, Role.AUDITOR))


@pytest.fixture
def outsider(db):
    return make_user("outsider")


@pytest.fixture
def network(north, south, biobank):
    """The three sites of a small network: two collection sites and the biobank."""
    return {"north": north, "south": south, "biobank": biobank}


@pytest.fixture
def api():
    """``api(user)`` is a client signed in as ``user`` with a real token; ``api()`` is anonymous."""
    return lambda user=None: client_for(user) if user is not None else APIClient()


@pytest.fixture
def tube_catalog(transactional_db):
    """The tube catalog, loaded again by its own migration when an earlier transactional test
    flushed it (serialized_rollback would clash with the content types such a flush restores)."""
    from specimens.models import SpecimenType

    if not SpecimenType.objects.exists():
        migration = importlib.import_module("specimens.migrations.0002_catalog_and_custody_guards")
        migration.load_catalog(apps, None)
        rules = importlib.import_module("specimens.migrations.0006_derivatives_by_parent")
        rules.load_derivative_rules(apps, None)
