"""Routes of /api/v1/ owned by the barcode_printing app."""

from django.urls import re_path

from barcode_printing.api import views
from lims.api.routes import api_router

router = api_router()
router.register("printers", views.PrinterViewSet, basename="printer")
router.register("print-jobs", views.PrintJobViewSet, basename="print-job")

urlpatterns = [
    re_path(r"^labels/?$", views.LabelsView.as_view(), name="labels"),
    *router.urls,
]
