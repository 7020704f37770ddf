"""QC flags raised through the lifecycle: each with a custody event and a history reason."""

import pytest

from lims import notes
from lims.errors import Forbidden
from lims.free_text import ReasonRequired
from specimens import services
from specimens.errors import SpecimenDisposed, UnknownQCFlag
from specimens.models import CustodyEvent, Specimen
from tests.specimens.helpers import chain_state, force

pytestmark = pytest.mark.django_db

EXCURSION = "transit_temperature_excursion"


@pytest.fixture
def tubes(make_order, phleb_north, an_hour_ago):
    order = make_order("1UR10", "1SAL")
    services.order_collect(actor=phleb_north, order=order, collected_at=an_hour_ago)
    return list(order.specimens.order_by("barcode"))


def flag(actor, tubes, **overrides):
    arguments = {
        "actor": actor,
        "specimens": tubes,
        "flag": EXCURSION,
        "details": {"shipment": "SH-0000001", "peak_c": 14.5},
        "reason": "logger shows 14.5 °C for 40 minutes",
        **overrides,
    }
    return services.specimens_flag_qc(**arguments)


def test_a_flag_is_raised_with_custody_and_history(tubes, phleb_north):
    assert flag(phleb_north, tubes) == tubes
    for tube in Specimen.objects.filter(pk__in=[t.pk for t in tubes]):
        assert tube.qc_flags == [EXCURSION]
        event = tube.custody_events.order_by("seq").last()
        assert (event.kind, event.actor, event.details) == (
            "qc_flagged",
            phleb_north,
            {"shipment": "SH-0000001", "peak_c": 14.5, "flag": EXCURSION},
        )
        record = tube.history.latest()
        assert notes.reason(record) == "logger shows 14.5 °C for 40 minutes"
        assert record.history_user == phleb_north


def test_a_tube_already_flagged_is_left_as_it_is(tubes, phleb_north):
    flag(phleb_north, tubes[:1])
    before = CustodyEvent.objects.count()
    assert flag(phleb_north, tubes) == tubes[1:]
    assert CustodyEvent.objects.count() == before + 1
    assert Specimen.objects.get(pk=tubes[0].pk).qc_flags == [EXCURSION]


def test_a_tube_on_hold_is_flagged_too(tubes, phleb_north):
    services.specimen_hold(actor=phleb_north, specimen=tubes[0], reason="label smudged")
    flag(phleb_north, tubes[:1])
    assert Specimen.objects.get(pk=tubes[0].pk).qc_flags == [EXCURSION]


def test_the_biobank_flags_tubes_still_in_transit_where_it_finds_the_excursion(
    tubes, phleb_north, tech, biobank
):
    moving = [force(tube, "packed", "dispatched", actor=phleb_north) for tube in tubes]
    flag(tech, moving, site=biobank)
    assert {e.site for e in CustodyEvent.objects.filter(kind="qc_flagged")} == {biobank}


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"flag": "too_warm"}, UnknownQCFlag),
        ({"flag": ""}, UnknownQCFlag),
        ({"reason": ""}, ReasonRequired),
        ({"reason": "   "}, ReasonRequired),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(tubes, phleb_north, overrides, error):
    before = chain_state()
    with pytest.raises(error):
        flag(phleb_north, tubes, **overrides)
    assert chain_state() == before


def test_details_must_be_a_mapping(tubes, phleb_north):
    with pytest.raises(TypeError):
        flag(phleb_north, tubes, details=["peak", 14.5])


def test_the_wrong_role_or_a_disposed_tube_refuses_the_whole_batch(
    tubes, phleb_north, north_auditor, tech
):
    before = chain_state()
    for actor in (north_auditor, tech):
        with pytest.raises(Forbidden):
            flag(actor, tubes)
    assert chain_state() == before
    force(tubes[1], "disposed", actor=phleb_north)
    before = chain_state()
    with pytest.raises(SpecimenDisposed):
        flag(phleb_north, tubes)
    assert chain_state() == before
