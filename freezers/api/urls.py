"""Routes of /api/v1/ owned by the freezers app."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()

urlpatterns = [*router.urls]
