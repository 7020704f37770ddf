"""Navigation entries: each app registers its pages with the roles that may use them."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int
    key: str = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_ENTRIES: dict[str, NavEntry] = {}


def register(label: str, url_name: str, *, roles, order: int = 50, key: str = "") -> None:
    """Show ``label`` linking ``url_name`` to users holding one of ``roles`` somewhere;
    ``key`` is its access key (Alt+key in Chromium and Firefox)."""
    _ENTRIES[url_name] = NavEntry(label, url_name, frozenset(roles), order, key)


def entries_for(held_roles: frozenset[str], *, everything: bool = False) -> list[NavEntry]:
    chosen = [e for e in _ENTRIES.values() if everything or e.roles & held_roles]
    return sorted(chosen, key=lambda entry: (entry.order, entry.label))
