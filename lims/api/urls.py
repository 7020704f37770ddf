"""Routes of /api/v1/ owned by the lims app."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from lims.api import batch, views

router = SimpleRouter()
router.register("sites", views.SiteViewSet, basename="site")
router.register("memberships", views.MembershipViewSet, basename="membership")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", views.LogoutAllView.as_view(), name="auth-logout-all"),
    path("auth/me/", views.MeView.as_view(), name="auth-me"),
    path("batch/", batch.BatchView.as_view(), name="batch"),
    *router.urls,
]
