from django.contrib import admin
from django.urls import include, path

from .health import healthz

admin.site.site_header = "Debate Tracker administration"
admin.site.site_title = "Debate Tracker"
admin.site.index_title = "Catalogue, Member States and follow-up"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("recommendations.urls")),
]
