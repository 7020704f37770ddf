"""The work queue and the participant pages of a collection site."""

import zoneinfo
from datetime import timedelta

from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from lims.choices import Role
from lims.errors import DomainError
from lims.web.pages import answer, role_required, show_error, site_for
from specimens import services
from specimens.choices import Consent, OrderStatus
from specimens.filtersets import WorkQueueFilter
from specimens.forms import RegisterForm, ScanForm
from specimens.models import CollectionOrder
from specimens.selectors import participants_drawn_by
from specimens.tables import OrderTable

PHLEBOTOMIST = Role.PHLEBOTOMIST
UNFINALIZED = [
    OrderStatus.OPEN,
    OrderStatus.COLLECTED,
    OrderStatus.PROCESSED,
    OrderStatus.UNLOCKED,
]
QUEUE_LENGTH = 50


def _site_orders(site):
    return (
        CollectionOrder.objects.filter(site=site)
        .select_related("participant", "site")
        .prefetch_related("specimens")
        .order_by("-created_at")
    )


@require_safe
@role_required(PHLEBOTOMIST)
def work_queue(request):
    """HealthPro's four lists: today's orders, unfinalized, unlocked, changed in 7 days."""
    site = site_for(request, PHLEBOTOMIST)
    narrowed = WorkQueueFilter(request.GET, queryset=_site_orders(site))
    orders = narrowed.qs
    here = timezone.localtime(timezone=zoneinfo.ZoneInfo(site.time_zone))
    start_of_day = here.replace(hour=0, minute=0, second=0, microsecond=0)
    week_ago = timezone.now() - timedelta(days=7)
    lists = [
        ("today", "Today's orders", orders.filter(created_at__gte=start_of_day)),
        ("unfinalized", "Not finalized", orders.filter(status__in=UNFINALIZED)),
        ("unlocked", "Unlocked to amend", orders.filter(status=OrderStatus.UNLOCKED)),
        (
            "recent",
            "Changed in the last 7 days",
            orders.filter(events__at__gte=week_ago).distinct(),
        ),
    ]
    tables = [(key, title, OrderTable(rows[:QUEUE_LENGTH])) for key, title, rows in lists]
    return render(
        request,
        "specimens/work_queue.html",
        {"site": site, "tables": tables, "form": ScanForm(), "filter": narrowed},
    )


@require_http_methods(["GET", "POST"])
@role_required(PHLEBOTOMIST)
def participants(request):
    """Look a participant up by scanning their ID, or register one."""
    site = site_for(request, PHLEBOTOMIST)
    lookup = ScanForm(request.GET or None)
    register = RegisterForm(request.POST or None)
    if lookup.is_valid():
        wanted = lookup.cleaned_data["scan"].strip().upper()
        if participants_drawn_by(request.user).filter(participant_id=wanted).exists():
            return redirect("participant", pid=wanted)
        answer(request, f"{wanted}: no participant with this ID at your sites.", ok=False)
    if request.method == "POST" and register.is_valid():
        pid = register.cleaned_data["participant_id"]
        try:
            services.participant_register(actor=request.user, participant_id=pid, site=site)
        except DomainError as error:
            show_error(register, error)
        else:
            answer(request, f"{pid} registered at {site.code}.")
            return redirect("participant", pid=pid)
    return render(
        request,
        "specimens/participants.html",
        {"site": site, "lookup": ScanForm(), "register": register},
    )


@require_safe
@role_required(PHLEBOTOMIST)
def participant(request, pid: str):
    person = get_object_or_404(participants_drawn_by(request.user), participant_id=pid.upper())
    orders = _site_orders(person.registered_site).filter(participant=person)
    return render(
        request,
        "specimens/participant.html",
        {
            "person": person,
            "withdrawn": person.consent == Consent.WITHDRAWN,
            "orders": OrderTable(orders),
            "new_order": reverse("order-new", args=[person.participant_id]),
        },
    )
