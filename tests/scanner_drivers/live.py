"""Live servers for bridge tests and bench (runserver, gunicorn); a proxy that drops answers."""

from __future__ import annotations

import os
import secrets
import select
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
RUNSERVER = (sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks")
GUNICORN = (sys.executable, "-m", "gunicorn", "lims.wsgi:application")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The URL of the database this test uses, for a server process to share it."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for_port(port: int, *, up: bool, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            if up:
                return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} did not come {'up' if up else 'down'} in {timeout} s")


class LiveServer:
    """`manage.py runserver` on the test database; `stop()` and `start()` it at will."""

    def __init__(self, database: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api/v1/"
        self._env = {**os.environ, "DATABASE_URL": database, "DJANGO_DEBUG": "1"}
        self._process: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def command(self) -> list[str]:
        return [*RUNSERVER, f"127.0.0.1:{self.port}"]

    def start(self) -> None:
        if self._process is not None:
            return
        self._process = subprocess.Popen(
            self.command(),
            cwd=ROOT,
            env=self._env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, up=True)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None
            wait_for_port(self.port, up=False)


class GunicornServer(LiveServer):
    """The server as deployed: gunicorn's worker processes and production settings, serving
    plain HTTP on the loopback as it would behind the TLS proxy."""

    def __init__(self, database: str, *, workers: int, **environment: str) -> None:
        super().__init__(database)
        self.workers = workers
        self._env |= {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            **environment,
        }

    def command(self) -> list[str]:
        # Started in the project's folder, gunicorn reads gunicorn.conf.py as a deployment does.
        return [*GUNICORN, f"--bind=127.0.0.1:{self.port}", f"--workers={self.workers}"]


class DroppingProxy:
    """Relays TCP to `upstream`, but for every `every`-th answer closes the client's connection
    once the server has answered: the request was applied, and the client never heard so."""

    def __init__(self, upstream: int, *, every: int) -> None:
        self.upstream = upstream
        self.every = every
        self.dropped = 0
        self.answered = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/api/v1/"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stopping.set()
        self._thread.join(5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(("127.0.0.1", self.upstream), timeout=5)
        except OSError:
            client.close()
            return
        with client, server:
            # Small answers relayed in pieces would otherwise wait for delayed ACKs (Nagle).
            for end in (client, server):
                end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            while not self._stopping.is_set():
                readable, _, _ = select.select([client, server], [], [], 0.2)
                for source in readable:
                    try:
                        chunk = source.recv(65536)
                    except OSError:
                        return
                    if not chunk:
                        return
                    # A chunk that starts an HTTP answer means the server has done the work.
                    answer = source is server and chunk.startswith(b"HTTP/")
                    if answer:
                        self.answered += 1
                        if self.answered % self.every == 0:
                            self.dropped += 1
                            return
                    (server if source is client else client).sendall(chunk)
