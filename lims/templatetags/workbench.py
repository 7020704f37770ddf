"""Template helpers of the workbench: how an answer is announced, and local times with a zone."""

import zoneinfo

from django import template
from django.contrib.messages import constants
from django.utils import timezone

register = template.Library()

_ANSWER = {
    constants.SUCCESS: ("status", "ok", "✔"),
    constants.INFO: ("status", "ok", "✔"),
    constants.WARNING: ("alert", "warn", "⚠"),
    constants.ERROR: ("alert", "error", "✖"),
}


@register.inclusion_tag("lims/_answers.html", takes_context=True)
def answers(context):
    """The answers left for this page: role=status when it went through, role=alert otherwise."""
    shown = []
    for message in context.get("messages") or ():
        role, tone, icon = _ANSWER.get(message.level, _ANSWER[constants.INFO])
        shown.append({"role": role, "tone": tone, "icon": icon, "text": str(message)})
    return {"shown": shown}


@register.filter
def local(moment, zone: str):
    """``moment`` in the time zone ``zone``, as 2026-05-01 09:14 CDT."""
    if not moment:
        return ""
    here = timezone.localtime(moment, zoneinfo.ZoneInfo(zone))
    return f"{here:%Y-%m-%d %H:%M} {here.tzname()}"
