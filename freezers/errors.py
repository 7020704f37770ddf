"""The refusals of freezer storage, each with the stable code the API answers."""

from lims.errors import Conflict, InvalidInput


class SlotOccupied(Conflict):
    code = "slot_occupied"
    title = "Another tube holds this slot"


class AlreadyPlaced(Conflict):
    code = "already_placed"
    title = "Tube is already in storage"


class NotPlaced(Conflict):
    code = "not_placed"
    title = "Tube has no slot in storage"


class AlreadyInSlot(Conflict):
    code = "already_in_slot"
    title = "Tube is already in this slot"


class WrongTemperatureClass(Conflict):
    code = "wrong_temperature_class"
    title = "Box is kept at the wrong temperature for this tube"


class WrongSite(Conflict):
    code = "wrong_site"
    title = "Tube and box are at different sites"


class FreezerUnavailable(Conflict):
    code = "freezer_unavailable"
    title = "Freezer does not take tubes now"


class NotABiobank(InvalidInput):
    code = "not_a_biobank"
    title = "Freezers belong to a biobank"


class CodeTaken(Conflict):
    code = "code_taken"
    title = "Name or code already in use"


class RackFull(Conflict):
    code = "rack_full"
    title = "Rack has no free box slot"


class ReadingConflict(Conflict):
    code = "reading_conflict"
    title = "A different temperature is on record for this moment"
