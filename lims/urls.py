"""Root URLs: web pages, health, the versioned API and its documentation."""

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from lims import views
from lims.api import problems
from lims.web import views as web

# Swagger UI comes from drf-spectacular-sidecar's static files and its start-up script is
# a separate file of this origin (the split view), so scripts stay 'self'; the UI sets
# inline styles and data: images, which this page alone allows.
api_docs = csp_update({"style-src": ["'unsafe-inline'"], "img-src": ["data:"]})(
    SpectacularSwaggerSplitView.as_view(url_name="schema")
)

handler400 = "lims.api.problems.handler400"
handler403 = "lims.api.problems.handler403"
handler404 = "lims.api.problems.handler404"
handler500 = "lims.api.problems.handler500"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("problems/<slug:code>", views.problem_type, name="problem-type"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("search", web.search, name="search"),
    path("", include("specimens.urls")),
    path("", include("shipments.urls")),
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^api/docs/?$", api_docs, name="api-docs"),
    path("api/v1/", include("lims.api.urls")),
    path("api/v1/", include("specimens.api.urls")),
    path("api/v1/", include("barcode_printing.api.urls")),
    path("api/v1/", include("shipments.api.urls")),
    path("api/v1/", include("freezers.api.urls")),
    # Last: any other /api/ path is a problem+json 404, also with DEBUG on, where Django would
    # otherwise answer its technical HTML page instead of calling handler404.
    re_path(r"^api/", problems.handler404, name="api-not-found"),
]
