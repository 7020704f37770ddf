"""Box map, occupancy and allocation cost the same number of queries however many boxes exist."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code in (200, 201), response.content
    return len(captured)


def test_reads_and_allocation_do_not_grow_with_the_number_of_boxes(
    api, tech, ultra, box, make_box, aliquots
):
    client = api(tech)
    first, *tubes = aliquots(11)
    client.post("/api/v1/storage/place", {"id": first.barcode, "box": box.code, "position": "A1"})

    def measure(batch):
        return (
            queries(lambda: client.get(f"/api/v1/boxes/{box.code}/map/")),
            queries(lambda: client.get(f"/api/v1/freezers/{ultra.code}/occupancy/")),
            queries(
                lambda: client.post(
                    "/api/v1/storage/allocate", {"ids": [t.barcode for t in batch]}, format="json"
                )
            ),
        )

    few = measure(tubes[:5])
    for rack in ("R2", "R3", "R4"):
        for _ in range(4):
            make_box(ultra, rack=rack)
    many = measure(tubes[5:])
    assert few == many
