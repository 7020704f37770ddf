"""Routes of /api/v1/ owned by the lims app."""

from django.urls import re_path

from lims.api import batch, views
from lims.api.routes import api_router

router = api_router()
router.register("sites", views.SiteViewSet, basename="site")
router.register("memberships", views.MembershipViewSet, basename="membership")

urlpatterns = [
    re_path(r"^auth/token/?$", views.TokenView.as_view(), name="auth-token"),
    re_path(r"^auth/logout/?$", views.LogoutView.as_view(), name="auth-logout"),
    re_path(r"^auth/logout-all/?$", views.LogoutAllView.as_view(), name="auth-logout-all"),
    re_path(r"^auth/me/?$", views.MeView.as_view(), name="auth-me"),
    re_path(r"^batch/?$", batch.BatchView.as_view(), name="batch"),
    *router.urls,
]
