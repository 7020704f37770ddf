"""Routes of /api/v1/ owned by the shipments app."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from lims.api.renderers import CSVRenderer
from shipments.api import views

router = SimpleRouter()
router.register("shipments", views.ShipmentViewSet, basename="shipment")

# Manifests are files named like files: no trailing slash.
manifest_pdf = views.ShipmentViewSet.as_view({"get": "manifest_pdf"})
manifest_csv = views.ShipmentViewSet.as_view(
    {"get": "manifest_csv"}, renderer_classes=[CSVRenderer]
)

urlpatterns = [
    path("reports/overdue", views.OverdueView.as_view(), name="report-overdue"),
    path("shipments/<str:code>/manifest.pdf", manifest_pdf, name="shipment-manifest-pdf"),
    path("shipments/<str:code>/manifest.csv", manifest_csv, name="shipment-manifest-csv"),
    *router.urls,
]
