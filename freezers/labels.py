"""The box label (2 by 1 inch: code as DataMatrix and Code 128, where the box lives): the ``box``
source of POST labels/."""

from barcode_printing.layouts import LabelData
from barcode_printing.sources import LabelBatch, label_source
from freezers.lookups import box_for
from freezers.models import PATH_SEPARATOR
from lims.models import User


@label_source("box")
def labels_for_box(user: User, code: str) -> LabelBatch:
    box = box_for(user, code)
    freezer = box.rack.freezer
    where = PATH_SEPARATOR.join([freezer.code, box.rack.name, f"slot {box.position}"])
    return LabelBatch(
        ids=(box.code,),
        labels=(LabelData(payload=box.code, lines=(where,)),),
        site=freezer.site,
        layout="box_200x100",
    )
