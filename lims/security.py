"""Sign-in security: the lockout answer (django-axes) and a log line for every sign-in event."""

import logging

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpResponse
from django.template.loader import render_to_string

from lims.api.problems import problem_response

log = logging.getLogger("lims.security")

LOCKOUT_STATUS = 403


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "?") if request is not None else "?"


def lockout_detail(username: str | None) -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    who = f"'{username}'" if username else "this account"
    return (
        f"Too many failed sign-ins for {who} from this address. Try again in {minutes} minutes "
        "or ask your site admin to unlock the account."
    )


def lockout_response(request, original_response, credentials) -> HttpResponse:
    """Answer a locked-out sign-in: problem+json for the API, a page for browsers."""
    username = (credentials or {}).get("username")
    if request.path.startswith("/api/"):
        return problem_response(
            status=LOCKOUT_STATUS,
            code="account_locked",
            detail=lockout_detail(username),
        )
    html = render_to_string("lims/locked_out.html", {"detail": lockout_detail(username)}, request)
    return HttpResponse(html, status=LOCKOUT_STATUS)


@receiver(user_logged_in, dispatch_uid="lims_log_login")
def log_login(sender, request, user, **kwargs) -> None:
    log.info(
        "login user=%s address=%s path=%s",
        user.get_username(),
        client_address(request),
        getattr(request, "path", "?"),
    )


@receiver(user_logged_out, dispatch_uid="lims_log_logout")
def log_logout(sender, request, user, **kwargs) -> None:
    name = user.get_username() if user is not None else "?"
    log.info("logout user=%s address=%s", name, client_address(request))


@receiver(user_login_failed, dispatch_uid="lims_log_login_failed")
def log_login_failed(sender, credentials, request=None, **kwargs) -> None:
    log.warning(
        "login failed user=%s address=%s", credentials.get("username", "?"), client_address(request)
    )


@receiver(user_locked_out, dispatch_uid="lims_log_lockout")
def log_lockout(sender, request, username, ip_address, **kwargs) -> None:
    log.warning("lockout user=%s address=%s", username, ip_address)
