"""Serializers of the specimen core. Participant IDs only reach users of the collecting site."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from barcode_printing.api.serializers import LatestPrintJobSerializer
from barcode_printing.selectors import latest_job
from lims import notes
from lims.api.base import BuiltOnceModelSerializer, ReasonField, ScopedSlugField, StrictSerializer
from lims.models import Site
from lims.scoping import Scope
from specimens import extensions, lifecycle, order_lifecycle, qc, selectors
from specimens.choices import Centrifuge, Ceremony
from specimens.errors import WeightNotStable
from specimens.models import (
    PARTICIPANT_ID,
    CollectionOrder,
    CustodyEvent,
    Participant,
    Signature,
    Specimen,
    SpecimenType,
)


def sees_participant_id(context: dict, site_id: int) -> bool:
    """Users of the collecting site see participant IDs; the biobank never does."""
    scope: Scope = context["scope"]
    return scope.is_superuser or (
        site_id in scope.site_ids and site_id not in scope.biobank_site_ids
    )


class ParticipantSerializer(serializers.ModelSerializer):
    participant_id = serializers.SerializerMethodField()
    registered_site = serializers.CharField(source="registered_site.code")

    class Meta:
        model = Participant
        fields = [
            "participant_id",
            "biobank_id",
            "registered_site",
            "consent",
            "withdrawn_at",
            "destroy_samples",
            "ceremony",
        ]

    def get_participant_id(self, participant) -> str | None:
        if sees_participant_id(self.context, participant.registered_site_id):
            return participant.participant_id
        return None


class ParticipantCreateSerializer(StrictSerializer):
    participant_id = serializers.RegexField(PARTICIPANT_ID, max_length=10)
    site = ScopedSlugField(slug_field="code", queryset=Site.objects.all())


class WithdrawSerializer(StrictSerializer):
    destroy_samples = serializers.BooleanField()
    ceremony = serializers.ChoiceField(choices=Ceremony.choices, default=Ceremony.UNKNOWN)
    reason = ReasonField(required=False)


class SpecimenTypeSerializer(serializers.ModelSerializer):
    yields = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = SpecimenType
        fields = [
            "code",
            "name",
            "kind",
            "container",
            "cap_colour",
            "draw_order",
            "nominal_volume_ml",
            "labels_per_tube",
            "needs_processing",
            "centrifuge",
            "storage_class",
            "density_g_per_ml",
            "yields",
        ]


class SignatureSerializer(serializers.ModelSerializer):
    """A signature as 21 CFR 11.50 wants it shown: printed name, date and time, and meaning."""

    meaning_label = serializers.CharField(source="get_meaning_display")

    class Meta:
        model = Signature
        fields = ["printed_name", "signed_at", "meaning", "meaning_label"]


class TrailSignatureSerializer(SignatureSerializer):
    """A signature listed with its specimen: which custody event it signs."""

    seq = serializers.IntegerField(source="event.seq")
    kind = serializers.CharField(source="event.kind")

    class Meta(SignatureSerializer.Meta):
        fields = ["seq", "kind", *SignatureSerializer.Meta.fields]


class SpecimenSerializer(BuiltOnceModelSerializer):
    id = serializers.CharField(source="barcode")
    type = serializers.CharField(source="type.code")
    biobank_id = serializers.CharField(source="participant.biobank_id")
    participant_id = serializers.SerializerMethodField()
    order = serializers.CharField(source="order.code", default=None, allow_null=True)
    site = serializers.CharField(source="collection_site.code")
    current_site = serializers.CharField(source="current_site.code")
    parent = serializers.CharField(source="parent.barcode", default=None, allow_null=True)
    children = serializers.SerializerMethodField()
    ceremony = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    qc_warnings = serializers.SerializerMethodField()
    signatures = serializers.SerializerMethodField()
    hold_reason = serializers.CharField(
        source="hold_text",
        read_only=True,
        help_text="Why the tube is on hold, as typed (or who redacted it, when and why), or the "
        "system's words; empty when it is not on hold.",
    )

    class Meta:
        model = Specimen
        fields = [
            "id",
            "type",
            "status",
            "biobank_id",
            "participant_id",
            "order",
            "site",
            "current_site",
            "hold_reason",
            "disposal_due",
            "ceremony",
            "qc_flags",
            "qc_warnings",
            "parent",
            "children",
            "collected_at",
            "processed_at",
            "centrifuge",
            "volume_ul",
            "weight_g",
            "signatures",
            "actions",
        ]

    def get_fields(self):
        # Fields other apps add (a tube's storage slot, its shipment): see specimens.extensions.
        return {**super().get_fields(), **extensions.fields()}

    def get_participant_id(self, specimen) -> str | None:
        if sees_participant_id(self.context, specimen.collection_site_id):
            return specimen.participant.participant_id
        return None

    def get_children(self, specimen) -> list[str]:
        # A scan's narrow read (selectors.scan_answers) knows when there are none.
        if getattr(specimen, "has_children", True) is False:
            return []
        return [child.barcode for child in specimen.children.all()]

    def get_ceremony(self, specimen) -> str | None:
        return (specimen.participant.ceremony or None) if specimen.disposal_due else None

    @extend_schema_field(TrailSignatureSerializer(many=True))
    def get_signatures(self, specimen) -> list[dict]:
        signatures = selectors.signatures_of(specimen)
        # Most tubes have none: no serializer built for an empty list.
        return TrailSignatureSerializer(signatures, many=True).data if signatures else []

    def get_actions(self, specimen) -> list[str]:
        return lifecycle.allowed_actions(specimen, self.context["request"].user)

    def get_qc_warnings(self, specimen) -> list[str]:
        return qc.warnings(specimen)


class OrderSerializer(BuiltOnceModelSerializer):
    participant_id = serializers.SerializerMethodField()
    biobank_id = serializers.CharField(source="participant.biobank_id")
    site = serializers.CharField(source="site.code")
    # Its str(), as a CharField gives it: a method as the source is inspected on every answer.
    tube_set = serializers.CharField()
    specimens = SpecimenSerializer(many=True, source="tubes")
    print_job = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta:
        model = CollectionOrder
        fields = [
            "code",
            "status",
            "participant_id",
            "biobank_id",
            "site",
            "tube_set",
            "donated_blood_past_week",
            "transfusion_past_6_months",
            "fainting_history",
            "created_at",
            "specimens",
            "print_job",
            "actions",
        ]

    def get_actions(self, order) -> list[str]:
        return order_lifecycle.allowed_actions(order, self.context["request"].user)

    def get_participant_id(self, order) -> str | None:
        if sees_participant_id(self.context, order.site_id):
            return order.participant.participant_id
        return None

    @extend_schema_field(LatestPrintJobSerializer(allow_null=True))
    def get_print_job(self, order) -> dict | None:
        """The newest job of the tubes' labels: a printer that was off shows here as failed."""
        job = latest_job(order)
        return LatestPrintJobSerializer(job, context=self.context).data if job else None


class SafetySerializer(StrictSerializer):
    donated_blood_past_week = serializers.BooleanField()
    transfusion_past_6_months = serializers.BooleanField()
    fainting_history = serializers.BooleanField()


class OrderCreateSerializer(StrictSerializer):
    participant = serializers.RegexField(PARTICIPANT_ID, max_length=10)
    site = ScopedSlugField(slug_field="code", queryset=Site.objects.all())
    tubes = serializers.ListField(
        child=serializers.CharField(max_length=16), allow_empty=True, max_length=60
    )
    safety = SafetySerializer()


class CollectSerializer(StrictSerializer):
    collected_at = serializers.DateTimeField()
    barcodes = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, allow_empty=False, max_length=60
    )
    notes = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class ProcessSerializer(StrictSerializer):
    processed_at = serializers.DateTimeField(required=False)
    times = serializers.DictField(child=serializers.DateTimeField(), required=False)
    centrifuge = serializers.ChoiceField(choices=Centrifuge.choices, required=False)
    barcodes = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, allow_empty=False, max_length=60
    )


class AddTubesSerializer(StrictSerializer):
    tubes = serializers.ListField(
        child=serializers.CharField(max_length=16), allow_empty=False, max_length=60
    )


class RemoveTubesSerializer(StrictSerializer):
    barcodes = serializers.ListField(
        child=serializers.CharField(max_length=40), allow_empty=False, max_length=60
    )


class ListedReasonSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=40)
    reason_text = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ReasonSerializer(StrictSerializer):
    reason = ReasonField(required=False)


class DisposeSerializer(ListedReasonSerializer):
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    witness = serializers.CharField(max_length=150, required=False)
    witness_password = serializers.CharField(max_length=4096, trim_whitespace=False, required=False)

    def validate(self, data: dict) -> dict:
        if ("witness" in data) != ("witness_password" in data):
            raise serializers.ValidationError(
                {"witness": ["A witness signs with their username and password, both or neither."]}
            )
        return data


class AliquotSerializer(StrictSerializer):
    count = serializers.IntegerField(min_value=1, max_value=96)
    type = serializers.CharField(max_length=16)
    volume_ul = serializers.IntegerField(min_value=1, max_value=100_000)


class WeighSerializer(StrictSerializer):
    grams = serializers.DecimalField(max_digits=9, decimal_places=3)
    device = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)
    stable = serializers.BooleanField(default=True)

    def validate_stable(self, stable: bool) -> bool:
        # A moving reading is no weight: refuse it with its own code so stations can say why.
        if not stable:
            raise WeightNotStable(
                "The balance had not settled: wait for a stable reading and weigh again.",
                errors={"stable": ["Must be true."]},
            )
        return stable


class CustodyEventListSerializer(serializers.ListSerializer):
    """Reads the notes of every event listed in one query."""

    def to_representation(self, data):
        events = list(data.all() if hasattr(data, "all") else data)
        self.child.prepare_chunk(events)
        return super().to_representation(events)


class CustodyEventSerializer(serializers.ModelSerializer):
    specimen = serializers.CharField(source="specimen.barcode")
    actor = serializers.CharField(source="actor.username")
    site = serializers.CharField(source="site.code")
    signatures = SignatureSerializer(many=True, read_only=True)
    texts = serializers.SerializerMethodField(
        help_text="Each free-text detail held as a salted digest: its digest, text and salt, "
        "or, once redacted, '[redacted]' and who redacted it, when and why."
    )

    def prepare_chunk(self, events) -> None:
        """Read the notes of ``events`` (a list, or a chunk of a streamed export) in one query."""
        self.context["notes"] = notes.lookup(
            digest for event in events for digest in notes.digests_in(event.details)
        )

    @extend_schema_field(serializers.DictField(child=serializers.DictField()))
    def get_texts(self, event) -> dict:
        digests = notes.digests_in(event.details)
        known = self.context.get("notes", {})
        # One event serialized on its own (not in a list or an export) reads its own notes.
        found = known if all(d in known for d in digests) else notes.lookup(digests)
        return notes.texts(event.details, found)

    class Meta:
        model = CustodyEvent
        fields = [
            "specimen",
            "seq",
            "version",
            "kind",
            "at",
            "actor",
            "site",
            "ref",
            "details",
            "prev_hash",
            "hash",
            "signatures",
            "texts",
        ]
        list_serializer_class = CustodyEventListSerializer


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    """One change in a specimen's history (the shape of ``selectors.field_history``)."""

    at = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_null=True)
    type = serializers.CharField(help_text="created, changed or deleted")
    changes = FieldChangeSerializer(many=True)
