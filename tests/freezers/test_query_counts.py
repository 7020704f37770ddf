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


def test_the_specimen_list_shows_storage_in_the_same_queries_for_few_or_many_tubes(
    api, tech, box, aliquots
):
    client = api(tech)
    tubes = aliquots(10)

    def store_and_list(stored, row):
        for n, tube in enumerate(stored, start=1):
            place = {"id": tube.barcode, "box": box.code, "position": f"{row}{n}"}
            assert client.post("/api/v1/storage/place", place).status_code == 201
        return queries(lambda: client.get("/api/v1/specimens/"))

    few = store_and_list(tubes[:2], "C")
    many = store_and_list(tubes[2:], "D")
    assert few == many
    in_box = client.get(f"/api/v1/specimens/?box={box.code}").json()["results"]
    assert sorted(row["storage"]["position"] for row in in_box) == sorted(
        [f"C{n}" for n in (1, 2)] + [f"D{n}" for n in range(1, 9)]
    )
    assert client.get("/api/v1/specimens/?box=BOX-99999").json()["count"] == 0


def test_excursions_cost_the_same_however_many_readings(api, tech, ultra):
    from datetime import timedelta

    from django.utils import timezone

    from freezers.models import Freezer
    from freezers.services import record_readings

    freezer = Freezer.objects.get(pk=ultra.pk)
    now = timezone.now().replace(microsecond=0)
    url = f"/api/v1/freezers/{freezer.code}/excursions/"
    record_readings(actor=tech, freezer=freezer, readings=[(now - timedelta(hours=1), -70)])
    one = queries(lambda: api(tech).get(url))
    hours = range(2, 40)
    readings = [(now - timedelta(hours=n), -80 if n % 5 else -60) for n in hours]
    record_readings(actor=tech, freezer=freezer, readings=readings)
    assert queries(lambda: api(tech).get(url)) == one
