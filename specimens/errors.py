"""The specimen core's domain errors: each a stable code the API renders as problem+json."""

from lims.errors import Conflict, Forbidden, InvalidInput


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"
    title = "Not possible in the specimen's current state"


class SpecimenOnHold(Conflict):
    code = "specimen_on_hold"
    title = "Specimen is on hold"


class SpecimenDisposed(Conflict):
    code = "specimen_disposed"
    title = "Specimen was disposed"


class DisposalDue(Conflict):
    code = "disposal_due"
    title = "Specimen awaits destruction"


class ParticipantWithdrawn(Conflict):
    code = "participant_withdrawn"
    title = "Participant withdrew consent"


class TypeNotProcessed(InvalidInput):
    code = "tube_type_not_processed"
    title = "The tube's type has no processing"


class OrderStatusConflict(Conflict):
    code = "order_status_conflict"
    title = "Not possible in the order's current state"


class ImplausibleTime(InvalidInput):
    code = "implausible_time"
    title = "The time lies before anything the LIMS records"


class TimeInFuture(InvalidInput):
    code = "time_in_future"
    title = "Time lies in the future"


class ProcessingBeforeCollection(InvalidInput):
    code = "processing_before_collection"
    title = "Processing time is at or before collection"


class UnknownTubeCode(InvalidInput):
    code = "unknown_tube_code"
    title = "Unknown tube code"


class TubeNotInSet(InvalidInput):
    code = "tube_not_in_tube_set"
    title = "Tube is not in the tube set in force"


class SafetyCheckRefusesTube(InvalidInput):
    code = "safety_check_refuses_tube"
    title = "The safety check rules out these tubes"


class NoTubes(InvalidInput):
    code = "no_tubes"
    title = "An order needs at least one tube"


class TubeNotInOrder(InvalidInput):
    code = "tube_not_in_order"
    title = "Tube does not belong to this order"


class InvalidReason(InvalidInput):
    code = "invalid_reason"
    title = "Reason not on the list"


class ProcessingIncomplete(Conflict):
    code = "processing_incomplete"
    title = "Tubes still need processing"


class CentrifugeMismatch(InvalidInput):
    code = "centrifuge_mismatch"
    title = "Tube code and centrifuge disagree"


class ParticipantExists(Conflict):
    code = "participant_exists"
    title = "Participant already registered"


class NotACollectionSite(InvalidInput):
    code = "not_a_collection_site"
    title = "Only collection sites register participants and create orders"


class SignatureRefused(Forbidden):
    code = "signature_refused"
    title = "Electronic signature refused"


class InsufficientVolume(InvalidInput):
    code = "insufficient_volume"
    title = "Not enough volume left"


class WeightOutOfRange(InvalidInput):
    code = "weight_out_of_range"
    title = "Weight outside the plausible range"


class WeightNotStable(InvalidInput):
    code = "weight_not_stable"
    title = "The balance reading was not stable"


class NotADerivativeType(InvalidInput):
    code = "not_a_derivative_type"
    title = "Aliquots take a derivative type"


class UnknownQCFlag(InvalidInput):
    code = "unknown_qc_flag"
    title = "Not a QC flag of the program"


class DerivativeNotAllowed(Conflict):
    code = "derivative_not_allowed"
    title = "The parent tube does not yield this derivative"
