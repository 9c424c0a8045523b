"""``/api/v1/``: the routes of the API, and a JSON 404 for any other path under ``/api/``."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views


class Router(DefaultRouter):
    """The root (``/api/v1/``) lists ``summary/`` too, which is a view, not a viewset."""

    def get_api_root_view(self, api_urls=None):
        listed = {
            prefix: self.routes[0].name.format(basename=basename)
            for prefix, _viewset, basename in self.registry
        }
        return self.APIRootView.as_view(api_root_dict={**listed, "summary": "summary"})


router = Router(trailing_slash=True)
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
router.register("changes", views.ChangeViewSet, basename="change")

app_name = "api"

urlpatterns = [
    path("summary/", views.SummaryView.as_view(), name="summary"),
    *router.urls,
]
