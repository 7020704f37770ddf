"""`manage.py scanner_bridge`: forward a station's scans (and weights) to the LIMS server."""

from django.core.management.base import BaseCommand, CommandError

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


class Command(BaseCommand):
    help = (
        "Read a serial scanner (and for weigh a balance) and POST each scan to the server with "
        "an Idempotency-Key; requests wait in a local SQLite spool until the server answers."
    )

    def add_arguments(self, parser):
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

    def handle(self, *args, **options):
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
            raise CommandError(error) from error
        spool = Spool(options["spool"] or f"bridge-{config.station}.sqlite3", config.station)
        bridge = Bridge(config, spool, client, show=self._show)
        self._show(f"station {config.station}: {len(spool)} request(s) waiting in the spool")
        try:
            ok = bridge.run()
        except KeyboardInterrupt:
            ok = True
        finally:
            spool.close()
        if not ok:
            raise CommandError("stopped: the server refused the token")

    def _show(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
