"""Deliver print jobs left queued by a stopped process; fail those stuck while being sent."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from barcode_printing.services import deliver_outbox


class Command(BaseCommand):
    help = "Send print jobs still queued after --grace seconds (run it every minute)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace",
            type=int,
            default=60,
            help="seconds a job may wait for its own request to send it",
        )
        parser.add_argument(
            "--stuck-after",
            type=int,
            default=300,
            help="seconds after which a job still being sent is marked failed",
        )

    def handle(self, *args, grace: int, stuck_after: int, **options):
        delivered, stuck = deliver_outbox(
            grace=timedelta(seconds=grace), stuck_after=timedelta(seconds=stuck_after)
        )
        self.stdout.write(f"{delivered} queued jobs delivered, {stuck} interrupted jobs failed.")
