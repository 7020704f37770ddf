"""A box's count of taken slots is derived data outside history: it is written by one UPDATE,
while every field history tracks still refuses a write that would skip it."""

import pytest

from freezers.models import Box
from lims.audit import AuditBypassRefused

pytestmark = pytest.mark.django_db


def test_the_untracked_count_is_updated_without_history(api, tech, box, aliquot):
    records = box.history.count()
    slot = {"id": aliquot.barcode, "box": box.code, "position": "A1"}
    assert api(tech).post("/api/v1/storage/place", slot).status_code == 201
    assert Box.objects.get(pk=box.pk).used == 1
    assert box.history.count() == records


@pytest.mark.parametrize("fields", [{"code": "BOX-9999999"}, {"used": 5, "position": 9}])
def test_a_tracked_field_is_refused_and_nothing_changes(box, fields):
    before = Box.objects.filter(pk=box.pk).values().get()
    with pytest.raises(AuditBypassRefused, match="update_unrecorded"):
        Box.objects.filter(pk=box.pk).update_unrecorded(**fields)
    assert Box.objects.filter(pk=box.pk).values().get() == before
