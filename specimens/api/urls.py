"""Routes of /api/v1/ owned by the specimens app."""

from django.urls import re_path

from lims.api.routes import api_router
from specimens.api import notes, views

router = api_router()
router.register("participants", views.ParticipantViewSet, basename="participant")
router.register("specimen-types", views.SpecimenTypeViewSet, basename="specimen-type")
router.register("orders", views.OrderViewSet, basename="order")
router.register("specimens", views.SpecimenViewSet, basename="specimen")
router.register("audit/events", views.AuditEventViewSet, basename="audit-event")

urlpatterns = [
    re_path(r"^audit/verify/?$", views.AuditVerifyView.as_view(), name="audit-verify"),
    re_path(
        r"^notes/(?P<note>[^/]+)/redact/?$", notes.NoteRedactView.as_view(), name="note-redact"
    ),
    *router.urls,
]
