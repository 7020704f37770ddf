"""Enumerations of the specimen core: statuses, kinds and the program's fixed reason lists."""

from django.db import models


class Consent(models.TextChoices):
    CONSENTED = "consented", "Consented"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Ceremony(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    # The program treats "unknown" as a request for a ceremony.
    UNKNOWN = "unknown", "Unknown (treated as yes)"


class SampleKind(models.TextChoices):
    BLOOD = "blood", "Blood"
    URINE = "urine", "Urine"
    SALIVA = "saliva", "Saliva"
    DERIVATIVE = "derivative", "Derivative (aliquot)"


class TemperatureClass(models.TextChoices):
    AMBIENT = "ambient", "Ambient 15–25 °C"
    REFRIGERATED = "refrigerated", "Refrigerated 2–8 °C"
    FROZEN = "frozen", "Frozen ≤ −20 °C"
    ULTRA_COLD = "ultra_cold", "Ultra-cold ≤ −70 °C"
    VAPOUR_NITROGEN = "vapour_nitrogen", "Vapour-phase nitrogen ≤ −150 °C"


class Centrifuge(models.TextChoices):
    SWINGING_BUCKET = "swinging_bucket", "Swinging bucket"
    FIXED_ANGLE = "fixed_angle", "Fixed angle"


class OrderStatus(models.TextChoices):
    OPEN = "open", "Open"
    COLLECTED = "collected", "Collected"
    PROCESSED = "processed", "Processed"
    FINALIZED = "finalized", "Finalized"
    UNLOCKED = "unlocked", "Unlocked for amendment"
    CANCELLED = "cancelled", "Cancelled"


class SpecimenStatus(models.TextChoices):
    LABELED = "labeled", "Labeled"
    COLLECTED = "collected", "Collected"
    PROCESSED = "processed", "Processed"
    PACKED = "packed", "Packed"
    IN_TRANSIT = "in_transit", "In transit"
    MISSING = "missing", "Missing"
    RECEIVED = "received", "Received"
    STORED = "stored", "Stored"
    CHECKED_OUT = "checked_out", "Checked out"
    DEPLETED = "depleted", "Depleted"
    DISTRIBUTED = "distributed", "Distributed"
    DISPOSED = "disposed", "Disposed"


class CustodyKind(models.TextChoices):
    LABELED = "labeled", "Labeled"
    COLLECTED = "collected", "Collected"
    PROCESSED = "processed", "Processed"
    WEIGHED = "weighed", "Weighed"
    PACKED = "packed", "Packed"
    UNPACKED = "unpacked", "Unpacked"
    DISPATCHED = "dispatched", "Dispatched"
    RECEIVED = "received", "Received"
    MISSING = "missing", "Missing"
    STORED = "stored", "Stored"
    MOVED = "moved", "Moved"
    RETRIEVED = "retrieved", "Retrieved"
    RETURNED = "returned", "Returned to storage"
    ALIQUOTED = "aliquoted", "Aliquoted"
    DEPLETED = "depleted", "Depleted"
    DISTRIBUTED = "distributed", "Distributed"
    HELD = "held", "Put on hold"
    RELEASED = "released", "Released from hold"
    DISPOSED = "disposed", "Disposed"
    AMENDED = "amended", "Amended"
    QC_FLAGGED = "qc_flagged", "QC flag raised"
    NOTE_REDACTED = "note_redacted", "Note redacted"


class DisposalReason(models.TextChoices):
    WITHDRAWAL = "withdrawal", "Consent withdrawn"
    ACCESSIONING_ERROR = "accessioning_error", "Accessioning error"
    LAB_ACCIDENT = "lab_accident", "Lab accident"
    QNS = "qns", "Quantity not sufficient"
    QUALITY_ISSUE = "quality_issue", "Quality issue"
    DAMAGED = "damaged", "Damaged"
    EXPIRED = "expired", "Expired"
    OTHER = "other", "Other (say what)"


class CancelReason(models.TextChoices):
    CREATED_IN_ERROR = "created_in_error", "Order created in error"
    WRONG_PARTICIPANT = "wrong_participant", "Order created for the wrong participant"
    LABELLING_ERROR = "labelling_error", "Labelling error found after finalization"
    OTHER = "other", "Other (say what)"


class RestoreReason(models.TextChoices):
    WRONG_PARTICIPANT_CANCELLED = (
        "cancelled_for_wrong_participant",
        ("Order was cancelled for the wrong participant"),
    )
    CAN_BE_AMENDED = "can_be_amended", "Order can be amended instead of cancelled"
    OTHER = "other", "Other (say what)"


class UnlockReason(models.TextChoices):
    CHANGE_TUBES = "change_tubes", "Add or remove collected or processed tubes"
    CHANGE_TIMES = "change_times", "Change collection or processing times"
    CHANGE_TRACKING = "change_tracking", "Change tracking number"
    OTHER = "other", "Other (say what)"


class OrderAction(models.TextChoices):
    CREATED = "created", "Created"
    COLLECTED = "collected", "Collected"
    PROCESSED = "processed", "Processed"
    FINALIZED = "finalized", "Finalized"
    CANCELLED = "cancelled", "Cancelled"
    RESTORED = "restored", "Restored"
    UNLOCKED = "unlocked", "Unlocked"
    AMENDED = "amended", "Amended"


class SignatureMeaning(models.TextChoices):
    PERFORMED = "performed", "Performed by"
    WITNESSED = "witnessed", "Witnessed by"


class QCFlag(models.TextChoices):
    PROCESSING_TOO_EARLY = "processing_too_early", "Processed too soon after collection"
    PROCESSING_TOO_LATE = "processing_too_late", "Processed too long after collection"
    TRANSIT_TEMPERATURE_EXCURSION = (
        "transit_temperature_excursion",
        "Shipped through a temperature excursion",
    )
    DAMAGED_IN_TRANSIT = "damaged_in_transit", "Arrived damaged"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
