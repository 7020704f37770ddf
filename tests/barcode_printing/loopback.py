"""A raw-port label printer on 127.0.0.1 for tests: it keeps the bytes of one job."""

import socket
import threading

WAIT_SECONDS = 20


class LoopbackPrinter:
    """Listens on 127.0.0.1 (a free port, or ``port``) and keeps what one connection sends
    until it closes."""

    def __init__(self, port: int = 0) -> None:
        self.server = socket.create_server(("127.0.0.1", port))
        self.server.settimeout(WAIT_SECONDS)
        self.port = self.server.getsockname()[1]
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            connection, _ = self.server.accept()
        except OSError:
            # Nobody printed (or the test closed the printer): job() then answers no bytes.
            return
        with connection:
            connection.settimeout(WAIT_SECONDS)
            while chunk := connection.recv(65536):
                self.received += chunk

    def job(self) -> bytes:
        self.thread.join(WAIT_SECONDS)
        self.server.close()
        assert not self.thread.is_alive(), "the printer never saw the end of the job"
        return self.received


def free_port() -> int:
    """A port nothing listens on (a printer that is switched off)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]
