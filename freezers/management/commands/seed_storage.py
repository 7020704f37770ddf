"""Load the demo freezers at the biobank; loading again changes nothing. Refused unless DEBUG."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from freezers import services
from freezers.models import BoxType, Freezer
from lims.models import Site, User

SITE = "BIOBANK"
# Demo boxes are added as the superuser made by seed_demo, so history names a real user.
ACTOR = "admin"
# code, name, kind, temperature class, set point, racks (each: name and its box types)
FREEZERS = [
    (
        "FRZ-80-01",
        "Upright -80 °C no. 1",
        "upright_minus80",
        "ultra_cold",
        "-80",
        [("R1", ["9x9"] * 4 + ["8x12"]), ("R2", ["9x9"] * 4 + ["8x12"])],
    ),
    # A second -80 °C freezer, so that split_participant can keep a participant's aliquots
    # apart out of the box.
    (
        "FRZ-80-02",
        "Upright -80 °C no. 2",
        "upright_minus80",
        "ultra_cold",
        "-80",
        [("R1", ["9x9"] * 4 + ["8x12"])],
    ),
    ("FRZ-20-01", "Freezer -20 °C no. 1", "minus20", "frozen", "-20", [("R1", ["10x10"] * 2)]),
]


class Command(BaseCommand):
    help = "Create the demo freezers, racks and boxes at BIOBANK (idempotent; DJANGO_DEBUG=1)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Refusing to load demo freezers with DJANGO_DEBUG=0.")
        site = Site.objects.filter(code=SITE).first()
        actor = User.objects.filter(username=ACTOR, is_superuser=True).first()
        if site is None or actor is None:
            raise CommandError(f"Run seed_demo first: it makes the {SITE} site and {ACTOR}.")
        types = {box_type.code: box_type for box_type in BoxType.objects.all()}
        with transaction.atomic():
            for code, name, kind, temperature_class, set_point, racks in FREEZERS:
                if Freezer.objects.filter(code=code).exists():
                    continue
                freezer = services.freezer_create(
                    actor=actor,
                    site=site,
                    reason="demo data (manage.py seed_storage)",
                    code=code,
                    name=name,
                    kind=kind,
                    temperature_class=temperature_class,
                    set_point_c=set_point,
                )
                for rack_name, box_types in racks:
                    rack = services.rack_create(
                        actor=actor, freezer=freezer, name=rack_name, kind="rack"
                    )
                    for type_code in box_types:
                        services.box_create(actor=actor, rack=rack, box_type=types[type_code])
        for freezer in Freezer.objects.filter(site=site).order_by("code"):
            boxes = sum(rack.boxes.count() for rack in freezer.racks.all())
            self.stdout.write(f"  {freezer.code:<10} {freezer.name}: {boxes} boxes")
