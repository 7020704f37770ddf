"""Web pages of shipments: the stations list, packing (with its steps) and receiving."""

from django.urls import path

from shipments import packing_views, views

urlpatterns = [
    path("stations/", views.stations, name="stations"),
    path("stations/new", packing_views.create_shipment, name="station-new"),
    path("stations/shipments/<str:code>/pack", views.pack_station, name="station-pack"),
    path("stations/shipments/<str:code>/receive", views.receive_station, name="station-receive"),
    path("stations/shipments/<str:code>/dispatch", views.dispatch_step, name="station-dispatch"),
    path("stations/shipments/<str:code>/remove", packing_views.remove_step, name="station-remove"),
    path("stations/shipments/<str:code>/cancel", packing_views.cancel_step, name="station-cancel"),
    path("stations/shipments/<str:code>/label", packing_views.label_step, name="station-label"),
    path("stations/shipments/<str:code>/arrive", views.arrive_step, name="station-arrive"),
    path("stations/shipments/<str:code>/close", views.close_step, name="station-close"),
]
