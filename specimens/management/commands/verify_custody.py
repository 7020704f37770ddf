"""Recompute every custody hash chain and name each broken specimen and sequence number."""

from django.core.management.base import BaseCommand, CommandError

from specimens.custody import verify


class Command(BaseCommand):
    help = "Verify every specimen's custody chain; exits non-zero when any chain is broken."

    def handle(self, *args, **options):
        result = verify()
        for broken in result.breaks:
            self.stdout.write(f"BROKEN {broken.specimen} #{broken.seq}: {broken.problem}")
        summary = f"{result.specimens} specimens, {result.events} custody events checked"
        if not result.ok:
            raise CommandError(f"{len(result.breaks)} breaks in {summary}.")
        self.stdout.write(f"OK: {summary}; every chain intact.")
