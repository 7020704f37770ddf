"""The bridge's command line, one definition for `python -m scanner_drivers` on a station PC and
for `manage.py scanner_bridge` on a machine that has the server installed."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from scanner_drivers.bridge import (
    ACTIONS,
    DEFAULT_BATCH,
    DEFAULT_IN_FLIGHT,
    MAX_BATCH,
    MAX_IN_FLIGHT,
    Bridge,
    StationConfig,
)
from scanner_drivers.client import ApiClient
from scanner_drivers.scales import SCALE_DRIVERS
from scanner_drivers.spool import Spool

DESCRIPTION = (
    "Read a serial scanner (and for weigh a balance) and POST each scan to the server with "
    "an Idempotency-Key; requests wait in a local SQLite spool until the server answers."
)


class StationStopped(Exception):
    """The bridge could not start (bad settings) or was stopped by the server (refused token)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", required=True, help="scanner port URL or path")
    parser.add_argument("--server", required=True, help="API root, e.g. http://lims/api/v1/")
    parser.add_argument("--token", required=True)
    parser.add_argument("--station", required=True, help="station name, part of every key")
    parser.add_argument("--action", required=True, choices=ACTIONS)
    parser.add_argument("--order", help="ORD-… for collect")
    parser.add_argument("--shipment", help="SH-… for pack and receive")
    parser.add_argument("--scale", help="balance port URL or path, for weigh")
    parser.add_argument("--scale-protocol", choices=sorted(SCALE_DRIVERS), default="mtsics")
    parser.add_argument("--scale-id", default="", help="device ID recorded with weights")
    parser.add_argument("--spool", help="spool file (default: bridge-STATION.sqlite3)")
    parser.add_argument(
        "--in-flight",
        type=int,
        default=DEFAULT_IN_FLIGHT,
        help=f"batches under way at once, 1 to {MAX_IN_FLIGHT}; scans about the same tube, "
        f"order or shipment are always applied in scan order (default {DEFAULT_IN_FLIGHT})",
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=DEFAULT_BATCH,
        help=f"most scans one request carries, 1 to {MAX_BATCH} (default {DEFAULT_BATCH})",
    )


def run(options: dict, show: Callable[[str], None]) -> None:
    """Run the bridge until interrupted; raises StationStopped when it cannot start or go on."""
    try:
        config = StationConfig(
            station=options["station"],
            action=options["action"],
            device=options["device"],
            order=options["order"],
            shipment=options["shipment"],
            scale=options["scale"],
            scale_protocol=options["scale_protocol"],
            scale_id=options["scale_id"],
            in_flight=options["in_flight"],
            batch=options["batch"],
        )
        client = ApiClient(options["server"], options["token"])
    except ValueError as error:
        raise StationStopped(error) from error
    spool = Spool(options["spool"] or f"bridge-{config.station}.sqlite3", config.station)
    bridge = Bridge(config, spool, client, show=show)
    show(f"station {config.station}: {len(spool)} request(s) waiting in the spool")
    try:
        ok = bridge.run()
    except KeyboardInterrupt:
        ok = True
    finally:
        spool.close()
    if not ok:
        raise StationStopped("stopped: the server refused the token")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scanner_drivers", description=DESCRIPTION)
    add_arguments(parser)
    options = vars(parser.parse_args(argv))
    try:
        run(options, lambda line: print(line, flush=True))
    except StationStopped as error:
        parser.exit(1, f"error: {error}\n")
