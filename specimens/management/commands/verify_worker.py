"""Perform the custody verifications auditors queued from the verify page."""

import time

from django.core.management.base import BaseCommand

from specimens.verification import work


class Command(BaseCommand):
    help = "Claim queued verification runs and perform them (--once, or poll every --every s)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="perform what is queued, then stop")
        parser.add_argument("--every", type=float, default=2.0, help="seconds between polls")

    def handle(self, *args, once: bool, every: float, **options):
        while True:
            done = work()
            if done:
                self.stdout.write(f"{done} verification runs performed.")
            if once:
                return
            time.sleep(every)
