"""Serializers of freezer storage: the hierarchy, storage answers, and the actions' inputs."""

from decimal import Decimal

from rest_framework import serializers

from freezers.choices import FreezerKind, FreezerStatus, RackKind, Strategy
from freezers.models import CODE_FORMAT, Box, BoxType, Freezer, Placement, Rack
from lims.api.base import BuiltOnceModelSerializer, ReasonField, ScopedSlugField, StrictSerializer
from lims.models import Site
from specimens.choices import TemperatureClass
from specimens.models import Specimen

MAX_BATCH = 500


class BoxTypeSerializer(serializers.ModelSerializer):
    capacity = serializers.IntegerField(read_only=True)

    class Meta:
        model = BoxType
        fields = ["code", "name", "rows", "columns", "capacity", "naming", "fill_order", "is_bag"]


class FreezerSerializer(serializers.ModelSerializer):
    site = serializers.CharField(source="site.code")

    class Meta:
        model = Freezer
        fields = [
            "code",
            "name",
            "site",
            "kind",
            "temperature_class",
            "set_point_c",
            "tolerance_c",
            "status",
        ]


class RackSerializer(serializers.ModelSerializer):
    freezer = serializers.CharField(source="freezer.code")

    class Meta:
        model = Rack
        fields = ["freezer", "name", "kind", "position", "box_rows", "box_columns"]


class BoxSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="box_type.code")
    freezer = serializers.CharField(source="rack.freezer.code")
    rack = serializers.CharField(source="rack.name")
    capacity = serializers.IntegerField(source="box_type.capacity")

    class Meta:
        model = Box
        fields = ["code", "type", "freezer", "rack", "position", "capacity", "path"]


class StorageSerializer(BuiltOnceModelSerializer):
    """The storage answer of ARCHITECTURE §6 for one tube."""

    id = serializers.CharField(source="specimen.barcode")
    box = serializers.CharField(source="box.code")
    status = serializers.CharField(source="specimen.status")
    checked_out = serializers.SerializerMethodField()

    class Meta:
        model = Placement
        fields = [
            "id",
            "box",
            "position",
            "path",
            "status",
            "checked_out",
            "checked_out_at",
            "freeze_thaw_count",
        ]

    def get_checked_out(self, placement) -> bool:
        return placement.checked_out_at is not None


class FreezerCreateSerializer(StrictSerializer):
    code = serializers.RegexField(CODE_FORMAT, max_length=32)
    name = serializers.CharField(max_length=120)
    site = ScopedSlugField(slug_field="code", queryset=Site.objects.all())
    kind = serializers.ChoiceField(choices=FreezerKind.choices)
    temperature_class = serializers.ChoiceField(choices=TemperatureClass.choices)
    set_point_c = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=-273, max_value=40
    )
    tolerance_c = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=Decimal("0.1"), max_value=50, default=5
    )
    status = serializers.ChoiceField(choices=FreezerStatus.choices, default=FreezerStatus.ACTIVE)
    reason = ReasonField(required=False)


class FreezerStatusSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=FreezerStatus.choices)
    reason = ReasonField(required=False)


class RackCreateSerializer(StrictSerializer):
    freezer = ScopedSlugField(slug_field="code", queryset=Freezer.objects.all())
    name = serializers.RegexField(r"^[A-Za-z0-9][A-Za-z0-9-]{0,15}$", max_length=16)
    kind = serializers.ChoiceField(choices=RackKind.choices, default=RackKind.RACK)
    position = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    box_rows = serializers.IntegerField(min_value=1, max_value=50, required=False)
    box_columns = serializers.IntegerField(min_value=1, max_value=50, required=False)


class BoxCreateSerializer(StrictSerializer):
    freezer = ScopedSlugField(slug_field="code", queryset=Freezer.objects.all())
    rack = serializers.CharField(max_length=16)
    type = serializers.SlugRelatedField(slug_field="code", queryset=BoxType.objects.all())
    position = serializers.IntegerField(min_value=1, max_value=1000, required=False)


class SlotSerializer(StrictSerializer):
    id = serializers.CharField(max_length=64, help_text="Specimen ID as scanned or typed.")
    box = serializers.CharField(max_length=32, help_text="Box code (BOX-…).")
    position = serializers.CharField(max_length=8, help_text="A1, A01, or a slot number.")


class RetrieveSerializer(StrictSerializer):
    id = serializers.CharField(max_length=64)
    reason = ReasonField(required=False)


class ReturnSerializer(StrictSerializer):
    id = serializers.CharField(max_length=64)
    box = serializers.CharField(max_length=32, required=False)
    position = serializers.CharField(max_length=8, required=False)


class AllocateSerializer(StrictSerializer):
    ids = serializers.ListField(
        child=serializers.CharField(max_length=64), allow_empty=False, max_length=MAX_BATCH
    )
    strategy = serializers.ChoiceField(choices=Strategy.choices, default=Strategy.FILL_FIRST)
    freezer = serializers.CharField(max_length=32, required=False)
    temperature_class = serializers.ChoiceField(choices=TemperatureClass.choices, required=False)

    def validate(self, attrs):
        if "freezer" in attrs and "temperature_class" in attrs:
            raise serializers.ValidationError("Give a freezer or a temperature_class, not both.")
        return attrs


class FreeQuerySerializer(StrictSerializer):
    count = serializers.IntegerField(min_value=1, max_value=10_000)
    temperature_class = serializers.ChoiceField(choices=TemperatureClass.choices, required=False)
    freezer = serializers.CharField(max_length=32, required=False)
    site = serializers.CharField(max_length=32, required=False)

    def validate(self, attrs):
        if ("freezer" in attrs) == ("temperature_class" in attrs):
            raise serializers.ValidationError("Give a freezer or a temperature_class.")
        return attrs


class SlotAnswerSerializer(serializers.Serializer):
    box = serializers.CharField()
    position = serializers.CharField()
    path = serializers.CharField()


class FreeAnswerSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    slots = SlotAnswerSerializer(many=True)


class ReadingSerializer(StrictSerializer):
    at = serializers.DateTimeField()
    temperature_c = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=Decimal("-273.15"), max_value=100
    )


class ReadingsSerializer(StrictSerializer):
    """One reading (``at``, ``temperature_c``) or a logger's many (``readings``)."""

    at = serializers.DateTimeField(required=False)
    temperature_c = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("-273.15"),
        max_value=100,
        required=False,
    )
    readings = ReadingSerializer(many=True, required=False, allow_empty=False, max_length=10_000)
    source = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        single = attrs.keys() & {"at", "temperature_c"}
        if ("readings" in attrs and single) or ("readings" not in attrs and len(single) != 2):
            raise serializers.ValidationError(
                "Send at and temperature_c for one reading, or readings for many."
            )
        return attrs

    @staticmethod
    def pairs(data: dict) -> list[tuple]:
        rows = data.get("readings") or [data]
        return [(row["at"], row["temperature_c"]) for row in rows]


class WindowSerializer(StrictSerializer):
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)

    def validate(self, attrs):
        if "since" in attrs and "until" in attrs and attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError({"until": ["Must be after since."]})
        return attrs


class ExposedSpecimenSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="barcode")
    type = serializers.CharField(source="type.code")

    class Meta:
        model = Specimen
        fields = ["id", "type", "status"]
