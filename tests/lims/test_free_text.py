"""The free-text screen refuses what could identify a person and lets lab notes through."""

import time

import pytest

from lims.free_text import PossibleIdentifierInText, ReasonRequired, require_reason, screen
from lims.identifiers import find
from tests.helpers import assert_problem


@pytest.mark.parametrize(
    ("text", "meaning"),
    [
        ("Name: Jane Smith", "a person's name"),
        ("patient = J. Smith asked to stop", "a person's name"),
        ("spoke with Mrs Alvarez", "a person's name"),
        ("DOB 1985", "a date of birth"),
        ("born 03/14/1961", "a date of birth"),
        ("date of birth unknown", "a date of birth"),
        ("1961-03-14 per the card", "a full date"),
        ("call 617-555-0143 if needed", "a phone number"),
        ("call (617) 555 0143", "a phone number"),
        ("reach at +44 20 7946 0958", "a phone number"),
        ("lives at 12 Elm Street", "a street address"),
        ("mail to 4400 N Lake Shore Dr", "a street address"),
        ("P.O. Box 1234", "a street address"),
        ("write to j.smith+lab@example.org", "an e-mail address"),
    ],
)
def test_identifying_text_is_refused_naming_what_it_looks_like(text, meaning):
    with pytest.raises(PossibleIdentifierInText) as refused:
        screen(text, field="notes")
    assert meaning in refused.value.detail
    assert refused.value.errors == {"notes": [f"Looks like {meaning}."]}


@pytest.mark.parametrize(
    "text",
    [
        "hemolysed, redraw requested",
        "tube BX0000123K cracked in centrifuge at 14:05",
        "FedEx 123456789012 delayed",
        "spun 10 min at 1300 g, 2 aliquots of 500 uL",
        "participant changed their mind",
        "box 3 shelf 2",
        "B123456789 requested destruction",
    ],
)
def test_ordinary_lab_notes_pass(text):
    assert screen(f"  {text} ", field="notes") == text


@pytest.mark.parametrize(
    "name", ["Sean O'Brien", "Ronald McDonald", "Mary Smith-Jones", "Ana Garcia-Lopez"]
)
def test_names_with_apostrophes_capitals_and_hyphens_are_names(name):
    with pytest.raises(PossibleIdentifierInText, match="a person's name"):
        screen(f"redraw for {name} tomorrow", field="notes")


@pytest.mark.parametrize("ssn", ["123-45-6789", "123456789", "123 45 6789"])
def test_a_social_security_number_in_any_of_its_three_forms_is_refused(ssn):
    with pytest.raises(PossibleIdentifierInText, match="a social security number"):
        screen(f"gave {ssn} at the desk", field="notes")


@pytest.mark.parametrize(
    "never_issued", ["000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567", "123-45-0000"]
)
def test_numbers_the_ssa_never_issues_are_not_social_security_numbers(never_issued):
    assert screen(f"rack code {never_issued}", field="notes") == f"rack code {never_issued}"


@pytest.mark.parametrize("note", ["tracking 123456789", "kit lot 123456789", "FedEx 6175550143"])
def test_a_number_after_a_lab_word_is_a_lab_number(note):
    assert screen(note, field="notes") == note


def test_a_missing_reason_is_refused_with_what_needs_it():
    with pytest.raises(ReasonRequired, match="Say why you cancel this order"):
        require_reason("   ", action="cancel this order")


@pytest.mark.django_db
def test_the_api_answers_400_possible_identifier_in_text(api, north, north_admin):
    response = api(north_admin).patch(
        "/api/v1/sites/SITE-NORTH/", {"name": "North", "reason": "asked by Name: Bob Jones"}
    )
    body = assert_problem(response, 400, "possible_identifier_in_text")
    assert body["errors"] == {"reason": ["Looks like a person's name."]}
    assert north.history.count() == 1


@pytest.mark.parametrize("text", ["a." * 10_000, "x dot " * 4_000, "a.b@" * 5_000, "Ab'Cd" * 4_000])
def test_long_repetitive_text_is_screened_in_linear_time(text):
    # Quadratic patterns took tens of seconds on these; a header or note must not stall a worker.
    start = time.perf_counter()
    find(text)
    assert time.perf_counter() - start < 2
