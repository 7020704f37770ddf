"""Labels on the order's page (a failed job with its error and a retry, a reprint's reason, the
PDF fallback), buttons that follow the lifecycle, the unlocked list, and times typed as HH:MM."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from barcode_printing.models import Printer, PrintJob
from lims.audit import stamp
from specimens import services
from specimens.models import CollectionOrder, Specimen
from tests.barcode_printing.loopback import LoopbackPrinter, free_port
from tests.specimens.conftest import NO_RISK

# Outside a test transaction, as in a request, a job is delivered before the page answers.
pytestmark = pytest.mark.django_db(transaction=True)


def _printer(site, name, kind="zpl_tcp", port=None, default=False):
    printer = Printer(
        name=name,
        site=site,
        kind=kind,
        address=f"127.0.0.1:{port}" if port else "",
        is_default_for_site=default,
    )
    stamp(printer, actor=None, reason="test setup").save()
    return printer


def test_a_failed_print_shows_the_printers_error_and_is_retried(
    page_for, phleb_north, north, order
):
    port = free_port()
    _printer(north, "north-zebra", port=port)
    client = page_for(phleb_north)
    url = f"/collect/orders/{order.code}/labels"
    failed = client.post(url, {"printer": "north-zebra"}, follow=True).content.decode()
    assert "Labels not printed on north-zebra:" in failed and 'role="alert"' in failed
    job = PrintJob.objects.get()
    assert job.status == "failed" and job.error in failed
    assert f'name="retry" value="{job.public_id}"' in failed
    printer = LoopbackPrinter(port)
    retried = client.post(url, {"retry": str(job.public_id)}, follow=True).content.decode()
    assert "Labels sent to north-zebra." in retried
    assert PrintJob.objects.get().status == "sent"
    assert order.specimens.first().barcode.encode() in printer.job()


def test_a_reprint_needs_a_reason_and_keeps_it(page_for, phleb_north, north, order):
    first, second = LoopbackPrinter(), LoopbackPrinter()
    _printer(north, "zebra-a", port=first.port)
    _printer(north, "zebra-b", port=second.port)
    client = page_for(phleb_north)
    url = f"/collect/orders/{order.code}/labels"
    client.post(url, {"printer": "zebra-a"})
    refused = client.post(url, {"printer": "zebra-b"})
    assert refused.status_code == 400 and "Say why you reprint" in refused.content.decode()
    assert PrintJob.objects.count() == 1
    client.post(url, {"printer": "zebra-b", "reason": "labels smudged"})
    reprint = PrintJob.objects.order_by("-pk").first()
    assert (reprint.reprint, reprint.reason, reprint.status) == (True, "labels smudged", "sent")
    assert first.job() and second.job()
    # The next reprint is offered where the last one went, not on the site's first printer.
    assert '<option value="zebra-b" selected>' in client.get(url).content.decode()


def test_a_pdf_printer_downloads_the_labels(page_for, phleb_north, north, order):
    _printer(north, "north-pdf", kind="pdf")
    response = page_for(phleb_north).post(
        f"/collect/orders/{order.code}/labels", {"printer": "north-pdf"}
    )
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"labels-{order.code}.pdf" in response["Content-Disposition"]


def test_an_unknown_printer_is_refused_on_the_page(page_for, phleb_north, north, order):
    _printer(north, "north-pdf", kind="pdf")
    response = page_for(phleb_north).post(
        f"/collect/orders/{order.code}/labels", {"printer": "nowhere"}
    )
    assert response.status_code == 400 and "Select a valid choice." in response.content.decode()
    assert not PrintJob.objects.exists()


def test_the_buttons_follow_the_lifecycle_and_the_unlocked_list_shows_the_order(
    page_for, phleb_north, order
):
    client = page_for(phleb_north)
    url = f"/collect/orders/{order.code}"
    opened = client.get(url).content.decode()
    assert "Alt+C" in opened and "Alt+F" not in opened and "Unlock the order" not in opened
    drawn = timezone.now() - timedelta(minutes=50)
    services.order_collect(actor=phleb_north, order=order, collected_at=drawn)
    services.order_process(
        actor=phleb_north, order=order, processed_at=drawn + timedelta(minutes=40)
    )
    services.order_finalize(actor=phleb_north, order=order)
    done = client.get(url).content.decode()
    assert "Unlock the order" in done and "Alt+C" not in done and "Alt+P" not in done
    client.post(f"{url}/unlock", {"unlock-reason": "change_times"})
    queue = client.get("/collect/").content.decode()
    unlocked = queue.split('id="unlocked"')[1].split("</section>")[0]
    assert order.code in unlocked
    assert CollectionOrder.objects.get(pk=order.pk).status == "unlocked"


def test_a_time_typed_as_hh_mm_is_today_at_the_site(page_for, phleb_north, north, order):
    tube = order.specimens.first()
    north_zone = ZoneInfo(north.time_zone)
    now_there = timezone.localtime(timezone.now(), north_zone)
    earlier = now_there - timedelta(minutes=10)
    if earlier.date() != now_there.date():
        pytest.skip("ten minutes ago was yesterday at the site")
    page_for(phleb_north).post(
        f"/collect/orders/{order.code}/collect",
        {"scan": tube.barcode, "collected_at": f"{earlier:%H:%M}"},
    )
    collected = Specimen.objects.get(pk=tube.pk).collected_at
    assert timezone.localtime(collected, north_zone).strftime("%Y-%m-%d %H:%M") == (
        f"{earlier:%Y-%m-%d %H:%M}"
    )


@pytest.mark.parametrize(
    ("codes", "offered"),
    [(["1UR10", "1UR90"], False), (["1SAL"], False), (["1SST8", "1UR10"], True)],
)
def test_process_is_offered_only_for_an_order_holding_a_processed_tube(
    tube_catalog, page_for, phleb_north, north, person, codes, offered
):
    order = services.order_create(
        actor=phleb_north, participant=person, site=north, tube_codes=codes, safety=NO_RISK
    )
    drawn = timezone.now() - timedelta(minutes=50)
    services.order_collect(actor=phleb_north, order=order, collected_at=drawn)
    client = page_for(phleb_north)
    page = client.get(f"/collect/orders/{order.code}").content.decode()
    assert (f'href="/collect/orders/{order.code}/process"' in page) is offered
    assert "Alt+F" in page
    if not offered:
        refused = client.post(
            f"/collect/orders/{order.code}/process", {"processed_at": f"{timezone.now():%H:%M}"}
        )
        assert refused.status_code == 403
        assert Specimen.objects.filter(order=order, status="processed").count() == 0
