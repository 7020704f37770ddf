"""Print docs/problems.md: every problem code the API can answer, from the live catalogue."""

from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand

from lims.problem_catalog import problem_types

HEADER = """# Problem codes

Every API error is `application/problem+json` (RFC 9457): `type` (`/problems/<code>`), `title`,
`status`, `detail` (what happened to this request and what to do), the stable `code` below, and
field errors under `errors`. `GET /problems/<code>` on a server shows one code's page.

Generated from `lims/problem_catalog.py`: `python manage.py problem_codes > docs/problems.md`
(a test fails when this file and the catalogue differ).

| code | meaning |
|---|---|
"""


def problems_markdown() -> str:
    # The domain errors live beside the views that raise them; loading the URLs imports them all.
    import_module(settings.ROOT_URLCONF)
    rows = (f"| `{code}` | {title} |" for code, title in sorted(problem_types().items()))
    return HEADER + "\n".join(rows) + "\n"


class Command(BaseCommand):
    help = "Print the problem-code reference (docs/problems.md) from the catalogue."

    def handle(self, *args, **options):
        self.stdout.write(problems_markdown(), ending="")
