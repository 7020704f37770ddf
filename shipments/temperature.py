"""Transit temperature evidence: a shipment's logger file, its excursions, and the flagged tubes."""

import hashlib

from django.db import transaction
from django.utils import timezone

from lims.audit import said
from lims.models import User
from shipments import logger
from shipments.choices import RANGES, ReceiptStatus
from shipments.choices import ShipmentAction as A
from shipments.errors import LoggerAlreadyUploaded, LoggerOutsideTransit
from shipments.lifecycle import check, lock, when
from shipments.models import Excursion, Shipment, TemperatureLog
from specimens.choices import QCFlag
from specimens.models import Specimen
from specimens.services import specimens_flag_qc


def shipment_upload_logger(*, actor: User, shipment: Shipment, content: str) -> TemperatureLog:
    """Record the logger file, its min/max and excursions during transit; flag the tubes."""
    with transaction.atomic():
        shipment = lock(shipment)
        check(shipment, A.UPLOAD_LOGGER, actor=actor)
        if TemperatureLog.objects.filter(shipment=shipment).exists():
            raise LoggerAlreadyUploaded(
                f"The logger file of {shipment.code} is already recorded; it is evidence and is "
                "not replaced."
            )
        readings = _in_transit(shipment, logger.parse(content, shipment.origin.time_zone))
        stretches = logger.excursions(readings, RANGES[shipment.condition])
        log = TemperatureLog.objects.create(
            shipment=shipment,
            uploaded_by=actor,
            uploaded_at=timezone.now(),
            sha256=hashlib.sha256(content.encode()).hexdigest(),
            content=content,
            readings=len(readings),
            first_at=readings[0].at,
            last_at=readings[-1].at,
            min_c=min(r.celsius for r in readings),
            max_c=max(r.celsius for r in readings),
        )
        Excursion.objects.bulk_create(
            Excursion(log=log, started_at=s.started_at, ended_at=s.ended_at, peak_c=s.peak_c)
            for s in stretches
        )
        if stretches:
            _flag_excursion(actor, shipment, stretches)
    return log


def _in_transit(shipment: Shipment, readings: list[logger.Reading]) -> list[logger.Reading]:
    """The readings between dispatch and arrival (to the last reading if not yet arrived)."""
    start, end = shipment.dispatched_at, shipment.arrived_at
    kept = [r for r in readings if r.at >= start and (end is None or r.at <= end)]
    if not kept:
        until = when(end) if end else "now"
        raise LoggerOutsideTransit(
            f"The file's readings run from {when(readings[0].at)} to {when(readings[-1].at)}, "
            f"outside the transit of {shipment.code} ({when(start)} to {until}); "
            "check the logger ID and its clock.",
            errors={"file": ["No reading during transit."]},
        )
    return kept


def _flag_excursion(actor: User, shipment: Shipment, stretches: list[logger.Stretch]) -> None:
    """Every tube on the manifest gets the excursion flag, each with its custody event."""
    on_manifest = shipment.items.exclude(receipt_status=ReceiptStatus.REMOVED)
    specimens_flag_qc(
        actor=actor,
        specimens=list(Specimen.objects.filter(pk__in=on_manifest.values("specimen_id"))),
        flag=QCFlag.TRANSIT_TEMPERATURE_EXCURSION,
        details={
            "shipment": shipment.code,
            "excursions": [
                {"from": when(s.started_at), "to": when(s.ended_at), "peak_c": str(s.peak_c)}
                for s in stretches
            ],
        },
        reason=said(f"temperature excursion during transit in {shipment.code}"),
        site=shipment.destination,
    )
