"""Sign a checkpoint of every custody chain head (run on a schedule), or make a signing key."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from specimens import checkpoints


class Command(BaseCommand):
    help = (
        "Sign a Merkle root over every custody chain head with the Ed25519 key of "
        "LIMS_CHECKPOINT_KEY_FILE (or LIMS_CHECKPOINT_KEY); append it to the checkpoint table, "
        "write it to LIMS_CHECKPOINT_DIR (or --dir) and POST it to the witness at "
        "LIMS_CHECKPOINT_PUSH_URL (or --push), if one is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, help="Directory for the checkpoint files.")
        parser.add_argument(
            "--push",
            metavar="URL",
            help="POST the signed checkpoint (JSON) to this witness (a transparency log).",
        )
        parser.add_argument(
            "--generate-key",
            type=Path,
            metavar="FILE",
            help="Write a new Ed25519 key to FILE (never overwritten); print its public key.",
        )

    def handle(self, *args, dir=None, push=None, generate_key=None, **options):
        if generate_key is not None:
            try:
                public = checkpoints.generate_key(generate_key)
            except FileExistsError:
                raise CommandError(f"{generate_key} exists; a key is never overwritten.") from None
            self.stdout.write(f"Private key written to {generate_key}; public key {public}")
            return
        directory = dir or (
            Path(settings.LIMS_CHECKPOINT_DIR) if settings.LIMS_CHECKPOINT_DIR else None
        )
        if directory is None:
            raise CommandError("Give --dir or set LIMS_CHECKPOINT_DIR for the checkpoint files.")
        try:
            made = checkpoints.make(Path(directory))
        except checkpoints.CheckpointUnusable as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(
            f"Checkpoint {made.pk}: {made.chains} chains, {made.events} events, root {made.root}, "
            f"written to {directory}."
        )
        url = push or settings.LIMS_CHECKPOINT_PUSH_URL
        if not url:
            return
        try:
            answered = checkpoints.push(made.document, url)
        except checkpoints.CheckpointPushFailed as failed:
            raise CommandError(
                f"Checkpoint {made.pk} is recorded (table and {directory}) but was NOT pushed: "
                f"{failed}. Push checkpoint-{made.pk:08d}.json again once the witness answers."
            ) from None
        self.stdout.write(f"Checkpoint {made.pk} pushed to {url} (HTTP {answered}).")
