"""The biobank bench: the accession worklist, aliquoting with labels, and disposal signed in the
page; bad input is answered on the page and changes nothing."""

import html

import pytest

from specimens import services
from specimens.models import CustodyEvent, Signature, Specimen
from tests.helpers import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def kinds(tube) -> list[str]:
    events = CustodyEvent.objects.filter(specimen=tube).order_by("seq")
    return list(events.values_list("kind", flat=True))


def test_accession_lists_received_tubes_oldest_first(page_for, tech, received):
    first, second = received(), received()
    body = text(page_for(tech).get("/bench/accession"))
    assert first.barcode in body and second.barcode in body
    assert body.index(first.barcode) < body.index(second.barcode)
    assert " h</td>" in body


def test_an_aliquoted_tube_leaves_the_accession_worklist(page_for, tech, received):
    parent = received()
    services.specimen_aliquot(actor=tech, specimen=parent, count=1, type_code="WBLD", volume_ul=100)
    body = text(page_for(tech).get("/bench/accession"))
    assert parent.barcode not in body
    child = Specimen.objects.get(parent=parent)
    assert child.barcode in body


def aliquot(page, parent, **fields):
    data = {"scan": parent.barcode, "type_code": "WBLD", "count": 2, "volume_ul": 500, **fields}
    return page.post("/bench/aliquot", data)


def test_aliquoting_makes_children_and_updates_the_parent(page_for, tech, received):
    parent = received()
    before = parent.volume_ul or int(parent.type.nominal_volume_ml * 1000)
    body = text(aliquot(page_for(tech), parent))
    children = list(Specimen.objects.filter(parent=parent))
    assert len(children) == 2 and all(c.volume_ul == 500 for c in children)
    left = Specimen.objects.get(pk=parent.pk).volume_ul
    assert left == before - 1000
    assert f"2 × 500 µL WBLD made from {parent.barcode}; {left} µL left in it." in body
    assert all(child.barcode in body for child in children)
    assert "aliquoted" in kinds(parent)
    # No label printer at the biobank in the tests: the page says so rather than failing.
    assert "No label printer is set up at BIOBANK" in body


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({"volume_ul": 10_000_000}, "Scan the parent tube and give the type, count and volume."),
        ({"count": 0}, "Scan the parent tube and give the type, count and volume."),
        ({"type_code": "1ED10"}, "Scan the parent tube and give the type, count and volume."),
        ({"scan": "BX9999999"}, "BX9999999 is not a specimen ID"),
        ({"count": 90, "volume_ul": 90_000}, "µL left"),
    ],
)
def test_bad_aliquot_input_is_an_alert_and_changes_nothing(
    page_for, tech, received, fields, sentence
):
    parent = received()
    before = kinds(parent)
    body = text(aliquot(page_for(tech), parent, **fields))
    assert 'role="alert"' in body and sentence in body
    assert not Specimen.objects.filter(parent=parent).exists()
    assert kinds(parent) == before


@pytest.fixture
def due(phleb_north, participant, received):
    tube = received()
    services.participant_withdraw(
        actor=phleb_north,
        participant=participant,
        destroy_samples=True,
        ceremony="no",
        reason="asked",
    )
    return Specimen.objects.get(pk=tube.pk)


def dispose(page, tube, **fields):
    data = {"scan": tube.barcode, "reason": "withdrawal", "password": PASSWORD, **fields}
    return page.post("/bench/disposal", data)


def test_disposal_worklist_lists_tubes_due(page_for, tech, due):
    body = text(page_for(tech).get("/bench/disposal"))
    assert due.barcode in body and "Due for destruction (1)" in body


def test_disposing_with_a_witness_shows_the_manifestation(page_for, tech, biobank, due):
    witness = make_user(
        "witness", (biobank, "biobank_technician"), first_name="Wanda", last_name="Wit"
    )
    body = text(dispose(page_for(tech), due, witness="witness", witness_password=PASSWORD))
    assert f"{due.barcode} disposed and signed." in body
    assert "Performed by" in body and "Witnessed by" in body and "Wanda Wit" in body
    assert Specimen.objects.get(pk=due.pk).status == "disposed"
    signatures = Signature.objects.filter(event__specimen=due)
    assert sorted(signatures.values_list("meaning", "signer")) == [
        ("performed", tech.pk),
        ("witnessed", witness.pk),
    ]
    assert "Due for destruction (0)" in body


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({"password": "wrong"}, "Your password was not accepted"),
        ({"witness": "nobody", "witness_password": PASSWORD}, "The witness was not accepted"),
        ({"witness": "tech", "witness_password": PASSWORD}, "someone other than the person"),
        ({"reason": "nonsense"}, "Scan the tube, choose the reason and sign with your password."),
        ({"password": ""}, "Scan the tube, choose the reason and sign with your password."),
    ],
)
def test_a_bad_signature_is_refused_and_nothing_is_disposed(page_for, tech, due, fields, sentence):
    before = kinds(due)
    body = text(dispose(page_for(tech), due, **fields))
    assert 'role="alert"' in body and sentence in body
    assert Specimen.objects.get(pk=due.pk).status != "disposed"
    assert kinds(due) == before and not Signature.objects.exists()


def test_bench_pages_are_for_the_biobank_technician(page_for, phleb_north):
    for url in ("/bench/accession", "/bench/aliquot", "/bench/disposal"):
        assert page_for(phleb_north).get(url).status_code == 403
