"""Serializers of the printing API."""

from rest_framework import serializers

from barcode_printing.choices import LabelFormat
from barcode_printing.lifecycle import allowed_actions
from barcode_printing.models import LAYOUT_CHOICES, Printer, PrintJob
from lims.api.base import ReasonField, StrictSerializer

# The keys of POST labels/ that name what to label; each app registers the source of its key.
SOURCE_KEYS = ("ids", "order", "shipment", "box")


class LabelsSerializer(StrictSerializer):
    ids = serializers.ListField(
        child=serializers.CharField(max_length=64),
        allow_empty=False,
        max_length=200,
        required=False,
        help_text="Specimen IDs as scanned or typed.",
    )
    order = serializers.CharField(
        max_length=32, required=False, help_text="An order code (ORD-…): its tubes' labels."
    )
    shipment = serializers.CharField(
        max_length=32, required=False, help_text="A shipment code (SH-…): its 4×6 package label."
    )
    box = serializers.CharField(
        max_length=32, required=False, help_text="A box code (BOX-…): its 2×1 box label."
    )
    format = serializers.ChoiceField(
        choices=LabelFormat.choices,
        required=False,
        help_text="Default: what the printer takes, or pdf without a printer.",
    )
    layout = serializers.ChoiceField(
        choices=LAYOUT_CHOICES,
        required=False,
        help_text="Default: the printer's label stock, or tube_128x050.",
    )
    printer = serializers.CharField(
        max_length=100, required=False, help_text="Name of an active printer of your site."
    )
    copies = serializers.IntegerField(min_value=1, max_value=20, default=1)
    reason = ReasonField(required=False, help_text="Required to print an ID printed before.")

    def validate(self, attrs):
        if sum(key in attrs for key in SOURCE_KEYS) != 1:
            raise serializers.ValidationError(f"Send exactly one of: {', '.join(SOURCE_KEYS)}.")
        return attrs


class ActionsField(serializers.ListField):
    """What the requesting user may do with the job now (barcode_printing.lifecycle)."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(), source="*", read_only=True, **kwargs)

    def to_representation(self, job) -> list[str]:
        return allowed_actions(job, self.context["request"].user)


class PrinterSerializer(serializers.ModelSerializer):
    site = serializers.CharField(source="site.code")

    class Meta:
        model = Printer
        fields = [
            "name",
            "site",
            "kind",
            "address",
            "queue",
            "dpi",
            "layout",
            "format",
            "is_default_for_site",
        ]


class PrintJobSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")
    actor = serializers.CharField(source="actor.username")
    site = serializers.CharField(source="site.code")
    printer = serializers.CharField(source="printer.name", default=None, allow_null=True)
    ids = serializers.SerializerMethodField()
    actions = ActionsField()

    class Meta:
        model = PrintJob
        fields = [
            "id",
            "created_at",
            "actor",
            "site",
            "printer",
            "ids",
            "layout",
            "format",
            "copies",
            "reprint",
            "reason",
            "status",
            "error",
            "sent_at",
            "actions",
        ]

    def get_ids(self, job) -> list[str]:
        return [item.payload for item in job.items.all()]


class LatestPrintJobSerializer(serializers.Serializer):
    """The newest print job of something labelled (an order's tubes): did its labels print?"""

    id = serializers.UUIDField(source="public_id")
    status = serializers.CharField()
    error = serializers.CharField()
    actions = ActionsField()
