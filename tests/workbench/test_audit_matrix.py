"""The role-by-page matrix of the auditor's pages and the dashboard, walked from the URL conf so
that a new page of theirs cannot escape it: allowed (200), 403 for a role that does not use the
page, 404 outside the user's sites."""

import pytest
from django.urls import URLResolver, get_resolver

from specimens import verification

pytestmark = pytest.mark.django_db

MODULES = ("specimens.views.tube", "specimens.views.audit", "specimens.views.verify")
OWN = {"shipments.custody_pages.shipment_report", "lims.web.views.dashboard"}
ROLES = [
    "phleb_north",
    "phleb_south",
    "tech",
    "auditor",
    "north_auditor",
    "north_admin",
    "outsider",
]
EVERYONE_IN_SCOPE = {
    "phleb_north": 200,
    "phleb_south": 404,
    "tech": 200,
    "auditor": 200,
    "north_auditor": 200,
    "north_admin": 200,
    "outsider": 403,
}
AUDITORS = {**dict.fromkeys(ROLES, 403), "auditor": 200, "north_auditor": 200}
EXPECTED = {
    "tube": EVERYONE_IN_SCOPE,
    "tube-report": EVERYONE_IN_SCOPE,
    "participant-report": EVERYONE_IN_SCOPE,
    "shipment-report": EVERYONE_IN_SCOPE,
    "audit-feed": AUDITORS,
    "audit-feed-csv": AUDITORS,
    "verify-chains": AUDITORS,
    "verify-chains-run": {**AUDITORS, "north_auditor": 404},
    "dashboard": dict.fromkeys(ROLES, 200),
}


def _patterns(resolver):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry)
        else:
            yield entry


def test_every_page_of_the_auditor_is_in_the_matrix():
    ours = {
        pattern.name
        for pattern in _patterns(get_resolver())
        if pattern.callback.__module__ in MODULES
        or f"{pattern.callback.__module__}.{pattern.callback.__name__}" in OWN
    }
    assert ours == set(EXPECTED), "add the new page to EXPECTED"


@pytest.fixture
def urls(finalized, shipment, pack, auditor):
    tube = finalized("1SST8")[0]
    pack(shipment, [tube])
    run = verification.run_request(actor=auditor)
    return {
        "tube": f"/tubes/{tube.barcode}",
        "tube-report": f"/tubes/{tube.barcode}/custody.pdf",
        "participant-report": f"/participants/{tube.participant.biobank_id}/custody.pdf",
        "shipment-report": f"/shipments/{shipment.code}/custody.pdf",
        "audit-feed": "/audit/events",
        "audit-feed-csv": "/audit/events.csv",
        "verify-chains": "/audit/chains",
        "verify-chains-run": f"/audit/chains/{run.public_id}",
        "dashboard": "/dashboard",
    }


@pytest.mark.parametrize("who", ROLES)
def test_each_role_gets_what_the_matrix_says(page_for, request, urls, who):
    client = page_for(request.getfixturevalue(who))
    answers = {name: client.get(url).status_code for name, url in urls.items()}
    assert answers == {name: EXPECTED[name][who] for name in urls}


def test_signed_out_visitors_are_sent_to_sign_in(client, urls):
    assert {name: client.get(url).status_code for name, url in urls.items()} == dict.fromkeys(
        urls, 302
    )
