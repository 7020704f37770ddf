"""What every workbench view shares: role gates, the site a page works for, answers and errors."""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from lims.choices import SiteKind
from lims.errors import DomainError
from lims.models import Site
from lims.scoping import scope_of


def role_required(*roles: str):
    """Signed in (else to the sign-in page) and holding one of ``roles`` somewhere (else 403)."""

    def decorate(view):
        @wraps(view)
        @login_required
        def gated(request, *args, **kwargs):
            if not scope_of(request.user).holds_role(roles):
                raise PermissionDenied("Your role does not use this page.")
            return view(request, *args, **kwargs)

        gated.workbench_roles = frozenset(roles)
        return gated

    return decorate


def site_for(request, *roles: str) -> Site:
    """The site the page works for: ``?site=CODE`` among the user's sites where they hold one
    of ``roles``, else the first of them."""
    scope = scope_of(request.user)
    sites = Site.objects.filter(pk__in=scope.sites_with_role(roles)).order_by("code")
    if scope.is_superuser:
        sites = Site.objects.filter(kind=SiteKind.COLLECTION).order_by("code")
    wanted = request.GET.get("site") or request.POST.get("site")
    site = sites.filter(code=wanted).first() if wanted else sites.first()
    if site is None:
        raise Http404("No site of yours for this page.")
    return site


def answer(request, sentence: str, *, ok: bool = True, warn: bool = False) -> None:
    """Leave the answer to the last action: a status when it went through, an alert otherwise."""
    level = messages.SUCCESS if ok and not warn else messages.WARNING if ok else messages.ERROR
    messages.add_message(request, level, sentence)


def refuse(request, error: DomainError) -> None:
    answer(request, error.detail, ok=False)


def show_error(form: forms.Form, error: DomainError) -> None:
    """Put the service's sentence next to the field that caused it, or above the form."""
    field = next((key for key in (error.errors or {}) if key in form.fields), None)
    form.add_error(field, error.detail)


class ListedReasonForm(forms.Form):
    """A reason from a fixed list, or "other" with a few words (the services check both)."""

    reason = forms.ChoiceField(choices=())
    reason_text = forms.CharField(max_length=500, required=False, label="Say what (for other)")

    def __init__(self, *args, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.reasons = reasons
        self.fields["reason"].choices = [("", "Choose a reason…"), *reasons.choices]
