from django.urls import path

from . import views

app_name = "recommendations"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("recommendations/", views.RecommendationListView.as_view(), name="recommendation-list"),
    path(
        "recommendations/<str:code>/",
        views.RecommendationDetailView.as_view(),
        name="recommendation-detail",
    ),
    path("states/", views.StateListView.as_view(), name="state-list"),
    path("states/<str:iso3>/", views.StateDetailView.as_view(), name="state-detail"),
]
