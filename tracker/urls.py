from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularSwaggerSplitView

from recommendations.api.schema import SchemaView
from recommendations.api.views import not_found as api_not_found
from recommendations.views.maps import map_shapes

from .health import healthz
from .languages import set_language

admin.site.site_header = _("Debate Tracker administration")
admin.site.site_title = _("Debate Tracker")
admin.site.index_title = _("Catalogue, Member States and follow-up")

# Only the account pages the product supports. No password reset by e-mail: an administrator
# resets a forgotten password (Admin > Users, or manage.py changepassword).
account_urls = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]

# English keeps the unprefixed URLs; the other languages have a prefix (settings.LANGUAGES).
urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    # The world map's shapes, the same in every language.
    path("map/shapes.svg", map_shapes, name="map-shapes"),
    # The JSON API, its OpenAPI schema and its docs (Swagger UI, from our own static files).
    path("api/v1/", include("recommendations.api.urls")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^api/", api_not_found),
    *i18n_patterns(
        path("admin/", admin.site.urls),
        path("accounts/", include(account_urls)),
        path("", include("recommendations.urls")),
        prefix_default_language=False,
    ),
]
