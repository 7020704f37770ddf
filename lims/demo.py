"""Demo data beyond sites and users: each app registers how it seeds its own data.

``lims`` sits below every app and names none of them: an app's ``demo.py`` decorates its seeding
function with ``demo_seeder``, and ``seed_all`` imports every installed app's ``demo`` module
(in ``INSTALLED_APPS`` order) before running what registered.
"""

from collections.abc import Callable

from django.utils.module_loading import autodiscover_modules

# A seeder creates what is missing and changes nothing that exists; it runs inside the
# command's transaction, after the demo sites and users are in place.
Seeder = Callable[..., None]
_SEEDERS: list[Seeder] = []


def demo_seeder(seeder: Seeder) -> Seeder:
    """Register ``seeder(*, reason)`` to run on every ``manage.py seed_demo``."""
    if seeder not in _SEEDERS:
        _SEEDERS.append(seeder)
    return seeder


def seed_all(*, reason: str) -> None:
    autodiscover_modules("demo")
    for seeder in _SEEDERS:
        seeder(reason=reason)
