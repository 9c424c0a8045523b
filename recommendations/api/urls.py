"""``/api/v1/``: the routes of the API, and a JSON 404 for any other path under ``/api/``."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
# No ``/updates/12.json``: the format is asked for with ?format= or Accept, and a suffix route
# would read ``/updates/0.5/`` as update 0 in a format "5".
router.include_format_suffixes = False
router.register("recommendations", views.RecommendationViewSet, basename="recommendation")
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("actors", views.ActorViewSet, basename="actor")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("states", views.StateViewSet, basename="state")
router.register("cells", views.CellViewSet, basename="cell")
router.register("updates", views.UpdateViewSet, basename="update")

app_name = "api"

urlpatterns = [
    path("summary/", views.SummaryView.as_view(), name="summary"),
    *router.urls,
]
