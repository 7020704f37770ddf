"""What freezer storage adds to the workbench shell: box and freezer IDs in the search box and
the biobank technician's storage pages in the navigation (registered from ``FreezersConfig``)."""

from django.urls import reverse

from freezers.models import Box, Freezer
from lims import search
from lims.choices import Role
from lims.web import nav

TECHNICIAN = Role.BIOBANK_TECHNICIAN


def open_box(user, text: str) -> str:
    if not Box.objects.for_user(user).filter(code=text).exists():
        raise search.SearchRefused(f"No box {text} among those you can see.")
    return reverse("storage-box", args=[text])


def open_freezer(user, text: str) -> str:
    if not Freezer.objects.for_user(user).filter(code=text).exists():
        raise search.SearchRefused(f"No freezer {text} among those you can see.")
    return reverse("storage-freezer", args=[text])


def register() -> None:
    search.register(r"BOX-\d{7}", open_box, describe="boxes (BOX-…)")
    search.register(r"FRZ-[A-Z0-9-]{1,28}", open_freezer, describe="freezers (FRZ-…)")
    nav.register("Store", "storage-store", roles=[TECHNICIAN], order=30)
    nav.register("Allocate", "storage-allocate-batch", roles=[TECHNICIAN], order=30)
    nav.register("Storage", "storage-freezers", roles=[TECHNICIAN], order=31)
    nav.register("Retrieve / return", "storage-checkout", roles=[TECHNICIAN], order=32)
