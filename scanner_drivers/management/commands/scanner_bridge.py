"""`manage.py scanner_bridge`: forward a station's scans (and weights) to the LIMS server."""

from django.core.management.base import BaseCommand, CommandError

from scanner_drivers import station


class Command(BaseCommand):
    help = station.DESCRIPTION

    def add_arguments(self, parser):
        station.add_arguments(parser)

    def handle(self, *args, **options):
        try:
            station.run(options, self._show)
        except station.StationStopped as error:
            raise CommandError(error) from error

    def _show(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
