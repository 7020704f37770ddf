"""API views of printing: thin wrappers that validate, call one service, render."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

from barcode_printing import services, sources
from barcode_printing.api.serializers import (
    SOURCE_KEYS,
    LabelsSerializer,
    PrinterSerializer,
    PrintJobSerializer,
)
from barcode_printing.choices import PrinterKind, PrintStatus
from barcode_printing.filtersets import PrinterFilter, PrintJobFilter
from barcode_printing.models import Printer, PrintJob
from barcode_printing.render import CONTENT_TYPES, Rendered
from barcode_printing.transports import PrinterUnreachable
from lims.api.base import LimsAPIView, ScopedViewSet
from lims.errors import NotFound

JOB_HEADER = "X-Print-Job"


class BodyDecidesFormat(DefaultContentNegotiation):
    """The body's ``format`` decides what a file answer is, JSON what else is answered: a
    client sending ``Accept: application/pdf`` is answered rather than refused with 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _printer(user, name: str | None) -> Printer | None:
    if name is None:
        return None
    printer = Printer.objects.for_user(user).filter(name=name, active=True).first()
    if printer is None:
        raise NotFound(
            f"No active printer {name!r} at your sites.", errors={"printer": ["Unknown printer."]}
        )
    return printer


def _file(rendered: Rendered, job: PrintJob, first_id: str) -> HttpResponse:
    answer = HttpResponse(rendered.content, content_type=rendered.content_type)
    answer["Content-Disposition"] = f'attachment; filename="labels-{first_id}.{rendered.extension}"'
    answer[JOB_HEADER] = str(job.public_id)
    return answer


def _job_answer(request, job: PrintJob) -> Response:
    if job.status == PrintStatus.FAILED:
        raise PrinterUnreachable(
            f"{job.error} The job is kept as failed: retry it with "
            f"POST /api/v1/print-jobs/{job.public_id}/retry/.",
            job=str(job.public_id),
        )
    answer = PrintJobSerializer(job, context={"request": request}).data
    return Response(answer, status=status.HTTP_202_ACCEPTED)


_FILES = {
    (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description="The labels")
    for media_type in CONTENT_TYPES.values()
}


class LabelsView(LimsAPIView):
    """Print labels: a label printer gets them (202 and the job); otherwise the file is the
    answer. Either way a print job records who printed which IDs."""

    content_negotiation_class = BodyDecidesFormat

    @extend_schema(request=LabelsSerializer, responses={**_FILES, 202: PrintJobSerializer})
    def post(self, request):
        data = self.validated(LabelsSerializer)
        printer = _printer(request.user, data.get("printer"))
        key = next(key for key in SOURCE_KEYS if key in data)
        batch = sources.resolve(request.user, key, data[key])
        job, rendered = services.print_labels(
            actor=request.user,
            batch=batch,
            printer=printer,
            fmt=data.get("format"),
            layout=data.get("layout"),
            copies=data["copies"],
            reason=self.change_reason,
        )
        if printer is None or printer.kind == PrinterKind.PDF:
            return _file(rendered, job, batch.ids[0])
        return _job_answer(request, job)


class PrinterViewSet(mixins.ListModelMixin, ScopedViewSet):
    """The active printers of the user's sites."""

    queryset = Printer.objects.all()
    serializer_class = PrinterSerializer
    filterset_class = PrinterFilter

    def refine_queryset(self, queryset):
        return queryset.filter(active=True).select_related("site")


class PrintJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Print jobs of the user's sites, newest first; ``?id=`` gives one tube's print history."""

    queryset = PrintJob.objects.all()
    serializer_class = PrintJobSerializer
    filterset_class = PrintJobFilter
    lookup_field = "public_id"

    def refine_queryset(self, queryset):
        return queryset.select_related("actor", "site", "printer").prefetch_related("items")

    @extend_schema(request=None, responses={202: PrintJobSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, public_id=None):
        job = services.print_job_retry(actor=request.user, job=self.get_object())
        return _job_answer(request, job)
