"""Find what could identify a person in free text: names, SSNs, phones, dates, MRNs, e-mails…

Each part is a recognizer returning scored findings (see recognizers.py); the screen refuses text
with any finding and names the most certain one.
"""

from itertools import chain

from lims.identifiers import names, phones
from lims.identifiers.recognizers import RECOGNIZERS, Finding

__all__ = ["Finding", "find", "most_certain"]


def find(text: str) -> list[Finding]:
    """Every finding in ``text``, most certain first, then in reading order."""
    found = chain(
        names.analyze(text),
        phones.analyze(text),
        *(recognizer.analyze(text) for recognizer in RECOGNIZERS),
    )
    return sorted(found, key=lambda finding: (-finding.score, finding.start))


def most_certain(text: str) -> Finding | None:
    found = find(text)
    return found[0] if found else None
