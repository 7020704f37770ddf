"""Root URLs: web pages, health, the versioned API and its documentation."""

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from lims import views
from lims.web import views as web

# The API docs page loads Swagger UI from its CDN; its script is a file of this origin, so the
# page needs the CDN allowed but still no inline script.
_SWAGGER_CDN = "https://cdn.jsdelivr.net"
api_docs = csp_update(
    {
        "script-src": [_SWAGGER_CDN],
        "style-src": [_SWAGGER_CDN, "'unsafe-inline'"],
        "img-src": [_SWAGGER_CDN],
    }
)(SpectacularSwaggerSplitView.as_view(url_name="schema"))

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
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("api/v1/", include("lims.api.urls")),
    path("api/v1/", include("specimens.api.urls")),
    path("api/v1/", include("barcode_printing.api.urls")),
    path("api/v1/", include("shipments.api.urls")),
    path("api/v1/", include("freezers.api.urls")),
]
