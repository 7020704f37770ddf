"""Web pages of shipments: the packing and receiving stations."""

from django.urls import path

from shipments import custody_pages, views

urlpatterns = [
    path("shipments/<str:code>/custody.pdf", custody_pages.shipment_report, name="shipment-report"),
    path("stations/", views.stations, name="stations"),
    path("stations/shipments/<str:code>/pack", views.pack_station, name="station-pack"),
    path("stations/shipments/<str:code>/receive", views.receive_station, name="station-receive"),
    path("stations/shipments/<str:code>/dispatch", views.dispatch_step, name="station-dispatch"),
    path("stations/shipments/<str:code>/arrive", views.arrive_step, name="station-arrive"),
    path("stations/shipments/<str:code>/close", views.close_step, name="station-close"),
]
