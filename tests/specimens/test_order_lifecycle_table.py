"""The order lifecycle of ARCHITECTURE §2, written out by hand and checked against the table:
each action from each status, by the right and the wrong role, with its order event, or a clear
refusal that changes nothing."""

import pytest
from django.db import transaction

from lims import notes
from lims.audit import stamp
from lims.errors import Forbidden
from specimens.choices import OrderStatus as O
from specimens.errors import OrderStatusConflict, ParticipantWithdrawn, TypeNotProcessed
from specimens.models import CollectionOrder, OrderEvent, Specimen, SpecimenType
from specimens.order_lifecycle import allowed_actions, lock_order, record_step
from specimens.services import tube_set_in_force

pytestmark = pytest.mark.django_db

ACTIONS = [
    "collect",
    "process",
    "add_tubes",
    "remove_tubes",
    "finalize",
    "cancel",
    "restore",
    "unlock",
]
# (status, action) -> (status afterwards, order event written), for a phlebotomist at the
# order's site. A cancelled order was processed before it was cancelled.
ALLOWED = {
    (O.OPEN, "collect"): (O.COLLECTED, "collected"),
    (O.COLLECTED, "collect"): (O.COLLECTED, "collected"),
    (O.COLLECTED, "process"): (O.PROCESSED, "processed"),
    (O.PROCESSED, "process"): (O.PROCESSED, "processed"),
    (O.COLLECTED, "finalize"): (O.FINALIZED, "finalized"),
    (O.PROCESSED, "finalize"): (O.FINALIZED, "finalized"),
    (O.OPEN, "cancel"): (O.CANCELLED, "cancelled"),
    (O.COLLECTED, "cancel"): (O.CANCELLED, "cancelled"),
    (O.PROCESSED, "cancel"): (O.CANCELLED, "cancelled"),
    (O.FINALIZED, "cancel"): (O.CANCELLED, "cancelled"),
    (O.UNLOCKED, "cancel"): (O.CANCELLED, "cancelled"),
    (O.CANCELLED, "restore"): (O.PROCESSED, "restored"),
    (O.FINALIZED, "unlock"): (O.UNLOCKED, "unlocked"),
    # Unlocked, every change is an amendment until the order is finalized again.
    (O.UNLOCKED, "collect"): (O.UNLOCKED, "amended"),
    (O.UNLOCKED, "process"): (O.UNLOCKED, "amended"),
    (O.UNLOCKED, "add_tubes"): (O.UNLOCKED, "amended"),
    (O.UNLOCKED, "remove_tubes"): (O.UNLOCKED, "amended"),
    (O.UNLOCKED, "finalize"): (O.FINALIZED, "finalized"),
}


def order_in(status, *, participant, site, actor, tubes=("1SST8",)):
    """An order in ``status`` holding one tube of each code in ``tubes`` (by default a serum
    tube, which is processed)."""
    order = CollectionOrder(
        code=f"ORD-{CollectionOrder.objects.count() + 9000000}",
        participant=participant,
        site=site,
        tube_set=tube_set_in_force(),
        status=status,
        status_before_cancel=O.PROCESSED if status == O.CANCELLED else "",
        donated_blood_past_week=False,
        transfusion_past_6_months=False,
        fainting_history=False,
        created_by=actor,
    )
    stamp(order, actor=actor, reason="test setup").save()
    for code in tubes:
        tube = Specimen(
            barcode=f"BX{Specimen.objects.count() + 9000000:07d}X",
            type=SpecimenType.objects.get(code=code),
            participant=participant,
            order=order,
            collection_site=site,
            current_site=site,
        )
        stamp(tube, actor=actor, reason="test setup").save()
    return order


def take(order, action, *, actor):
    with transaction.atomic():
        locked, rule = lock_order(order, action, actor=actor)
        record_step(locked, rule, actor=actor, reason=f"test {action}")
    return locked


@pytest.mark.parametrize("status", list(O))
@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_from_each_status(action, status, participant, phleb_north, north):
    order = order_in(status, participant=participant, site=north, actor=phleb_north)
    expected = ALLOWED.get((status, action))
    if expected is None:
        with pytest.raises(OrderStatusConflict):
            take(order, action, actor=phleb_north)
        assert CollectionOrder.objects.get(pk=order.pk).status == status
        assert not OrderEvent.objects.exists()
        return
    take(order, action, actor=phleb_north)
    stored = CollectionOrder.objects.get(pk=order.pk)
    event = OrderEvent.objects.get()
    assert (stored.status, event.action, event.actor) == (*expected, phleb_north)
    assert notes.reason(stored.history.latest()) == f"test {action}"


@pytest.mark.parametrize("persona", ["phleb_south", "tech", "north_auditor", "north_admin"])
@pytest.mark.parametrize(
    ("status", "action"),
    [
        (O.OPEN, "collect"),
        (O.FINALIZED, "unlock"),
        (O.CANCELLED, "restore"),
        (O.UNLOCKED, "add_tubes"),
    ],
)
def test_only_a_phlebotomist_of_the_site_takes_a_step(
    status, action, persona, participant, phleb_north, north, request
):
    order = order_in(status, participant=participant, site=north, actor=phleb_north)
    with pytest.raises(Forbidden):
        take(order, action, actor=request.getfixturevalue(persona))
    assert CollectionOrder.objects.get(pk=order.pk).status == status
    assert not OrderEvent.objects.exists()


def test_a_withdrawn_participants_order_stays_cancelled(participant, phleb_north, north):
    order = order_in(O.CANCELLED, participant=participant, site=north, actor=phleb_north)
    participant.consent, participant.destroy_samples = "withdrawn", False
    participant.withdrawn_at = order.created_at
    stamp(participant, actor=phleb_north, reason="test withdrawal").save()
    order.refresh_from_db()
    with pytest.raises(ParticipantWithdrawn):
        take(order, "restore", actor=phleb_north)
    assert allowed_actions(order, phleb_north) == []


@pytest.mark.parametrize(
    ("status", "persona", "actions"),
    [
        (O.OPEN, "phleb_north", ["collect", "cancel"]),
        (O.COLLECTED, "phleb_north", ["collect", "process", "finalize", "cancel"]),
        (O.PROCESSED, "phleb_north", ["process", "finalize", "cancel"]),
        (O.FINALIZED, "phleb_north", ["cancel", "unlock"]),
        (
            O.UNLOCKED,
            "phleb_north",
            ["collect", "process", "add_tubes", "remove_tubes", "finalize", "cancel"],
        ),
        (O.CANCELLED, "phleb_north", ["restore"]),
        (O.COLLECTED, "tech", []),
        (O.COLLECTED, "north_auditor", []),
        (O.COLLECTED, "phleb_south", []),
    ],
)
def test_the_actions_a_user_is_offered(
    status, persona, actions, participant, phleb_north, north, request
):
    order = order_in(status, participant=participant, site=north, actor=phleb_north)
    assert allowed_actions(order, request.getfixturevalue(persona)) == actions


@pytest.mark.parametrize("status", [O.COLLECTED, O.PROCESSED, O.UNLOCKED])
def test_an_order_of_tubes_that_are_not_processed_offers_no_processing(
    status, participant, phleb_north, north
):
    order = order_in(
        status, participant=participant, site=north, actor=phleb_north, tubes=("1UR10", "1SAL")
    )
    assert "process" not in allowed_actions(order, phleb_north)
    with pytest.raises(TypeNotProcessed, match="no tube whose type is processed"):
        take(order, "process", actor=phleb_north)
    assert CollectionOrder.objects.get(pk=order.pk).status == status
    assert not OrderEvent.objects.exists()
