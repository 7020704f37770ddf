"""Writes on sites and memberships: each checks the actor's role and records who and why."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from lims.audit import stamp
from lims.choices import Role, SiteKind
from lims.errors import Conflict, InvalidInput, NotFound
from lims.free_text import require_reason
from lims.models import Membership, Site, User
from lims.scoping import forget_scope, require_role

# Which roles make sense at which kind of site.
ROLES_BY_SITE_KIND = {
    SiteKind.COLLECTION: {Role.PHLEBOTOMIST, Role.AUDITOR, Role.SITE_ADMIN},
    SiteKind.BIOBANK: {Role.BIOBANK_TECHNICIAN, Role.AUDITOR, Role.SITE_ADMIN},
}


class MembershipExists(Conflict):
    code = "membership_exists"
    title = "The user already holds this role here"


class RoleNotForSite(InvalidInput):
    code = "role_not_for_site"
    title = "This role does not exist at this kind of site"


def site_update(
    *,
    actor: User,
    site: Site,
    reason: str | None,
    name: str | None = None,
    time_zone: str | None = None,
) -> Site:
    """Rename a site or change its time zone; its code and kind never change."""
    require_role(actor, site, Role.SITE_ADMIN, action="change this site")
    reason = require_reason(reason, action="change this site")
    with transaction.atomic():
        site = Site.objects.select_for_update().get(pk=site.pk)
        if name is not None:
            site.name = name
        if time_zone is not None:
            site.time_zone = time_zone
        site.full_clean()
        stamp(site, actor=actor, reason=reason).save()
    return site


def membership_grant(
    *, actor: User, user: User, site: Site, role: str, reason: str | None
) -> Membership:
    require_role(actor, site, Role.SITE_ADMIN, action="grant roles")
    reason = require_reason(reason, action="grant this role")
    if role not in ROLES_BY_SITE_KIND[site.kind]:
        raise RoleNotForSite(
            f"A {Role(role).label.lower()} cannot work at {site.code}, "
            f"a {site.get_kind_display().lower()}.",
            errors={"role": ["Not available at this kind of site."]},
        )
    membership = Membership(user=user, site=site, role=role)
    try:
        with transaction.atomic():
            stamp(membership, actor=actor, reason=reason).save()
    except IntegrityError:
        raise MembershipExists(
            f"{user.username} is already a {Role(role).label.lower()} at {site.code}."
        ) from None
    forget_scope(user, actor)
    return membership


def membership_end(
    *, actor: User, user: User, site: Site, role: str, reason: str | None
) -> Membership:
    """End a role; the membership row stays, with its history, as proof of past access."""
    require_role(actor, site, Role.SITE_ADMIN, action="end roles")
    reason = require_reason(reason, action="end this role")
    with transaction.atomic():
        membership = (
            Membership.objects.active()
            .select_for_update()
            .filter(user=user, site=site, role=role)
            .first()
        )
        if membership is None:
            raise NotFound(
                f"{user.username} holds no {Role(role).label.lower()} role at {site.code}."
            )
        membership.ended_at = timezone.now()
        stamp(membership, actor=actor, reason=reason).save()
    forget_scope(user, actor)
    return membership
