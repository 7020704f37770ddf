"""Snapshots that a refused storage request must leave exactly as they were."""

from freezers.models import Box, Placement, Rack, TemperatureReading
from specimens.models import CustodyEvent, Specimen


def storage_state() -> tuple:
    return (
        list(Specimen.objects.order_by("pk").values_list("status", "custody_seq")),
        CustodyEvent.objects.count(),
        list(
            Placement.objects.order_by("pk").values_list(
                "box_id", "row", "column", "checked_out_at", "freeze_thaw_count", "vacated_at"
            )
        ),
        Placement.history.count(),
        Box.objects.count(),
        Rack.objects.count(),
        TemperatureReading.objects.count(),
    )
