"""The OpenAPI schema says what the API answers: every operation lists its problem+json
errors, and a field that can be null is declared nullable."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from lims.api.problems import PROBLEM_CONTENT_TYPE

EVERY_OPERATION = {"400", "401", "403", "404", "409", "413", "429", "503"}
WRITE_ONLY = {"415", "422"}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(public=True)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", method, operation


def test_every_operation_documents_its_problem_answers(schema):
    operations = list(_operations(schema))
    assert len(operations) > 70
    for label, method, operation in operations:
        expected = EVERY_OPERATION | (WRITE_ONLY if method != "get" else set())
        missing = expected - set(operation["responses"])
        assert not missing, f"{label} does not document {sorted(missing)}"
        for status in expected:
            content = operation["responses"][status]["content"]
            assert content == {
                PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
            }, label


def test_the_problem_schema_names_the_stable_fields(schema):
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}


def test_a_success_answer_keeps_its_own_documentation(schema):
    csv = schema["paths"]["/api/v1/shipments/{code}/manifest.csv/"]["get"]["responses"]["200"]
    assert set(csv["content"]) == {"text/csv"}


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("Specimen", "parent"),
        ("Specimen", "order"),
        ("PrintJob", "printer"),
        ("Discrepancy", "resolved_by"),
    ],
)
def test_fields_that_can_be_null_are_declared_nullable(schema, component, field):
    assert schema["components"]["schemas"][component]["properties"][field].get("nullable") is True


@pytest.mark.parametrize("trail", ["custody", "history"])
def test_a_specimens_trails_are_documented_as_the_lists_they_are(schema, trail):
    answer = schema["paths"][f"/api/v1/specimens/{{barcode}}/{trail}/"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"]["type"] == "array"
