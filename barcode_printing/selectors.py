"""Reads other apps build on: the newest print job that labelled some IDs, without N+1 queries."""

from django.db.models import QuerySet, Subquery

from barcode_printing.models import PrintJob

LATEST_JOB_FIELDS = ("public_id", "status", "error", "site_id")


def latest_job_annotations(payloads: QuerySet) -> dict[str, Subquery]:
    """Annotations ``print_job_<field>`` of the newest job that labelled any of ``payloads``,
    each None when no job did.

    ``payloads`` is a one-column queryset of IDs (e.g. an order's tube barcodes) that refers to
    the annotated row as ``OuterRef(OuterRef(...))``: it sits inside the query of jobs.
    """
    jobs = PrintJob.objects.filter(items__payload__in=payloads).order_by("-pk")
    return {f"print_job_{field}": Subquery(jobs.values(field)[:1]) for field in LATEST_JOB_FIELDS}


def latest_job(row) -> PrintJob | None:
    """The job annotated on ``row`` by ``latest_job_annotations`` (its annotated fields only);
    a row read without the annotations raises rather than passing for one never printed."""
    if row.print_job_public_id is None:
        return None
    return PrintJob(**{field: getattr(row, f"print_job_{field}") for field in LATEST_JOB_FIELDS})
