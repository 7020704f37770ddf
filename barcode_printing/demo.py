"""The demo printers, seeded by ``manage.py seed_demo`` for every site that has none of them."""

from barcode_printing.models import Printer
from lims.audit import stamp
from lims.demo import demo_seeder
from lims.models import Site

# Each site: a PDF printer that answers the file, and a Zebra on this machine's raw port
# (`nc -lk 9100` shows what it is sent), the default that new orders print on.
PRINTERS = [
    ("{site}-pdf", "pdf", "", False),
    ("{site}-zebra", "zpl_tcp", "127.0.0.1:9100", True),
]


@demo_seeder
def seed_printers(*, reason: str) -> None:
    for site in Site.objects.all():
        for name, kind, address, default in PRINTERS:
            name = name.format(site=site.code.lower())
            if not Printer.objects.filter(name=name).exists():
                printer = Printer(
                    name=name, site=site, kind=kind, address=address, is_default_for_site=default
                )
                stamp(printer, actor=None, reason=reason).save()
