"""The shell of every page: header, search, navigation by role, CSP; lims imports no app."""

import ast
from pathlib import Path

import pytest

from barcode_printing.ids import format_id

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_the_header_names_user_site_and_role_and_signs_out_by_post(page_for, phleb_north):
    page = page_for(phleb_north).get("/collect/").content.decode()
    assert "phleb-north" in page and "Phlebotomist at" in page and "SITE-NORTH" in page
    assert 'action="/accounts/logout/"' in page and 'method="post"' in page
    assert page.count('name="q"') == 1


def test_signing_out_is_a_post(page_for, phleb_north):
    client = page_for(phleb_north)
    client.post("/accounts/logout/")
    assert client.get("/collect/").status_code == 302


PAGES = ["/", "/collect/", "/stations/", "/search?q=x", "/accounts/login/"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_csp_without_inline_scripts(page_for, phleb_north, path):
    response = page_for(phleb_north).get(path)
    policy = response["Content-Security-Policy"]
    script = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script and "unsafe-inline" not in script
    body = response.content.decode()
    assert "<script>" not in body and " onclick=" not in body and " onsubmit=" not in body


def test_the_api_docs_keep_scripts_off_inline(client):
    policy = client.get("/api/docs/")["Content-Security-Policy"]
    script = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "unsafe-inline" not in script


def test_htmx_is_vendored_with_its_licence():
    vendor = ROOT / "lims" / "static" / "vendor" / "htmx"
    assert (vendor / "htmx.min.js").stat().st_size > 10_000
    assert "Zero-Clause BSD" in (vendor / "LICENSE").read_text()


def test_navigation_shows_only_what_the_role_does(page_for, phleb_north, tech, auditor):
    phleb = page_for(phleb_north).get("/").content.decode()
    assert 'href="/collect/"' in phleb and 'href="/stations/"' in phleb
    technician = page_for(tech).get("/").content.decode()
    assert 'href="/collect/"' not in technician
    reader = page_for(auditor).get("/").content.decode()
    assert 'href="/collect/"' not in reader and 'href="/stations/"' not in reader
    assert 'name="scan"' not in reader


def test_the_search_box_opens_an_order_a_tube_a_participant_and_a_shipment(
    page_for, phleb_north, order, shipment
):
    client = page_for(phleb_north)
    tube = order.specimens.order_by("barcode").first()
    assert client.get(f"/search?q={order.code}")["Location"] == f"/collect/orders/{order.code}"
    assert client.get(f"/search?q= {tube.barcode.lower()} ")["Location"] == f"/tubes/{tube.barcode}"
    assert client.get("/search?q=P000000123")["Location"] == "/collect/participants/P000000123"
    biobank_id = order.participant.biobank_id
    assert client.get(f"/search?q={biobank_id}")["Location"] == "/collect/participants/P000000123"
    assert client.get(f"/search?q={shipment.code}")["Location"] == (
        f"/stations/shipments/{shipment.code}/pack"
    )


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("BX00000010", "wrong check character"),
        ("ORD-9999999", "No order ORD-9999999 among those you can see."),
        ("SH-99999", "No shipment SH-99999 among those you can see."),
        ("P999999999", "No participant P999999999 registered at your collection sites."),
        ("hello", "HELLO is not an ID this system knows the form of"),
        ("", "Type or scan an ID, then press Enter."),
        ("X" * 65, "That is 65 characters long; no ID is longer than 64."),
    ],
)
def test_a_wrong_or_unknown_id_is_a_readable_message_on_the_page(
    page_for, phleb_north, text, sentence
):
    if text == "BX00000010":
        good = format_id("BX", 1)
        text = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = page_for(phleb_north).get("/search", {"q": text})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="alert"' in page and sentence in page
    assert "<h1>Open an ID</h1>" in page


def test_another_sites_order_is_not_disclosed_by_the_search(page_for, phleb_south, order):
    page = page_for(phleb_south).get("/search", {"q": order.code}).content.decode()
    assert f"No order {order.code} among those you can see." in page


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_lims_imports_no_app_above_it():
    apps = {"specimens", "shipments", "freezers", "barcode_printing", "scanner_drivers"}
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & apps)
        for path in (ROOT / "lims").rglob("*.py")
        if "migrations" not in path.parts
        and "management" not in path.parts
        and _imports(path) & apps
    }
    assert offenders == {}
