"""Derivatives must fit their parent: the catalog says what each tube type yields."""

from datetime import timedelta

import pytest

from specimens import services
from specimens.models import Specimen, SpecimenType
from tests.helpers import assert_problem
from tests.specimens.helpers import chain_state, received_at_biobank

pytestmark = pytest.mark.django_db


@pytest.fixture
def received(make_order, phleb_north, tech, biobank, an_hour_ago):
    """One tube of each code, collected, processed where needed and received at the biobank."""
    order = make_order("1SST8", "1PST8", "1ED10", "1UR10", "1SAL")
    services.order_collect(actor=phleb_north, order=order, collected_at=an_hour_ago)
    services.order_process(
        actor=phleb_north, order=order, processed_at=an_hour_ago + timedelta(minutes=45)
    )
    return {
        tube.type.code: received_at_biobank(tube, phleb=phleb_north, tech=tech, biobank=biobank)
        for tube in order.specimens.select_related("type")
    }


def aliquot(client, tube, derivative, volume_ul=500):
    return client.post(
        f"/api/v1/specimens/{tube.barcode}/aliquot/",
        {"count": 1, "type": derivative, "volume_ul": volume_ul},
    )


@pytest.mark.parametrize(
    ("parent", "derivative"),
    [
        ("1SST8", "SERUM"),
        ("1SST8", "CLOT"),
        ("1PST8", "PLASMA"),
        ("1PST8", "BUFFY"),
        ("1ED10", "PLASMA"),
        ("1ED10", "BUFFY"),
        ("1ED10", "DNA"),
        ("1UR10", "URINE"),
        ("1SAL", "SALIVA"),
        ("1SAL", "DNA"),
    ],
)
def test_a_tube_yields_the_derivatives_of_its_kind(api, tech, received, parent, derivative):
    made = aliquot(api(tech), received[parent], derivative)
    assert made.status_code == 201, made.content
    assert made.json()[0]["type"] == derivative


@pytest.mark.parametrize(
    ("parent", "derivative", "offered"),
    [
        ("1UR10", "SERUM", "URINE"),
        ("1SST8", "PLASMA", "CLOT, SERUM"),
        ("1PST8", "SERUM", "BUFFY, PLASMA"),
        ("1ED10", "URINE", "BUFFY, DNA, PLASMA, WBLD"),
        ("1SAL", "PLASMA", "DNA, SALIVA"),
    ],
)
def test_anything_else_is_refused_and_changes_nothing(
    api, tech, received, parent, derivative, offered
):
    before = chain_state()
    body = assert_problem(
        aliquot(api(tech), received[parent], derivative), 409, "derivative_not_allowed"
    )
    assert body["detail"] == (
        f"Tube {received[parent].barcode} is {parent}: it yields {offered}, not {derivative}."
    )
    assert chain_state() == before


def test_an_aliquot_splits_into_its_own_type_only(api, tech, received):
    client = api(tech)
    (serum,) = aliquot(client, received["1SST8"], "SERUM", 1000).json()
    child = Specimen.objects.get(barcode=serum["id"])
    assert aliquot(client, child, "SERUM", 200).status_code == 201
    before = chain_state()
    assert_problem(aliquot(client, child, "DNA", 200), 409, "derivative_not_allowed")
    assert chain_state() == before


def test_a_phlebotomist_is_refused_for_the_role_before_the_derivative(api, phleb_north, received):
    response = aliquot(api(phleb_north), received["1UR10"], "SERUM")
    assert_problem(response, 403, "role_forbids_action")


def test_the_catalog_says_what_each_type_yields(api, phleb_north):
    listed = api(phleb_north).get("/api/v1/specimen-types/?page_size=100").json()["results"]
    yields = {t["code"]: set(t["yields"]) for t in listed}
    assert yields["1SST8"] == {"SERUM", "CLOT"}
    assert yields["1UR90"] == {"URINE"}
    assert yields["1PXR2"] == {"WBLD"}
    assert yields["DNA"] == {"DNA"}
    assert SpecimenType.objects.get(code="CLOT").kind == "derivative"


def test_the_refusal_has_a_problem_page(client):
    page = client.get("/problems/derivative_not_allowed")
    assert page.status_code == 200
    assert b"does not yield this derivative" in page.content
