"""CSV exports are the whole filtered result, streamed, never a page: the audit feed, a tube's
custody trail and its field history."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from specimens import services
from specimens.api.serializers import CustodyEventSerializer
from specimens.selectors import HISTORY_FIELDS
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

EVENT_COLUMNS = list(CustodyEventSerializer().fields)


@pytest.fixture
def tubes(make_order, phleb_north, an_hour_ago):
    """``tubes(n)``: n urine cups labeled and collected, two custody events each."""

    def make(count):
        order = make_order(*["1UR10"] * count)
        services.order_collect(actor=phleb_north, order=order, collected_at=an_hour_ago)
        return list(order.specimens.order_by("pk"))

    return make


def exported(response) -> tuple[list[str], list[dict]]:
    """The header and the rows of a streamed CSV answer."""
    assert response.status_code == 200
    assert response.streaming, "an export is streamed, not built whole"
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, *rows = lines
    return header, [dict(zip(header, row, strict=True)) for row in rows]


def test_the_audit_feed_exports_every_event_not_a_page(api, auditor, tubes):
    tubes(45)
    client = api(auditor)
    page = client.get("/api/v1/audit/events/").json()
    assert (page["count"], len(page["results"])) == (90, 50)
    response = client.get("/api/v1/audit/events/?format=csv")
    assert 'filename="custody-events.csv"' in response["Content-Disposition"]
    header, rows = exported(response)
    assert header == EVENT_COLUMNS
    assert len(rows) == 90
    assert len({(row["specimen"], row["seq"]) for row in rows}) == 90


def test_the_export_applies_the_feeds_filters(api, auditor, tubes):
    first, *_ = tubes(41)
    client = api(auditor)
    _, collected = exported(client.get("/api/v1/audit/events/?format=csv&kind=collected"))
    assert len(collected) == 41 and {row["kind"] for row in collected} == {"collected"}
    _, one = exported(client.get(f"/api/v1/audit/events/?format=csv&specimen={first.barcode}"))
    assert [(row["seq"], row["kind"]) for row in one] == [("2", "collected"), ("1", "labeled")]
    header, none = exported(client.get("/api/v1/audit/events/?format=csv&actor=nobody"))
    assert (header, none) == (EVENT_COLUMNS, [])


def test_an_export_costs_the_same_queries_for_ten_rows_or_a_hundred(api, auditor, tubes):
    client = api(auditor)

    def queries_for_export() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            _, rows = exported(client.get("/api/v1/audit/events/?format=csv"))
        return len(rows), len(captured)

    tubes(5)
    few, few_queries = queries_for_export()
    tubes(45)
    many, many_queries = queries_for_export()
    assert (few, many) == (10, 100)
    assert many_queries == few_queries


def test_notes_beside_the_chain_are_read_once_per_chunk_not_per_row(
    api, auditor, phleb_north, tubes
):
    client = api(auditor)

    def held(count: int) -> None:
        for tube in tubes(count):
            services.specimen_hold(actor=phleb_north, specimen=tube, reason=f"cap {tube.pk}")

    def queries_for_export() -> tuple[list[str], int]:
        with CaptureQueriesContext(connection) as captured:
            _, rows = exported(client.get("/api/v1/audit/events/?format=csv&kind=held"))
        return [json.loads(row["texts"])["reason"]["text"] for row in rows], len(captured)

    held(2)
    few, few_queries = queries_for_export()
    held(18)
    many, many_queries = queries_for_export()
    assert (len(few), len(many)) == (2, 20) and all(text.startswith("cap ") for text in many)
    assert many_queries == few_queries


def test_a_tubes_custody_trail_exports_whole(api, phleb_north, tubes):
    tube, *_ = tubes(1)
    for grams in ("10.1", "10.2", "10.3"):
        answer = api(phleb_north).post(
            f"/api/v1/specimens/{tube.barcode}/weigh/", {"grams": grams}, format="json"
        )
        assert answer.status_code == 200, answer.content
    response = api(phleb_north).get(f"/api/v1/specimens/{tube.barcode}/custody/?format=csv")
    header, rows = exported(response)
    assert header == EVENT_COLUMNS
    assert [row["kind"] for row in rows] == [
        "labeled",
        "collected",
        "weighed",
        "weighed",
        "weighed",
    ]
    assert rows[-1]["prev_hash"] == rows[-2]["hash"]


def test_a_tubes_history_exports_as_csv_like_its_json(api, phleb_north, tubes):
    tube, *_ = tubes(1)
    client = api(phleb_north)
    client.post(f"/api/v1/specimens/{tube.barcode}/hold/", {"reason": "cap cracked"})
    as_json = client.get(f"/api/v1/specimens/{tube.barcode}/history/").json()
    response = client.get(f"/api/v1/specimens/{tube.barcode}/history/?format=csv")
    assert f'filename="{tube.barcode}-history.csv"' in response["Content-Disposition"]
    header, rows = exported(response)
    assert header == list(HISTORY_FIELDS)
    assert [(row["type"], row["reason"]) for row in rows] == [
        (change["type"], change["reason"]) for change in as_json
    ]
    assert rows[-1]["reason"] == "cap cracked" and "hold_reason" in rows[-1]["changes"]


def test_refused_exports_are_problems_not_csv(api, auditor, phleb_north, tubes):
    from barcode_printing.ids import format_id

    tubes(1)
    unknown = format_id("BX", 9_999_999)
    client = api(auditor)
    assert_problem(client.get("/api/v1/audit/events/?format=csv&kind=teleported"), 400, "invalid")
    assert_problem(client.get(f"/api/v1/specimens/{unknown}/history/?format=csv"), 404, "not_found")
    refused = api(phleb_north).get("/api/v1/audit/events/?format=csv")
    assert_problem(refused, 403, "role_forbids_action")
