"""Specimen IDs: ISO 7064 Mod 37,2 check characters, formatting and parsing scanner input."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.iso7064 import mod_37_2

import id_scheme
from barcode_printing.ids import (
    ALPHABET,
    MAX_NUMBER,
    InvalidCheckCharacter,
    InvalidIdFormat,
    check_character,
    deployment_prefix,
    format_id,
    parse_id,
)
from lims.errors import DomainError

prefixes = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2)
numbers = st.integers(min_value=1, max_value=MAX_NUMBER)


def reference_check(body: str) -> str:
    """ISO 7064 Mod 37,2 from an independent implementation (python-stdnum)."""
    return mod_37_2.calc_check_digit(body, alphabet=ALPHABET)


def test_the_isbt_128_worked_example_gives_check_character_h():
    assert check_character("G123498654321") == "H"


@given(prefixes, numbers)
def test_the_check_character_is_iso_7064_mod_37_2(prefix, number):
    body = f"{prefix}{number:07d}"
    assert check_character(body) == reference_check(body)


def test_an_id_is_the_prefix_seven_digits_and_the_check_character():
    assert format_id("BX", 1) == "BX0000001" + reference_check("BX0000001")
    assert format_id("QA", 9_999_999) == "QA9999999" + reference_check("QA9999999")


@pytest.mark.parametrize("number", [0, -1, MAX_NUMBER + 1])
def test_a_number_outside_one_to_9999999_is_refused(number):
    with pytest.raises(InvalidIdFormat):
        format_id("BX", number)


@pytest.mark.parametrize("prefix", ["B", "BXX", "bx", "B1", ""])
def test_a_prefix_must_be_two_capital_letters(prefix):
    with pytest.raises(InvalidIdFormat):
        format_id(prefix, 1)


@pytest.mark.parametrize(
    "scanned",
    [
        "{id}",
        "  {id}\r\n",
        "{lower}\t",
        "]C0{id}",
        "]C1{id}\r",
        "]d1{id}",
        "]d2{lower}",
        "]Q1{id}\n",
        " ]Q1 {id} ",
    ],
)
def test_scanner_and_keyboard_input_parses_to_the_canonical_id(scanned):
    canonical = format_id("BX", 4711)
    assert parse_id(scanned.format(id=canonical, lower=canonical.lower())) == canonical


def test_an_id_whose_check_character_is_star_parses():
    number = next(n for n in range(1, 1000) if format_id("BX", n).endswith("*"))
    assert parse_id(format_id("BX", number)) == format_id("BX", number)


def test_a_wrong_check_character_is_rejected_with_the_expected_one_named():
    good = format_id("BX", 123)
    wrong = good[:-1] + ("K" if good[-1] != "K" else "L")
    with pytest.raises(InvalidCheckCharacter) as raised:
        parse_id(wrong)
    assert raised.value.code == "invalid_check_character"
    assert raised.value.status == 400
    assert isinstance(raised.value, DomainError)
    assert str(raised.value) == (
        f"{wrong} has a wrong check character (expected {good[-1]}): re-scan or re-type it"
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "BX000001",
        "BX000000123",
        "1X0000001G",
        "SH-000001",
        "BX 0000001G",
        "]C0",
        "BXOOOOOO1G",
    ],
)
def test_text_that_is_not_an_id_is_an_invalid_format(text):
    with pytest.raises(InvalidIdFormat) as raised:
        parse_id(text)
    assert raised.value.code == "invalid_id_format"
    assert raised.value.status == 400


def test_the_format_error_shows_an_example_of_the_deployment():
    with pytest.raises(InvalidIdFormat, match=f"e.g. {format_id('QA', 1)}"):
        parse_id("QA12", prefix="QA")


def test_a_pasted_document_is_not_echoed_whole_in_the_error():
    with pytest.raises(InvalidIdFormat) as raised:
        parse_id("X" * 5000)
    assert len(str(raised.value)) < 200


def test_an_id_of_another_deployment_is_refused_when_the_prefix_is_given():
    with pytest.raises(InvalidIdFormat, match="start with BX"):
        parse_id(format_id("QA", 5), prefix="BX")


def test_without_a_prefix_an_id_of_any_deployment_parses():
    assert parse_id(format_id("QA", 5)) == format_id("QA", 5)


@pytest.mark.parametrize(
    ("text", "error"),
    [("BX12", InvalidIdFormat), ("]C0" + "BX0000001A", InvalidCheckCharacter)],
)
def test_the_server_and_the_station_refuse_the_same_text_with_the_same_code(text, error):
    """The station's errors (id_scheme) and the server's domain errors are one scheme."""
    with pytest.raises(id_scheme.IdError) as on_the_station:
        id_scheme.parse_id(text)
    with pytest.raises(error) as on_the_server:
        parse_id(text)
    assert isinstance(on_the_server.value, type(on_the_station.value))
    assert on_the_server.value.code == on_the_station.value.code
    assert str(on_the_server.value) == str(on_the_station.value)


def test_the_deployment_prefix_comes_from_the_lims_id_prefix_setting(settings):
    settings.LIMS_ID_PREFIX = "QA"
    assert deployment_prefix() == "QA"


@given(prefixes, numbers, st.data())
def test_every_single_character_substitution_is_rejected(prefix, number, data):
    valid = format_id(prefix, number)
    position = data.draw(st.integers(0, len(valid) - 1), label="position")
    for char in ALPHABET:
        if char == valid[position]:
            continue
        altered = valid[:position] + char + valid[position + 1 :]
        with pytest.raises((InvalidCheckCharacter, InvalidIdFormat)):
            parse_id(altered)


@given(prefixes, numbers)
def test_a_substituted_digit_is_caught_by_the_check_character(prefix, number):
    valid = format_id(prefix, number)
    for position in range(2, 9):
        for digit in "0123456789":
            if digit != valid[position]:
                with pytest.raises(InvalidCheckCharacter):
                    parse_id(valid[:position] + digit + valid[position + 1 :])


@given(prefixes, numbers)
def test_every_adjacent_transposition_is_rejected(prefix, number):
    valid = format_id(prefix, number)
    for i in range(len(valid) - 1):
        if valid[i] != valid[i + 1]:
            swapped = valid[:i] + valid[i + 1] + valid[i] + valid[i + 2 :]
            with pytest.raises((InvalidCheckCharacter, InvalidIdFormat)):
                parse_id(swapped)


def test_a_transposed_pair_of_digits_is_rejected():
    valid = format_id("BX", 1234567)
    with pytest.raises(InvalidCheckCharacter):
        parse_id(valid[:5] + valid[6] + valid[5] + valid[7:])


@given(prefixes, numbers)
def test_a_transposition_one_apart_is_rejected(prefix, number):
    valid = format_id(prefix, number)
    for i in range(len(valid) - 2):
        if valid[i] != valid[i + 2]:
            swapped = valid[:i] + valid[i + 2] + valid[i + 1] + valid[i] + valid[i + 3 :]
            with pytest.raises((InvalidCheckCharacter, InvalidIdFormat)):
                parse_id(swapped)
