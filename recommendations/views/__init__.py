"""Thin views by audience: ``public`` (anyone reads the approved picture) and ``staff`` (editors
log and edit their updates), ``imports`` (editors bring in spreadsheets), ``tokens`` (anyone
signed in makes API tokens). Reviewers work in the admin; programs use the API (``api/``)."""

from .base import MAX_PAGE_SIZE, CappedPaginator, FilteredListView
from .imports import (
    ImportCancelView,
    ImportConfirmView,
    ImportDetailView,
    ImportListView,
    ImportReportView,
    ImportReviewView,
    import_template,
)
from .matrix import MatrixView
from .public import (
    CellDetailView,
    ChangeListView,
    DashboardView,
    HomeView,
    RecommendationDetailView,
    RecommendationListView,
    StateDetailView,
    StateListView,
    UpdateDetailView,
    UpdateListView,
)
from .staff import MyUpdatesView, UpdateCreateView, UpdateEditView
from .tokens import TokenListView, TokenRevokeView

__all__ = [
    "ImportCancelView",
    "ImportConfirmView",
    "ImportDetailView",
    "ImportListView",
    "ImportReportView",
    "ImportReviewView",
    "import_template",
    "MAX_PAGE_SIZE",
    "CappedPaginator",
    "FilteredListView",
    "CellDetailView",
    "ChangeListView",
    "DashboardView",
    "HomeView",
    "MatrixView",
    "MyUpdatesView",
    "RecommendationDetailView",
    "RecommendationListView",
    "StateDetailView",
    "StateListView",
    "UpdateCreateView",
    "UpdateDetailView",
    "UpdateEditView",
    "UpdateListView",
    "TokenListView",
    "TokenRevokeView",
]
