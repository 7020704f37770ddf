"""API views of shipments: thin wrappers that validate, call one service, render."""

from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from lims.api.base import LimsViewMixin, ScopedViewSet
from lims.api.parsers import CSVTextParser, JSONParser
from lims.errors import InvalidInput
from shipments import dispatch, manifest, packing, receipt, selectors, temperature
from shipments.api import serializers as s
from shipments.filtersets import ShipmentFilter
from shipments.models import Shipment
from specimens.models import Specimen


class ShipmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Shipments: create and pack by scan at the site, dispatch, then arrive, receive, close."""

    queryset = Shipment.objects.all()
    serializer_class = s.ShipmentSerializer
    lookup_field = "code"
    filterset_class = ShipmentFilter

    def refine_queryset(self, queryset):
        if self.action == "list":
            return selectors.shipment_list(queryset)
        return queryset.select_related("origin", "destination")

    def get_object(self):
        self.kwargs["code"] = self.kwargs["code"].strip().upper()
        return super().get_object()

    def _locked(self) -> Shipment:
        """The shipment in scope, its row locked in the caller's transaction: one statement where
        ``get_object()`` and the service's lock would be two (a scan's path)."""
        self.kwargs["code"] = self.kwargs["code"].strip().upper()
        shipment = selectors.locked_for_scan(self.request.user, self.kwargs["code"])
        if shipment is None:
            raise Http404
        return shipment

    def _detail(self, shipment, code=status.HTTP_200_OK):
        fresh = (
            selectors.shipment_list(Shipment.objects.filter(pk=shipment.pk))
            .select_related("temperature_log")
            .prefetch_related(
                "discrepancies__recorded_by",
                "discrepancies__resolved_by",
                "temperature_log__excursions",
            )
            .get()
        )
        items = selectors.manifest_items(fresh)
        context = {**self.get_serializer_context(), "items": items}
        return Response(s.ShipmentDetailSerializer(fresh, context=context).data, status=code)

    def retrieve(self, request, code=None):
        return self._detail(self.get_object())

    @extend_schema(request=s.ShipmentCreateSerializer, responses={201: s.ShipmentDetailSerializer})
    def create(self, request):
        data = self.validated(s.ShipmentCreateSerializer)
        shipment = packing.shipment_create(actor=request.user, **data)
        return self._detail(shipment, status.HTTP_201_CREATED)

    @extend_schema(request=s.ItemSerializer, responses={201: s.PackedItemSerializer})
    @action(detail=True, methods=["post"])
    def items(self, request, code=None):
        data = self.validated(s.ItemSerializer)
        with transaction.atomic():
            item = packing.shipment_add_item(
                actor=request.user,
                shipment=self._locked(),
                barcode=data["id"],
                inner_box=data.get("inner_box"),
                position=data.get("position", ""),
                locked=True,
            )
        return Response(s.PackedItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.PackedItemSerializer)
    @action(detail=True, methods=["delete"], url_path=r"items/(?P<barcode>[^/]+)")
    def item(self, request, code=None, barcode=None):
        item = packing.shipment_remove_item(
            actor=request.user, shipment=self.get_object(), barcode=barcode
        )
        return Response(s.PackedItemSerializer(item).data)

    @extend_schema(request=s.CancelSerializer, responses=s.ShipmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, code=None):
        self.validated(s.CancelSerializer)
        shipment = packing.shipment_cancel(
            actor=request.user, shipment=self.get_object(), reason=self.change_reason
        )
        return self._detail(shipment)

    @extend_schema(request=s.DispatchSerializer, responses=s.ShipmentDetailSerializer)
    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_shipment(self, request, code=None):
        data = self.validated(s.DispatchSerializer)
        shipment = dispatch.shipment_dispatch(
            actor=request.user, shipment=self.get_object(), **data
        )
        return self._detail(shipment)

    @extend_schema(request=s.ArriveSerializer, responses=s.ShipmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def arrive(self, request, code=None):
        data = self.validated(s.ArriveSerializer)
        shipment = receipt.shipment_arrive(actor=request.user, shipment=self.get_object(), **data)
        return self._detail(shipment)

    @extend_schema(request=s.ReceiveSerializer, responses=s.ReceiptSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request, code=None):
        data = self.validated(s.ReceiveSerializer)
        with transaction.atomic():
            received = receipt.shipment_receive(
                actor=request.user,
                shipment=self._locked(),
                barcode=data["id"],
                damaged=data["damaged"],
                reference=data.get("reference", ""),
                locked=True,
            )
        return Response(s.ReceiptSerializer(received).data)

    @extend_schema(responses={200: dict})
    @action(detail=True)
    def reconciliation(self, request, code=None):
        return Response(selectors.reconciliation(self.get_object()))

    @extend_schema(request=None, responses=s.ShipmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, code=None):
        return self._detail(receipt.shipment_close(actor=request.user, shipment=self.get_object()))

    @extend_schema(
        request={"text/csv": OpenApiTypes.STR, "multipart/form-data": s.LoggerSerializer},
        responses={201: s.TemperatureLogSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[CSVTextParser, MultiPartParser, JSONParser],
    )
    def logger(self, request, code=None):
        log = temperature.shipment_upload_logger(
            actor=request.user, shipment=self.get_object(), content=self._uploaded_text()
        )
        return Response(s.TemperatureLogSerializer(log).data, status=status.HTTP_201_CREATED)

    def _uploaded_text(self) -> str:
        if isinstance(self.request.data, str):
            return self.request.data
        upload = self.validated(s.LoggerSerializer)["file"]
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(
                "The logger file is not UTF-8 text; export it as CSV.",
                errors={"file": ["Not UTF-8 text."]},
            ) from None

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def manifest_pdf(self, request, code=None):
        shipment = self.get_object()
        rows = manifest.manifest_rows(selectors.manifest_items(shipment))
        response = HttpResponse(
            manifest.manifest_pdf(shipment, rows), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'inline; filename="{shipment.code}-manifest.pdf"'
        return response

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def manifest_csv(self, request, code=None):
        shipment = self.get_object()
        rows = manifest.manifest_rows(selectors.manifest_items(shipment))
        response = HttpResponse(manifest.manifest_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{shipment.code}-manifest.csv"'
        return response


class OverdueView(LimsViewMixin, GenericAPIView):
    """Finalized tubes not at the biobank 36 h after dispatch (or finalization), per site."""

    @extend_schema(
        responses={200: dict},
        parameters=[OpenApiParameter("site", str, description="Collection site code")],
    )
    def get(self, request):
        tubes = selectors.overdue(request.user, timezone.now())
        site = request.query_params.get("site")
        if site:
            tubes = tubes.filter(collection_site__code=site.strip().upper())
        page = self.paginate_queryset(tubes)
        response = self.get_paginated_response([_overdue_row(tube) for tube in page])
        response.data["threshold_hours"] = int(selectors.OVERDUE_AFTER.total_seconds() // 3600)
        response.data["by_site"] = selectors.overdue_by_site(tubes)
        return response


def _overdue_row(tube: Specimen) -> dict:
    hours = (timezone.now() - tube.due_from).total_seconds() / 3600
    return {
        "id": tube.barcode,
        "site": tube.collection_site.code,
        "type": tube.type.code,
        "status": tube.status,
        "order": tube.order.code,
        "shipment": tube.shipment_code,
        "finalized_at": tube.finalized_at,
        "dispatched_at": tube.dispatched_at,
        "hours_since": round(hours, 1),
    }
