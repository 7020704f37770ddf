"""The specimen status machine of ARCHITECTURE §2, written out by hand and checked against the
table: each step from each status, by the right and the wrong role, with custody or a clear
refusal, and the actions a user is offered."""

import pytest
from django.db import transaction

from lims.audit import stamp
from lims.errors import Forbidden
from specimens.choices import CustodyKind as K
from specimens.choices import SpecimenStatus as S
from specimens.errors import (
    DisposalDue,
    SpecimenDisposed,
    SpecimenOnHold,
    TransitionNotAllowed,
    TypeNotProcessed,
)
from specimens.lifecycle import allowed_actions, find_rule, transition
from specimens.models import CustodyEvent, Specimen, SpecimenType

pytestmark = pytest.mark.django_db

# (status, step) -> status afterwards, for a phlebotomist at the collection site. Urine has no
# processing, so it may be packed straight from collected and is never processed; serum must be
# processed first.
# Weighing changes no status, and either role may weigh a tube where it is.
WEIGHING = {
    (S.COLLECTED, K.WEIGHED): S.COLLECTED,
    (S.PROCESSED, K.WEIGHED): S.PROCESSED,
    (S.RECEIVED, K.WEIGHED): S.RECEIVED,
    (S.STORED, K.WEIGHED): S.STORED,
    (S.CHECKED_OUT, K.WEIGHED): S.CHECKED_OUT,
}
AT_SITE = WEIGHING | {
    (S.LABELED, K.COLLECTED): S.COLLECTED,
    (S.PROCESSED, K.PACKED): S.PACKED,
    (S.PACKED, K.UNPACKED): S.COLLECTED,
    (S.PACKED, K.DISPATCHED): S.IN_TRANSIT,
    # An unlocked order amends its tubes until they leave the site.
    (S.LABELED, K.AMENDED): S.LABELED,
    (S.COLLECTED, K.AMENDED): S.COLLECTED,
    (S.PROCESSED, K.AMENDED): S.PROCESSED,
}
URINE_ONLY = {(S.COLLECTED, K.PACKED): S.PACKED}
SERUM_ONLY = {(S.COLLECTED, K.PROCESSED): S.PROCESSED}
# The same for a biobank technician at the biobank.
AT_BIOBANK = WEIGHING | {
    (S.IN_TRANSIT, K.RECEIVED): S.RECEIVED,
    (S.MISSING, K.RECEIVED): S.RECEIVED,
    (S.IN_TRANSIT, K.MISSING): S.MISSING,
    (S.RECEIVED, K.STORED): S.STORED,
    (S.STORED, K.MOVED): S.STORED,
    (S.STORED, K.RETRIEVED): S.CHECKED_OUT,
    (S.CHECKED_OUT, K.RETURNED): S.STORED,
    (S.RECEIVED, K.ALIQUOTED): S.RECEIVED,
    (S.STORED, K.ALIQUOTED): S.STORED,
    (S.CHECKED_OUT, K.ALIQUOTED): S.CHECKED_OUT,
    (S.RECEIVED, K.DEPLETED): S.DEPLETED,
    (S.STORED, K.DEPLETED): S.DEPLETED,
    (S.CHECKED_OUT, K.DEPLETED): S.DEPLETED,
    (S.STORED, K.DISTRIBUTED): S.DISTRIBUTED,
    (S.CHECKED_OUT, K.DISTRIBUTED): S.DISTRIBUTED,
}
SITE_STEPS = [K.COLLECTED, K.PROCESSED, K.WEIGHED, K.PACKED, K.UNPACKED, K.DISPATCHED, K.AMENDED]
BIOBANK_STEPS = [
    K.RECEIVED,
    K.MISSING,
    K.STORED,
    K.MOVED,
    K.RETRIEVED,
    K.RETURNED,
    K.WEIGHED,
    K.ALIQUOTED,
    K.DEPLETED,
    K.DISTRIBUTED,
]
LIVE = [status for status in S if status != S.DISPOSED]


def place(code, status, *, participant, site, hold_reason="", disposal_due=False):
    specimen = Specimen(
        barcode=f"BX{Specimen.objects.count() + 9000000:07d}X",
        type=SpecimenType.objects.get(code=code),
        participant=participant,
        collection_site=site,
        current_site=site,
        status=status,
        hold_reason=hold_reason,
        disposal_due=disposal_due,
    )
    stamp(specimen, actor=None, reason="test setup").save()
    return specimen


def expect_step(specimen, kind, expected, *, actor, refusal=TransitionNotAllowed):
    """``kind`` leaves ``specimen`` in ``expected`` with one custody row and one history row by
    ``actor``; with ``expected`` None it is refused with ``refusal`` and nothing changes."""
    before = (specimen.status, CustodyEvent.objects.count(), specimen.history.count())
    if expected is None:
        with pytest.raises(refusal), transaction.atomic():
            transition(specimen, kind, actor=actor)
        stored = Specimen.objects.get(pk=specimen.pk)
        after = (stored.status, CustodyEvent.objects.count(), stored.history.count())
        assert after == before, (kind, specimen.status)
        return
    with transaction.atomic():
        event = transition(specimen, kind, actor=actor)
    stored = Specimen.objects.get(pk=specimen.pk)
    assert (stored.status, event.kind, event.seq, event.actor) == (expected, kind, 1, actor)
    assert stored.history.latest().history_user == actor


@pytest.mark.parametrize("tube", ["1SST8", "1UR10"])
@pytest.mark.parametrize("status", LIVE)
@pytest.mark.parametrize("kind", SITE_STEPS)
def test_collection_site_steps(kind, status, tube, participant, phleb_north, north):
    urine = tube == "1UR10"
    allowed = AT_SITE | (URINE_ONLY if urine else SERUM_ONLY)
    # Processing a tube whose type has none is refused for the type, whatever the status.
    refusal = TypeNotProcessed if urine and kind == K.PROCESSED else TransitionNotAllowed
    specimen = place(tube, status, participant=participant, site=north)
    expect_step(specimen, kind, allowed.get((status, kind)), actor=phleb_north, refusal=refusal)


@pytest.mark.parametrize("status", LIVE)
@pytest.mark.parametrize("kind", BIOBANK_STEPS)
def test_biobank_steps(kind, status, participant, tech, biobank):
    specimen = place("1SST8", status, participant=participant, site=biobank)
    expect_step(specimen, kind, AT_BIOBANK.get((status, kind)), actor=tech)


@pytest.mark.parametrize("status", LIVE)
def test_any_live_tube_may_be_held_flagged_and_disposed(status, participant, phleb_north, north):
    specimen = place("1UR10", status, participant=participant, site=north)
    transition(specimen, K.HELD, actor=phleb_north, changes={"hold_reason": "check label"})
    transition(specimen, K.QC_FLAGGED, actor=phleb_north)
    assert Specimen.objects.get(pk=specimen.pk).status == status
    transition(specimen, K.DISPOSED, actor=phleb_north)
    stored = Specimen.objects.get(pk=specimen.pk)
    assert stored.status == S.DISPOSED
    assert [e.kind for e in stored.custody_events.all()] == [K.HELD, K.QC_FLAGGED, K.DISPOSED]


@pytest.mark.parametrize(
    ("status", "kind", "persona", "site"),
    [
        (S.LABELED, K.COLLECTED, "tech", "north"),
        (S.COLLECTED, K.PROCESSED, "north_auditor", "north"),
        (S.PROCESSED, K.PACKED, "phleb_south", "north"),
        (S.RECEIVED, K.STORED, "phleb_north", "biobank"),
        (S.STORED, K.RETRIEVED, "auditor", "biobank"),
        (S.STORED, K.HELD, "auditor", "biobank"),
        (S.COLLECTED, K.DISPOSED, "north_admin", "north"),
        (S.COLLECTED, K.AMENDED, "tech", "north"),
    ],
)
def test_the_wrong_role_may_not_take_a_step(status, kind, persona, site, participant, request):
    actor, where = request.getfixturevalue(persona), request.getfixturevalue(site)
    specimen = place("1UR10", status, participant=participant, site=where)
    with pytest.raises(Forbidden):
        transition(specimen, kind, actor=actor)
    assert CustodyEvent.objects.count() == 0


def test_packing_an_unprocessed_serum_tube_says_it_needs_processing(participant, north):
    sst = place("1SST8", S.COLLECTED, participant=participant, site=north)
    with pytest.raises(TransitionNotAllowed, match="must be processed before it is packed"):
        find_rule(sst, K.PACKED)


def test_a_tube_on_hold_can_only_be_released_or_disposed(participant, phleb_north, north):
    urine = place("1UR10", S.COLLECTED, participant=participant, site=north)
    transition(urine, K.HELD, actor=phleb_north, changes={"hold_reason": "leaking"})
    for kind in (K.PACKED, K.WEIGHED, K.HELD, K.PROCESSED):
        with pytest.raises(SpecimenOnHold):
            find_rule(urine, kind)
    with pytest.raises(TransitionNotAllowed, match="not on hold"):
        find_rule(place("1UR10", S.COLLECTED, participant=participant, site=north), K.RELEASED)
    transition(urine, K.RELEASED, actor=phleb_north, changes={"hold_reason": ""})
    assert find_rule(urine, K.PACKED).target == S.PACKED


def test_a_tube_held_for_destruction_cannot_be_released(participant, phleb_north, north):
    held = place(
        "1UR10",
        S.COLLECTED,
        participant=participant,
        site=north,
        hold_reason="x",
        disposal_due=True,
    )
    with pytest.raises(DisposalDue):
        find_rule(held, K.RELEASED)
    assert allowed_actions(held, phleb_north) == ["dispose"]


def test_nothing_follows_disposal(participant, north):
    urine = place("1UR10", S.DISPOSED, participant=participant, site=north)
    for kind in (K.COLLECTED, K.PACKED, K.RECEIVED, K.HELD, K.RELEASED, K.DISPOSED, K.QC_FLAGGED):
        with pytest.raises(SpecimenDisposed):
            find_rule(urine, kind)


@pytest.mark.parametrize(
    ("status", "tube", "persona", "site", "hold", "actions"),
    [
        (S.LABELED, "1SST8", "phleb_north", "north", "", ["collect", "hold", "dispose"]),
        (S.COLLECTED, "1SST8", "phleb_north", "north", "", ["process", "weigh", "hold", "dispose"]),
        (S.COLLECTED, "1UR10", "phleb_north", "north", "", ["weigh", "pack", "hold", "dispose"]),
        (S.COLLECTED, "1SAL", "phleb_north", "north", "", ["weigh", "pack", "hold", "dispose"]),
        (S.COLLECTED, "1ED10", "phleb_north", "north", "", ["weigh", "pack", "hold", "dispose"]),
        (S.COLLECTED, "1PST8", "phleb_north", "north", "", ["process", "weigh", "hold", "dispose"]),
        (S.PACKED, "1UR10", "phleb_north", "north", "", ["unpack", "dispatch", "hold", "dispose"]),
        (S.COLLECTED, "1UR10", "phleb_north", "north", "leaking", ["release", "dispose"]),
        (S.IN_TRANSIT, "1UR10", "tech", "north", "", ["receive", "mark_missing"]),
        (
            S.STORED,
            "1SST8",
            "tech",
            "biobank",
            "",
            [
                "weigh",
                "move",
                "retrieve",
                "aliquot",
                "deplete",
                "distribute",
                "hold",
                "dispose",
            ],
        ),
        (S.STORED, "1SST8", "phleb_north", "biobank", "", []),
        (S.STORED, "1SST8", "auditor", "biobank", "", []),
        (S.DISPOSED, "1SST8", "tech", "biobank", "", []),
    ],
)
def test_the_actions_a_user_is_offered(
    status, tube, persona, site, hold, actions, participant, request
):
    specimen = place(
        tube, status, participant=participant, site=request.getfixturevalue(site), hold_reason=hold
    )
    assert allowed_actions(specimen, request.getfixturevalue(persona)) == actions
