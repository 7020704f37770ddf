"""System checks for settings that must agree with each other."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

MISSING_SECRET = (
    "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
    "(set DJANGO_DEBUG=1 for local development)."
)


def secret_key_is_set() -> bool:
    # Django raises on reading an empty SECRET_KEY; the raw value tells without raising.
    return bool(settings._wrapped.SECRET_KEY) if settings.configured else False


def require_secret_key() -> None:
    """Called by the WSGI/ASGI entry points: never serve without a real key."""
    if not secret_key_is_set():
        raise ImproperlyConfigured(MISSING_SECRET)


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):
    return [] if secret_key_is_set() else [Error(MISSING_SECRET, id="lims.E004")]


@register(Tags.security)
def check_login_protection(app_configs, **kwargs):
    errors = []
    backends = settings.AUTHENTICATION_BACKENDS
    if not backends or not backends[0].startswith("axes."):
        errors.append(
            Error(
                "django-axes must be the first authentication backend, or lockouts are skipped.",
                id="lims.E001",
            )
        )
    if settings.MIDDLEWARE[-1] != "axes.middleware.AxesMiddleware":
        errors.append(Error("AxesMiddleware must be the last middleware.", id="lims.E002"))
    cache_backend = settings.CACHES["default"]["BACKEND"]
    if cache_backend.endswith(("locmem.LocMemCache", "dummy.DummyCache")) and not settings.DEBUG:
        errors.append(
            Error(
                "The default cache must be shared by every app server (database or Redis): "
                "login throttles count there.",
                id="lims.E003",
            )
        )
    return errors
