"""`manage.py simulate_device scanner|scale`: a simulated device on a pty, for demos and tests."""

import threading
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from barcode_printing.ids import deployment_prefix, format_id
from scanner_drivers.scanners import TERMINATORS
from scanner_drivers.simulators import (
    DIALECTS,
    DISPLAY_UNITS,
    PseudoTerminalDevice,
    ScaleSimulator,
    ScannerSimulator,
)


class Command(BaseCommand):
    help = (
        "Run a simulated scanner or balance on a pseudo-terminal. Prints the device path to "
        "open (e.g. with scanner_bridge), then scans or answers until interrupted (Ctrl-C)."
    )

    def add_arguments(self, parser):
        parser.add_argument("device", choices=["scanner", "scale"])
        parser.add_argument("--protocol", choices=sorted(DIALECTS), help="balance protocol")
        parser.add_argument(
            "--scans",
            help="a file with one scan a line, or scans separated by commas "
            "(default: five valid specimen IDs)",
        )
        parser.add_argument("--rate", type=float, default=1.0, help="scans per second")
        parser.add_argument("--terminator", choices=sorted(TERMINATORS), default="crlf")
        parser.add_argument(
            "--delay", type=float, default=3.0, help="seconds before the first scan"
        )
        parser.add_argument("--load", default="12.34", help="grams on the pan")
        parser.add_argument("--unit", choices=sorted(DISPLAY_UNITS), default="g")
        parser.add_argument(
            "--unsettled-reads",
            type=int,
            default=3,
            help="unstable readings after each load change before it settles",
        )

    def handle(self, *args, **options):
        simulator = self._simulator(options)
        try:
            simulator.start()
            self.stdout.write(simulator.path)
            self.stdout.flush()
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            simulator.stop()

    def _simulator(self, options) -> PseudoTerminalDevice:
        if options["device"] == "scanner":
            if options["rate"] <= 0:
                raise CommandError("--rate must be a positive number of scans per second")
            return ScannerSimulator(
                _scans(options["scans"]),
                rate=options["rate"],
                terminator=TERMINATORS[options["terminator"]],
                delay=options["delay"],
            )
        if options["protocol"] is None:
            raise CommandError("a scale needs --protocol")
        try:
            load = Decimal(options["load"])
        except InvalidOperation as error:
            raise CommandError(f"--load {options['load']!r} is not a number of grams") from error
        return ScaleSimulator(
            options["protocol"],
            load_g=load,
            unit=options["unit"],
            unsettled_reads=options["unsettled_reads"],
        )


def _scans(argument: str | None) -> list[str]:
    if argument is None:
        return [format_id(deployment_prefix(), number) for number in range(1, 6)]
    path = Path(argument)
    lines = path.read_text().splitlines() if path.is_file() else argument.split(",")
    return [line.strip() for line in lines if line.strip()]
