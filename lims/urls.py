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

# The API first: a scan's path is found without trying every web page's pattern before it.
api_v1 = [
    path("", include("lims.api.urls")),
    path("", include("specimens.api.urls")),
    path("", include("barcode_printing.api.urls")),
    path("", include("shipments.api.urls")),
    path("", include("freezers.api.urls")),
]
api = [
    re_path(r"^schema/?$", docs.schema, name="schema"),
    re_path(r"^docs/?$", docs.swagger, name="api-docs"),
    path("v1/", include(api_v1)),
    # Last: any other /api/ path is a problem+json 404, also with DEBUG on, where Django would
    # otherwise answer its technical HTML page instead of calling handler404.
    re_path(r"", problems.handler404, name="api-not-found"),
]

urlpatterns = [
    path("api/", include(api)),
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("problems/<slug:code>", views.problem_type, name="problem-type"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("search", web.search, name="search"),
    path("dashboard", web.dashboard, name="dashboard"),
    path("", include("specimens.urls")),
    path("", include("shipments.urls")),
    path("", include("freezers.urls")),
]
