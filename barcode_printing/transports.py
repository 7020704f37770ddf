"""Getting label bytes to a printer: raw TCP port 9100, a CUPS queue, or back as a download."""

import socket
import subprocess
from abc import ABC, abstractmethod
from typing import ClassVar

from lims.errors import DomainError, InvalidInput


class PrinterUnreachable(DomainError):
    code = "printer_unreachable"
    status = 503
    title = "Printer cannot be reached"


class Transport(ABC):
    """Delivers one job's bytes; an instance holds a printer's settings and nothing per job."""

    name: ClassVar[str]

    @abstractmethod
    def send(self, data: bytes) -> bytes | None:
        """Deliver `data`; only a transport that hands the bytes back returns them."""


class RawTcpTransport(Transport):
    """A printer's raw port (JetDirect / Zebra port 9100)."""

    name = "tcp9100"

    def __init__(self, host: str, port: int = 9100, timeout: float = 10.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout

    def send(self, data: bytes) -> None:
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as link:
                link.sendall(data)
                # Half-close: end of data tells the printer the job is complete.
                link.shutdown(socket.SHUT_WR)
        except OSError as error:
            reason = error.strerror or str(error) or type(error).__name__
            raise PrinterUnreachable(
                f"Printer {self.host}:{self.port} cannot be reached ({reason}): "
                "check that it is switched on, online and on the network"
            ) from error


class CupsTransport(Transport):
    """A CUPS queue, through `lp -o raw` so CUPS passes the bytes on unchanged.

    Success means CUPS queued the job; a printer that is off shows in the queue's state.
    """

    name = "cups"

    def __init__(self, queue: str, server: str | None = None, timeout: float = 30.0) -> None:
        self.queue, self.server, self.timeout = queue, server, timeout

    def send(self, data: bytes) -> None:
        server = ["-h", self.server] if self.server else []
        command = ["lp", *server, "-d", self.queue, "-o", "raw"]
        try:
            result = subprocess.run(
                command, input=data, capture_output=True, timeout=self.timeout, check=False
            )
        except FileNotFoundError as error:
            raise PrinterUnreachable(
                "CUPS is not installed on the server (no lp command): install cups-client "
                "or give this printer another transport"
            ) from error
        except subprocess.TimeoutExpired as error:
            raise PrinterUnreachable(
                f"CUPS did not take the job for queue {self.queue} within {self.timeout:g} s"
            ) from error
        if result.returncode != 0:
            detail = result.stderr.decode(errors="replace").strip() or f"exit {result.returncode}"
            raise PrinterUnreachable(f"CUPS refused the job for queue {self.queue}: {detail}")


class DownloadTransport(Transport):
    """No printer: the bytes go back to the user, e.g. a PDF to print from the browser."""

    name = "download"

    def send(self, data: bytes) -> bytes:
        return data


TRANSPORTS: dict[str, type[Transport]] = {
    transport.name: transport for transport in (RawTcpTransport, CupsTransport, DownloadTransport)
}


def get_transport(name: str, **settings: object) -> Transport:
    """The transport registered as `name`, built with a printer's `settings`."""
    try:
        transport = TRANSPORTS[name]
    except KeyError:
        raise InvalidInput(
            f"Unknown printer transport {name!r}: use one of {sorted(TRANSPORTS)}"
        ) from None
    return transport(**settings)
