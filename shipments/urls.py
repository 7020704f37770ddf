"""Web pages of shipments: the packing and receiving stations."""

from django.urls import path

from shipments import views

urlpatterns = [
    path("stations/", views.stations, name="stations"),
    path("stations/shipments/<str:code>/pack", views.pack_station, name="station-pack"),
    path("stations/shipments/<str:code>/receive", views.receive_station, name="station-receive"),
]
