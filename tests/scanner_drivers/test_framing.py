"""Cutting scanner output into scans: terminators, noise, over-long and unfinished frames."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner_drivers.scanners import (
    GS,
    TERMINATORS,
    Framer,
    FramingConfig,
    Rejected,
    Rejection,
    Scan,
)

GTIN_LOT_SERIAL = "010950110153000317150101" + "10ABC123" + GS + "21XYZ"


def feed_all(framer: Framer, *chunks: bytes) -> list:
    return [frame for chunk in chunks for frame in framer.feed(chunk)]


@pytest.mark.parametrize("terminator", ["cr", "lf", "crlf"])
def test_cr_lf_and_crlf_each_end_one_scan_by_default(terminator, specimen_ids):
    end = TERMINATORS[terminator]
    frames = Framer().feed(b"".join(code.encode() + end for code in specimen_ids))
    assert [frame.data for frame in frames] == specimen_ids
    assert [frame.seq for frame in frames] == [1, 2, 3]


def test_a_crlf_split_between_two_reads_is_one_terminator(specimen_ids):
    framer = Framer()
    frames = feed_all(framer, specimen_ids[0].encode() + b"\r", b"\n" + specimen_ids[1].encode())
    frames += feed_all(framer, b"\r\n")
    assert [frame.data for frame in frames] == specimen_ids[:2]


def test_a_tab_suffix_ends_scans_when_configured(specimen_ids):
    framer = Framer(FramingConfig(terminators=TERMINATORS["tab"]))
    frames = framer.feed(f"{specimen_ids[0]}\t{specimen_ids[1]}\t".encode())
    assert [frame.data for frame in frames] == specimen_ids[:2]


def test_empty_frames_are_ignored(specimen_ids):
    frames = Framer().feed(b"\r\n\r\n   \r\n" + specimen_ids[0].encode() + b"\r\n\n\n")
    assert [frame.data for frame in frames] == [specimen_ids[0]]


def test_a_configured_prefix_is_stripped_and_kept_in_raw(specimen_ids):
    framer = Framer(FramingConfig(prefix=b"\x02"))
    [scan] = framer.feed(b"\x02]C0" + specimen_ids[0].encode() + b"\r")
    assert scan.data == specimen_ids[0]
    assert scan.raw == b"\x02]C0" + specimen_ids[0].encode()


@pytest.mark.parametrize(
    ("aim", "symbology"),
    [
        ("]C0", "code_128"),
        ("]d1", "data_matrix"),
        ("]Q1", "qr_code"),
        ("]A0", "code_39"),
        ("]E0", "ean_13"),
    ],
)
def test_the_aim_identifier_is_stripped_and_named(aim, symbology):
    [scan] = Framer().feed(f"{aim}4006381333931\r".encode())
    assert (scan.aim_id, scan.symbology, scan.data) == (aim, symbology, "4006381333931")
    assert scan.gs1 is None


def test_a_scan_without_aim_identifier_has_no_symbology(specimen_ids):
    [scan] = Framer().feed(specimen_ids[0].encode() + b"\r")
    assert (scan.symbology, scan.aim_id) == (None, None)


def test_data_that_merely_starts_with_a_bracket_is_kept_whole():
    [scan] = Framer().feed(b"]!x\r")
    assert (scan.data, scan.symbology) == ("]!x", None)


@pytest.mark.parametrize(
    ("aim", "symbology"),
    [("]C1", "gs1_128"), ("]d2", "gs1_datamatrix"), ("]Q3", "gs1_qr_code")],
)
def test_gs1_symbologies_are_parsed_into_application_identifiers(aim, symbology):
    [scan] = Framer().feed(f"{aim}{GTIN_LOT_SERIAL}\r\n".encode())
    assert scan.symbology == symbology
    assert scan.data == GTIN_LOT_SERIAL
    assert GS in scan.data
    assert scan.gs1 == {"01": "09501101530003", "17": "150101", "10": "ABC123", "21": "XYZ"}


def test_a_keyboard_wedge_substitute_stands_for_gs_in_gs1_data():
    framer = Framer(FramingConfig(gs_substitute="|"))
    [scan] = framer.feed(("]C1" + GTIN_LOT_SERIAL.replace(GS, "|") + "\r").encode())
    assert scan.data == GTIN_LOT_SERIAL
    assert scan.gs1["10"] == "ABC123"
    assert scan.gs1["21"] == "XYZ"


def test_without_gs_or_a_substitute_a_lot_number_runs_into_the_next_field():
    # Why wedge set-ups need gs_substitute: the variable-length lot swallows the serial.
    [scan] = Framer().feed(("]C1" + GTIN_LOT_SERIAL.replace(GS, "") + "\r").encode())
    assert scan.gs1 == {"01": "09501101530003", "17": "150101", "10": "ABC12321XYZ"}


def test_malformed_gs1_data_is_a_scan_with_the_parse_error():
    [scan] = Framer().feed(b"]C10112\r")
    assert scan.gs1 is None
    assert "01" in scan.gs1_error


@pytest.mark.parametrize("noise", [b"\x00\x00", b"\xff\xfe", b"BX00\x0700001", b"\x1b[2J"])
def test_a_frame_with_non_printable_bytes_is_rejected_as_noise(noise, specimen_ids):
    frames = Framer().feed(noise + b"\r\n" + specimen_ids[0].encode() + b"\r\n")
    assert isinstance(frames[0], Rejected)
    assert frames[0].reason is Rejection.NOISE
    assert frames[0].raw == noise
    assert [frame.data for frame in frames[1:]] == [specimen_ids[0]]


def test_an_over_long_frame_is_discarded_once_and_the_next_scan_is_whole(specimen_ids):
    framer = Framer(FramingConfig(max_length=16))
    frames = feed_all(framer, b"A" * 10, b"A" * 10, b"A" * 10 + b"\r" + specimen_ids[0].encode())
    frames += feed_all(framer, b"\r")
    assert isinstance(frames[0], Rejected)
    assert (frames[0].reason, frames[0].raw) == (Rejection.TOO_LONG, b"A" * 16)
    assert "16 bytes" in frames[0].detail
    assert [frame.data for frame in frames[1:]] == [specimen_ids[0]]


def test_a_frame_of_exactly_the_maximum_length_is_a_scan():
    [scan] = Framer(FramingConfig(max_length=16)).feed(b"B" * 16 + b"\r")
    assert scan.data == "B" * 16


def test_a_frame_without_terminator_is_incomplete_at_timeout_never_a_scan(specimen_ids):
    framer = Framer()
    assert framer.feed(specimen_ids[0].encode()) == []
    [frame] = framer.expire()
    assert isinstance(frame, Rejected)
    assert (frame.reason, frame.raw) == (Rejection.INCOMPLETE, specimen_ids[0].encode())
    assert framer.expire() == []


def test_after_an_incomplete_frame_the_next_frame_starts_afresh(specimen_ids):
    framer = Framer()
    framer.feed(b"BX00")
    framer.expire()
    [scan] = framer.feed(specimen_ids[1].encode() + b"\r")
    assert scan.data == specimen_ids[1]


def test_a_quiet_line_between_scans_reports_nothing(specimen_ids):
    framer = Framer()
    framer.feed(specimen_ids[0].encode() + b"\r\n")
    assert framer.expire() == []


@pytest.mark.parametrize(
    "config",
    [
        {"terminators": b""},
        {"terminators": b"\x1d"},
        {"prefix": b"\r"},
        {"max_length": 0},
        {"gs_substitute": "||"},
        {"gs_substitute": "\x07"},
    ],
)
def test_impossible_framing_settings_are_refused(config):
    with pytest.raises(ValueError):
        FramingConfig(**config)


# Scans of printable ASCII and GS, as a scanner sends them; none is blank (blank frames vanish).
scan_bodies = st.lists(
    st.text(alphabet=[chr(c) for c in range(0x21, 0x7F)] + [GS], min_size=1, max_size=256),
    max_size=20,
)
terminators = st.sampled_from([b"\r", b"\n", b"\r\n"])


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(data), *(cut % (len(data) + 1) for cut in cuts)})
    return [data[start:end] for start, end in itertools.pairwise(points)]


@given(
    bodies=scan_bodies,
    ends=st.lists(terminators, min_size=20, max_size=20),
    cuts=st.lists(st.integers(0, 10_000)),
)
def test_scans_arriving_in_any_chunks_are_never_merged_or_split(bodies, ends, cuts):
    stream = b"".join(body.encode() + end for body, end in zip(bodies, ends, strict=False))
    framer = Framer()
    frames = feed_all(framer, *chunked(stream, cuts)) + framer.expire()
    assert all(isinstance(frame, Scan) for frame in frames)
    assert [frame.raw for frame in frames] == [body.encode() for body in bodies]


@given(stream=st.binary(max_size=600), cuts=st.lists(st.integers(0, 10_000)))
def test_any_bytes_give_the_same_frames_however_they_are_chunked(stream, cuts):
    whole, pieces = Framer(FramingConfig(max_length=32)), Framer(FramingConfig(max_length=32))
    expected = whole.feed(stream) + whole.expire()
    assert feed_all(pieces, *chunked(stream, cuts)) + pieces.expire() == expected
