"""Device parsing throughput: scanner frames and balance lines parsed per second."""

import time
from collections.abc import Callable

from barcode_printing.ids import format_id
from scanner_drivers.scales import PARSERS
from scanner_drivers.scanners import GS, Framer

FRAMES = 100_000
LINES = 100_000
TARGET = 50_000
# What a scanner sends at a collection site: mostly Code 128 tube labels, a few GS1 kit labels.
GS1_EVERY = 100
GS1_FRAME = "]C1" + "0109501101530003" + "17270101" + "10LOT42" + GS + "21S1"
REPLIES = {
    "mtsics": ["S S      12.34 g\r\n", "S D      12.71 g\r\n", "S +\r\n"],
    "and": ["ST,+00012.34  g\r\n", "US,+00012.71  g\r\n", "OL,+999999.9  g\r\n"],
    "ohaus": ["     12.34 g      \r\n", "     12.71 g     ?\r\n", "ES\r\n"],
    "sartorius": ["+    12.34 g  \r\n", "N     +    12.71     \r\n", "      High    \r\n"],
}


def main() -> None:
    stream = _scanner_stream()
    # A serial read hands over what arrived since the last one: cut the stream into 4 KiB reads.
    chunks = [stream[start : start + 4096] for start in range(0, len(stream), 4096)]
    framer, framed = Framer(), []
    seconds = _timed(lambda: [framed.extend(framer.feed(chunk)) for chunk in chunks])
    if len(framed) != FRAMES:
        raise RuntimeError(f"framing is broken: {len(framed)} frames from {FRAMES} scans")
    _report("scanner frames parsed", FRAMES / seconds, f"1 in {GS1_EVERY} is GS1")
    lines = [(parse, reply) for parse, replies in _parsers() for reply in replies]
    rounds = LINES // len(lines)
    seconds = _timed(lambda: [parse(reply) for _ in range(rounds) for parse, reply in lines])
    _report("scale lines parsed", rounds * len(lines) / seconds, "4 protocols, 3 replies each")


def _scanner_stream() -> bytes:
    frames = [
        GS1_FRAME if number % GS1_EVERY == 0 else "]C0" + format_id("BX", number)
        for number in range(1, FRAMES + 1)
    ]
    return "".join(frame + "\r\n" for frame in frames).encode()


def _parsers() -> list[tuple[Callable, list[str]]]:
    return [(PARSERS[protocol], replies) for protocol, replies in REPLIES.items()]


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _report(what: str, per_second: float, note: str) -> None:
    verdict = "ok" if per_second >= TARGET else f"BELOW the {TARGET:,}/s target"
    print(f"{what}: {per_second:,.0f}/s ({note}; {verdict})")
