"""Printers and orders for the printing tests; orders come from the specimen-core fixtures."""

import pytest

from barcode_printing.models import Printer
from lims.audit import stamp
from tests.barcode_printing.loopback import LoopbackPrinter
from tests.specimens.conftest import an_hour_ago, make_order, participant  # noqa: F401


def commits(test):
    """A test that commits for real: a label printer is spoken to only after the job's commit,
    which a test wrapped in one transaction never reaches."""
    return pytest.mark.django_db(transaction=True)(pytest.mark.usefixtures("tube_catalog")(test))


def make_printer(name: str, site, kind: str = "zpl_tcp", **fields) -> Printer:
    printer = Printer(name=name, site=site, kind=kind, **fields)
    stamp(printer, actor=None, reason="test setup").save()
    return printer


@pytest.fixture
def loopback():
    printer = LoopbackPrinter()
    yield printer
    printer.server.close()


@pytest.fixture
def zebra(north, loopback):
    """North's 300 dpi Zebra, listening on a loopback port."""
    return make_printer("north-zebra", north, address=f"127.0.0.1:{loopback.port}", dpi=300)


@pytest.fixture
def office(north):
    """North's PDF printer: the file is the answer."""
    return make_printer("north-pdf", north, kind="pdf")


def post_labels(client, **body):
    return client.post("/api/v1/labels/", body, format="json")
