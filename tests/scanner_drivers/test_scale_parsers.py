"""Balance replies as the vendors' manuals print them, and grams only from stable readings."""

from decimal import Decimal

import pytest

from scanner_drivers.scales import (
    Reading,
    Status,
    UnrecognisedReply,
    WeightRejected,
    grams,
    parse_and,
    parse_mtsics,
    parse_ohaus,
    parse_sartorius,
)

# Mettler Toledo, "MT-SICS Interface Commands" reference manual 11780711 and the balances'
# operating instructions (e.g. JS and AL series): "S S 100.00 g" is the manual's own example;
# balances right-align the value in a 10-character field. SI answers "S D" while dynamic.
MTSICS = [
    ("S S 100.00 g", Decimal("100.00"), "g", Status.OK),
    ("S S      100.00 g\r\n", Decimal("100.00"), "g", Status.OK),
    ("S S     -0.0012 kg\r\n", Decimal("-0.0012"), "kg", Status.OK),
    ("S D     129.07 g\r\n", Decimal("129.07"), "g", Status.UNSTABLE),
    ("S I\r\n", None, None, Status.NOT_EXECUTABLE),
    ("S +\r\n", None, None, Status.OVERLOAD),
    ("S -\r\n", None, None, Status.UNDERLOAD),
    ("ES\r\n", None, None, Status.ERROR),
    ("ET\r\n", None, None, Status.ERROR),
    ("EL\r\n", None, None, Status.ERROR),
]

# A&D, EK-i/EK-L and EJ instruction manuals ("Data format"), GX-A/GF-A communication manual
# §7-2, GC series §16.2 (comparator header), FX-i §"CSV format" (comma before the unit), and
# the GC/FG manuals' "Acknowledgment and Error Codes" (EC,Exx).
AND = [
    ("ST,+001234.5  g\r\n", Decimal("1234.5"), "g", Status.OK),
    ("ST,+00123.45  g\r\n", Decimal("123.45"), "g", Status.OK),
    ("ST,+0001.234 kg\r\n", Decimal("1.234"), "kg", Status.OK),
    ("ST,OK,+0001.234 kg\r\n", Decimal("1.234"), "kg", Status.OK),
    ("ST,+0001.278, ct\r\n", Decimal("1.278"), "ct", Status.OK),
    ("US,-00000.02  g\r\n", Decimal("-0.02"), "g", Status.UNSTABLE),
    ("QT,+00012345 PC\r\n", Decimal("12345"), "PC", Status.OK),
    ("OL,+999999.9  g\r\n", None, "g", Status.OVERLOAD),
    ("OL,-99999999 PC\r\n", None, "PC", Status.UNDERLOAD),
    ("OL,+9999999E+19, ct\r\n", None, "ct", Status.OVERLOAD),
    ("EC,E01\r\n", None, None, Status.ERROR),
    ("EC,E02\r\n", None, None, Status.NOT_EXECUTABLE),
    ("EC,E11\r\n", None, None, Status.UNSTABLE),
]

# Ohaus Explorer manual "RS232 output" (EN-156), Ohaus RS232 Interface Manual (EN-3) and
# Courier 5000 §10.2 ("The scale will return ES for invalid commands").
OHAUS = [
    ("     192.21 g\r\n", Decimal("192.21"), "g", Status.OK),
    ("       0.01 g ?\r\n", Decimal("0.01"), "g", Status.UNSTABLE),
    ("     176.30 g ? 00:00:15\r\n", Decimal("176.30"), "g", Status.UNSTABLE),
    ("     192.08 g   00:00:30\r\n", Decimal("192.08"), "g", Status.OK),
    ("     207.80 g TOTAL\r\n", Decimal("207.80"), "g", Status.OK),
    ("      12.73 g    ?\r\n", Decimal("12.73"), "g", Status.UNSTABLE),
    ("     0.4500 oz   \r\n", Decimal("0.4500"), "oz", Status.OK),
    ("    -12.5 kg    \r\n", Decimal("-12.5"), "kg", Status.OK),
    ("ES\r\n", None, None, Status.ERROR),
]

# Sartorius LE/GC series "Output Format with 16/22 Characters", Quintix "Special Outputs"
# and "Error message", MC1 (no unit while the balance is not stable; no space after the sign).
SARTORIUS = [
    ("+    123.56 g  \r\n", Decimal("123.56"), "g", Status.OK),
    ("-      0.02 g  \r\n", Decimal("-0.02"), "g", Status.OK),
    ("     111.255 g  \r\n", Decimal("111.255"), "g", Status.OK),
    ("+  123.5[6] g  \r\n", Decimal("123.56"), "g", Status.OK),
    ("+150.11775 g  \r\n", Decimal("150.11775"), "g", Status.OK),
    ("+    123.56     \r\n", Decimal("123.56"), None, Status.UNSTABLE),
    ("N     +    123.56 g  \r\n", Decimal("123.56"), "g", Status.OK),
    ("G     +   1234.5 kg \r\n", Decimal("1234.5"), "kg", Status.OK),
    ("N     +    123.56     \r\n", Decimal("123.56"), None, Status.UNSTABLE),
    ("+      253 pcs\r\n", Decimal("253"), "pcs", Status.OK),
    ("      High    \r\n", None, None, Status.OVERLOAD),
    ("      Low     \r\n", None, None, Status.UNDERLOAD),
    ("   Err  123    \r\n", None, None, Status.ERROR),
    ("Err 54        \r\n", None, None, Status.ERROR),
    ("      --      \r\n", None, None, Status.NOT_EXECUTABLE),
]


def cases(parser, table):
    return [pytest.param(parser, *row, id=f"{parser.__name__}:{row[0].strip()}") for row in table]


@pytest.mark.parametrize(
    ("parse", "line", "value", "unit", "status"),
    cases(parse_mtsics, MTSICS)
    + cases(parse_and, AND)
    + cases(parse_ohaus, OHAUS)
    + cases(parse_sartorius, SARTORIUS),
)
def test_manual_lines_parse_to_value_unit_and_status(parse, line, value, unit, status):
    reading = parse(line)
    assert (reading.value, reading.unit, reading.status) == (value, unit, status)
    assert reading.stable is (status is Status.OK)
    assert reading.raw == line


@pytest.mark.parametrize(
    ("parse", "line"),
    [
        (parse_mtsics, "ST,+00012.34  g\r\n"),
        (parse_mtsics, "S X 12 g\r\n"),
        (parse_and, "S S      12.34 g\r\n"),
        (parse_and, "XX,+00012.34  g\r\n"),
        (parse_ohaus, "garbage\r\n"),
        (parse_sartorius, "\x00\xff\r\n"),
        (parse_sartorius, ""),
    ],
)
def test_a_line_of_another_protocol_or_noise_is_unrecognised(parse, line):
    with pytest.raises(UnrecognisedReply):
        parse(line)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("S S      12.34 g", Decimal("12.34")),
        ("S S   12340.0 mg", Decimal("12.3400")),
        ("S S    0.01234 kg", Decimal("12.34000")),
    ],
)
def test_a_stable_reading_in_mg_g_or_kg_is_that_many_grams(line, expected):
    assert grams(parse_mtsics(line)) == expected


@pytest.mark.parametrize(
    ("reading", "code"),
    [
        (parse_mtsics("S D      12.34 g"), "scale_unstable"),
        (parse_and("US,+00012.34  g"), "scale_unstable"),
        (parse_ohaus("     12.34 g ?"), "scale_unstable"),
        (parse_sartorius("+     12.34    "), "scale_unstable"),
        (parse_and("OL,+999999.9  g"), "scale_overload"),
        (parse_mtsics("S -"), "scale_underload"),
        (parse_sartorius("      Low     "), "scale_underload"),
        (parse_mtsics("S I"), "scale_not_executable"),
        (parse_mtsics("EL"), "scale_error"),
        (parse_ohaus("ES"), "scale_error"),
        (Reading(Decimal("12.34"), "g", False, Status.OK, "hand-made"), "scale_unstable"),
    ],
)
def test_a_reading_that_is_not_stable_and_ok_is_never_a_weight(reading, code):
    with pytest.raises(WeightRejected) as raised:
        grams(reading)
    assert raised.value.code == code
    assert code.removeprefix("scale_").replace("_", " ") in str(raised.value)


@pytest.mark.parametrize(
    "reading",
    [parse_and("ST,+00000.44 lb"), parse_ohaus("     0.4500 oz"), parse_and("QT,+00012345 PC")],
)
def test_a_stable_reading_in_another_unit_is_refused_naming_the_unit(reading):
    with pytest.raises(WeightRejected, match=reading.unit) as raised:
        grams(reading)
    assert raised.value.code == "scale_wrong_unit"


def test_a_negative_stable_weight_is_refused():
    with pytest.raises(WeightRejected) as raised:
        grams(parse_sartorius("-      0.02 g  "))
    assert raised.value.code == "scale_negative"
