"""The biobank technician's storage pages: store by scanning, browse freezers and box maps,
retrieve and return; bad scans are answered on the page and change nothing."""

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from freezers.models import PATH_SEPARATOR, Placement
from specimens.models import CustodyEvent, Specimen

pytestmark = pytest.mark.django_db


def scan(page, url, text, **held):
    return page.post(url, {"scan": text, **held})


def answers(response) -> str:
    return html.unescape(response.content.decode())


def kinds(tube) -> list[str]:
    return list(
        CustodyEvent.objects.filter(specimen=tube).order_by("seq").values_list("kind", flat=True)
    )


def test_store_by_scanning_tube_then_box_then_position(page_for, tech, aliquot, box):
    page = page_for(tech)
    first = scan(page, "/storage/store", aliquot.barcode)
    assert f"{aliquot.barcode} scanned; now scan the box label." in answers(first)
    second = scan(page, "/storage/store", box.code, tube=aliquot.barcode)
    assert f"{aliquot.barcode} into {box.code}: scan or click a free position." in answers(second)
    third = scan(page, "/storage/store", "b3", tube=aliquot.barcode, box=box.code)
    assert f"{aliquot.barcode} stored at FRZ-80-A › R1 › {box.code} › B3." in answers(third)
    assert 'role="status"' in answers(third)
    placement = Placement.objects.get(specimen=aliquot)
    assert (placement.box, placement.row, placement.column) == (box, 2, 3)
    assert Specimen.objects.get(pk=aliquot.pk).status == "stored"
    assert kinds(aliquot)[-1] == "stored"
    # The box stays chosen for the next tube; the tube does not.
    assert f'name="box" value="{box.code}"' in answers(third)
    assert 'name="tube" value=""' in answers(third)


def test_a_click_on_a_free_slot_stores_into_it(page_for, tech, aliquot, box):
    page = page_for(tech)
    shown = scan(page, "/storage/store", "", tube=aliquot.barcode, box=box.code)
    assert 'name="position" value="C4"' in answers(shown)
    page.post(
        "/storage/store", {"scan": "", "tube": aliquot.barcode, "box": box.code, "position": "C4"}
    )
    placement = Placement.objects.get(specimen=aliquot)
    assert (placement.row, placement.column) == (3, 4)


@pytest.mark.parametrize(
    ("text", "held", "sentence"),
    [
        ("BX9999999", {}, "BX9999999 is not a specimen ID"),
        ("BOX-9999999", {}, "No box 'BOX-9999999'"),
        ("A1", {}, "Scan the tube first"),
        ("Z99", {"box": True, "tube": True}, "Position Z99 is outside this 9×9 box"),
        ("", {"box": True, "tube": True, "position": "banana"}, "'BANANA' is not a position"),
        ("J1", {"box": True, "tube": True}, "outside this 9×9 box"),
        ("", {}, "Scan a tube, a box label or a position."),
    ],
)
def test_a_bad_store_scan_is_an_alert_and_changes_nothing(
    page_for, tech, aliquot, box, text, held, sentence
):
    fields = {}
    if held.get("tube"):
        fields["tube"] = aliquot.barcode
    if held.get("box"):
        fields["box"] = box.code
    if held.get("position"):
        fields["position"] = held["position"]
    before = kinds(aliquot)
    response = scan(page_for(tech), "/storage/store", text, **fields)
    assert response.status_code == 200
    assert 'role="alert"' in answers(response) and sentence in answers(response)
    assert not Placement.objects.exists()
    assert kinds(aliquot) == before


def test_an_occupied_slot_is_refused_naming_its_tube(page_for, tech, aliquots, box):
    first, second = aliquots(2)
    page = page_for(tech)
    scan(page, "/storage/store", "A1", tube=first.barcode, box=box.code)
    response = scan(page, "/storage/store", "A1", tube=second.barcode, box=box.code)
    assert 'role="alert"' in answers(response) and first.barcode in answers(response)
    assert not Placement.objects.filter(specimen=second).exists()


def test_box_page_draws_every_slot_and_links_the_tube(page_for, tech, aliquot, box):
    scan(page_for(tech), "/storage/store", "A2", tube=aliquot.barcode, box=box.code)
    body = answers(page_for(tech).get(f"/storage/boxes/{box.code}"))
    assert body.count('<td class="slot ') == 81
    assert f'href="/storage/boxes/{box.code}?slot=A2#slot"' in body
    assert f'href="/storage/store?box={box.code}"' in body
    assert f"/api/v1/boxes/{box.code}/map?format=pdf" in body
    assert body.count('name="scan"') == 1


def test_a_stored_tubes_page_links_its_slot_and_a_retrieved_ones_keeps_it(
    page_for, tech, aliquot, box
):
    page = page_for(tech)
    scan(page, "/storage/store", "A2", tube=aliquot.barcode, box=box.code)
    path = Placement.objects.get(specimen=aliquot).path
    link = f'<li>Storage <a href="/search?q={box.code}">{path}</a></li>'
    assert path.endswith(f"{box.code}{PATH_SEPARATOR}A2")
    assert link in answers(page.get(f"/tubes/{aliquot.barcode}"))
    page.post("/storage/retrieve", {"tube": aliquot.barcode, "reason": "assay"})
    assert link in answers(page.get(f"/tubes/{aliquot.barcode}"))


def test_a_clicked_slot_shows_its_tube_with_the_actions_it_allows(page_for, tech, aliquot, box):
    page = page_for(tech)
    scan(page, "/storage/store", "A2", tube=aliquot.barcode, box=box.code)
    body = answers(page.get(f"/storage/boxes/{box.code}", {"slot": "a2"}))
    assert f"A2: {aliquot.barcode}" in body and "freeze-thaw cycles 0" in body
    assert "Check out" in body and "Return to A2" not in body
    page.post("/storage/retrieve", {"tube": aliquot.barcode, "reason": "assay"})
    body = answers(page.get(f"/storage/boxes/{box.code}", {"slot": "A2"}))
    assert "Return to A2" in body and "Check out</button>" not in body
    assert "checked out, slot reserved" in body
    assert "A3 is free" in answers(page.get(f"/storage/boxes/{box.code}", {"slot": "A3"}))


def test_a_slot_outside_the_box_is_an_alert(page_for, tech, box):
    body = answers(page_for(tech).get(f"/storage/boxes/{box.code}", {"slot": "K1"}))
    assert 'role="alert"' in body and "outside this 9×9 box" in body


def test_the_store_page_opened_from_a_box_has_the_box_chosen(page_for, tech, box):
    body = answers(page_for(tech).get("/storage/store", {"box": box.code}))
    assert f'name="box" value="{box.code}"' in body and "2 Box: <code>" + box.code in body


def test_scanning_a_tube_on_the_box_page_opens_it(page_for, tech, aliquot, box):
    response = page_for(tech).get(f"/storage/boxes/{box.code}", {"scan": aliquot.barcode})
    assert response.status_code == 302 and response["Location"] == f"/search?q={aliquot.barcode}"


def test_box_page_queries_do_not_grow_with_the_tubes(page_for, tech, aliquots, box):
    page = page_for(tech)
    tubes = aliquots(6)
    scan(page, "/storage/store", "A1", tube=tubes[0].barcode, box=box.code)
    with CaptureQueriesContext(connection) as one:
        page.get(f"/storage/boxes/{box.code}")
    for number, tube in enumerate(tubes[1:], start=2):
        scan(page, "/storage/store", f"A{number}", tube=tube.barcode, box=box.code)
    with CaptureQueriesContext(connection) as six:
        page.get(f"/storage/boxes/{box.code}")
    assert len(six) == len(one)


def test_freezer_list_and_freezer_page_show_occupancy(page_for, tech, aliquot, box):
    scan(page_for(tech), "/storage/store", "A1", tube=aliquot.barcode, box=box.code)
    listing = answers(page_for(tech).get("/storage/"))
    assert "FRZ-80-A" in listing and "1 of 81 slots used" in listing and "Ultra-cold" in listing
    freezer = answers(page_for(tech).get("/storage/freezers/FRZ-80-A"))
    assert "Rack R1" in freezer and box.code in freezer


def test_unknown_box_and_freezer_are_404(page_for, tech, box):
    assert page_for(tech).get("/storage/boxes/BOX-9999999").status_code == 404
    assert page_for(tech).get("/storage/freezers/NOPE").status_code == 404


def test_the_search_box_opens_a_box_and_a_freezer(page_for, tech, box):
    page = page_for(tech)
    assert page.get("/search", {"q": box.code.lower()})["Location"] == f"/storage/boxes/{box.code}"
    assert page.get("/search", {"q": "frz-80-a"})["Location"] == "/storage/freezers/FRZ-80-A"


def test_retrieve_then_return_by_scanning_counts_a_freeze_thaw(page_for, tech, aliquot, box):
    page = page_for(tech)
    scan(page, "/storage/store", "A1", tube=aliquot.barcode, box=box.code)
    out = page.post("/storage/retrieve", {"scan": aliquot.barcode, "reason": "assay run 42"})
    assert f"{aliquot.barcode} checked out from FRZ-80-A › R1 › {box.code} › A1" in answers(out)
    assert "checked-out" in answers(out) and "assay run 42" in answers(out)
    assert 'action="/storage/retrieve"' in answers(out)
    assert Specimen.objects.get(pk=aliquot.pk).status == "checked_out"
    back = page.post("/storage/retrieve", {"scan": aliquot.barcode})
    assert "returned to FRZ-80-A" in answers(back) and "freeze-thaw cycles now 1" in answers(back)
    assert Specimen.objects.get(pk=aliquot.pk).status == "stored"
    assert kinds(aliquot)[-3:] == ["stored", "retrieved", "returned"]


def test_checking_out_without_a_reason_is_refused(page_for, tech, aliquot, box):
    page = page_for(tech)
    scan(page, "/storage/store", "A1", tube=aliquot.barcode, box=box.code)
    response = page.post("/storage/retrieve", {"scan": aliquot.barcode, "reason": ""})
    assert 'role="alert"' in answers(response)
    assert Specimen.objects.get(pk=aliquot.pk).status == "stored"


def test_a_tube_never_stored_can_be_neither_retrieved_nor_returned(page_for, tech, aliquot):
    response = page_for(tech).post("/storage/retrieve", {"scan": aliquot.barcode, "reason": "x"})
    assert "can be neither checked out nor returned" in answers(response)
    empty = page_for(tech).post("/storage/retrieve", {"scan": ""})
    assert "Scan a tube" in answers(empty)


def test_the_checked_out_list_puts_the_overdue_first(page_for, tech, aliquots, box):
    from datetime import timedelta

    from django.utils import timezone

    old, new = aliquots(2)
    page = page_for(tech)
    for position, tube in (("A1", old), ("A2", new)):
        scan(page, "/storage/store", position, tube=tube.barcode, box=box.code)
        page.post("/storage/retrieve", {"scan": tube.barcode, "reason": "assay"})
    late = Placement.objects.get(specimen=old)
    late.checked_out_at = timezone.now() - timedelta(days=3)
    late.save()
    body = answers(page.get("/storage/retrieve"))
    assert body.index(old.barcode) < body.index(new.barcode)
    assert body.count("overdue (over") == 1


def test_storage_pages_are_for_the_biobank_technician(page_for, phleb_north):
    for url in ("/storage/", "/storage/store", "/storage/retrieve"):
        assert page_for(phleb_north).get(url).status_code == 403


def test_a_scanned_batch_is_proposed_then_stored_with_one_key(page_for, tech, aliquots, box):
    first, second = aliquots(2)
    page = page_for(tech)
    page.post("/storage/allocate", {"scan": first.barcode})
    shown = answers(
        page.post("/storage/allocate", {"scan": second.barcode, "batch": first.barcode})
    )
    assert f"{second.barcode} added; 2 in the batch." in shown
    assert f"{box.path}/A1" in shown and f"{box.path}/A2" in shown
    assert not Placement.objects.exists()
    batch = f"{first.barcode} {second.barcode}"
    done = answers(page.post("/storage/allocate", {"scan": "", "batch": batch}))
    assert f"2 tubes stored: {first.barcode} at {box.path}/A1" in done
    assert set(
        Specimen.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
    ) == {"stored"}
    assert kinds(first)[-1] == "stored"


def test_a_bad_batch_scan_keeps_the_batch_and_stores_nothing(page_for, tech, aliquot, box):
    page = page_for(tech)
    body = answers(page.post("/storage/allocate", {"scan": "BX9999999", "batch": aliquot.barcode}))
    assert 'role="alert"' in body and "BX9999999 is not a specimen ID" in body
    assert f'name="batch" value="{aliquot.barcode} "' in body
    empty = answers(page.post("/storage/allocate", {"scan": ""}))
    assert "Scan the tubes of the batch first." in empty
    assert not Placement.objects.exists()
