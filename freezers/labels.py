"""The box label (2 by 1 inch: code as DataMatrix and Code 128, where the box lives): the ``box``
source of POST labels/."""

from barcode_printing.layouts import LabelData
from barcode_printing.sources import LabelBatch, label_source
from freezers.models import PATH_SEPARATOR, Box
from lims.errors import NotFound


@label_source("box")
def labels_for_box(user, code: str) -> LabelBatch:
    box = Box.objects.for_user(user).with_path().filter(code=code.strip().upper()).first()
    if box is None:
        raise NotFound(f"No box {code} among those you can see.", errors={"box": ["Unknown."]})
    freezer = box.rack.freezer
    where = PATH_SEPARATOR.join([freezer.code, box.rack.name, f"slot {box.position}"])
    return LabelBatch(
        ids=(box.code,),
        labels=(LabelData(payload=box.code, lines=(where,)),),
        site=freezer.site,
        layout="box_200x100",
    )
