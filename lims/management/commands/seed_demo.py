"""Load the demo sites, users and printers; loading again changes nothing. Refused unless DEBUG."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lims.audit import stamp
from lims.choices import Role, SiteKind
from lims.models import Membership, Site, User

DEFAULT_PASSWORD = "demo-lims-2026"
REASON = "demo data (manage.py seed_demo)"

SITES = [
    ("SITE-NORTH", "North Community Health Center", SiteKind.COLLECTION, "America/Chicago"),
    ("SITE-SOUTH", "South Valley Clinic", SiteKind.COLLECTION, "America/Phoenix"),
    ("BIOBANK", "Central Biobank", SiteKind.BIOBANK, "America/New_York"),
]
USERS = [
    ("phleb-north", "SITE-NORTH", Role.PHLEBOTOMIST),
    ("phleb-south", "SITE-SOUTH", Role.PHLEBOTOMIST),
    ("tech", "BIOBANK", Role.BIOBANK_TECHNICIAN),
    ("auditor", "BIOBANK", Role.AUDITOR),
    ("admin", None, None),
]
# Each site: a PDF printer that answers the file, and a Zebra on this machine's raw port
# (`nc -lk 9100` shows what it is sent), the default that new orders print on.
PRINTERS = [
    ("{site}-pdf", "pdf", "", False),
    ("{site}-zebra", "zpl_tcp", "127.0.0.1:9100", True),
]


class Command(BaseCommand):
    help = "Create the demo sites, users and printers (idempotent; only with DJANGO_DEBUG=1)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Refusing to load demo users and passwords with DJANGO_DEBUG=0.")
        password = os.environ.get("LIMS_DEMO_PASSWORD") or DEFAULT_PASSWORD
        with transaction.atomic():
            sites = {code: self._site(code, name, kind, tz) for code, name, kind, tz in SITES}
            for username, site_code, role in USERS:
                user = self._user(username, password, superuser=role is None)
                if role is not None:
                    self._membership(user, sites[site_code], role)
            for site in sites.values():
                for name, kind, address, default in PRINTERS:
                    self._printer(name.format(site=site.code.lower()), site, kind, address, default)
        self.stdout.write(f"Demo users (password: {password}):")
        for username, site_code, role in USERS:
            where = f"{Role(role).label} at {site_code}" if role else "superuser"
            self.stdout.write(f"  {username:<12} {where}")

    def _site(self, code, name, kind, time_zone) -> Site:
        site = Site.objects.filter(code=code).first()
        if site is None:
            site = Site(code=code, name=name, kind=kind, time_zone=time_zone)
            stamp(site, actor=None, reason=REASON).save()
        return site

    def _user(self, username, password, *, superuser: bool) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, is_superuser=superuser, is_staff=superuser)
            user.set_password(password)
            stamp(user, actor=None, reason=REASON).save()
        return user

    def _membership(self, user, site, role) -> None:
        if not Membership.objects.active().filter(user=user, site=site, role=role).exists():
            stamp(Membership(user=user, site=site, role=role), actor=None, reason=REASON).save()

    def _printer(self, name, site, kind, address, default) -> None:
        # Imported here: lims sits below barcode_printing and never imports it at load time.
        from barcode_printing.models import Printer

        if not Printer.objects.filter(name=name).exists():
            printer = Printer(
                name=name, site=site, kind=kind, address=address, is_default_for_site=default
            )
            stamp(printer, actor=None, reason=REASON).save()
