"""Every kind of step from every status: the table's answer, with custody, or a clear 409."""

import pytest
from django.db import transaction

from lims.audit import stamp
from lims.choices import Role
from specimens.choices import CustodyKind, SpecimenStatus
from specimens.lifecycle import TABLE, TransitionNotAllowed, find_rule, transition
from specimens.models import CustodyEvent, Specimen, SpecimenType

pytestmark = pytest.mark.django_db

STEPS = [
    k
    for k in CustodyKind
    if k not in (CustodyKind.LABELED, CustodyKind.AMENDED, CustodyKind.HELD, CustodyKind.RELEASED)
]


def place(specimen_type, status, *, participant, site):
    specimen = Specimen(
        barcode=f"BX{Specimen.objects.count() + 9000000:07d}X",
        type=specimen_type,
        participant=participant,
        collection_site=site,
        current_site=site,
        status=status,
    )
    stamp(specimen, actor=None, reason="test setup").save()
    return specimen


def actor_and_site(kind, *, phleb_north, tech, north, biobank):
    roles = {rule.roles for rule in TABLE if rule.kind == kind}
    if all(Role.BIOBANK_TECHNICIAN in r and Role.PHLEBOTOMIST not in r for r in roles):
        return tech, biobank
    return phleb_north, north


def expected_target(kind, status, specimen_type):
    for rule in TABLE:
        if rule.kind == kind and status in rule.sources:
            if rule.only_unprocessed_types and specimen_type.needs_processing:
                continue
            return rule.target or status
    return None


@pytest.mark.parametrize("tube", ["1SST8", "1UR10"])
@pytest.mark.parametrize("kind", STEPS)
def test_each_step_from_each_status_follows_the_table(
    kind, tube, participant, phleb_north, tech, north, biobank
):
    specimen_type = SpecimenType.objects.get(code=tube)
    actor, site = actor_and_site(
        kind, phleb_north=phleb_north, tech=tech, north=north, biobank=biobank
    )
    for status in SpecimenStatus:
        specimen = place(specimen_type, status, participant=participant, site=site)
        target = expected_target(kind, status, specimen_type)
        events = CustodyEvent.objects.count()
        if target is None:
            with pytest.raises(Exception) as refused, transaction.atomic():
                transition(specimen, kind, actor=actor)
            assert refused.value.status == 409, (kind, status)
            assert Specimen.objects.get(pk=specimen.pk).status == status
            assert CustodyEvent.objects.count() == events
        else:
            with transaction.atomic():
                event = transition(specimen, kind, actor=actor)
            stored = Specimen.objects.get(pk=specimen.pk)
            assert (stored.status, event.kind, event.seq) == (target, kind, 1), (kind, status)
            assert stored.history.latest().history_user == actor


def test_the_wrong_role_may_not_take_a_step(participant, phleb_north, tech, north, biobank):
    urine = SpecimenType.objects.get(code="1UR10")
    at_biobank = place(urine, SpecimenStatus.RECEIVED, participant=participant, site=biobank)
    with pytest.raises(Exception) as refused:
        transition(at_biobank, CustodyKind.STORED, actor=phleb_north)
    assert refused.value.status == 403
    at_site = place(urine, SpecimenStatus.LABELED, participant=participant, site=north)
    with pytest.raises(Exception) as refused:
        transition(at_site, CustodyKind.COLLECTED, actor=tech)
    assert refused.value.status == 403


def test_packing_an_unprocessed_serum_tube_says_it_needs_processing(participant, north):
    sst = place(
        SpecimenType.objects.get(code="1SST8"),
        SpecimenStatus.COLLECTED,
        participant=participant,
        site=north,
    )
    with pytest.raises(TransitionNotAllowed, match="must be processed before it is packed"):
        find_rule(sst, CustodyKind.PACKED)


def test_a_tube_on_hold_can_only_be_released_or_disposed(participant, phleb_north, north):
    urine = place(
        SpecimenType.objects.get(code="1UR10"),
        SpecimenStatus.COLLECTED,
        participant=participant,
        site=north,
    )
    transition(urine, CustodyKind.HELD, actor=phleb_north, changes={"hold_reason": "leaking"})
    for kind in (CustodyKind.PACKED, CustodyKind.WEIGHED, CustodyKind.HELD):
        with pytest.raises(Exception) as refused:
            find_rule(urine, kind)
        assert refused.value.code == "specimen_on_hold"
    transition(urine, CustodyKind.RELEASED, actor=phleb_north, changes={"hold_reason": ""})
    assert find_rule(urine, CustodyKind.PACKED).target == SpecimenStatus.PACKED


def test_nothing_follows_disposal(participant, phleb_north, north):
    urine = place(
        SpecimenType.objects.get(code="1UR10"),
        SpecimenStatus.DISPOSED,
        participant=participant,
        site=north,
    )
    for kind in CustodyKind:
        if kind in (CustodyKind.LABELED, CustodyKind.AMENDED):
            continue
        with pytest.raises(Exception) as refused:
            find_rule(urine, kind)
        assert refused.value.code == "specimen_disposed"
