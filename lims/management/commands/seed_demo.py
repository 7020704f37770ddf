"""Load the demo sites and users, then each app's demo data; loading again changes nothing.

Refused unless DEBUG. The apps' own demo data (printers, …) registers in ``lims.demo``.
"""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lims.audit import stamp
from lims.choices import Role, SiteKind
from lims.demo import seed_all
from lims.models import Membership, Site, User

DEFAULT_PASSWORD = "demo-lims-2026"
REASON = "demo data (manage.py seed_demo)"

# code, name, kind, time zone, and the person responsible for shipments with their 24-hour
# telephone (fictitious: 555-01xx numbers are reserved for fiction).
SITES = [
    (
        "SITE-NORTH",
        "North Community Health Center",
        SiteKind.COLLECTION,
        "America/Chicago",
        "Dana Okafor",
        "+1 312 555 0142",
    ),
    (
        "SITE-SOUTH",
        "South Valley Clinic",
        SiteKind.COLLECTION,
        "America/Phoenix",
        "Luis Serrano",
        "+1 602 555 0117",
    ),
    (
        "BIOBANK",
        "Central Biobank",
        SiteKind.BIOBANK,
        "America/New_York",
        "Priya Raman",
        "+1 617 555 0190",
    ),
]
USERS = [
    ("phleb-north", "SITE-NORTH", Role.PHLEBOTOMIST),
    ("phleb-south", "SITE-SOUTH", Role.PHLEBOTOMIST),
    ("tech", "BIOBANK", Role.BIOBANK_TECHNICIAN),
    ("auditor", "BIOBANK", Role.AUDITOR),
    ("admin", None, None),
]


class Command(BaseCommand):
    help = "Create the demo sites, users and each app's demo data (idempotent; DJANGO_DEBUG=1)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Refusing to load demo users and passwords with DJANGO_DEBUG=0.")
        password = os.environ.get("LIMS_DEMO_PASSWORD") or DEFAULT_PASSWORD
        with transaction.atomic():
            sites = {fields[0]: self._site(*fields) for fields in SITES}
            for username, site_code, role in USERS:
                user = self._user(username, password, superuser=role is None)
                if role is not None:
                    self._membership(user, sites[site_code], role)
            seed_all(reason=REASON)
        self.stdout.write(f"Demo users (password: {password}):")
        for username, site_code, role in USERS:
            where = f"{Role(role).label} at {site_code}" if role else "superuser"
            self.stdout.write(f"  {username:<12} {where}")

    def _site(self, code, name, kind, time_zone, responsible, phone) -> Site:
        site = Site.objects.filter(code=code).first()
        if site is None:
            site = Site(
                code=code,
                name=name,
                kind=kind,
                time_zone=time_zone,
                responsible_name=responsible,
                responsible_phone=phone,
            )
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
