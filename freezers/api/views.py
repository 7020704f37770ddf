"""API views of freezer storage: thin wrappers that validate, call one service, render."""

import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from freezers import allocation, rackscan, selectors, services
from freezers.api import serializers as s
from freezers.api.renderers import PDFRenderer
from freezers.boxmap_pdf import box_map_pdf
from freezers.lookups import (
    UnknownRack,
    box_for,
    freezer_for,
    specimen_for,
    specimens_for,
)
from freezers.models import Box, BoxType, Freezer, Placement, Rack
from lims.api.base import LimsAPIView, ScopedViewSet
from lims.api.parsers import CSVTextParser
from lims.errors import InvalidInput
from lims.models import Site

# Excursions are looked for this far back unless the request says otherwise.
EXCURSION_DAYS = 30


def _storage(placement: Placement, code: int = status.HTTP_200_OK) -> Response:
    return Response(s.StorageSerializer(placement).data, status=code)


class BoxTypeViewSet(mixins.ListModelMixin, ScopedViewSet):
    """The box types: grid, slot naming and fill order."""

    queryset = BoxType.objects.all()
    serializer_class = s.BoxTypeSerializer


class FreezerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Freezers of the user's sites; occupancy, status, temperature readings and excursions."""

    queryset = Freezer.objects.all()
    serializer_class = s.FreezerSerializer
    lookup_field = "code"
    filterset_fields = ["status", "temperature_class"]

    def refine_queryset(self, queryset):
        return queryset.select_related("site")

    @extend_schema(request=s.FreezerCreateSerializer, responses={201: s.FreezerSerializer})
    def create(self, request):
        data = self.validated(s.FreezerCreateSerializer)
        data.pop("reason", None)
        freezer = services.freezer_create(actor=request.user, reason=self.change_reason, **data)
        return Response(self.get_serializer(freezer).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.FreezerStatusSerializer, responses=s.FreezerSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, code=None):
        data = self.validated(s.FreezerStatusSerializer)
        freezer = services.freezer_set_status(
            actor=request.user,
            freezer=self.get_object(),
            status=data["status"],
            reason=self.change_reason,
        )
        return Response(self.get_serializer(freezer).data)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True)
    def occupancy(self, request, code=None):
        return Response(selectors.occupancy(self.get_object()))

    @extend_schema(request=s.ReadingsSerializer, responses={201: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def readings(self, request, code=None):
        """Record temperatures (one, or a logger's many); readings on record are not doubled."""
        data = self.validated(s.ReadingsSerializer)
        recorded = services.record_readings(
            actor=request.user,
            freezer=self.get_object(),
            readings=s.ReadingsSerializer.pairs(data),
            source=data["source"],
        )
        return Response(recorded, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[s.WindowSerializer], responses={200: OpenApiTypes.OBJECT})
    @action(detail=True)
    def excursions(self, request, code=None):
        """Runs of readings outside the band (default: the last 30 days)."""
        since, until = self._window(required=False)
        freezer = self.get_object()
        found = selectors.excursions(freezer, since=since, until=until)
        return Response(
            {"freezer": freezer.code, "since": since, "until": until, "excursions": found}
        )

    @extend_schema(
        parameters=[s.WindowSerializer], responses=s.ExposedSpecimenSerializer(many=True)
    )
    @action(detail=True)
    def specimens(self, request, code=None):
        """Tubes that were in the freezer at any moment of [since, until), for QC after an
        excursion."""
        since, until = self._window(required=True)
        exposed = selectors.specimens_in_freezer_during(self.get_object(), since=since, until=until)
        page = self.paginate_queryset(exposed.select_related("type").order_by("barcode"))
        return self.get_paginated_response(s.ExposedSpecimenSerializer(page, many=True).data)

    def _window(self, *, required: bool):
        query = s.WindowSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        window = query.validated_data
        if required and len(window) < 2:
            raise InvalidInput(
                "Give since and until.", errors={"since": ["Required."], "until": ["Required."]}
            )
        until = window.get("until") or timezone.now()
        return window.get("since") or until - timedelta(days=EXCURSION_DAYS), until


class RackViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Racks, shelves and canisters; ``?freezer=`` narrows to one freezer."""

    queryset = Rack.objects.all()
    serializer_class = s.RackSerializer
    filterset_fields = {"freezer__code": ["exact"]}

    def refine_queryset(self, queryset):
        return queryset.select_related("freezer")

    @extend_schema(request=s.RackCreateSerializer, responses={201: s.RackSerializer})
    def create(self, request):
        data = self.validated(s.RackCreateSerializer)
        rack = services.rack_create(actor=request.user, **data)
        return Response(self.get_serializer(rack).data, status=status.HTTP_201_CREATED)


class BoxViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Boxes by code (BOX-…)."""

    queryset = Box.objects.all()
    serializer_class = s.BoxSerializer
    lookup_field = "code"
    filterset_fields = {"rack__freezer__code": ["exact"], "box_type__code": ["exact"]}

    def refine_queryset(self, queryset):
        return queryset.with_path()

    @extend_schema(request=s.BoxCreateSerializer, responses={201: s.BoxSerializer})
    def create(self, request):
        data = self.validated(s.BoxCreateSerializer)
        rack = data["freezer"].racks.filter(name=data["rack"]).first()
        if rack is None:
            raise UnknownRack(
                f"Freezer {data['freezer'].code} has no rack {data['rack']!r}.",
                errors={"rack": ["Unknown rack."]},
            )
        box = services.box_create(
            actor=request.user, rack=rack, box_type=data["type"], position=data.get("position")
        )
        return Response(self.get_serializer(box).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["json", "pdf"])],
        responses={
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="Grid"),
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="Map"),
        },
    )
    @action(detail=True, renderer_classes=[JSONRenderer, PDFRenderer])
    def map(self, request, code=None):
        box = self.get_object()
        layout = selectors.box_map(box)
        if request.accepted_renderer.format != "pdf":
            return Response(layout)
        zone = zoneinfo.ZoneInfo(box.rack.freezer.site.time_zone)
        printed = timezone.localtime(timezone.now(), zone)
        answer = Response(box_map_pdf(layout, printed_at=f"{printed:%Y-%m-%d %H:%M %Z}"))
        answer["Content-Disposition"] = f'inline; filename="box-map-{box.code}.pdf"'
        return answer

    @extend_schema(
        request={"text/csv": OpenApiTypes.STR},
        parameters=[OpenApiParameter("mode", str, enum=["verify", "apply"], default="verify")],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["post"], url_path="rack-scan", parser_classes=[CSVTextParser])
    def rack_scan(self, request, code=None):
        """Compare a rack-scanner CSV with the box (verify), or make the box match it (apply)."""
        mode = request.query_params.get("mode", "verify")
        if mode not in ("verify", "apply"):
            raise InvalidInput(
                f"mode={mode!r}: use verify or apply.", errors={"mode": ["verify or apply."]}
            )
        box = self.get_object()
        if not isinstance(request.data, str):
            raise rackscan.BadHeader("Send the scanner's CSV file as the body (text/csv).")
        if mode == "apply":
            return Response(
                rackscan.apply(
                    actor=request.user, box=box, text=request.data, reason=self.change_reason
                )
            )
        return Response(rackscan.verify(user=request.user, box=box, text=request.data))


class PlaceView(LimsAPIView):
    """Put a received tube into a slot (a checked-out one is returned there)."""

    @extend_schema(request=s.SlotSerializer, responses={201: s.StorageSerializer})
    def post(self, request):
        data = self.validated(s.SlotSerializer)
        with transaction.atomic():
            placement = services.place_specimen(
                actor=request.user,
                specimen=specimen_for(request.user, data["id"], lock=True),
                box=box_for(request.user, data["box"]),
                position=data["position"],
                locked=True,
            )
        return _storage(placement, status.HTTP_201_CREATED)


class MoveView(LimsAPIView):
    """Move a stored tube to another slot."""

    @extend_schema(request=s.SlotSerializer, responses=s.StorageSerializer)
    def post(self, request):
        data = self.validated(s.SlotSerializer)
        placement = services.move_specimen(
            actor=request.user,
            specimen=specimen_for(request.user, data["id"]),
            box=box_for(request.user, data["box"]),
            position=data["position"],
        )
        return _storage(placement)


class RetrieveView(LimsAPIView):
    """Check a tube out; its slot stays reserved."""

    @extend_schema(request=s.RetrieveSerializer, responses=s.StorageSerializer)
    def post(self, request):
        data = self.validated(s.RetrieveSerializer)
        placement = services.retrieve_specimen(
            actor=request.user,
            specimen=specimen_for(request.user, data["id"]),
            reason=self.change_reason,
        )
        return _storage(placement)


class ReturnView(LimsAPIView):
    """Put a checked-out tube back into its reserved slot, or the one given."""

    @extend_schema(request=s.ReturnSerializer, responses=s.StorageSerializer)
    def post(self, request):
        data = self.validated(s.ReturnSerializer)
        box = box_for(request.user, data["box"]) if "box" in data else None
        placement = services.return_specimen(
            actor=request.user,
            specimen=specimen_for(request.user, data["id"]),
            box=box,
            position=data.get("position"),
        )
        return _storage(placement)


class CheckedOutViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Tubes checked out longer than ``older_than_hours`` (default: the setting
    LIMS_CHECKOUT_FOLLOW_UP_HOURS): their slots are still reserved, so each needs following up."""

    queryset = Placement.objects.filter(checked_out_at__isnull=False)
    serializer_class = s.StorageSerializer

    def refine_queryset(self, queryset):
        hours = self._older_than_hours()
        cutoff = timezone.now() - timedelta(hours=hours)
        return queryset.with_box().filter(checked_out_at__lte=cutoff).order_by("checked_out_at")

    def _older_than_hours(self) -> int:
        field = serializers.IntegerField(min_value=0, max_value=24 * 365)
        text = self.request.query_params.get(
            "older_than_hours", settings.LIMS_CHECKOUT_FOLLOW_UP_HOURS
        )
        try:
            return field.run_validation(text)
        except serializers.ValidationError as error:
            raise InvalidInput(
                f"older_than_hours: {error.detail[0]}",
                errors={"older_than_hours": error.detail},
            ) from None

    @extend_schema(parameters=[OpenApiParameter("older_than_hours", int)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class AllocateView(LimsAPIView):
    """Store a batch where a strategy says (fill_first, split_participant), all or none."""

    @extend_schema(request=s.AllocateSerializer, responses={201: s.StorageSerializer(many=True)})
    def post(self, request):
        data = self.validated(s.AllocateSerializer)
        freezer = freezer_for(request.user, data["freezer"]) if "freezer" in data else None
        placements = allocation.allocate_specimens(
            actor=request.user,
            specimens=specimens_for(request.user, data["ids"]),
            strategy=data["strategy"],
            freezer=freezer,
            temperature_class=data.get("temperature_class"),
        )
        answer = s.StorageSerializer(placements, many=True).data
        return Response(answer, status=status.HTTP_201_CREATED)


class FreeView(LimsAPIView):
    """Where ``count`` tubes would go (fill_first), without placing them."""

    @extend_schema(
        parameters=[s.FreeQuerySerializer],
        responses=s.FreeAnswerSerializer,
    )
    def get(self, request):
        query = s.FreeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        if "freezer" in data:
            where = allocation.freezer_where(freezer_for(request.user, data["freezer"]))
        else:
            site = self._site(data.get("site"))
            where = allocation.Where(site, temperature_class=data["temperature_class"])
        slots = allocation.free_slots(where, data["count"])
        return Response({"count": len(slots), "slots": slots})

    def _site(self, code: str | None) -> Site:
        sites = Site.objects.for_user(self.request.user)
        if code is not None:
            sites = sites.filter(code=code.strip().upper())
        else:
            sites = sites.filter(pk__in=self.scope.biobank_site_ids)
        found = list(sites[:2])
        if len(found) != 1:
            raise InvalidInput(
                "Say which biobank: send site=<code>." if code is None else f"No site {code!r}.",
                errors={"site": ["Required." if code is None else "Unknown site."]},
            )
        return found[0]
