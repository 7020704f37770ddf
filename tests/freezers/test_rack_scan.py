"""Rack-scanner CSV import: two layouts, verify answers the diff, apply makes the box match."""

import pytest

from freezers.models import Placement
from specimens.models import CustodyEvent, Specimen
from tests.freezers.helpers import storage_state
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


def scan_file(box, cells, *, layout="position_barcode", rack=None, padded=True, size=(9, 9)):
    """A scanner's file, column by column as many scanners write it; unlisted wells empty."""
    rows, columns = size
    header = "Position,Barcode" if layout == "position_barcode" else "Rack ID,Tube Position,Tube ID"
    lines = [header]
    for column in range(1, columns + 1):
        for row in range(rows):
            name = f"{'ABCDEFGHIJKLMNOP'[row]}{column}"
            written = f"{name[0]}{column:02d}" if padded else name
            value = cells.get(name, "NO TUBE")
            lines.append(
                f"{written},{value}"
                if layout == "position_barcode"
                else f"{rack or box.code},{written},{value}"
            )
    return "\r\n".join(lines) + "\r\n"


def post_scan(client, box, text, mode="verify", reason="rack reader run after the move"):
    return client.post(
        f"/api/v1/boxes/{box.code}/rack-scan/?mode={mode}",
        data=text,
        content_type="text/csv",
        headers={"X-Change-Reason": reason},
    )


def place(client, tube, box, position):
    response = client.post(
        "/api/v1/storage/place", {"id": tube.barcode, "box": box.code, "position": position}
    )
    assert response.status_code == 201, response.content


@pytest.fixture
def scene(api, tech, ultra, box, make_box, aliquots):
    """A1 and A2 stored in the box, B1 checked out from it, one tube stored in another box,
    one received tube not yet in storage."""
    a1, a2, b1, elsewhere, loose = aliquots(5)
    other = make_box(ultra, rack="R2")
    client = api(tech)
    for tube, position in ((a1, "A1"), (a2, "A2"), (b1, "B1")):
        place(client, tube, box, position)
    place(client, elsewhere, other, "E5")
    client.post("/api/v1/storage/retrieve", {"id": b1.barcode, "reason": "assay"})
    return {"a1": a1, "a2": a2, "b1": b1, "elsewhere": elsewhere, "loose": loose, "other": other}


def by_position(body):
    return {entry["position"]: entry for entry in body["entries"]}


def test_verify_answers_the_diff_and_changes_nothing(api, auditor, box, scene):
    cells = {
        "A1": scene["a1"].barcode,
        "A3": scene["elsewhere"].barcode,
        "A4": scene["loose"].barcode,
        "A5": "BX9999999" + "Z",
        "A6": "NO READ",
    }
    before = storage_state()
    response = post_scan(api(auditor), box, scan_file(box, cells))
    assert response.status_code == 200, response.content
    body = response.json()
    assert storage_state() == before
    assert (body["layout"], body["mode"], body["positions"]) == ("position_barcode", "verify", 81)
    entries = by_position(body)
    assert entries["A1"] == {
        "position": "A1",
        "status": "match",
        "scanned": scene["a1"].barcode,
        "expected": scene["a1"].barcode,
    }
    assert entries["A2"] == {
        "position": "A2",
        "status": "empty_where_expected",
        "expected": scene["a2"].barcode,
    }
    assert entries["B1"]["status"] == "reserved"
    assert entries["A3"]["status"] == "moved"
    assert entries["A3"]["from"].endswith(f"{scene['other'].code}/E5")
    assert entries["A4"]["status"] == "tube_where_empty"
    assert (
        entries["A5"]["status"] == "unknown_tube" and "check character" in entries["A5"]["problem"]
    )
    assert entries["A6"] == {"position": "A6", "status": "unreadable", "scanned": "NO READ"}
    assert body["summary"] == {
        "match": 1,
        "empty_where_expected": 1,
        "reserved": 1,
        "moved": 1,
        "tube_where_empty": 1,
        "unknown_tube": 1,
        "unreadable": 1,
    }


def test_apply_swaps_stores_moves_and_returns_in_one_go(api, tech, box, scene):
    cells = {
        "A1": scene["a2"].barcode,  # swapped with A2
        "A2": scene["a1"].barcode,
        "B1": scene["b1"].barcode,  # back from check-out
        "C1": scene["elsewhere"].barcode,  # from another box
        "C2": scene["loose"].barcode,  # new in storage
    }
    text = scan_file(box, cells, layout="rack_position_barcode", padded=False)
    response = post_scan(api(tech), box, text, mode="apply")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["layout"] == "rack_position_barcode" and body["mode"] == "apply"
    grid = api(tech).get(f"/api/v1/boxes/{box.code}/map/").json()["grid"]
    assert [grid[0][0]["id"], grid[0][1]["id"]] == [scene["a2"].barcode, scene["a1"].barcode]
    assert grid[1][0]["id"] == scene["b1"].barcode and grid[1][0]["reserved"] is False
    assert [grid[2][0]["id"], grid[2][1]["id"]] == [
        scene["elsewhere"].barcode,
        scene["loose"].barcode,
    ]
    kinds = {
        name: CustodyEvent.objects.filter(specimen=scene[name]).latest("seq").kind
        for name in ("a1", "a2", "b1", "elsewhere", "loose")
    }
    assert kinds == {
        "a1": "moved",
        "a2": "moved",
        "b1": "returned",
        "elsewhere": "moved",
        "loose": "stored",
    }
    assert Placement.objects.get(specimen=scene["b1"]).freeze_thaw_count == 1
    record = Placement.objects.get(specimen=scene["a1"]).history.latest()
    assert (record.history_user, record.history_change_reason) == (
        tech,
        f"rack scan of {box.code}: moved (rack reader run after the move)",
    )
    assert CustodyEvent.objects.filter(specimen=scene["a1"]).latest("seq").details["reason"] == (
        "rack reader run after the move"
    )
    assert (record.row, record.column) == (1, 2)
    statuses = set(
        Specimen.objects.filter(
            pk__in=[t.pk for t in scene.values() if hasattr(t, "barcode")]
        ).values_list("status", flat=True)
    )
    assert statuses == {"stored"}


def test_a_file_that_matches_applies_nothing(api, tech, box, scene):
    cells = {"A1": scene["a1"].barcode, "A2": scene["a2"].barcode}
    before = storage_state()
    body = post_scan(api(tech), box, scan_file(box, cells), mode="apply").json()
    assert body["summary"] == {"match": 2, "reserved": 1}
    assert storage_state() == before


@pytest.mark.parametrize(
    ("cells", "code"),
    [
        ({"A1": "BX9999999" + "Z"}, "rack_scan_unknown_tubes"),
        ({"A1": "NO READ"}, "rack_scan_unreadable"),
        ({"A1": "{loose}"}, "rack_scan_displaces"),
        ({"B1": "{loose}"}, "rack_scan_displaces"),
    ],
)
def test_apply_refuses_what_it_cannot_resolve_and_changes_nothing(
    api, tech, box, scene, cells, code
):
    cells = {key: value.format(loose=scene["loose"].barcode) for key, value in cells.items()}
    before = storage_state()
    assert_problem(post_scan(api(tech), box, scan_file(box, cells), mode="apply"), 409, code)
    assert storage_state() == before


@pytest.mark.parametrize("reason", ["", "   ", "call jane.doe@example.org"])
def test_apply_without_a_reason_or_with_an_identifier_in_it_changes_nothing(
    api, tech, box, scene, reason
):
    cells = {"A1": scene["a2"].barcode, "A2": scene["a1"].barcode}
    before = storage_state()
    response = post_scan(api(tech), box, scan_file(box, cells), mode="apply", reason=reason)
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"].keys() == {"reason"}
    assert storage_state() == before


def test_an_auditor_verifies_but_does_not_apply(api, auditor, box, scene):
    before = storage_state()
    response = post_scan(api(auditor), box, scan_file(box, {}), mode="apply")
    assert_problem(response, 403, "role_forbids_action")
    assert storage_state() == before


def test_semicolons_and_a_byte_order_mark_are_read(api, tech, box, scene):
    text = "\ufeff" + scan_file(box, {"A1": scene["a1"].barcode}).replace(",", ";")
    response = post_scan(api(tech), box, text.encode("utf-8"))
    assert response.status_code == 200, response.content
    assert by_position(response.json())["A1"]["status"] == "match"


def _files(box):
    ok = scan_file(box, {})
    return {
        "bad header": ("Well;Sample\nA1;x\n", "rack_scan_bad_header"),
        "no header": (ok.split("\r\n", 1)[1], "rack_scan_bad_header"),
        "empty": ("", "rack_scan_bad_header"),
        "8x12 file": (scan_file(box, {}, size=(8, 12)), "rack_scan_grid_mismatch"),
        "missing wells": ("\r\n".join(ok.split("\r\n")[:40]), "rack_scan_grid_mismatch"),
        "twice a position": (ok.replace("B01,", "A01,", 1), "rack_scan_duplicate_position"),
        "twice a tube": (
            scan_file(box, {"A1": "BX0000001X", "A2": "BX0000001X"}),
            "rack_scan_duplicate_barcode",
        ),
        "another rack": (
            scan_file(box, {}, layout="rack_position_barcode", rack="RACK-0042"),
            "rack_scan_wrong_box",
        ),
        "bad position": (ok.replace("A01,", "A-1,", 1), "rack_scan_invalid"),
        "a huge field": (ok.replace("A01,", "A01," + "X" * 131_073, 1), "unreadable_csv"),
    }


BAD_FILES = [
    "bad header",
    "no header",
    "empty",
    "8x12 file",
    "missing wells",
    "twice a position",
    "twice a tube",
    "another rack",
    "bad position",
    "a huge field",
]


@pytest.mark.parametrize("case", BAD_FILES)
@pytest.mark.parametrize("mode", ["verify", "apply"])
def test_bad_files_are_refused_with_a_clear_problem(api, tech, box, scene, case, mode):
    text, code = _files(box)[case]
    before = storage_state()
    assert_problem(post_scan(api(tech), box, text, mode=mode), 400, code)
    assert storage_state() == before


def test_a_bag_cannot_be_rack_scanned(api, tech, ultra, make_box):
    bag = make_box(ultra, "bag-50")
    assert_problem(
        post_scan(api(tech), bag, "Position,Barcode\n1,NO TUBE\n"), 400, "rack_scan_not_a_rack"
    )


def test_bad_requests_to_the_endpoint(api, tech, phleb_north, box, scene):
    text = scan_file(box, {})
    assert_problem(post_scan(api(tech), box, text, mode="merge"), 400, "invalid")
    json_body = api(tech).post(f"/api/v1/boxes/{box.code}/rack-scan/", {"a": 1}, format="json")
    assert_problem(json_body, 415, "unsupported_media_type")
    assert_problem(post_scan(api(phleb_north), box, text), 404, "not_found")


def test_a_return_by_rack_scan_records_what_storage_return_records(api, tech, box, scene):
    """The same return rule behind both paths: same custody details, freeze-thaw count
    included; the scan adds only where the news came from."""
    client, tube = api(tech), scene["b1"]
    here = {"A1": scene["a1"].barcode, "A2": scene["a2"].barcode}

    def slot(position, **more):
        path = box.slot_path(*box.grid.parse(position))
        return {"box": box.code, "position": position, "path": path, **more}

    def by_scan(position):
        text = scan_file(box, {**here, position: tube.barcode})
        assert post_scan(client, box, text, mode="apply").status_code == 200

    def by_endpoint(position=None):
        where = {"box": box.code, "position": position} if position else {}
        response = client.post("/api/v1/storage/return", {"id": tube.barcode, **where})
        assert response.status_code == 200, response.content

    scanned = {"source": "rack scan", "reason": "rack reader run after the move"}
    b1, c3 = slot("B1")["path"], slot("C3")["path"]
    rounds = [
        (lambda: by_scan("B1"), slot("B1", freeze_thaw_count=1, **scanned)),
        (by_endpoint, slot("B1", freeze_thaw_count=2)),
        (lambda: by_scan("C3"), slot("C3", reserved=b1, freeze_thaw_count=3, **scanned)),
        (lambda: by_endpoint("B1"), slot("B1", reserved=c3, freeze_thaw_count=4)),
    ]
    for number, (give_back, expected) in enumerate(rounds):
        if number:
            client.post("/api/v1/storage/retrieve", {"id": tube.barcode, "reason": "assay"})
        give_back()
        event = CustodyEvent.objects.filter(specimen=tube).latest("seq")
        assert (event.kind, event.details) == ("returned", expected)
    assert Placement.objects.get(specimen=tube).freeze_thaw_count == 4
