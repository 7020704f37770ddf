"""Who may see which sites' data, and which role may act where (ARCHITECTURE §1).

Every app's ``for_user`` queryset method goes through ``scope_of(user).filter(...)``: out of
scope is invisible (404), and ``require_role`` turns a forbidden action on a visible object into
403.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from lims.choices import Role, SiteKind
from lims.errors import Forbidden


@dataclass(frozen=True)
class Scope:
    """A user's memberships, reduced to what queries and role checks need."""

    reads_everything: bool = False
    is_superuser: bool = False
    roles_by_site: dict[int, frozenset[str]] = field(default_factory=dict)
    biobank_site_ids: frozenset[int] = frozenset()

    def __hash__(self) -> int:
        # A key of compiled reads (lims.compiled): equal scopes filter alike.
        held = frozenset(self.roles_by_site.items())
        return hash((self.reads_everything, self.is_superuser, held, self.biobank_site_ids))

    @property
    def roles(self) -> frozenset[str]:
        """Every role held, at any site."""
        return frozenset().union(*self.roles_by_site.values())

    @property
    def site_ids(self) -> frozenset[int]:
        return frozenset(self.roles_by_site)

    @property
    def at_biobank(self) -> bool:
        return bool(self.biobank_site_ids)

    def filter(self, queryset: QuerySet, *site_lookups: str) -> QuerySet:
        """Rows whose site (any of the given lookups) is one of the user's sites."""
        if self.reads_everything:
            return queryset
        condition = Q(pk__in=[])
        for lookup in site_lookups:
            condition |= Q(**{f"{lookup}__in": self.site_ids})
        return queryset.filter(condition)

    def has_role(self, site_id: int, roles: Iterable[str]) -> bool:
        return self.is_superuser or bool(self.roles_by_site.get(site_id, frozenset()) & set(roles))

    def sites_with_role(self, roles: Iterable[str]) -> frozenset[int]:
        wanted = set(roles)
        return frozenset(site for site, held in self.roles_by_site.items() if held & wanted)

    def holds_role(self, roles: Iterable[str]) -> bool:
        """Whether the user holds one of ``roles`` at some site (a superuser holds them all)."""
        return self.is_superuser or bool(self.sites_with_role(roles))


def scope_of(user) -> Scope:
    """The user's scope, computed once per user instance (one request, or one service call)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cached = user.__dict__.get("_lims_scope")
    if cached is None:
        cached = user.__dict__["_lims_scope"] = _compute_scope(user)
    return cached


def forget_scope(*users) -> None:
    """Drop cached scopes after their memberships change."""
    for user in users:
        user.__dict__.pop("_lims_scope", None)


def _compute_scope(user) -> Scope:
    from lims.models import Membership

    rows = (
        Membership.objects.active().filter(user=user).values_list("site_id", "role", "site__kind")
    )
    return scope_from(user, rows)


def remember_scope(user, memberships: Iterable[tuple[int, str, str]]) -> None:
    """Cache the scope of ``user`` from its active memberships read by the caller (the token
    query reads them with the user): no query of its own."""
    user.__dict__["_lims_scope"] = scope_from(user, memberships)


def scope_from(user, memberships: Iterable[tuple[int, str, str]]) -> Scope:
    """The scope of ``user`` from its active memberships as (site id, role, site kind)."""
    roles: dict[int, set[str]] = {}
    biobanks: set[int] = set()
    reads_everything = user.is_superuser
    for site_id, role, kind in memberships:
        roles.setdefault(site_id, set()).add(role)
        if kind == SiteKind.BIOBANK:
            biobanks.add(site_id)
            # An auditor at the biobank audits the whole network.
            reads_everything |= role == Role.AUDITOR
    return Scope(
        reads_everything=reads_everything,
        is_superuser=user.is_superuser,
        roles_by_site={site: frozenset(held) for site, held in roles.items()},
        biobank_site_ids=frozenset(biobanks),
    )


def require_role(user, site, *roles: str, action: str) -> None:
    """Raise 403 unless ``user`` holds one of ``roles`` at ``site``."""
    if not scope_of(user).has_role(site.pk, roles):
        names = " or ".join(Role(role).label.lower() for role in roles)
        raise Forbidden(f"Only a {names} at {site.code} may {action}.")


def require_auditor(user, *, action: str) -> None:
    """Raise 403 unless ``user`` is an auditor somewhere (or a superuser): the one rule for what
    only auditors do, at the API and in services alike; their scope still limits what they read."""
    if not scope_of(user).holds_role([Role.AUDITOR]):
        raise Forbidden(f"Only auditors {action}.")
