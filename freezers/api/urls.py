"""Routes of /api/v1/ owned by the freezers app."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from freezers.api import views

router = SimpleRouter()
router.register("box-types", views.BoxTypeViewSet, basename="box-type")
router.register("freezers", views.FreezerViewSet, basename="freezer")
router.register("racks", views.RackViewSet, basename="rack")
router.register("boxes", views.BoxViewSet, basename="box")
router.register("storage/checked-out", views.CheckedOutViewSet, basename="storage-checked-out")

urlpatterns = [
    path("storage/place", views.PlaceView.as_view(), name="storage-place"),
    path("storage/move", views.MoveView.as_view(), name="storage-move"),
    path("storage/retrieve", views.RetrieveView.as_view(), name="storage-retrieve"),
    path("storage/return", views.ReturnView.as_view(), name="storage-return"),
    path("storage/allocate", views.AllocateView.as_view(), name="storage-allocate"),
    path("storage/free", views.FreeView.as_view(), name="storage-free"),
    *router.urls,
]
