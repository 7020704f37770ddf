"""The API keeps its OpenAPI contract: schemathesis fuzzes every operation of the schema as a
phlebotomist and as a biobank technician on a seeded network, and every answer must be a
documented status with a documented content type and a body that fits the schema; no 500.

The run is bounded and repeatable: a fixed seed, derandomized generation and
EXAMPLES_PER_OPERATION cases per operation and role (the unbounded coverage phase is off).
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.lims.seeded_network import ROLES, seed_network

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SEED = 20261130
EXAMPLES_PER_OPERATION = 25

CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "phases": {"coverage": {"enabled": False}},
        "generation": {
            "max-examples": EXAMPLES_PER_OPERATION,
            "deterministic": True,
            "database": "none",
        },
    }
)
# The schema /api/schema/ serves a signed-in user, made by the same generator in-process.
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(public=True), config=CONFIG)
schema.app = WSGIHandler()

# Identifiers of the seeded network by the resource a path names, filled by `network`: a
# generated path parameter is as likely replaced by one of them, so the operations meet real
# objects in every state and not only 404s.
KNOWN: dict[str, list[str]] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    if not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    path = context.operation.path.removeprefix("/api/v1/")
    resource = path.split("/", 1)[0]
    choices = {
        name: [value, *KNOWN.get("specimens" if name == "barcode" else resource, [])]
        for name, value in path_parameters.items()
    }
    return st.fixed_dictionaries({name: st.sampled_from(pick) for name, pick in choices.items()})


@pytest.fixture(scope="module")
def network(django_db_setup, django_db_blocker):
    """The seeded network, made once for the module in a transaction rolled back at its end;
    each test runs in a savepoint inside it, so no test sees another's writes."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        # Marked as Django's TestCase marks its own, so durable service transactions nest.
        outer._from_testcase = True
        outer.__enter__()
        try:
            seeded = seed_network()
            KNOWN.update(seeded.ids)
            yield seeded
        finally:
            KNOWN.clear()
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def connection_kept(db):
    """Like Django's test client: a request must not close the connection that holds the
    test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", sorted(ROLES))
@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None)
def test_every_answer_keeps_the_contract(case, role, network, connection_kept):
    # A token of its own per request: an operation that signs out must not sign out the next.
    _, token = AuthToken.objects.create(network.users[role])
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
