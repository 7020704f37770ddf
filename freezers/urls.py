"""Web pages of freezer storage: storing, browsing freezers and boxes, retrieving and returning."""

from django.urls import path

from freezers.views import allocate, browse, label, rackscan, store, temperatures

urlpatterns = [
    path("storage/", browse.freezers, name="storage-freezers"),
    path("storage/freezers/<str:code>", browse.freezer, name="storage-freezer"),
    path(
        "storage/freezers/<str:code>/temperatures",
        temperatures.temperatures,
        name="storage-temperatures",
    ),
    path("storage/boxes/<str:code>", browse.box, name="storage-box"),
    path("storage/boxes/<str:code>/label", label.box_label, name="storage-box-label"),
    path("storage/boxes/<str:code>/rack-scan", rackscan.rack_scan, name="storage-rack-scan"),
    path("storage/store", store.store, name="storage-store"),
    path("storage/allocate", allocate.allocate, name="storage-allocate-batch"),
    path("storage/retrieve", store.retrieve_return, name="storage-checkout"),
]
