"""Routes of /api/v1/ owned by the freezers app."""

from django.urls import re_path

from freezers.api import views
from lims.api.routes import api_router

router = api_router()
router.register("box-types", views.BoxTypeViewSet, basename="box-type")
router.register("freezers", views.FreezerViewSet, basename="freezer")
router.register("racks", views.RackViewSet, basename="rack")
router.register("boxes", views.BoxViewSet, basename="box")
router.register("storage/checked-out", views.CheckedOutViewSet, basename="storage-checked-out")

urlpatterns = [
    re_path(r"^storage/place/?$", views.PlaceView.as_view(), name="storage-place"),
    re_path(r"^storage/move/?$", views.MoveView.as_view(), name="storage-move"),
    re_path(r"^storage/retrieve/?$", views.RetrieveView.as_view(), name="storage-retrieve"),
    re_path(r"^storage/return/?$", views.ReturnView.as_view(), name="storage-return"),
    re_path(r"^storage/allocate/?$", views.AllocateView.as_view(), name="storage-allocate"),
    re_path(r"^storage/free/?$", views.FreeView.as_view(), name="storage-free"),
    *router.urls,
]
