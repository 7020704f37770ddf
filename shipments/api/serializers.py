"""Serializers of shipments: representations (ARCHITECTURE §6) and strict request bodies."""

from rest_framework import serializers

from lims.api.base import BuiltOnceModelSerializer, ReasonField, ScopedSlugField, StrictSerializer
from lims.models import Site
from shipments import lifecycle
from shipments.choices import Condition, Courier
from shipments.models import Discrepancy, Excursion, Shipment, ShipmentItem, TemperatureLog


class ShipmentItemSerializer(BuiltOnceModelSerializer):
    id = serializers.CharField(source="specimen.barcode")
    type = serializers.CharField(source="specimen.type.code")

    class Meta:
        model = ShipmentItem
        fields = [
            "id",
            "type",
            "receipt_status",
            "inner_box",
            "position",
            "added_at",
            "received_at",
            "transit_minutes",
        ]


class PackedItemSerializer(ShipmentItemSerializer):
    shipment = serializers.CharField(source="shipment.code")
    status = serializers.CharField(source="specimen.status")

    class Meta(ShipmentItemSerializer.Meta):
        fields = ["shipment", *ShipmentItemSerializer.Meta.fields, "status"]


class DiscrepancySerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username")
    resolved_by = serializers.CharField(
        source="resolved_by.username", default=None, allow_null=True
    )

    class Meta:
        model = Discrepancy
        fields = [
            "kind",
            "barcode",
            "last_custody",
            "recorded_by",
            "recorded_at",
            "resolved_by",
            "resolved_at",
            "resolution_ref",
        ]


class ExcursionSerializer(serializers.ModelSerializer):
    duration_minutes = serializers.FloatField()

    class Meta:
        model = Excursion
        fields = ["started_at", "ended_at", "duration_minutes", "peak_c"]


class TemperatureLogSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username")
    excursions = ExcursionSerializer(many=True)

    class Meta:
        model = TemperatureLog
        fields = [
            "uploaded_by",
            "uploaded_at",
            "sha256",
            "readings",
            "first_at",
            "last_at",
            "min_c",
            "max_c",
            "excursions",
        ]


class ShipmentSerializer(serializers.ModelSerializer):
    origin = serializers.CharField(source="origin.code")
    destination = serializers.CharField(source="destination.code")
    item_count = serializers.IntegerField(read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Shipment
        fields = [
            "code",
            "status",
            "origin",
            "destination",
            "condition",
            "courier",
            "tracking_number",
            "dry_ice_kg",
            "logger_id",
            "created_at",
            "dispatched_at",
            "arrived_at",
            "arrival_temperature_c",
            "arrival_condition_ok",
            "arrival_notes",
            "closed_at",
            "item_count",
            "actions",
        ]

    def get_actions(self, shipment) -> list[str]:
        """What the requesting user may do to the shipment now (``shipments.lifecycle``)."""
        return lifecycle.allowed_actions(shipment, self.context["request"].user)


class ShipmentDetailSerializer(ShipmentSerializer):
    """One shipment with its manifest, discrepancies and logger evidence."""

    items = serializers.SerializerMethodField()
    discrepancies = DiscrepancySerializer(many=True)
    temperature = serializers.SerializerMethodField()

    class Meta(ShipmentSerializer.Meta):
        fields = [*ShipmentSerializer.Meta.fields, "items", "discrepancies", "temperature"]

    def get_items(self, shipment) -> list[dict]:
        return ShipmentItemSerializer(self.context["items"], many=True).data

    def get_temperature(self, shipment) -> dict | None:
        log = getattr(shipment, "temperature_log", None)
        return TemperatureLogSerializer(log).data if log is not None else None


class ShipmentCreateSerializer(StrictSerializer):
    origin = ScopedSlugField(slug_field="code", queryset=Site.objects.all())
    destination = serializers.SlugRelatedField(slug_field="code", queryset=Site.objects.all())
    condition = serializers.ChoiceField(choices=Condition.choices)


class ItemSerializer(StrictSerializer):
    id = serializers.CharField(max_length=40)
    inner_box = serializers.IntegerField(min_value=1, max_value=999, required=False)
    position = serializers.CharField(max_length=8, required=False, allow_blank=True)


class DispatchSerializer(StrictSerializer):
    courier = serializers.ChoiceField(choices=Courier.choices)
    tracking_number = serializers.CharField(max_length=60)
    dry_ice_kg = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, min_value=0
    )
    logger_id = serializers.CharField(max_length=64, required=False, allow_blank=True)


class ArriveSerializer(StrictSerializer):
    condition_ok = serializers.BooleanField()
    temperature_c = serializers.DecimalField(
        max_digits=5, decimal_places=1, required=False, min_value=-200, max_value=80
    )
    notes = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class ReceiveSerializer(StrictSerializer):
    id = serializers.CharField(max_length=40)
    damaged = serializers.BooleanField(default=False)
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True)


class CancelSerializer(StrictSerializer):
    reason = ReasonField(required=False)


class LoggerSerializer(StrictSerializer):
    file = serializers.FileField()


class ReceiptSerializer(serializers.Serializer):
    """What a receiving station is told of one scan (a ``receipt.Received``): the outcome, a
    sentence to show, the receipt's counts just after it, whether the tube awaits destruction
    (then also the instruction, its reason and whether a ceremony is requested), and for a tube
    not on the manifest its last known custody."""

    id = serializers.CharField(source="barcode")
    shipment = serializers.CharField(source="record.shipment.code")
    outcome = serializers.CharField()
    receipt_status = serializers.SerializerMethodField()
    detail = serializers.SerializerMethodField()
    counts = serializers.DictField()
    disposal_due = serializers.BooleanField()
    # Only a discrepancy (a tube not on the manifest) has one; a manifest line leaves it out.
    last_custody = serializers.DictField(source="record.last_custody", required=False)

    def get_receipt_status(self, received) -> str:
        return getattr(received.record, "receipt_status", "unexpected")

    def get_detail(self, received) -> str:
        return received.sentence()

    def to_representation(self, received) -> dict:
        answer = super().to_representation(received)
        if received.disposal_due:
            answer.update(received.disposal())
        return answer
