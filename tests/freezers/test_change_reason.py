"""Every write takes its change reason in the body (``reason``) or the X-Change-Reason header,
and history keeps it beside what the service records: storage and the other apps alike."""

import pytest
from django.db.models import Max

from lims import notes
from lims.audit import history_models
from lims.choices import Role
from tests.freezers.helpers import storage_state
from tests.helpers import assert_problem, client_for, make_user
from tests.lims.routes import api_routes, concrete

pytestmark = pytest.mark.django_db

REASON = "walkthrough of every write"


@pytest.fixture
def stored(api, tech, box, aliquots):
    """``stored(position, checked_out=False)``: an aliquot put into ``box`` through the API."""

    def make(position="A1", checked_out=False):
        (tube,) = aliquots(1)
        client = api(tech)
        slot = {"box": box.code, "position": position}
        assert client.post("/api/v1/storage/place", {"id": tube.barcode, **slot}).status_code == 201
        if checked_out:
            given = {"id": tube.barcode, "reason": "assay"}
            assert client.post("/api/v1/storage/retrieve", given).status_code == 200
        return tube

    return make


def _place(request):
    tube, box = request.getfixturevalue("aliquot"), request.getfixturevalue("box")
    return (
        "tech",
        "post",
        "/api/v1/storage/place",
        {"id": tube.barcode, "box": box.code, "position": "B2"},
    )


def _move(request):
    tube, box = request.getfixturevalue("stored")(), request.getfixturevalue("box")
    return (
        "tech",
        "post",
        "/api/v1/storage/move",
        {"id": tube.barcode, "box": box.code, "position": "C3"},
    )


def _retrieve(request):
    return (
        "tech",
        "post",
        "/api/v1/storage/retrieve",
        {"id": request.getfixturevalue("stored")().barcode},
    )


def _return(request):
    tube = request.getfixturevalue("stored")(checked_out=True)
    return "tech", "post", "/api/v1/storage/return", {"id": tube.barcode}


def _allocate(request):
    tubes = request.getfixturevalue("aliquots")(2)
    request.getfixturevalue("box")
    return "tech", "post", "/api/v1/storage/allocate", {"ids": [t.barcode for t in tubes]}


def _freezer_status(request):
    freezer = request.getfixturevalue("ultra")
    return (
        "biobank_admin",
        "post",
        f"/api/v1/freezers/{freezer.code}/status/",
        {"status": "defrosting"},
    )


def _rack(request):
    freezer = request.getfixturevalue("ultra")
    return "tech", "post", "/api/v1/racks/", {"freezer": freezer.code, "name": "R8"}


def _hold(request):
    tube = request.getfixturevalue("aliquot")
    return "tech", "post", f"/api/v1/specimens/{tube.barcode}/hold/", {}


def _weigh(request):
    tube = request.getfixturevalue("aliquot")
    return "tech", "post", f"/api/v1/specimens/{tube.barcode}/weigh/", {"grams": "1.250"}


def _participant(request):
    north = request.getfixturevalue("north")
    request.getfixturevalue("phleb_north")
    return (
        "phleb_north",
        "post",
        "/api/v1/participants/",
        {"participant_id": "P000000077", "site": north.code},
    )


def _shipment(request):
    request.getfixturevalue("biobank")
    request.getfixturevalue("phleb_north")
    body = {"origin": "SITE-NORTH", "destination": "BIOBANK", "condition": "ambient"}
    return "phleb_north", "post", "/api/v1/shipments/", body


def _site(request):
    request.getfixturevalue("biobank_admin")
    return "biobank_admin", "patch", "/api/v1/sites/BIOBANK/", {"name": "Central Biobank East"}


WRITES = [
    _place,
    _move,
    _retrieve,
    _return,
    _allocate,
    _freezer_status,
    _rack,
    _hold,
    _weigh,
    _participant,
    _shipment,
    _site,
]


def _history_marks() -> dict:
    return {
        model: model.objects.aggregate(top=Max("pk"))["top"] or 0
        for model in history_models()
        if hasattr(model, "history_change_reason")
    }


def _reasons_since(marks: dict) -> list[str]:
    held = [
        reason
        for model, top in marks.items()
        for reason in model.objects.filter(pk__gt=top).values_list(
            "history_change_reason", flat=True
        )
    ]
    found = notes.lookup(notes.referenced(reason) for reason in held)
    return [notes.reason_shown(reason, found) for reason in held]


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__.strip("_"))
@pytest.mark.parametrize("where", ["body", "header"])
def test_every_write_keeps_the_reason_in_history(request, write, where):
    persona, method, path, body = write(request)
    client = client_for(request.getfixturevalue(persona))
    marks = _history_marks()
    if where == "body":
        response = getattr(client, method)(path, {**body, "reason": REASON}, format="json")
    else:
        response = getattr(client, method)(path, body, format="json", HTTP_X_CHANGE_REASON=REASON)
    assert response.status_code in (200, 201), response.content
    reasons = _reasons_since(marks)
    assert reasons, f"{path} wrote no history"
    assert all(REASON in (reason or "") for reason in reasons), reasons


def test_the_service_record_and_the_reason_are_both_kept(api, tech, box, stored):
    tube = stored("A1")
    given = {"id": tube.barcode, "box": box.code, "position": "A2", "reason": "rack reorganised"}
    assert api(tech).post("/api/v1/storage/move", given).status_code == 200
    placement = tube.placement.history.latest()
    assert notes.reason(placement) == f"moved to {box.slot_path(1, 2)}: rack reorganised"
    assert notes.reason(tube.history.latest()) == "moved: rack reorganised"


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        (["a", "list"], "invalid"),
        ("x" * 501, "invalid"),
        ("call 617-555-0100 about it", "possible_identifier_in_text"),
    ],
)
@pytest.mark.parametrize("where", ["body", "header"])
def test_a_bad_reason_is_refused_and_nothing_changes(api, tech, box, stored, reason, code, where):
    if where == "header" and not isinstance(reason, str):
        pytest.skip("a header is always text")
    tube = stored("A1")
    given = {"id": tube.barcode, "box": box.code, "position": "A2"}
    before = storage_state()
    if where == "body":
        response = api(tech).post(
            "/api/v1/storage/move", {**given, "reason": reason}, format="json"
        )
    else:
        response = api(tech).post("/api/v1/storage/move", given, HTTP_X_CHANGE_REASON=reason)
    assert "reason" in assert_problem(response, 400, code)["errors"]
    assert storage_state() == before


def test_a_reason_inside_a_nested_object_is_still_unknown(api, phleb_north, north):
    response = api(phleb_north).post(
        "/api/v1/orders/",
        {
            "participant": "P000000001",
            "site": north.code,
            "tubes": [],
            "safety": {"reason": "nested"},
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["safety"]["reason"][0] == "Unknown field."


@pytest.mark.parametrize(("route", "view"), api_routes(), ids=lambda value: str(value))
def test_no_write_route_refuses_a_reason_as_unknown(route, view, biobank):
    """Walks every route: a body of only a reason may lack what the route needs, but the
    reason itself is never an unknown field."""
    view_class = getattr(view, "cls", None) or view.view_class
    handlers = getattr(view, "actions", None) or {
        method: method for method in view_class.http_method_names if hasattr(view_class, method)
    }
    writes = sorted(method.upper() for method in handlers if method in ("post", "put", "patch"))
    if not writes:
        pytest.skip("reads only")
    if not view_class.body_reason:
        pytest.skip("a batch's body is its requests; its reason comes in the header")
    admin = make_user("walker", (biobank, Role.SITE_ADMIN), is_superuser=True)
    for method in writes:
        response = client_for(admin).generic(
            method, concrete(route), data='{"reason": "walk"}', content_type="application/json"
        )
        problem = response.get("Content-Type", "").startswith("application/problem+json")
        errors = response.json().get("errors", {}) if problem else {}
        assert "reason" not in errors, (method, route, response.content)
