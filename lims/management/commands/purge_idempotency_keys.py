"""Delete stored idempotent answers older than LIMS_IDEMPOTENCY_TTL (run it daily)."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from lims.models import IdempotencyKey


class Command(BaseCommand):
    help = "Delete stored Idempotency-Key answers past their time to live."

    def handle(self, *args, **options):
        cutoff = timezone.now() - settings.LIMS_IDEMPOTENCY_TTL
        deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
        self.stdout.write(
            f"Deleted {deleted} stored idempotent answers older than {cutoff:%Y-%m-%d %H:%M} UTC."
        )
