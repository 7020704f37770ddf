"""Delete API tokens past their expiry (run it daily, beside purge_idempotency_keys)."""

from django.core.management.base import BaseCommand
from django.utils import timezone
from knox.models import AuthToken


class Command(BaseCommand):
    help = "Delete API tokens past their expiry; they are refused from that moment anyway."

    def handle(self, *args, **options):
        deleted, _ = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
        self.stdout.write(f"Deleted {deleted} expired API tokens.")
