"""The header search box: each app registers how to open an ID of its own; lims names none.

An app calls ``register(pattern, resolver)`` in its ``AppConfig.ready()``. ``pattern`` is a
regular expression the cleaned-up text must match in full (or a function of the text answering
True); ``resolver(user, text)`` answers the URL of the ID's page, or raises
``SearchRefused`` (or any domain error) whose sentence is shown to the user on the page.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from lims.errors import DomainError

Matcher = Callable[[str], bool]
Resolver = Callable[[object, str], str]

MAX_LENGTH = 64


class SearchRefused(DomainError):
    code = "search_refused"
    status = 404
    title = "Nothing to open for this ID"


@dataclass(frozen=True)
class _Entry:
    matches: Matcher
    resolve: Resolver
    describe: str


_REGISTRY: list[_Entry] = []


def register(pattern: "str | Matcher", resolver: Resolver, *, describe: str) -> None:
    """Open IDs matching ``pattern`` with ``resolver``; ``describe`` names them in the help."""
    if isinstance(pattern, str):
        compiled = re.compile(pattern)

        def matches(text: str) -> bool:
            return compiled.fullmatch(text) is not None

    else:
        matches = pattern
    if any(entry.describe == describe for entry in _REGISTRY):
        return  # ready() can run twice in tests; one entry per kind of ID
    _REGISTRY.append(_Entry(matches, resolver, describe))


def kinds() -> list[str]:
    return [entry.describe for entry in _REGISTRY]


def clean(text: str) -> str:
    """What a scanner or a person sent, without whitespace and in capitals."""
    return "".join(text.split()).upper()


def resolve(user, text: str) -> str:
    """The URL of the page of the ID in ``text``, or the ``DomainError`` that says why not."""
    wanted = clean(text)
    if not wanted:
        raise SearchRefused("Type or scan an ID, then press Enter.")
    if len(wanted) > MAX_LENGTH:
        raise SearchRefused(f"That is {len(wanted)} characters long; no ID is longer than 64.")
    for entry in _REGISTRY:
        if entry.matches(wanted):
            return entry.resolve(user, wanted)
    raise SearchRefused(
        f"{wanted} is not an ID this system knows the form of; it opens "
        f"{', '.join(kinds()) or 'nothing yet'}."
    )
