"""Redact a note: its text goes, its digest stays in the chain; an administrator, a reason."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lims.errors import DomainError
from specimens import services


class Command(BaseCommand):
    help = (
        "Redact note ID (its number or digest, as exports and the admin show it) and every copy "
        "of its text: the text and salt are wiped, the chain still verifies, and the redaction "
        "is recorded with --reason by --user (an administrator) on the trail that held the note."
    )

    def add_arguments(self, parser):
        parser.add_argument("note", help="The note's number or its sha256 digest.")
        parser.add_argument("--reason", required=True, help="Why the note must go.")
        parser.add_argument("--user", required=True, help="The administrator redacting it.")

    def handle(self, *args, note, reason, user, **options):
        actor = get_user_model().objects.filter(username=user).first()
        if actor is None:
            raise CommandError(f"No user {user}; nothing was changed.")
        try:
            redaction, *copies = services.note_redact(actor=actor, note=note, reason=reason)
        except DomainError as refused:
            raise CommandError(f"{refused.code}: {refused.detail}") from None
        also = f" (and {len(copies)} copies of its text)" if copies else ""
        self.stdout.write(f"Note {redaction.note_id}{also} redacted by {user}: {redaction.reason}")
