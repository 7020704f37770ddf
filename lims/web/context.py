"""The header's facts on every page: who is signed in, where, as what, and what they may open."""

from lims.choices import Role
from lims.models import Membership
from lims.scoping import scope_of
from lims.web import nav


def workbench(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"workbench": None}
    scope = scope_of(user)
    memberships = list(
        Membership.objects.active()
        .filter(user=user)
        .select_related("site")
        .order_by("site__code", "role")
    )
    return {
        "workbench": {
            "memberships": [
                {"site": m.site.code, "site_name": m.site.name, "role": Role(m.role).label}
                for m in memberships
            ],
            "nav": nav.entries_for(scope.roles, everything=scope.is_superuser),
        }
    }
