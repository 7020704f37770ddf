"""The OpenAPI schema and its Swagger UI: for signed-in users unless LIMS_PUBLIC_API_DOCS opens
them, and served from this origin's own files."""

from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import BasePermission


def _open_to(user) -> bool:
    return settings.LIMS_PUBLIC_API_DOCS or bool(user and user.is_authenticated)


class SignedInUnlessPublic(BasePermission):
    def has_permission(self, request, view) -> bool:
        return _open_to(request.user)


schema = SpectacularAPIView.as_view(permission_classes=[SignedInUnlessPublic])

# Swagger UI comes from drf-spectacular-sidecar's static files and its start-up script is a
# separate file of this origin (the split view), so scripts stay 'self'; the UI sets inline
# styles and data: images, which this page alone allows.
_swagger = csp_update({"style-src": ["'unsafe-inline'"], "img-src": ["data:"]})(
    SpectacularSwaggerSplitView.as_view(url_name="schema")
)


def swagger(request, *args, **kwargs):
    """The docs page; a browser that has not signed in is sent to the sign-in page first."""
    if not _open_to(request.user):
        return redirect_to_login(request.get_full_path())
    return _swagger(request, *args, **kwargs)
