"""A demo network with work in every state, made through the API as its users would: the
demo sites, users, printers and freezers, then a visit's tubes collected, shipped, received,
aliquoted and stored, another visit's order still open, and a shipment still empty."""

import importlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.apps import apps
from django.core.management import call_command
from django.test.utils import override_settings

from barcode_printing.models import PrintJob
from freezers.models import Box, BoxType, Freezer
from lims.models import Site, User
from shipments.models import Shipment
from specimens.models import CollectionOrder, Participant, Specimen, SpecimenType
from tests.helpers import client_for

# The roles the contract is exercised as, and the demo user holding each.
ROLES = {"phlebotomist": "phleb-north", "technician": "tech"}
NORTH = "SITE-NORTH"
NO_RISK = {
    "donated_blood_past_week": False,
    "transfusion_past_6_months": False,
    "fainting_history": False,
}


@dataclass
class Network:
    users: dict[str, User]
    ids: dict[str, list[str]]


def _call(client, path: str, body: dict | None = None, status: int = 200):
    """POST ``body`` (GET when None) and answer the JSON, which must come with ``status``."""
    answer = client.get(path) if body is None else client.post(path, body, format="json")
    assert answer.status_code == status, (path, answer.status_code, answer.content[:500])
    return answer.json()


def _ago(hours: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="seconds")


def _visit(phleb, participant: str, tubes: list[str]) -> dict:
    _call(phleb, "/api/v1/participants/", {"participant_id": participant, "site": NORTH}, 201)
    order = {"participant": participant, "site": NORTH, "tubes": tubes, "safety": NO_RISK}
    return _call(phleb, "/api/v1/orders/", order, 201)


def _shipment(phleb, condition: str) -> str:
    route = {"origin": NORTH, "destination": "BIOBANK", "condition": condition}
    return _call(phleb, "/api/v1/shipments/", route, 201)["code"]


def _catalogs() -> None:
    """The catalogs their migrations load, again if an earlier transactional test flushed them."""
    if not SpecimenType.objects.exists():
        importlib.import_module(
            "specimens.migrations.0002_catalog_and_custody_guards"
        ).load_catalog(apps, None)
    if not BoxType.objects.exists():
        importlib.import_module("freezers.migrations.0002_box_types").load_box_types(apps, None)


def seed_network() -> Network:
    _catalogs()
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())
        call_command("seed_storage", stdout=io.StringIO())
    users = {role: User.objects.get(username=name) for role, name in ROLES.items()}
    phleb, tech = client_for(users["phlebotomist"]), client_for(users["technician"])

    order = _visit(phleb, "P000000101", ["1SST8", "1UR10", "1ED10"])
    tubes = {tube["type"]: tube["id"] for tube in order["specimens"]}
    orders = f"/api/v1/orders/{order['code']}"
    _call(phleb, f"{orders}/collect", {"collected_at": _ago(2)})
    _call(phleb, f"{orders}/process", {"processed_at": _ago(1)})
    _call(phleb, f"{orders}/finalize", {})
    _visit(phleb, "P000000102", ["1SST8", "1PST8"])
    reprint = {"ids": [tubes["1SST8"]], "format": "pdf", "reason": "label smudged"}
    assert phleb.post("/api/v1/labels/", reprint, format="json").status_code == 200

    shipment = f"/api/v1/shipments/{_shipment(phleb, 'refrigerated')}"
    for tube in tubes.values():
        _call(phleb, f"{shipment}/items", {"id": tube}, 201)
    _call(phleb, f"{shipment}/dispatch", {"courier": "fedex", "tracking_number": "123456789012"})
    _shipment(phleb, "ambient")

    _call(tech, f"{shipment}/arrive", {"condition_ok": True})
    for kind in ("1SST8", "1UR10"):
        _call(tech, f"{shipment}/receive", {"id": tubes[kind]})
    _call(tech, f"{shipment}/close", {})
    serum = {"count": 2, "type": "SERUM", "volume_ul": 500}
    aliquot = _call(tech, f"/api/v1/specimens/{tubes['1SST8']}/aliquot", serum, 201)[0]["id"]
    slot = _call(tech, "/api/v1/storage/free?temperature_class=ultra_cold&count=1")["slots"][0]
    place = {"id": aliquot, "box": slot["box"], "position": slot["position"]}
    _call(tech, "/api/v1/storage/place", place, 201)
    return Network(users=users, ids=_identifiers())


def _identifiers() -> dict[str, list[str]]:
    """Public identifiers of what the network holds, by the API resource that names them."""
    participants = Participant.objects.values_list("participant_id", "biobank_id")
    return {
        "sites": list(Site.objects.values_list("code", flat=True)),
        "participants": [pid for pair in participants for pid in pair],
        "orders": list(CollectionOrder.objects.values_list("code", flat=True)),
        "specimens": list(Specimen.objects.values_list("barcode", flat=True)),
        "shipments": list(Shipment.objects.values_list("code", flat=True)),
        "freezers": list(Freezer.objects.values_list("code", flat=True)),
        "boxes": list(Box.objects.values_list("code", flat=True)[:3]),
        "print-jobs": [str(job) for job in PrintJob.objects.values_list("public_id", flat=True)],
    }
