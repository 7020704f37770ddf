"""The station bridge against a live server: nothing lost, nothing doubled, bad input stopped."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from knox.models import AuthToken

from barcode_printing.ids import format_id
from lims.models import IdempotencyKey
from scanner_drivers.bridge import Bridge, StationConfig
from scanner_drivers.client import ApiClient
from scanner_drivers.simulators import ScaleSimulator, ScannerSimulator
from scanner_drivers.spool import Spool
from specimens import services
from specimens.models import CustodyEvent, Specimen
from tests.scanner_drivers.live import DroppingProxy, LiveServer, database_url, free_port

pytestmark = pytest.mark.django_db(transaction=True)
# Scanners begin after the bridge opened their port: opening a port discards what waits in it.
START = 0.3

NO_RISK = dict.fromkeys(
    ("donated_blood_past_week", "transfusion_past_6_months", "fainting_history"), False
)


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker) -> Iterator[LiveServer]:
    with django_db_blocker.unblock():
        live = LiveServer(database_url())
    live.start()
    yield live
    live.stop()


@pytest.fixture
def token(tube_catalog, phleb_north) -> str:
    return AuthToken.objects.create(phleb_north)[1]


@pytest.fixture
def tubes(token, phleb_north, north) -> Callable[[int], list[str]]:
    """`tubes(n)`: the IDs of n collected urine tubes, in scan order."""
    person = services.participant_register(
        actor=phleb_north, participant_id="P000000001", site=north
    )

    def make(count: int) -> list[str]:
        ids = []
        for start in range(0, count, 50):
            order = services.order_create(
                actor=phleb_north,
                participant=person,
                site=north,
                tube_codes=["1UR10"] * min(50, count - start),
                safety=NO_RISK,
            )
            services.order_collect(actor=phleb_north, order=order, collected_at=order.created_at)
            ids += order.specimens.order_by("pk").values_list("barcode", flat=True)
        return ids

    return make


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.05)


@contextmanager
def bridging(config: StationConfig, spool_path: Path, server_url: str, token: str):
    """A running bridge; yields it and the lines it showed, and stops it on the way out."""
    lines: list[str] = []
    spool = Spool(spool_path, config.station)
    bridge = Bridge(config, spool, ApiClient(server_url, token, timeout=2), show=lines.append)
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(bridge.run()), daemon=True)
    thread.start()
    try:
        yield bridge, lines
    finally:
        bridge.stop()
        thread.join(15)
        assert not thread.is_alive(), "the bridge did not stop"
        spool.close()


def weighed() -> list[str]:
    events = CustodyEvent.objects.filter(kind="weighed").order_by("pk")
    return list(events.values_list("specimen__barcode", flat=True))


def assert_in_scan_order(events: list[str], scans: list[str], window: int) -> None:
    """The order the bridge keeps: each tube's events are its scans in the order they were
    made, and an event comes before that of an earlier scan only when the two scans are fewer
    than `window` (the scans in the batches in flight) apart."""
    assert Counter(events) == Counter(scans), "a scan was lost or recorded twice"
    scan_indexes: dict[str, deque[int]] = defaultdict(deque)
    for index, tube in enumerate(scans):
        scan_indexes[tube].append(index)
    latest = -1
    for tube in events:
        index = scan_indexes[tube].popleft()
        assert latest - index < window, f"scan {index + 1} recorded after scan {latest + 1}"
        latest = max(latest, index)


def weigh_config(scanner: ScannerSimulator, scale: ScaleSimulator, **options) -> StationConfig:
    return StationConfig(
        station="bench-1",
        action="weigh",
        device=scanner.path,
        scale=scale.path,
        scale_protocol="mtsics",
        max_backoff=0.3,
        **options,
    )


def test_500_scans_through_an_outage_and_dropped_answers_are_each_recorded_once_in_order(
    server, token, tubes, tmp_path
):
    ids = tubes(400)
    # After every fourth tube the one before it is scanned again: its second weighing must
    # wait for its first while other tubes' requests are in flight.
    scans = []
    for number, tube in enumerate(ids, 1):
        scans.append(tube)
        if number % 4 == 0:
            scans.append(ids[number - 2])
    proxy = DroppingProxy(server.port, every=23)
    scanner = ScannerSimulator(scans, rate=400, delay=0.2)
    scale = ScaleSimulator("mtsics", load_g=Decimal("10.15"))
    config = weigh_config(scanner, scale, in_flight=4, batch=8)
    try:
        with bridging(config, tmp_path / "spool", proxy.url, token):
            scanner.start()
            scale.start()
            wait_until(lambda: len(weighed()) >= 150, timeout=60)
            server.stop()
            time.sleep(1)
            server.start()
            wait_until(lambda: len(weighed()) >= 500, timeout=120)
    finally:
        scanner.stop()
        scale.stop()
        proxy.close()
        server.start()
    assert len(scans) == 500
    assert_in_scan_order(weighed(), scans, window=config.in_flight * config.batch)
    assert proxy.dropped > 0
    assert Specimen.objects.filter(barcode__in=ids, weight_g=Decimal("10.150")).count() == 400
    # Each scan's request was applied once (one stored answer per key), and the server took
    # each tube's requests in scan order: a key's row is written when its request is applied.
    applied = [
        int(key.rsplit("-", 1)[1])
        for key in IdempotencyKey.objects.order_by("pk").values_list("key", flat=True)
    ]
    assert sorted(applied) == list(range(1, 501))
    for tube in ids:
        seqs = [seq for seq in applied if scans[seq - 1] == tube]
        assert seqs == sorted(seqs)


def test_a_spool_left_by_an_outage_drains_in_batches_each_scan_once_in_order(
    server, token, tubes, tmp_path
):
    ids = tubes(250)
    spool = Spool(tmp_path / "spool", "bench-1")
    for tube in ids:
        spool.append(f"specimens/{tube}/weigh/", {"grams": "10.150", "stable": True}, tube)
    spool.close()
    proxy = DroppingProxy(server.port, every=1_000_000)
    config = StationConfig(
        station="bench-1", action="weigh", device="loop://", scale="loop://", in_flight=1
    )
    try:
        with bridging(config, tmp_path / "spool", proxy.url, token) as (bridge, lines):
            wait_until(lambda: len(bridge.spool) == 0, timeout=60)
    finally:
        proxy.close()
    assert weighed() == ids
    assert lines == [f"{tube}: accepted" for tube in ids]
    assert proxy.answered == 3


def test_bad_scans_are_shown_and_only_good_ones_recorded(server, token, tubes, tmp_path):
    good, held = tubes(2)
    services.specimen_hold(
        actor=Specimen.objects.get(barcode=held).order.created_by,
        specimen=Specimen.objects.get(barcode=held),
        reason="leaking",
    )
    wrong_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    frames = [b"\x00\x07\xff", wrong_check, format_id("BX", 9_999_999), held, good]
    scanner = ScannerSimulator(frames, rate=50, delay=START)
    scale = ScaleSimulator("mtsics", load_g=Decimal("10.15"))
    with bridging(weigh_config(scanner, scale), tmp_path / "spool", server.url, token) as (
        _,
        lines,
    ):
        scanner.start()
        scale.start()
        wait_until(lambda: any(line.startswith(f"{good}: accepted") for line in lines))
    assert weighed() == [good]
    shown = "\n".join(lines)
    assert "non-printable bytes" in shown
    assert "wrong check character" in shown
    assert f"{format_id('BX', 9_999_999)}: unknown not_found" in shown
    assert f"{held}: conflict specimen_on_hold" in shown


@pytest.mark.parametrize(
    ("scale_options", "message"),
    [
        ({"unit": "oz"}, "(scale_wrong_unit); not sent"),
        ({"unsettled_reads": None}, "no stable weight within 0.5 s"),
    ],
)
def test_a_scale_in_the_wrong_unit_or_never_stable_sends_nothing(
    server, token, tubes, tmp_path, scale_options, message
):
    (tube,) = tubes(1)
    scanner = ScannerSimulator([tube], rate=50, delay=START)
    scale = ScaleSimulator("mtsics", load_g=Decimal("10.15"), **scale_options)
    config = weigh_config(scanner, scale, stable_within=0.5)
    with bridging(config, tmp_path / "spool", server.url, token) as (bridge, lines):
        scanner.start()
        scale.start()
        wait_until(lambda: any(message in line for line in lines))
        assert len(bridge.spool) == 0
    assert weighed() == []


def test_a_wrong_token_stops_the_bridge_and_keeps_the_scan(server, tubes, tmp_path):
    (tube,) = tubes(1)
    scanner = ScannerSimulator([tube], rate=50, delay=START)
    scale = ScaleSimulator("mtsics", load_g=Decimal("10.15"))
    with bridging(weigh_config(scanner, scale), tmp_path / "spool", server.url, "nope") as (
        bridge,
        lines,
    ):
        scanner.start()
        scale.start()
        wait_until(lambda: bridge.unauthorized)
        assert len(bridge.spool) == 1
    assert "refused the token (401" in "\n".join(lines)
    assert weighed() == []


def test_the_spool_survives_a_restart_replays_in_order_and_never_reuses_keys(
    server, token, tubes, tmp_path
):
    first, second = tubes(2)
    nobody = f"http://127.0.0.1:{free_port()}/api/v1/"
    spool_path = tmp_path / "spool"
    scanner = ScannerSimulator([first], rate=50, delay=START)
    scale = ScaleSimulator("mtsics", load_g=Decimal("10.15"))
    # One request at a time: then every scan is applied in scan order, across the restart too.
    config = weigh_config(scanner, scale, in_flight=1)
    with bridging(config, spool_path, nobody, token) as (bridge, lines):
        scanner.start()
        scale.start()
        wait_until(lambda: any("server unavailable" in line for line in lines))
        assert len(bridge.spool) == 1
    scanner.stop()
    scanner = ScannerSimulator([second], rate=50, delay=0.5)
    config = weigh_config(scanner, scale, in_flight=1)
    with bridging(config, spool_path, server.url, token) as (_, lines):
        scanner.start()
        wait_until(lambda: len(weighed()) == 2)
    scanner.stop()
    scale.stop()
    assert weighed() == [first, second]
    keys = sorted(IdempotencyKey.objects.values_list("key", flat=True))
    assert [key.rsplit("-", 1)[1] for key in keys] == ["1", "2"]


def test_an_unplugged_scanner_is_reported_and_reopened(server, token, tubes, tmp_path):
    first, second = tubes(2)
    port = tmp_path / "scanner"
    scanner = ScannerSimulator([first], rate=50, delay=START)
    port.symlink_to(scanner.path)
    scale = ScaleSimulator("mtsics", load_g=Decimal("10.15"))
    config = StationConfig(
        station="bench-1",
        action="weigh",
        device=str(port),
        scale=scale.path,
        max_backoff=0.3,
    )
    with bridging(config, tmp_path / "spool", server.url, token) as (_, lines):
        scanner.start()
        scale.start()
        wait_until(lambda: weighed() == [first])
        scanner.stop()
        wait_until(lambda: sum("scanner: serial port" in line for line in lines) >= 2)
        # Plugged in again: udev points the stable /dev/serial/by-id link at the new tty.
        scanner = ScannerSimulator([second], rate=50, delay=0.5)
        port.unlink()
        port.symlink_to(scanner.path)
        wait_until(lambda: any("is back" in line for line in lines))
        scanner.start()
        wait_until(lambda: weighed() == [first, second])
    scanner.stop()
    scale.stop()


def scale_behind(port: Path, load_g: str) -> ScaleSimulator:
    """A balance plugged in at `port`, the stable name udev gives it, whatever its tty."""
    scale = ScaleSimulator("mtsics", load_g=Decimal(load_g))
    port.unlink(missing_ok=True)
    port.symlink_to(scale.path)
    return scale.start()


def unplugged_scale_config(scanner: ScannerSimulator, port: Path, **options) -> StationConfig:
    return StationConfig(
        station="bench-1",
        action="weigh",
        device=scanner.path,
        scale=str(port),
        max_backoff=0.3,
        **options,
    )


def test_a_scale_unplugged_mid_run_is_reported_and_weighs_the_waiting_tube_once_back(
    server, token, tubes, tmp_path
):
    first, second = tubes(2)
    port = tmp_path / "scale"
    scale = scale_behind(port, "10.15")
    scanner = ScannerSimulator([first], rate=50, delay=START)
    config = unplugged_scale_config(scanner, port, stable_within=60)
    with bridging(config, tmp_path / "spool", server.url, token) as (_, lines):
        scanner.start()
        wait_until(lambda: weighed() == [first])
        scale.stop()
        scanner.scan(second)
        wait_until(lambda: any(line.startswith("scale: serial port") for line in lines))
        assert weighed() == [first]
        # Plugged in again with another load: only the balance as it is now may weigh.
        scale = scale_behind(port, "12.5")
        wait_until(lambda: weighed() == [first, second])
    scanner.stop()
    scale.stop()
    shown = "\n".join(lines)
    assert shown.count("scale: serial port") == 1, "reported once, not at every attempt"
    assert f"scale {port} is back" in shown
    weights = Specimen.objects.filter(barcode__in=[first, second])
    assert dict(weights.values_list("barcode", "weight_g")) == {
        first: Decimal("10.150"),
        second: Decimal("12.500"),
    }


def test_a_scale_that_stays_unplugged_sends_nothing_until_the_tube_is_scanned_again(
    server, token, tubes, tmp_path
):
    first, second = tubes(2)
    port = tmp_path / "scale"
    scale = scale_behind(port, "10.15")
    scanner = ScannerSimulator([first], rate=50, delay=START)
    config = unplugged_scale_config(scanner, port, stable_within=0.5)
    with bridging(config, tmp_path / "spool", server.url, token) as (bridge, lines):
        scanner.start()
        wait_until(lambda: weighed() == [first])
        scale.stop()
        scanner.scan(second)
        gave_up = f"{second}: the scale did not come back within 0.5 s; not sent, scan again"
        wait_until(lambda: gave_up in lines)
        assert len(bridge.spool) == 0
        assert weighed() == [first]
        scale = scale_behind(port, "12.5")
        scanner.scan(second)
        wait_until(lambda: weighed() == [first, second])
    scanner.stop()
    scale.stop()
    assert Specimen.objects.get(barcode=second).weight_g == Decimal("12.500")


def test_collect_posts_each_scanned_tube_of_the_order(server, token, phleb_north, north, tmp_path):
    person = services.participant_register(
        actor=phleb_north, participant_id="P000000002", site=north
    )
    order = services.order_create(
        actor=phleb_north,
        participant=person,
        site=north,
        tube_codes=["1UR10", "1SAL"],
        safety=NO_RISK,
    )
    ids = list(order.specimens.order_by("pk").values_list("barcode", flat=True))
    scanner = ScannerSimulator(ids, rate=50, delay=START)
    config = StationConfig(
        station="draw-1", action="collect", device=scanner.path, order=order.code
    )
    with bridging(config, tmp_path / "spool", server.url, token) as (_, lines):
        scanner.start()
        wait_until(lambda: sum("accepted" in line for line in lines) == 2)
    scanner.stop()
    events = CustodyEvent.objects.filter(kind="collected").order_by("pk")
    assert list(events.values_list("specimen__barcode", flat=True)) == ids


def finalized_tubes(client, count: int, participant_id: str) -> list[str]:
    """`count` serum tubes of a new participant's order at SITE-NORTH, collected, processed
    and finalized through the API: ready to ship."""
    registered = client.post(
        "/api/v1/participants/", {"participant_id": participant_id, "site": "SITE-NORTH"}
    )
    assert registered.status_code == 201, registered.content
    order = client.post(
        "/api/v1/orders/",
        {"participant": participant_id, "site": "SITE-NORTH", "tubes": ["1SST8"] * count}
        | {"safety": NO_RISK},
    ).json()
    drawn = timezone.now() - timedelta(hours=2)
    for step, body in (
        ("collect", {"collected_at": drawn}),
        ("process", {"processed_at": drawn + timedelta(hours=1)}),
        ("finalize", {}),
    ):
        answer = client.post(f"/api/v1/orders/{order['code']}/{step}/", body)
        assert answer.status_code == 200, answer.content
    return [tube["id"] for tube in order["specimens"]]


def new_shipment(client) -> str:
    created = client.post(
        "/api/v1/shipments/",
        {"origin": "SITE-NORTH", "destination": "BIOBANK", "condition": "refrigerated"},
    )
    assert created.status_code == 201, created.content
    return created.json()["code"]


def dispatch(client, code: str) -> None:
    sent = client.post(
        f"/api/v1/shipments/{code}/dispatch/",
        {"courier": "ups", "tracking_number": "1Z999AA10123456784"},
    )
    assert sent.status_code == 200, sent.content


def custody_of(kind: str) -> list[str]:
    events = CustodyEvent.objects.filter(kind=kind).order_by("pk")
    return list(events.values_list("specimen__barcode", flat=True))


def answered(lines: list[str], tube: str, count: int = 1) -> Callable[[], bool]:
    return lambda: sum(line.startswith(f"{tube}: ") for line in lines) >= count


def test_pack_puts_each_scanned_tube_in_the_shipment_and_shows_each_answer(
    server, api, tube_catalog, phleb_north, biobank, tmp_path
):
    site = api(phleb_north)
    first, second, late = finalized_tubes(site, 3, "P000000003")
    code = new_shipment(site)
    unknown = format_id("BX", 9_999_999)
    scanner = ScannerSimulator([first, second, first, unknown], rate=50, delay=START)
    config = StationConfig(station="pack-1", action="pack", device=scanner.path, shipment=code)
    token = AuthToken.objects.create(phleb_north)[1]
    with bridging(config, tmp_path / "spool", server.url, token) as (bridge, lines):
        scanner.start()
        wait_until(answered(lines, unknown))
        dispatch(site, code)
        scanner.scan(late)
        wait_until(answered(lines, late))
        assert len(bridge.spool) == 0
    scanner.stop()
    shown = "\n".join(lines)
    assert f"{first}: packed in {code}" in shown
    assert f"{second}: packed in {code}" in shown
    assert f"{first}: conflict already_in_shipment: Tube {first} belongs to shipment" in shown
    assert f"{unknown}: unknown not_found: " in shown
    assert f"{late}: conflict shipment_dispatched: Shipment {code} was dispatched" in shown
    items = site.get(f"/api/v1/shipments/{code}/").json()["items"]
    assert sorted(item["id"] for item in items) == sorted([first, second])
    assert custody_of("packed") == [first, second]


def test_receive_scans_tubes_in_and_shows_each_receipt_status_or_conflict(
    server, api, tube_catalog, phleb_north, tech, biobank, tmp_path
):
    site, bank = api(phleb_north), api(tech)
    first, second, left_out, stranger = finalized_tubes(site, 4, "P000000004")
    code = new_shipment(site)
    for tube in (first, second, left_out):
        assert site.post(f"/api/v1/shipments/{code}/items/", {"id": tube}).status_code == 201
    dispatch(site, code)
    arrived = bank.post(f"/api/v1/shipments/{code}/arrive/", {"condition_ok": True})
    assert arrived.status_code == 200, arrived.content
    scanner = ScannerSimulator([first, second, first, stranger], rate=50, delay=START)
    config = StationConfig(
        station="receive-1", action="receive", device=scanner.path, shipment=code
    )
    token = AuthToken.objects.create(tech)[1]
    with bridging(config, tmp_path / "spool", server.url, token) as (bridge, lines):
        scanner.start()
        wait_until(answered(lines, stranger))
        assert len(bridge.spool) == 0
    scanner.stop()
    shown = "\n".join(lines)
    assert f"{first}: received (expected): {first} received." in shown
    assert f"{second}: received (expected): {second} received." in shown
    assert f"{first}: conflict already_received: Tube {first} was already received" in shown
    assert (
        f"{stranger}: received (unexpected): {stranger} is not on the manifest of {code}" in shown
    )
    reconciliation = bank.get(f"/api/v1/shipments/{code}/reconciliation/").json()
    assert sorted(reconciliation["received"]) == sorted([first, second])
    assert reconciliation["unexpected"] == [stranger]
    assert custody_of("received") == [first, second]
    assert Specimen.objects.get(barcode=stranger).current_site.code == "SITE-NORTH"
