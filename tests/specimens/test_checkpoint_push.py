"""Checkpoints pushed to a witness: a real HTTP server receives the signed JSON, and its
signature checks with the public key; a failed push is reported, the checkpoint kept."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import CommandError, call_command

from specimens import checkpoints
from specimens.models import Checkpoint

pytestmark = pytest.mark.django_db


class Witness(BaseHTTPRequestHandler):
    """Keeps every body POSTed to it; answers with the server's ``status``."""

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.server.received.append(
            (self.path, self.headers["Content-Type"], self.rfile.read(length))
        )
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def witness():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Witness)
    server.received, server.status = [], 201
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/log/checkpoints"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def key(tmp_path, settings):
    path = tmp_path / "checkpoint-key.pem"
    public = checkpoints.generate_key(path)
    settings.LIMS_CHECKPOINT_KEY_FILE = str(path)
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(public))


def test_the_witness_receives_the_signed_checkpoint_and_its_signature_checks(
    tube, key, witness, tmp_path, capsys
):
    call_command("checkpoint", "--dir", str(tmp_path / "cp"), "--push", witness.url)
    made = Checkpoint.objects.get()
    assert f"Checkpoint {made.pk} pushed to {witness.url} (HTTP 201)." in capsys.readouterr().out
    ((path, content_type, body),) = witness.received
    assert (path, content_type) == ("/log/checkpoints", "application/json")
    # What the witness got is the file kept here, byte for byte.
    assert body == (tmp_path / "cp" / f"checkpoint-{made.pk:08d}.json").read_bytes()
    pushed = json.loads(body)
    assert (pushed["id"], pushed["root"], pushed["chains"]) == (made.pk, made.root, 1)
    key.verify(bytes.fromhex(pushed["signature"]), checkpoints.statement(**pushed))
    forged = {**pushed, "events": pushed["events"] + 1}
    with pytest.raises(InvalidSignature):
        key.verify(bytes.fromhex(pushed["signature"]), checkpoints.statement(**forged))


def test_the_setting_names_the_witness(tube, key, witness, tmp_path, settings):
    settings.LIMS_CHECKPOINT_PUSH_URL = witness.url
    call_command("checkpoint", "--dir", str(tmp_path / "cp"))
    assert len(witness.received) == 1


@pytest.mark.parametrize("failure", ["refused", "unreachable", "not_http"])
def test_a_failed_push_is_reported_and_the_checkpoint_stays_recorded(
    tube, key, witness, tmp_path, failure
):
    witness.status = 503
    url = {
        "refused": witness.url,
        "unreachable": "http://127.0.0.1:9/",
        "not_http": "file:///etc/passwd",
    }[failure]
    with pytest.raises(CommandError) as failed:
        call_command("checkpoint", "--dir", str(tmp_path / "cp"), "--push", url)
    made = Checkpoint.objects.get()
    message = str(failed.value)
    assert message.startswith(f"Checkpoint {made.pk} is recorded (table and ")
    assert "was NOT pushed" in message
    assert {
        "refused": "answered HTTP 503",
        "unreachable": "could not be reached",
        "not_http": "is not an http:// or https:// address",
    }[failure] in message
    assert (tmp_path / "cp" / f"checkpoint-{made.pk:08d}.json").exists()
