"""What the specimen core adds to the workbench shell: its IDs in the search box, its pages in
the navigation (registered from ``SpecimensConfig.ready``)."""

from django.urls import reverse

from barcode_printing.ids import parse_id
from lims import search
from lims.choices import Role
from lims.web import nav
from specimens.models import CollectionOrder, Specimen
from specimens.selectors import participants_drawn_by

SPECIMEN_SHAPE = r"[A-Z]{2}\d{6,8}[0-9A-Z*]?"


def open_specimen(user, text: str) -> str:
    barcode = parse_id(text)
    tube = Specimen.objects.for_user(user).filter(barcode=barcode).select_related("order").first()
    if tube is None:
        raise search.SearchRefused(f"No tube {barcode} among those you can see.")
    if tube.order is None:
        raise search.SearchRefused(f"Tube {barcode} has no order page to open.")
    return reverse("order", args=[tube.order.code]) + f"#{barcode}"


def open_order(user, text: str) -> str:
    if not CollectionOrder.objects.for_user(user).filter(code=text).exists():
        raise search.SearchRefused(f"No order {text} among those you can see.")
    return reverse("order", args=[text])


def open_participant(user, text: str) -> str:
    field = "participant_id" if text.startswith("P") else "biobank_id"
    person = participants_drawn_by(user).filter(**{field: text}).first()
    if person is None:
        raise search.SearchRefused(f"No participant {text} registered at your collection sites.")
    return reverse("participant", args=[person.participant_id])


def register() -> None:
    search.register(SPECIMEN_SHAPE, open_specimen, describe="tubes (BX…)")
    search.register(r"ORD-\d+", open_order, describe="orders (ORD-…)")
    search.register(r"[PB]\d{9}", open_participant, describe="participants (P… or B…)")
    nav.register("Work queue", "collect", roles=[Role.PHLEBOTOMIST], order=10, key="w")
    nav.register("Participants", "participants", roles=[Role.PHLEBOTOMIST], order=20, key="r")
