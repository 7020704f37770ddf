"""Routes of /api/v1/ owned by the shipments app."""

from django.urls import re_path

from lims.api.renderers import CSVRenderer
from lims.api.routes import api_router
from shipments.api import views

router = api_router()
router.register("shipments", views.ShipmentViewSet, basename="shipment")

# Manifests are named like files: their links never end in a slash (one is tolerated).
manifest_pdf = views.ShipmentViewSet.as_view({"get": "manifest_pdf"})
manifest_csv = views.ShipmentViewSet.as_view(
    {"get": "manifest_csv"}, renderer_classes=[CSVRenderer]
)

urlpatterns = [
    re_path(r"^reports/overdue/?$", views.OverdueView.as_view(), name="report-overdue"),
    re_path(
        r"^shipments/(?P<code>[^/]+)/manifest\.pdf/?$", manifest_pdf, name="shipment-manifest-pdf"
    ),
    re_path(
        r"^shipments/(?P<code>[^/]+)/manifest\.csv/?$", manifest_csv, name="shipment-manifest-csv"
    ),
    *router.urls,
]
