"""Routes of /api/v1/ owned by the barcode_printing app."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from barcode_printing.api import views

router = SimpleRouter()
router.register("printers", views.PrinterViewSet, basename="printer")
router.register("print-jobs", views.PrintJobViewSet, basename="print-job")

urlpatterns = [
    path("labels/", views.LabelsView.as_view(), name="labels"),
    *router.urls,
]
