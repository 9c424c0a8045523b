from django.urls import path, register_converter

from . import converters, feeds, views

register_converter(converters.RecommendationCode, "code")
register_converter(converters.ISO3, "iso3")

app_name = "recommendations"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("recommendations/", views.RecommendationListView.as_view(), name="recommendation-list"),
    path(
        "recommendations/<code:code>/",
        views.RecommendationDetailView.as_view(),
        name="recommendation-detail",
    ),
    path(
        "recommendations/<code:code>/feed/",
        feeds.RecommendationFeed(),
        name="recommendation-feed",
    ),
    path(
        "recommendations/<code:code>/<iso3:iso3>/",
        views.CellDetailView.as_view(),
        name="cell-detail",
    ),
    path("states/", views.StateListView.as_view(), name="state-list"),
    path("states/<iso3:iso3>/", views.StateDetailView.as_view(), name="state-detail"),
    path("states/<iso3:iso3>/feed/", feeds.StateFeed(), name="state-feed"),
    path("updates/", views.UpdateListView.as_view(), name="update-list"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("changes/", views.ChangeListView.as_view(), name="change-list"),
    path("matrix/", views.MatrixView.as_view(), name="matrix"),
    path("matrix/<slug:group>/", views.MatrixView.as_view(), name="matrix-group"),
    path("updates/new/", views.UpdateCreateView.as_view(), name="update-create"),
    path("updates/mine/", views.MyUpdatesView.as_view(), name="my-updates"),
    path("updates/<int:pk>/", views.UpdateDetailView.as_view(), name="update-detail"),
    path("updates/<int:pk>/edit/", views.UpdateEditView.as_view(), name="update-edit"),
    path("tokens/", views.TokenListView.as_view(), name="token-list"),
    path("tokens/<str:key>/revoke/", views.TokenRevokeView.as_view(), name="token-revoke"),
    path("imports/", views.ImportListView.as_view(), name="import-list"),
    path("imports/template.csv", views.import_template, {"kind": "csv"}, name="template-csv"),
    path("imports/template.xlsx", views.import_template, {"kind": "xlsx"}, name="template-xlsx"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="import-detail"),
    path("imports/<int:pk>/confirm/", views.ImportConfirmView.as_view(), name="import-confirm"),
    path("imports/<int:pk>/cancel/", views.ImportCancelView.as_view(), name="import-cancel"),
    path("imports/<int:pk>/review/", views.ImportReviewView.as_view(), name="import-review"),
    path("imports/<int:pk>/report.csv", views.ImportReportView.as_view(), name="import-report"),
]
