"""Sign-in security: the client's address, the sign-in throttle and the lockout answer
(django-axes), and a log line for every sign-in event."""

import logging

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpResponse
from django.template.loader import render_to_string
from rest_framework.throttling import SimpleRateThrottle

from lims.api.problems import problem_response

log = logging.getLogger("lims.security")

LOCKOUT_STATUS = 403


def client_address(request) -> str | None:
    """The client's address: the socket's, or behind LIMS_TRUSTED_PROXIES proxies the one the
    outermost trusted proxy put in X-Forwarded-For (entries further left can be forged); None
    where there is no request (a sign-in made by code)."""
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not settings.LIMS_TRUSTED_PROXIES or not hops:
        return remote
    return hops[-min(settings.LIMS_TRUSTED_PROXIES, len(hops))]


class LoginThrottle(SimpleRateThrottle):
    """Sign-in attempts per client address, counted in the shared cache: the API's token
    endpoint and the web sign-in form share one allowance."""

    scope = "login"

    def get_rate(self) -> str:
        return settings.LIMS_LOGIN_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request) or "?"}


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
        client_address(request) or "?",
        getattr(request, "path", "?"),
    )


@receiver(user_logged_out, dispatch_uid="lims_log_logout")
def log_logout(sender, request, user, **kwargs) -> None:
    name = user.get_username() if user is not None else "?"
    log.info("logout user=%s address=%s", name, client_address(request) or "?")


@receiver(user_login_failed, dispatch_uid="lims_log_login_failed")
def log_login_failed(sender, credentials, request=None, **kwargs) -> None:
    log.warning(
        "login failed user=%s address=%s",
        credentials.get("username", "?"),
        client_address(request) or "?",
    )


@receiver(user_locked_out, dispatch_uid="lims_log_lockout")
def log_lockout(sender, request, username, ip_address, **kwargs) -> None:
    log.warning("lockout user=%s address=%s", username, ip_address)
