"""A single scan costs few statements (issue 18): weigh, collect, pack, receive and place, each
with and without an Idempotency-Key, counted besides BEGIN/COMMIT/SAVEPOINT, and answering every
field the contract (docs/api.md) names."""

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from freezers import services as storage
from freezers.models import BoxType
from lims.choices import Role
from shipments import dispatch, packing, receipt
from specimens import services
from specimens.models import CustodyEvent, Specimen
from tests.freezers.conftest import box_types  # noqa: F401 (a fixture)
from tests.helpers import assert_problem, make_user
from tests.specimens.conftest import NO_RISK
from tests.specimens.helpers import received_at_biobank

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("tube_catalog")]

# The most statements (unkeyed, keyed) each scan may cost. Issue 18 asks 6 and 8 of every scan
# on PostgreSQL, as deployed: there a step's writes (the tube, its history, its custody event,
# and the manifest line, placement, box count or order with theirs) go as one statement
# (lims.sql.together). SQLite has no data-modifying WITH and sends them one after another, so
# its ceilings are those writes' own.
LIMITS = {
    "postgresql": {scan: (6, 8) for scan in ("weigh", "collect", "pack", "receive", "place")},
    "sqlite": {
        "weigh": (6, 8),
        "collect": (9, 11),
        "pack": (9, 11),
        "receive": (9, 11),
        "place": (11, 13),
    },
}
# Packing and storing write in a savepoint of their own, so that the database's refusal (a second
# open shipment for the tube, a slot just taken) is read past it and answered in words.
SAVEPOINTS = {"pack": 1, "place": 1}
_TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)
SPECIMEN_FIELDS = {
    "id",
    "type",
    "status",
    "biobank_id",
    "participant_id",
    "order",
    "site",
    "current_site",
    "hold_reason",
    "qc_flags",
    "parent",
    "children",
    "collected_at",
    "processed_at",
    "volume_ul",
    "weight_g",
    "storage",
    "shipment",
    "actions",
    "signatures",
}


def _post(client, url: str, body: dict, *, keyed: bool):
    """The answer and every statement it cost, transaction control included."""
    headers = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())} if keyed else {}
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, body, format="json", **headers)
    return response, [query["sql"] for query in captured]


def _order(who, site, *codes):
    person = services.participant_register(
        actor=who, participant_id=f"P{uuid.uuid4().int % 10**9:09d}", site=site
    )
    return services.order_create(
        actor=who, participant=person, site=site, tube_codes=list(codes), safety=NO_RISK
    )


def _collected(who, site, code="1UR10") -> Specimen:
    order = _order(who, site, code)
    services.order_collect(actor=who, order=order, collected_at=timezone.now() - timedelta(hours=1))
    return order.specimens.get()


def _finalized(who, site) -> Specimen:
    tube = _collected(who, site)
    services.order_finalize(actor=who, order=tube.order)
    return tube


def _assert_cost(scan: str, sent: list[str], keyed: bool) -> None:
    statements = [sql for sql in sent if not _TRANSACTION_CONTROL.match(sql)]
    limit = LIMITS[connection.vendor][scan][keyed]
    assert len(statements) <= limit, "\n".join(sql[:150] for sql in statements)
    # Savepoints are round trips too. The scan's view holds the locks in its transaction, and
    # the step takes no savepoint of its own; a keyed request's view takes one, so that a refusal
    # is undone and its answer still stored.
    savepoints = [sql for sql in sent if sql.startswith("SAVEPOINT")]
    assert len(savepoints) == SAVEPOINTS.get(scan, 0) + keyed, "\n".join(sent)


@pytest.mark.parametrize("keyed", [False, True])
def test_weigh(api, phleb_north, north, keyed):
    tube = _collected(phleb_north, north)
    client = api(phleb_north)
    url = f"/api/v1/specimens/{tube.barcode}/weigh/"
    response, statements = _post(client, url, {"grams": "12.5", "device": "bal-1"}, keyed=keyed)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) >= SPECIMEN_FIELDS
    assert body["id"] == tube.barcode and body["weight_g"] == "12.500"
    assert body["volume_ul"] is not None
    assert body["participant_id"] == tube.participant.participant_id
    assert body["site"] == body["current_site"] == north.code
    assert body["order"] == tube.order.code and body["status"] == "collected"
    assert "weigh" in body["actions"] and body["storage"] is None
    assert body == client.get(f"/api/v1/specimens/{tube.barcode}/").json()
    weighed = CustodyEvent.objects.get(specimen=tube, kind="weighed")
    assert weighed.actor == phleb_north and weighed.details["grams"] == "12.500"
    record = Specimen.history.filter(id=tube.pk).latest("history_id")
    assert record.history_user == phleb_north and record.history_change_reason == "weighed"
    _assert_cost("weigh", statements, keyed)


@pytest.mark.parametrize("keyed", [False, True])
def test_collect_by_scan(api, phleb_north, north, keyed):
    order = _order(phleb_north, north, "1UR10", "1ED10")
    first = order.specimens.order_by("barcode").first()
    client = api(phleb_north)
    at = (timezone.now() - timedelta(minutes=30)).isoformat()
    response, statements = _post(
        client,
        f"/api/v1/orders/{order.code}/collect/",
        {"collected_at": at, "barcodes": [first.barcode]},
        keyed=keyed,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert {"code", "status", "participant_id", "site", "specimens"} <= set(body)
    assert body == client.get(f"/api/v1/orders/{order.code}/").json()
    statuses = {tube["id"]: tube["status"] for tube in body["specimens"]}
    assert statuses[first.barcode] == "collected" and list(statuses.values()).count("labeled") == 1
    assert all(set(tube) >= SPECIMEN_FIELDS for tube in body["specimens"])
    _assert_cost("collect", statements, keyed)


def test_a_refused_keyed_scan_stores_its_problem_and_writes_nothing(api, phleb_north, north):
    """The step takes no savepoint of its own: the keyed view's savepoint undoes the refusal and
    keeps the claimed key, which stores the problem for the retry."""
    order = _order(phleb_north, north, "1UR10", "1ED10")
    first, second = order.specimens.order_by("barcode")
    client = api(phleb_north)
    at = (timezone.now() - timedelta(minutes=30)).isoformat()
    url = f"/api/v1/orders/{order.code}/collect/"
    collected = client.post(url, {"collected_at": at, "barcodes": [first.barcode]}, format="json")
    assert collected.status_code == 200, collected.content
    events, history = CustodyEvent.objects.count(), Specimen.history.count()
    # The second tube with the first, already collected: the step refuses both.
    body = {"collected_at": at, "barcodes": [second.barcode, first.barcode]}
    refused = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    problem = assert_problem(refused, 409, "transition_not_allowed")
    replayed = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert (replayed.status_code, replayed.content) == (409, refused.content)
    assert replayed["Idempotent-Replayed"] == "true" and problem["detail"]
    assert Specimen.objects.get(pk=second.pk).status == "labeled"
    assert (CustodyEvent.objects.count(), Specimen.history.count()) == (events, history)


@pytest.mark.parametrize("keyed", [False, True])
def test_pack(api, phleb_north, north, biobank, keyed):
    tube = _finalized(phleb_north, north)
    shipment = packing.shipment_create(
        actor=phleb_north, origin=north, destination=biobank, condition="refrigerated"
    )
    client = api(phleb_north)
    url = f"/api/v1/shipments/{shipment.code}/items/"
    response, statements = _post(client, url, {"id": tube.barcode}, keyed=keyed)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["shipment"] == shipment.code and body["id"] == tube.barcode
    assert body["status"] == "packed" and body["receipt_status"] == "pending"
    assert Specimen.objects.get(pk=tube.pk).status == "packed"
    _assert_cost("pack", statements, keyed)


@pytest.mark.parametrize("keyed", [False, True])
def test_receive(api, phleb_north, tech, north, biobank, keyed):
    tubes = [_finalized(phleb_north, north) for _ in range(2)]
    shipment = packing.shipment_create(
        actor=phleb_north, origin=north, destination=biobank, condition="refrigerated"
    )
    for tube in tubes:
        packing.shipment_add_item(actor=phleb_north, shipment=shipment, barcode=tube.barcode)
    dispatch.shipment_dispatch(
        actor=phleb_north, shipment=shipment, courier="fedex", tracking_number="123456789012"
    )
    receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
    client = api(tech)
    url = f"/api/v1/shipments/{shipment.code}/receive/"
    response, statements = _post(client, url, {"id": tubes[0].barcode}, keyed=keyed)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == tubes[0].barcode and body["shipment"] == shipment.code
    assert body["outcome"] == "expected" and body["receipt_status"] == "received"
    assert body["counts"]["received"] == 1 and body["detail"]
    assert Specimen.objects.get(pk=tubes[0].pk).status == "received"
    _assert_cost("receive", statements, keyed)


@pytest.mark.parametrize("keyed", [False, True])
def test_place(api, phleb_north, tech, north, biobank, box_types, keyed):  # noqa: F811
    admin = make_user("admin-biobank", (biobank, Role.SITE_ADMIN))
    freezer = storage.freezer_create(
        actor=admin,
        site=biobank,
        code="FRG-4-A",
        name="Fridge",
        kind="fridge_4",
        temperature_class="refrigerated",
        set_point_c="4",
    )
    rack = storage.rack_create(actor=tech, freezer=freezer, name="R1", kind="rack")
    box = storage.box_create(actor=tech, rack=rack, box_type=BoxType.objects.get(code="9x9"))
    tube = _finalized(phleb_north, north)
    tube = received_at_biobank(tube, phleb=phleb_north, tech=tech, biobank=biobank)
    client = api(tech)
    body = {"id": tube.barcode, "box": box.code, "position": "A1"}
    response, statements = _post(client, "/api/v1/storage/place/", body, keyed=keyed)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] == tube.barcode and body["box"] == box.code
    assert body["position"] == "A1" and body["path"] and body["status"] == "stored"
    _assert_cost("place", statements, keyed)
