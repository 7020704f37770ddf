"""Root URLs: web pages, health, the versioned API and its documentation."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from lims import views
from lims.api import docs, problems
from lims.web import views as web

handler400 = "lims.api.problems.handler400"
handler403 = "lims.api.problems.handler403"
handler404 = "lims.api.problems.handler404"
handler500 = "lims.api.problems.handler500"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("problems/<slug:code>", views.problem_type, name="problem-type"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("search", web.search, name="search"),
    path("", include("specimens.urls")),
    path("", include("shipments.urls")),
    re_path(r"^api/schema/?$", docs.schema, name="schema"),
    re_path(r"^api/docs/?$", docs.swagger, name="api-docs"),
    path("api/v1/", include("lims.api.urls")),
    path("api/v1/", include("specimens.api.urls")),
    path("api/v1/", include("barcode_printing.api.urls")),
    path("api/v1/", include("shipments.api.urls")),
    path("api/v1/", include("freezers.api.urls")),
    # Last: any other /api/ path is a problem+json 404, also with DEBUG on, where Django would
    # otherwise answer its technical HTML page instead of calling handler404.
    re_path(r"^api/", problems.handler404, name="api-not-found"),
]
