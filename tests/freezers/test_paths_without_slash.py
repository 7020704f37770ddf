"""The storage paths the contract writes without a trailing slash answer as with it, in debug too
(they answered 301 with an empty body, and a rack-scan POST 500)."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def empty_box_scan(rows=9, columns=9):
    cells = [
        f"{'ABCDEFGHI'[row]}{column}" for column in range(1, columns + 1) for row in range(rows)
    ]
    return "\r\n".join(["Position,Barcode", *(f"{cell},NO TUBE" for cell in cells)]) + "\r\n"


@pytest.mark.parametrize("debug", [False, True])
def test_box_map_and_freezer_occupancy_without_the_slash(api, tech, ultra, box, debug):
    client = api(tech)
    with override_settings(DEBUG=debug):
        box_map = client.get(f"/api/v1/boxes/{box.code}/map")
        occupancy = client.get(f"/api/v1/freezers/{ultra.code}/occupancy")
    assert box_map.status_code == 200, box_map.content
    assert box_map.json()["box"] == box.code
    assert occupancy.status_code == 200, occupancy.content
    assert occupancy.json() == client.get(f"/api/v1/freezers/{ultra.code}/occupancy/").json()


@pytest.mark.parametrize("debug", [False, True])
def test_a_rack_scan_verify_without_the_slash(api, tech, box, debug):
    with override_settings(DEBUG=debug):
        response = api(tech).post(
            f"/api/v1/boxes/{box.code}/rack-scan?mode=verify",
            data=empty_box_scan(),
            content_type="text/csv",
        )
    assert response.status_code == 200, response.content
    assert response.json()["mode"] == "verify"
    assert response.json()["positions"] == 81
