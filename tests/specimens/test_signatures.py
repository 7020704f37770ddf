"""Signed disposal: passwords are checked like a sign-in, guesses lock out, refusals are uniform."""

import csv
import io
import json

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from lims.audit import stamp
from lims.choices import Role
from lims.models import Membership
from specimens import services
from specimens.models import Signature
from tests.helpers import PASSWORD, admin_browser, assert_problem, make_user
from tests.specimens.helpers import chain_state, received_at_biobank

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_biobank(make_order, phleb_north, tech, biobank, an_hour_ago):
    order = services.order_collect(
        actor=phleb_north, order=make_order("1UR10"), collected_at=an_hour_ago
    )
    return received_at_biobank(order.specimens.get(), phleb=phleb_north, tech=tech, biobank=biobank)


@pytest.fixture
def witness(biobank):
    return make_user("tech-2", (biobank, Role.BIOBANK_TECHNICIAN), first_name="Ana")


def dispose(client, specimen, *, password=PASSWORD, **witnessed):
    body = {"reason": "damaged", "password": password, **witnessed}
    return client.post(f"/api/v1/specimens/{specimen.barcode}/dispose/", body)


def witnessed_by(username, password=PASSWORD):
    return {"witness": username, "witness_password": password}


def sign_in(username):
    return APIClient().post("/api/v1/auth/token/", {"username": username, "password": PASSWORD})


def refusal(response) -> dict:
    body = assert_problem(response, 403, "signature_refused")
    return {**body, "content_type": response["Content-Type"]}


def test_wrong_witness_guesses_lock_the_witness_out_and_every_refusal_reads_the_same(
    api, tech, witness, at_biobank, settings
):
    client = api(tech)
    before = chain_state()
    unknown = refusal(dispose(client, at_biobank, **witnessed_by("nobody-here", "guess-0")))
    wrong = [
        refusal(dispose(client, at_biobank, **witnessed_by("tech-2", f"guess-{n}")))
        for n in range(10)
    ]
    right_but_locked = refusal(dispose(client, at_biobank, **witnessed_by("tech-2")))

    assert settings.AXES_FAILURE_LIMIT < 10
    assert all(answer == unknown for answer in wrong)
    assert right_but_locked == unknown
    assert "tech-2" not in unknown["detail"] and "nobody-here" not in unknown["detail"]
    # The lockout is the sign-in's own: the witness cannot sign in from this address either.
    assert_problem(sign_in("tech-2"), 403, "account_locked")
    assert chain_state() == before
    assert not Signature.objects.exists()


def test_wrong_signer_passwords_lock_the_signer_out(api, tech, at_biobank, settings):
    client = api(tech)
    for n in range(settings.AXES_FAILURE_LIMIT):
        body = refusal(dispose(client, at_biobank, password=f"guess-{n}"))
    assert body == refusal(dispose(client, at_biobank))
    assert_problem(sign_in("tech"), 403, "account_locked")
    assert not Signature.objects.exists()


def test_a_site_admin_of_the_disposal_site_may_witness(api, tech, at_biobank, biobank):
    make_user("bank-admin", (biobank, Role.SITE_ADMIN), first_name="Rosa", last_name="Diaz")
    response = dispose(api(tech), at_biobank, **witnessed_by("bank-admin"))
    assert response.status_code == 200, response.content
    signed = Signature.objects.get(meaning="witnessed")
    assert (signed.printed_name, signed.event.kind) == ("Rosa Diaz", "disposed")


def _ended_technician(biobank):
    user = make_user("tech-gone", (biobank, Role.BIOBANK_TECHNICIAN))
    membership = Membership.objects.get(user=user)
    membership.ended_at = timezone.now()
    stamp(membership, actor=None, reason="left the biobank").save()
    return user


@pytest.mark.parametrize(
    "make_witness",
    [
        lambda sites: make_user("bank-auditor", (sites["biobank"], Role.AUDITOR)),
        lambda sites: make_user("north-admin", (sites["north"], Role.SITE_ADMIN)),
        lambda sites: make_user("no-role"),
        lambda sites: _ended_technician(sites["biobank"]),
        lambda sites: make_user(
            "inactive", (sites["biobank"], Role.BIOBANK_TECHNICIAN), is_active=False
        ),
    ],
    ids=["auditor-there", "admin-elsewhere", "no-membership", "membership-ended", "inactive"],
)
def test_only_a_technician_or_site_admin_there_may_witness_and_the_refusal_says_no_more(
    api, tech, at_biobank, network, make_witness
):
    client = api(tech)
    unknown = refusal(dispose(client, at_biobank, **witnessed_by("nobody-here")))
    before = chain_state()
    name = make_witness(network).username
    assert refusal(dispose(client, at_biobank, **witnessed_by(name))) == unknown
    assert chain_state() == before
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    "witnessed",
    [{"witness": "tech-2"}, {"witness_password": PASSWORD}],
    ids=["no-password", "no-witness"],
)
def test_a_witness_needs_both_username_and_password(api, tech, witness, at_biobank, witnessed):
    before = chain_state()
    body = assert_problem(dispose(api(tech), at_biobank, **witnessed), 400, "invalid")
    assert "witness" in body["errors"]
    assert chain_state() == before


@pytest.fixture
def witnessed_disposal(api, tech, witness, at_biobank):
    response = dispose(api(tech), at_biobank, **witnessed_by("tech-2"))
    assert response.status_code == 200, response.content
    return at_biobank


def test_the_specimen_and_its_signed_event_show_each_signature(api, auditor, witnessed_disposal):
    client = api(auditor)
    tube = f"/api/v1/specimens/{witnessed_disposal.barcode}/"
    signed = client.get(tube).json()["signatures"]
    assert [(s["kind"], s["meaning"], s["meaning_label"], s["printed_name"]) for s in signed] == [
        ("disposed", "performed", "Performed by", "tech"),
        ("disposed", "witnessed", "Witnessed by", "Ana"),
    ]
    trail = client.get(tube + "custody/").json()
    assert all(event["signatures"] == [] for event in trail[:-1])
    assert trail[-1]["kind"] == "disposed" and signed[0]["seq"] == trail[-1]["seq"]
    on_event = [(s["printed_name"], s["signed_at"]) for s in trail[-1]["signatures"]]
    assert on_event == [(s["printed_name"], s["signed_at"]) for s in signed]


def test_custody_csv_exports_carry_the_signatures(api, auditor, witnessed_disposal):
    client = api(auditor)
    for url in (
        f"/api/v1/specimens/{witnessed_disposal.barcode}/custody/?format=csv",
        "/api/v1/audit/events/?format=csv&kind=disposed",
    ):
        rows = list(csv.DictReader(io.StringIO(client.get(url).getvalue().decode())))
        disposed = next(row for row in rows if row["kind"] == "disposed")
        signed = json.loads(disposed["signatures"])
        assert [(s["meaning_label"], s["printed_name"]) for s in signed] == [
            ("Performed by", "tech"),
            ("Witnessed by", "Ana"),
        ], url


def test_the_admin_shows_signatures_and_cannot_change_them(witnessed_disposal):
    root = make_user("root", is_superuser=True, is_staff=True)
    browser = admin_browser(root)
    page = browser.get(f"/admin/specimens/specimen/{witnessed_disposal.pk}/change/")
    assert page.status_code == 200
    assert "Witnessed by Ana" in page.content.decode()
    listing = browser.get("/admin/specimens/signature/")
    assert listing.status_code == 200 and "Ana" in listing.content.decode()
    signature = Signature.objects.get(meaning="witnessed")
    assert browser.get("/admin/specimens/signature/add/").status_code == 403
    refused = browser.post(
        f"/admin/specimens/signature/{signature.pk}/change/", {"printed_name": "Forged"}
    )
    assert refused.status_code == 403
    assert Signature.objects.get(pk=signature.pk).printed_name == "Ana"
