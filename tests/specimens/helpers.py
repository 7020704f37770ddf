"""Helpers for walking specimens through the lifecycle in tests."""

from pathlib import Path

from django.db import transaction

from specimens.lifecycle import transition
from specimens.models import CustodyEvent, Specimen


def chain_state() -> tuple[int, int, list]:
    """Rows that a refused request must leave exactly as they were."""
    return (
        Specimen.objects.count(),
        CustodyEvent.objects.count(),
        list(Specimen.objects.order_by("pk").values_list("status", "custody_seq", "hold_reason")),
    )


def force(specimen: Specimen, *kinds: str, actor, site=None) -> Specimen:
    """Walk ``specimen`` through ``kinds`` with the real guard (for states other apps reach)."""
    for kind in kinds:
        with transaction.atomic():
            locked = (
                Specimen.objects.select_for_update()
                .select_related("type", "participant", "current_site")
                .get(pk=specimen.pk)
            )
            transition(locked, kind, actor=actor, site=site)
            if site is not None and locked.current_site_id != site.pk:
                locked.current_site = site
                locked.save()
    return Specimen.objects.get(pk=specimen.pk)


def received_at_biobank(specimen: Specimen, *, phleb, tech, biobank) -> Specimen:
    """A collected (and, if needed, processed) tube packed, shipped and received."""
    force(specimen, "packed", "dispatched", actor=phleb)
    return force(specimen, "received", actor=tech, site=biobank)


def export(client, tube: Specimen, fmt: str, path: Path) -> Path:
    """The tube's custody trail exported through the API as ``fmt``, written to ``path``."""
    response = client.get(f"/api/v1/specimens/{tube.barcode}/custody/?format={fmt}")
    assert response.status_code == 200
    path.write_bytes(response.getvalue())
    return path
