"""The scanner driver reading a simulated scanner through a real pseudo-terminal."""

import pytest

from id_scheme import IdError, InvalidCheckCharacter, InvalidIdFormat
from scanner_drivers.scanners import (
    GS,
    TERMINATORS,
    FramingConfig,
    Rejected,
    Rejection,
    Scan,
    ScannerDriver,
    validate,
)
from scanner_drivers.simulators import ScannerSimulator


def read_frames(driver: ScannerDriver, count: int) -> list:
    """Up to `count` frames; each read ends at the port timeout, so this cannot hang."""
    frames = []
    for _ in range(count + 2):
        frame = driver.read_scan()
        if frame is not None:
            frames.append(frame)
        if len(frames) == count:
            break
    return frames


@pytest.mark.parametrize("terminator", sorted(TERMINATORS))
def test_each_scan_arrives_once_and_in_order(connect, specimen_ids, terminator):
    end = TERMINATORS[terminator]
    simulator = ScannerSimulator([f"]C0{code}" for code in specimen_ids], rate=200, terminator=end)
    driver = ScannerDriver(connect(simulator), FramingConfig(terminators=end))
    frames = read_frames(driver, 3)
    assert [(frame.seq, frame.data, frame.symbology) for frame in frames] == [
        (1, specimen_ids[0], "code_128"),
        (2, specimen_ids[1], "code_128"),
        (3, specimen_ids[2], "code_128"),
    ]
    assert driver.read_scan() is None


def test_a_burst_of_scans_faster_than_reads_is_neither_merged_nor_split(connect, specimen_ids):
    codes = specimen_ids * 100
    simulator = ScannerSimulator(codes, rate=100_000)
    driver = ScannerDriver(connect(simulator))
    simulator.finished.wait(5)
    assert [frame.data for frame in read_frames(driver, len(codes))] == codes


def test_each_valid_scan_validates_to_its_canonical_id(connect, specimen_ids):
    simulator = ScannerSimulator([f"]C0{code.lower()}" for code in specimen_ids], rate=200)
    driver = ScannerDriver(connect(simulator))
    assert [validate(frame) for frame in read_frames(driver, 3)] == specimen_ids


def test_a_wrong_check_character_is_refused_saying_so(connect, specimen_ids):
    wrong = specimen_ids[0][:-1] + ("A" if specimen_ids[0][-1] != "A" else "B")
    driver = ScannerDriver(connect(ScannerSimulator([wrong])))
    [scan] = read_frames(driver, 1)
    with pytest.raises(InvalidCheckCharacter, match="check character") as raised:
        validate(scan)
    assert isinstance(raised.value, IdError)
    assert raised.value.code == "invalid_check_character"


def test_a_scan_of_another_deployment_is_refused_when_the_prefix_is_given(connect):
    driver = ScannerDriver(connect(ScannerSimulator(["ZZ0000001"])))
    [scan] = read_frames(driver, 1)
    with pytest.raises(InvalidIdFormat):
        validate(scan, prefix="BX")


def test_a_gs1_scan_keeps_its_separators_through_the_port(connect):
    data = "0109501101530003" + "10LOT7" + GS + "21S99"
    driver = ScannerDriver(connect(ScannerSimulator(["]d2" + data])))
    [scan] = read_frames(driver, 1)
    assert scan.data == data
    assert scan.gs1 == {"01": "09501101530003", "10": "LOT7", "21": "S99"}


def test_line_noise_is_reported_and_the_following_scan_still_arrives(connect, specimen_ids):
    simulator = ScannerSimulator([b"\x00\xff\x13", specimen_ids[0]], rate=200)
    driver = ScannerDriver(connect(simulator))
    noise, scan = read_frames(driver, 2)
    assert isinstance(noise, Rejected)
    assert noise.reason is Rejection.NOISE
    assert scan.data == specimen_ids[0]


def test_a_frame_cut_short_is_reported_incomplete_at_the_read_timeout(connect, specimen_ids):
    # The pause between the two writes is longer than the port's read timeout.
    partial, rest = specimen_ids[0][:5], specimen_ids[0][5:]
    simulator = ScannerSimulator(
        [partial, rest + "\r\n" + specimen_ids[1] + "\r\n"], rate=1.5, terminator=b""
    )
    driver = ScannerDriver(connect(simulator))
    incomplete = driver.read_scan()
    assert isinstance(incomplete, Rejected)
    assert (incomplete.reason, incomplete.raw) == (Rejection.INCOMPLETE, partial.encode())
    frames = read_frames(driver, 2)
    assert not any(isinstance(frame, Scan) and frame.data == specimen_ids[0] for frame in frames)
    assert frames[-1].data == specimen_ids[1]
    with pytest.raises(InvalidIdFormat):
        validate(frames[0])


def test_an_over_long_frame_is_discarded_and_reported(connect, specimen_ids):
    simulator = ScannerSimulator(["9" * 300, specimen_ids[0]], rate=200)
    driver = ScannerDriver(connect(simulator), FramingConfig(max_length=256))
    too_long, scan = read_frames(driver, 2)
    assert isinstance(too_long, Rejected)
    assert too_long.reason is Rejection.TOO_LONG
    assert scan.data == specimen_ids[0]


def test_a_quiet_scanner_reads_as_nothing_within_the_timeout(connect):
    driver = ScannerDriver(connect(ScannerSimulator([])))
    assert driver.read_scan() is None
