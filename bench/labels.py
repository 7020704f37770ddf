"""Label output speed: ZPL for a batch of tubes, a PDF sheet, one symbol PNG."""

import time
from collections.abc import Callable

from barcode_printing.ids import format_id
from barcode_printing.layouts import LAYOUTS, SHEETS, LabelData
from barcode_printing.pdf import sheet_pdf
from barcode_printing.symbols import code128_png, datamatrix_png
from barcode_printing.zpl import labels_zpl


def tube_labels(count: int) -> list[LabelData]:
    return [
        LabelData(format_id("BX", n), ("1SST8", f"B{n:09d}", "2026-11-23"))
        for n in range(1, count + 1)
    ]


def best_of(runs: int, work: Callable[[], object]) -> float:
    """Fastest of `runs` timings, in seconds: the least disturbed by the rest of the machine."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        timings.append(time.perf_counter() - start)
    return min(timings)


def report(name: str, seconds: float, target: float) -> None:
    verdict = "ok" if seconds < target else "SLOW"
    print(f"{name:<42} {seconds * 1000:9.1f} ms   target < {target * 1000:.0f} ms   {verdict}")


def main() -> None:
    tube = LAYOUTS["tube_128x050"]
    thousand, hundred = tube_labels(1000), tube_labels(100)
    sheet = SHEETS["letter_tube_128x050"]
    for dpi in (203, 300):
        seconds = best_of(5, lambda dpi=dpi: labels_zpl(tube, thousand, dpi=dpi))
        report(f"ZPL, 1,000 tube labels at {dpi} dpi", seconds, 0.2)
    report(
        "PDF, 100 tube labels on Letter sheets", best_of(5, lambda: sheet_pdf(sheet, hundred)), 1.0
    )
    payload = thousand[0].payload
    report("PNG, one tube label's Code 128", best_of(20, lambda: code128_png(payload)), 0.02)
    report("PNG, one cap label's DataMatrix", best_of(20, lambda: datamatrix_png(payload)), 0.02)
