"""API views of the specimen core: thin wrappers that validate, call one service, render."""

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from barcode_printing.ids import parse_id
from lims.api.base import AUDITORS, CSVExportMixin, LimsAPIView, ScopedViewSet
from lims.api.renderers import (
    CSVRenderer,
    JSONLinesRenderer,
    stream_csv,
    stream_queryset_csv,
    wants_csv,
)
from lims.credentials import sign_in_check
from lims.errors import InvalidInput
from specimens import custody, selectors, services
from specimens.api import serializers as s
from specimens.filtersets import CustodyEventFilter, specimen_filter
from specimens.models import CollectionOrder, CustodyEvent, Participant, Specimen, SpecimenType


class ParticipantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Participants as opaque IDs; look one up by participant ID (P…) or biobank ID (B…)."""

    queryset = Participant.objects.all()
    serializer_class = s.ParticipantSerializer
    lookup_field = "pid"
    filterset_fields = ["consent"]

    def refine_queryset(self, queryset):
        return queryset.select_related("registered_site")

    def get_object(self):
        key = self.kwargs["pid"].upper()
        field = "biobank_id" if key.startswith("B") else "participant_id"
        participant = self.get_queryset().filter(**{field: key}).first()
        if participant is None or (
            field == "participant_id"
            and not s.sees_participant_id(
                self.get_serializer_context(), participant.registered_site_id
            )
        ):
            raise Http404
        return participant

    @extend_schema(request=s.ParticipantCreateSerializer, responses={201: s.ParticipantSerializer})
    def create(self, request):
        data = self.validated(s.ParticipantCreateSerializer)
        participant = services.participant_register(actor=request.user, **data)
        return Response(self.get_serializer(participant).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.WithdrawSerializer, responses=s.ParticipantSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pid=None):
        data = self.validated(s.WithdrawSerializer)
        participant = services.participant_withdraw(
            actor=request.user,
            participant=self.get_object(),
            reason=self.change_reason,
            destroy_samples=data["destroy_samples"],
            ceremony=data["ceremony"],
        )
        return Response(self.get_serializer(participant).data)


class SpecimenTypeViewSet(mixins.ListModelMixin, ScopedViewSet):
    """The tube catalog and derivative types."""

    queryset = SpecimenType.objects.filter(active=True)
    serializer_class = s.SpecimenTypeSerializer
    filterset_fields = ["kind"]

    def refine_queryset(self, queryset):
        return queryset.prefetch_related("yields")


class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Collection orders: create, then collect, process, finalize; cancel, restore, unlock."""

    queryset = CollectionOrder.objects.all()
    serializer_class = s.OrderSerializer
    lookup_field = "code"
    filterset_fields = ["status"]

    def refine_queryset(self, queryset):
        # Actions lock and reload the order in their service; only reads need the prefetch.
        return selectors.order_list(queryset) if self.action in ("list", "retrieve") else queryset

    def _answer(self, order):
        return Response(
            self.get_serializer(
                selectors.order_list(CollectionOrder.objects.filter(pk=order.pk)).get()
            ).data
        )

    @extend_schema(request=s.OrderCreateSerializer, responses={201: s.OrderSerializer})
    def create(self, request):
        data = self.validated(s.OrderCreateSerializer)
        participant = (
            Participant.objects.for_user(request.user)
            .filter(participant_id=data["participant"])
            .first()
        )
        if participant is None:
            raise InvalidInput(
                f"No participant {data['participant']} at your sites.",
                errors={"participant": ["Unknown participant."]},
            )
        order = services.order_create(
            actor=request.user,
            participant=participant,
            site=data["site"],
            tube_codes=data["tubes"],
            safety=data["safety"],
        )
        response = self._answer(order)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=s.CollectSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"])
    def collect(self, request, code=None):
        data = self.validated(s.CollectSerializer)
        # A scan's path: the order found and locked in one statement, answered from it.
        with transaction.atomic():
            order = selectors.locked_order_for_scan(request.user, self.kwargs["code"])
            if order is None:
                raise Http404
            services.order_collect(actor=request.user, order=order, locked=True, **data)
        return Response(self.get_serializer(selectors.order_scan_answer(order)).data)

    @extend_schema(request=s.ProcessSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"])
    def process(self, request, code=None):
        data = self.validated(s.ProcessSerializer)
        return self._answer(
            services.order_process(actor=request.user, order=self.get_object(), **data)
        )

    @extend_schema(request=None, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"])
    def finalize(self, request, code=None):
        return self._answer(services.order_finalize(actor=request.user, order=self.get_object()))

    def _with_listed_reason(self, service):
        data = self.validated(s.ListedReasonSerializer)
        return self._answer(service(actor=self.request.user, order=self.get_object(), **data))

    @extend_schema(request=s.ListedReasonSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, code=None):
        return self._with_listed_reason(services.order_cancel)

    @extend_schema(request=s.ListedReasonSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, code=None):
        return self._with_listed_reason(services.order_restore)

    @extend_schema(request=s.ListedReasonSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"])
    def unlock(self, request, code=None):
        return self._with_listed_reason(services.order_unlock)

    @extend_schema(request=s.AddTubesSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"], url_path="add-tubes")
    def add_tubes(self, request, code=None):
        data = self.validated(s.AddTubesSerializer)
        order = self.get_object()
        services.order_add_tubes(actor=request.user, order=order, tube_codes=data["tubes"])
        return self._answer(order)

    @extend_schema(request=s.RemoveTubesSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"], url_path="remove-tubes")
    def remove_tubes(self, request, code=None):
        data = self.validated(s.RemoveTubesSerializer)
        order = self.get_object()
        services.order_remove_tubes(actor=request.user, order=order, barcodes=data["barcodes"])
        return self._answer(order)


class SpecimenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Specimens by barcode: lineage, custody, history, hold, release, dispose, aliquot, weigh."""

    queryset = Specimen.objects.all()
    serializer_class = s.SpecimenSerializer
    lookup_field = "barcode"

    @property
    def filterset_class(self):
        return specimen_filter()

    def refine_queryset(self, queryset):
        if self.action in ("list", "retrieve"):
            return selectors.specimen_list(queryset)
        return queryset

    def get_object(self):
        # A mistyped ID is answered as such (400), not as "not found".
        self.kwargs["barcode"] = parse_id(self.kwargs["barcode"])
        return super().get_object()

    def _answer(self, specimen, code=status.HTTP_200_OK):
        fresh = selectors.specimen_list(Specimen.objects.filter(pk=specimen.pk)).get()
        return Response(self.get_serializer(fresh).data, status=code)

    def _locked(self) -> Specimen:
        """The scanned tube in scope, locked in the caller's transaction: one statement where
        ``get_object()`` and a service's lock would be two (and a wide read for the answer)."""
        tube = selectors.locked_for_scan(self.request.user, parse_id(self.kwargs["barcode"]))
        if tube is None:
            raise Http404
        return tube

    @extend_schema(
        responses=s.CustodyEventSerializer(many=True),
        parameters=[OpenApiParameter("format", str, enum=["json", "csv", "jsonl"])],
    )
    # The whole trail, never a page of it.
    @action(
        detail=True,
        renderer_classes=[JSONRenderer, CSVRenderer, JSONLinesRenderer],
        pagination_class=None,
    )
    def custody(self, request, barcode=None):
        tube = self.get_object()
        events = (
            tube.custody_events.select_related("specimen", "actor", "site")
            .prefetch_related("signatures")
            .order_by("seq")
        )
        if wants_csv(request):
            name = f"{tube.barcode}-custody.csv"
            return stream_queryset_csv(events, s.CustodyEventSerializer, filename=name)
        return Response(s.CustodyEventSerializer(events, many=True).data)

    @extend_schema(
        responses=s.HistoryEntrySerializer(many=True),
        parameters=[OpenApiParameter("format", str, enum=["json", "csv"])],
    )
    @action(detail=True, renderer_classes=[JSONRenderer, CSVRenderer], pagination_class=None)
    def history(self, request, barcode=None):
        tube = self.get_object()
        changes = selectors.field_history(tube)
        if wants_csv(request):
            name = f"{tube.barcode}-history.csv"
            return stream_csv(changes, fields=selectors.HISTORY_FIELDS, filename=name)
        return Response(list(changes))

    @extend_schema(request=s.ReasonSerializer, responses=s.SpecimenSerializer)
    @action(detail=True, methods=["post"])
    def hold(self, request, barcode=None):
        self.validated(s.ReasonSerializer)
        return self._answer(
            services.specimen_hold(
                actor=request.user, specimen=self.get_object(), reason=self.change_reason
            )
        )

    @extend_schema(request=s.ReasonSerializer, responses=s.SpecimenSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, barcode=None):
        self.validated(s.ReasonSerializer)
        return self._answer(
            services.specimen_release(
                actor=request.user, specimen=self.get_object(), reason=self.change_reason
            )
        )

    @extend_schema(request=s.DisposeSerializer, responses=s.SpecimenSerializer)
    @action(detail=True, methods=["post"])
    def dispose(self, request, barcode=None):
        data = self.validated(s.DisposeSerializer)
        specimen = services.specimen_dispose(
            actor=request.user,
            specimen=self.get_object(),
            reason=data["reason"],
            reason_text=data.get("reason_text", ""),
            password=data["password"],
            # The Django request: the lockout counts failures per username and address.
            check=sign_in_check(request._request),
            witness=data.get("witness", ""),
            witness_password=data.get("witness_password", ""),
        )
        return self._answer(specimen)

    @extend_schema(request=s.AliquotSerializer, responses={201: s.SpecimenSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def aliquot(self, request, barcode=None):
        data = self.validated(s.AliquotSerializer)
        children = services.specimen_aliquot(
            actor=request.user,
            specimen=self.get_object(),
            count=data["count"],
            type_code=data["type"],
            volume_ul=data["volume_ul"],
        )
        fresh = selectors.specimen_list(Specimen.objects.filter(pk__in=[c.pk for c in children]))
        return Response(self.get_serializer(fresh, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.WeighSerializer, responses=s.SpecimenSerializer)
    @action(detail=True, methods=["post"])
    def weigh(self, request, barcode=None):
        data = self.validated(s.WeighSerializer)
        with transaction.atomic():
            specimen = services.specimen_weigh(
                actor=request.user,
                specimen=self._locked(),
                grams=data["grams"],
                device=data["device"],
                locked=True,
            )
        return Response(self.get_serializer(selectors.scan_answers([specimen])[0]).data)


class AuditEventViewSet(CSVExportMixin, mixins.ListModelMixin, ScopedViewSet):
    """The global custody feed, filtered by actor, site, kind, specimen and time."""

    queryset = CustodyEvent.objects.all()
    serializer_class = s.CustodyEventSerializer
    filterset_class = CustodyEventFilter
    renderer_classes = [JSONRenderer, CSVRenderer, JSONLinesRenderer]
    csv_filename = "custody-events.csv"
    permission_classes = AUDITORS

    def refine_queryset(self, queryset):
        return (
            queryset.select_related("specimen", "actor", "site")
            .prefetch_related("signatures")
            .order_by("-at", "-pk")
        )


class AuditVerifyView(LimsAPIView):
    """Recompute every custody chain in the auditor's scope; name each break."""

    permission_classes = AUDITORS

    @extend_schema(responses={200: dict})
    def get(self, request):
        result = custody.verify(Specimen.objects.for_user(request.user))
        return Response(
            {
                "ok": result.ok,
                "specimens": result.specimens,
                "events": result.events,
                "breaks": [b.as_dict() for b in result.breaks],
            }
        )
