"""Signed checkpoints at scale: one over 1M custody events, and one tube proved against it."""

import statistics
import tempfile
import time
from pathlib import Path

from django.conf import settings

from barcode_printing.ids import format_id
from bench.custody import EVENTS, EVENTS_PER_SPECIMEN, _fill_custody, _network
from specimens import checkpoints
from specimens.models import Checkpoint

PROOFS = 200


def main() -> None:
    site, phleb = _network()
    _fill_custody(site, phleb)
    with tempfile.TemporaryDirectory() as folder:
        settings.LIMS_CHECKPOINT_KEY_FILE = str(Path(folder) / "key.pem")
        checkpoints.generate_key(Path(settings.LIMS_CHECKPOINT_KEY_FILE))
        started = time.perf_counter()
        made = checkpoints.make(Path(folder) / "checkpoints")
        took = time.perf_counter() - started
        print(
            f"checkpoint over {made.events:,} custody events ({made.chains:,} chains): "
            f"{took:.1f} s (target < 30 s)"
        )
        samples = []
        tubes = EVENTS // EVENTS_PER_SPECIMEN
        for number in range(1, tubes + 1, tubes // PROOFS):
            started = time.perf_counter()
            signed, _ = checkpoints.verify_tube(
                Path(folder) / "checkpoints", format_id("BN", number)
            )
            samples.append(time.perf_counter() - started)
            assert signed.id == made.pk
        print(
            f"one tube's trail proved against the latest checkpoint: median "
            f"{statistics.median(samples) * 1000:.1f} ms, p95 "
            f"{statistics.quantiles(samples, n=20)[-1] * 1000:.1f} ms over {len(samples)} tubes "
            "(target < 50 ms; the bench's chains carry placeholder hashes, so this times the "
            "proof and the chain check, not their verdict)"
        )
    print(f"checkpoints in the table: {Checkpoint.objects.count()}")
