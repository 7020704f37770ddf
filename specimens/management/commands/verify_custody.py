"""Recompute every custody hash chain and name each broken specimen and sequence number."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from specimens import checkpoints as _checkpoints
from specimens.custody import verify


class Command(BaseCommand):
    help = (
        "Verify every specimen's custody chain; with --checkpoints DIR, also prove every chain "
        "head against the latest signed checkpoint there. Exits non-zero when any chain is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoints", type=Path, metavar="DIR", help="Directory of signed checkpoints."
        )

    def handle(self, *args, checkpoints=None, **options):
        against = ""
        if checkpoints is None:
            result = verify()
        else:
            try:
                signed, result = _checkpoints.verify_all(checkpoints)
            except _checkpoints.CheckpointUnusable as refused:
                raise CommandError(str(refused)) from None
            against = f" against checkpoint {signed.id} of {signed.at}"
        for broken in result.breaks:
            self.stdout.write(f"BROKEN {broken.specimen} #{broken.seq}: {broken.problem}")
        summary = f"{result.specimens} specimens, {result.events} custody events checked{against}"
        if not result.ok:
            raise CommandError(f"{len(result.breaks)} breaks in {summary}.")
        self.stdout.write(f"OK: {summary}; every chain intact.")
