"""The station bridge: scans and weights in, keyed POSTs out, through a spool that loses nothing."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from time import monotonic

from serial import SerialBase

from id_scheme import IdError
from scanner_drivers.client import Answer, ApiClient, Outcome
from scanner_drivers.ports import PortSettings, PortUnavailable, open_port
from scanner_drivers.scales import (
    SCALE_DRIVERS,
    NoReply,
    ScaleDriver,
    UnrecognisedReply,
    WeightRejected,
    grams,
)
from scanner_drivers.scanners import Rejected, Scan, ScannerDriver, validate
from scanner_drivers.spool import Pending, Spool

ACTIONS = ("weigh", "collect", "pack", "receive")
# A shipment code as the server issues it: a typo must stop the bridge, not fail every scan.
SHIPMENT_CODE = re.compile(r"SH-[0-9]+")
DEFAULT_IN_FLIGHT = 4
MAX_IN_FLIGHT = 32
DEFAULT_BATCH = 100
# The most requests the server takes in one batch (lims.api.batch.MAX_REQUESTS).
MAX_BATCH = 200
# The server stores weights to the milligram; finer digits (kg readings) are only noise.
MILLIGRAM = Decimal("0.001")


@dataclass(frozen=True, slots=True)
class StationConfig:
    """What one station reads and what it asks the server to record.

    `stable_within` bounds the wait for a balance to settle after a scan; `max_backoff` the
    pause between attempts to reach the server or re-open a device; `batch` how many scans
    one request to the server carries at most, and `in_flight` how many such requests may be
    on their way at once (see `Bridge` for the order it keeps).
    """

    station: str
    action: str
    device: str
    order: str | None = None
    shipment: str | None = None
    scale: str | None = None
    scale_protocol: str = "mtsics"
    scale_id: str = ""
    prefix: str | None = None
    read_timeout: float = 0.2
    stable_within: float = 10.0
    max_backoff: float = 2.0
    in_flight: int = DEFAULT_IN_FLIGHT
    batch: int = DEFAULT_BATCH

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}")
        if self.action == "collect" and not self.order:
            raise ValueError("collect needs the order (ORD-…) the tubes belong to")
        if self.action == "weigh" and not self.scale:
            raise ValueError("weigh needs the scale's port")
        shipping = self.action in ("pack", "receive")
        if shipping and not SHIPMENT_CODE.fullmatch(self.shipment or ""):
            raise ValueError(f"{self.action} needs the shipment: SH- and digits, e.g. SH-0000012")
        if not isinstance(self.in_flight, int) or not 1 <= self.in_flight <= MAX_IN_FLIGHT:
            raise ValueError(f"in_flight must be a whole number from 1 to {MAX_IN_FLIGHT}")
        if not isinstance(self.batch, int) or not 1 <= self.batch <= MAX_BATCH:
            raise ValueError(f"batch must be a whole number from 1 to {MAX_BATCH}")
        if self.scale_protocol not in SCALE_DRIVERS:
            raise ValueError(f"scale protocol must be one of {sorted(SCALE_DRIVERS)}")
        if not self.station or not self.station.isascii() or not self.station.isprintable():
            raise ValueError("station must be a name in printable ASCII")


class Bridge:
    """A reading thread that spools each valid scan and a sending thread that drains the spool.

    Reading never waits for the server: a scan is in the spool file before it is sent, so a
    server down, a dropped connection or a restart of the bridge loses nothing, and the same
    Idempotency-Key on every attempt makes the server apply it once.

    Sending: the oldest waiting scans go in batches of up to `batch`, one POST each, with up to
    `in_flight` batches under way at once, and the server applies a batch's scans in order. A
    batch ends before a scan that names the same tube, order or shipment as a scan under way;
    that scan goes once the earlier one is answered. So the server applies the scans about any
    one tube, order or shipment in scan order, and takes two scans out of scan order only when
    they are fewer than `in_flight` times `batch` scans apart; with `in_flight` 1 everything
    is applied in scan order. At a person's pace each batch is the one scan just made; after
    an outage the spool drains `batch` scans a request.
    """

    def __init__(
        self,
        config: StationConfig,
        spool: Spool,
        client: ApiClient,
        show: Callable[[str], None] = print,
    ) -> None:
        self.config = config
        self.spool = spool
        self.client = client
        self.show = show
        self.unauthorized = False
        self._stopping = threading.Event()
        # Set when the sender has something new to do: a scan spooled or an answer in.
        self._wake = threading.Event()
        self._scale: ScaleDriver | None = None
        self._scale_missing = False
        # The sender's own state, touched by its thread only: batches under way, oldest first.
        self._in_flight: list[_Sending] = []
        self._delay = 0.0
        self._paused_at = float("-inf")

    def run(self) -> bool:
        """Bridge until `stop()`; False when the server refused the token."""
        threads = [
            threading.Thread(target=self._read_loop, name="bridge-reader", daemon=True),
            threading.Thread(target=self._send_loop, name="bridge-sender", daemon=True),
        ]
        for thread in threads:
            thread.start()
        try:
            # A bounded wait keeps Ctrl-C deliverable to the main thread.
            while not self._stopping.wait(0.5):
                pass
        finally:
            self.stop()
            for thread in threads:
                thread.join(self.config.max_backoff + 10)
        return not self.unauthorized

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    # --- reading --------------------------------------------------------------------------

    def _read_loop(self) -> None:
        scanner: ScannerDriver | None = None
        delay = 0.0
        try:
            while not self._stopping.is_set():
                try:
                    if scanner is None:
                        scanner = ScannerDriver(self._open(self.config.device))
                        if delay:
                            self.show(f"scanner {self.config.device} is back")
                        delay = 0.0
                    frame = scanner.read_scan()
                except PortUnavailable as error:
                    scanner = _closed(scanner)
                    delay = self._backoff(delay)
                    self.show(f"scanner: {error}; retrying in {delay:.1f} s")
                    self._stopping.wait(delay)
                    continue
                if frame is not None:
                    self._take(frame)
        finally:
            _closed(scanner)
            self._scale = _closed(self._scale)

    def _take(self, frame: Scan | Rejected) -> None:
        if isinstance(frame, Rejected):
            self.show(f"scan {frame.seq}: {frame.detail}; not sent")
            return
        try:
            specimen_id = validate(frame, prefix=self.config.prefix)
        except IdError as error:
            self.show(f"scan {frame.seq}: {error}; not sent")
            return
        request = self._request(specimen_id)
        if request is not None:
            self.spool.append(*request, label=specimen_id)
            self._wake.set()

    def _request(self, specimen_id: str) -> tuple[str, dict] | None:
        action = self.config.action
        if action == "weigh":
            return self._weigh_request(specimen_id)
        if action == "collect":
            collected_at = datetime.now(UTC).isoformat()
            body = {"collected_at": collected_at, "barcodes": [specimen_id]}
            return f"orders/{self.config.order}/collect/", body
        endpoint = "items" if action == "pack" else "receive"
        return f"shipments/{self.config.shipment}/{endpoint}/", {"id": specimen_id}

    def _weigh_request(self, specimen_id: str) -> tuple[str, dict] | None:
        weight = self._stable_grams(specimen_id)
        if weight is None:
            return None
        device = self.config.scale_id or f"{self.config.station}-scale"
        body = {"grams": str(weight.quantize(MILLIGRAM)), "device": device, "stable": True}
        return f"specimens/{specimen_id}/weigh/", body

    def _stable_grams(self, specimen_id: str) -> Decimal | None:
        """Ask the balance until it settles; None (and a message) when it will not give a weight.

        A balance that went away is opened again while the scan waits, so a cable pushed back
        in time still weighs the tube; a reading is only ever taken from the balance as it is.
        """
        deadline = monotonic() + self.config.stable_within
        while not self._stopping.is_set() and monotonic() < deadline:
            try:
                return grams(self._balance().read_weight())
            except WeightRejected as error:
                if error.code != "scale_unstable":
                    self.show(f"{specimen_id}: {error} ({error.code}); not sent")
                    return None
            except (NoReply, UnrecognisedReply):
                pass
            except PortUnavailable as error:
                self._scale = _closed(self._scale)
                if not self._scale_missing:
                    self._scale_missing = True
                    self.show(f"scale: {error}; opening it again while {specimen_id} waits")
            self._stopping.wait(min(0.1, self.config.read_timeout))
        problem = "the scale did not come back" if self._scale_missing else "no stable weight"
        self.show(
            f"{specimen_id}: {problem} within {self.config.stable_within:g} s; not sent, scan again"
        )
        return None

    def _balance(self) -> ScaleDriver:
        if self._scale is None:
            port = self._open(self.config.scale or "")
            self._scale = SCALE_DRIVERS[self.config.scale_protocol](port)
            if self._scale_missing:
                self._scale_missing = False
                self.show(f"scale {self.config.scale} is back")
        return self._scale

    def _open(self, url: str) -> SerialBase:
        return open_port(PortSettings(url, timeout=self.config.read_timeout))

    # --- sending --------------------------------------------------------------------------

    def _send_loop(self) -> None:
        with ThreadPoolExecutor(self.config.in_flight, thread_name_prefix="bridge-post") as pool:
            while not self._stopping.is_set():
                self._wake.clear()
                self._settle_answered()
                pause = self._paused_at + self._delay - monotonic()
                if pause <= 0:
                    self._send_next(pool)
                    pause = 0.2
                self._wake.wait(pause)
        # Answers to what was under way when stopping still count: an accepted request leaves
        # the spool instead of being replayed at the next start.
        self._settle_answered()
        self.client.close()

    def _send_next(self, pool: ThreadPoolExecutor) -> None:
        while len(self._in_flight) < self.config.in_flight:
            scans = self._next_batch()
            if not scans:
                return
            requests = [(pending.key, pending.path, pending.body) for pending in scans]
            answers = pool.submit(self.client.post_batch, requests)
            answers.add_done_callback(lambda _: self._wake.set())
            self._in_flight.append(_Sending(scans, answers, monotonic()))

    def _next_batch(self) -> list[Pending]:
        """The oldest scans waiting and not under way, at most `batch` of them, up to the first
        that names what a scan under way names (see `Bridge`)."""
        under_way = [pending for sending in self._in_flight for pending in sending.scans]
        busy = {pending.seq for pending in under_way}
        named = set().union(*map(_names, under_way))
        # Enough of the oldest scans to fill a batch besides those under way.
        waiting = self.spool.head(len(busy) + self.config.batch)
        # A window of sequence numbers, not of scans waiting: a scan goes only once every scan
        # `in_flight` batches or more before it was answered, however many went in between.
        end = waiting[0].seq + self.config.in_flight * self.config.batch if waiting else 0
        batch: list[Pending] = []
        for pending in waiting:
            if pending.seq in busy:
                continue
            if pending.seq >= end or _names(pending) & named:
                break
            batch.append(pending)
        return batch

    def _settle_answered(self) -> None:
        for sending in [sending for sending in self._in_flight if sending.answers.done()]:
            self._in_flight.remove(sending)
            self._settle(sending)

    def _settle(self, sending: _Sending) -> None:
        answers = sending.answers.result()
        # Answers to batches sent before the current pause began belong to the round that
        # caused it: they neither lengthen the pause nor end it.
        current = sending.sent_at >= self._paused_at
        retry = next((a for a in answers if a.outcome is Outcome.RETRY), None)
        if retry is not None and current:
            self._pause(retry)
        elif retry is None and self._delay and current:
            self.show("server reachable again; replaying the spool in order")
            self._delay = 0.0
        refused = next((a for a in answers if a.outcome is Outcome.UNAUTHORIZED), None)
        if refused is not None and not self.unauthorized:
            self._refuse_token(refused)
        answered = [
            (pending, answer)
            for pending, answer in zip(sending.scans, answers, strict=True)
            if answer.outcome in (Outcome.ACCEPTED, Outcome.REFUSED)
        ]
        self.spool.done([pending for pending, _ in answered])
        for pending, answer in answered:
            self.show(_describe(pending, answer))

    def _pause(self, answer: Answer) -> None:
        if not self._delay:
            self.show(
                f"server unavailable ({answer.detail}); {len(self.spool)} request(s) "
                "spooled, retrying"
            )
        self._delay = self._backoff(self._delay)
        self._paused_at = monotonic()

    def _refuse_token(self, answer: Answer) -> None:
        self.unauthorized = True
        self.show(
            f"the server refused the token (401 {answer.code}: {answer.detail}); stopping. "
            f"{len(self.spool)} request(s) stay in the spool and are sent when the bridge "
            "is restarted with a valid --token"
        )
        self.stop()

    def _backoff(self, delay: float) -> float:
        return min(max(delay * 2, 0.1), self.config.max_backoff)


@dataclass(frozen=True, slots=True)
class _Sending:
    """A batch under way: its scans, the answers to come, and when it was sent."""

    scans: list[Pending]
    answers: Future[list[Answer]]
    sent_at: float


def _names(pending: Pending) -> frozenset[str]:
    """What a request changes: the tube scanned and the specimen, order or shipment its path
    names. Requests that share a name must reach the server in scan order."""
    collection, code = pending.path.split("/", 2)[:2]
    return frozenset((f"{collection}/{code}", f"specimens/{pending.label}"))


def _describe(pending: Pending, answer: Answer) -> str:
    if answer.outcome is Outcome.ACCEPTED:
        return f"{pending.label}: {_accepted(pending.path, answer.body)}"
    kind = {404: "unknown", 409: "conflict"}.get(answer.status or 0, f"refused ({answer.status})")
    return f"{pending.label}: {kind} {answer.code}: {answer.detail}"


def _accepted(path: str, body: dict) -> str:
    """An accepted answer in the words a station needs: for a receipt, what the tube was."""
    if path.endswith("/receive/"):
        # `outcome` (expected, straggler, damaged, unexpected) says more than the item's
        # `receipt_status`, which the contract fixes and a server may answer alone.
        word = body.get("outcome") or body.get("receipt_status")
        receipt = f"received ({word})" if word else "received"
        return f"{receipt}: {body['detail']}" if body.get("detail") else receipt
    if path.endswith("/items/"):
        return f"packed in {path.split('/')[1]}"
    return "accepted"


def _closed(device: ScannerDriver | ScaleDriver | None) -> None:
    if device is not None:
        device.port.close()
