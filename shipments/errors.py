"""The domain errors of shipments, each with the stable ``code`` the API answers with."""

from lims.errors import Conflict, InvalidInput, NotFound


class ShipmentDispatched(Conflict):
    code = "shipment_dispatched"
    title = "Shipment already dispatched"


class ShipmentCancelled(Conflict):
    code = "shipment_cancelled"
    title = "Shipment was cancelled"


class ShipmentNotDispatched(Conflict):
    code = "shipment_not_dispatched"
    title = "Shipment not yet dispatched"


class ShipmentNotArrived(Conflict):
    code = "shipment_not_arrived"
    title = "Shipment has not arrived"


class ShipmentAlreadyArrived(Conflict):
    code = "shipment_already_arrived"
    title = "Shipment arrival already recorded"


class ShipmentClosed(Conflict):
    code = "shipment_closed"
    title = "Shipment receipt is closed"


class ShipmentEmpty(Conflict):
    code = "shipment_empty"
    title = "Shipment has no tubes"


class AlreadyInShipment(Conflict):
    code = "already_in_shipment"
    title = "Tube is already in a shipment"


class NotInShipment(NotFound):
    code = "not_in_shipment"
    title = "Tube is not in this shipment"


class TubeNotAtOrigin(Conflict):
    code = "tube_not_at_origin"
    title = "Tube is not held at the shipment's origin"


class OrderNotFinalized(Conflict):
    code = "order_not_finalized"
    title = "Tube's order is not finalized"


class IncompatibleCondition(Conflict):
    code = "incompatible_condition"
    title = "Tube cannot travel in this condition"


class PositionTaken(Conflict):
    code = "position_taken"
    title = "Position in the inner box is taken"


class AlreadyReceived(Conflict):
    code = "already_received"
    title = "Tube already received"


class ReferenceRequired(InvalidInput):
    code = "reference_required"
    title = "A reference is needed to receive a straggler"


class LoggerAlreadyUploaded(Conflict):
    code = "logger_already_uploaded"
    title = "This shipment's logger file is already recorded"


class LoggerOutsideTransit(InvalidInput):
    code = "logger_outside_transit"
    title = "The logger file does not cover the transit"


class InvalidSites(InvalidInput):
    code = "invalid_shipment_sites"
    title = "Shipments go from a collection site to a biobank"


class DryIceMass(InvalidInput):
    code = "dry_ice_mass"
    title = "Dry ice mass missing or not expected"


class InvalidPosition(InvalidInput):
    code = "invalid_position"
    title = "Inner box position not understood"
