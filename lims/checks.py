"""System checks for settings that must agree with each other."""

from django.conf import settings
from django.core.checks import Error, Tags, register


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
