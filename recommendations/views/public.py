"""The public pages: anyone reads the approved picture. Thin: pick a selector or a queryset,
apply a FilterSet, render."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.views.generic import DetailView, TemplateView

from .. import maps, permissions, selectors
from ..caching import public_page
from ..csv_export import csv_response
from ..exports import (
    CELL_HEADER,
    CHANGE_FIELDS,
    CHANGE_HEADER,
    UPDATE_FIELDS,
    UPDATE_HEADER,
    cell_columns,
)
from ..filters import (
    CellFilter,
    ChangeFilter,
    RecommendationFilter,
    StateFilter,
    UpdateFilter,
)
from ..forms import AsOfForm
from ..models import (
    Cell,
    ImportBatch,
    MemberState,
    ProgressUpdate,
    Recommendation,
    Status,
    months_ago,
)
from .base import MAX_PAGE_SIZE, CappedPaginator, FilteredListView


@method_decorator(public_page, name="dispatch")
class HomeView(TemplateView):
    template_name = "recommendations/home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**selectors.home_figures(), **kwargs)


@method_decorator(public_page, name="dispatch")
class RecommendationListView(FilteredListView):
    filterset_class = RecommendationFilter
    template_name = "recommendations/recommendation_list.html"
    results_template = "recommendations/partials/recommendation_results.html"
    context_object_name = "recommendations"
    csv_filename = "recommendations.csv"
    csv_header = [
        "code",
        "title",
        "text",
        "themes",
        "actors",
        "source_document",
        "source_reference",
        "instruments",
        "voiced_by",
        "voiced_by_note",
        "strength",
    ]

    def base_queryset(self):
        return Recommendation.objects.with_tags()

    def csv_rows(self):
        # The catalogue is small; prefetching its tags needs the whole queryset, not iterator().
        return self.get_queryset()

    def csv_row(self, rec):
        return [
            rec.code,
            rec.title,
            rec.text,
            "; ".join(theme.name for theme in rec.themes.all()),
            "; ".join(actor.name for actor in rec.actors.all()),
            rec.source_document.title,
            rec.source_reference,
            "; ".join(str(instrument) for instrument in rec.instruments.all()),
            rec.voiced_by,
            rec.voiced_by_note,
            rec.strength,
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        selectors.recommendations_with_distribution(context["recommendations"])
        return context


@method_decorator(public_page, name="dispatch")
class RecommendationDetailView(FilteredListView):
    """One recommendation: its text and citation, and the table of states (the filtered list)."""

    filterset_class = CellFilter
    template_name = "recommendations/recommendation_detail.html"
    results_template = "recommendations/partials/state_status_results.html"
    context_object_name = "cells"
    paginate_by = MAX_PAGE_SIZE
    collate_by = "state.label"
    csv_header = ["state", "iso3", "regional_group", *CELL_HEADER]

    @cached_property
    def recommendation(self):
        recommendation = selectors.recommendation_with_tags(self.kwargs["code"])
        if recommendation is None:
            raise Http404("No recommendation has this code.")
        return recommendation

    @property
    def csv_filename(self):
        as_of = self.filterset.as_of_date
        return f"{self.recommendation.code}-states{f'-{as_of}' if as_of else ''}.csv"

    def base_queryset(self):
        return self.recommendation.cells.select_related("state").order_by("state__name")

    def filterset_kwargs(self):
        return {"only": ["as_of", "region", "status", "disagreement"], "dated_apart": True}

    def get_queryset(self):
        # Every state's cell (a short list, read whole to be sorted by name) with its sources
        # side by side, which give it the figures of the date shown.
        return self.with_sources(list(super().get_queryset()))

    def with_sources(self, cells: list) -> list:
        for cell in cells:
            cell.recommendation = self.recommendation  # the cell's link reads it; no query
        return selectors.cells_with_sources(
            cells, self.filterset.as_of_date, among=self.recommendation.cells.all()
        )

    def csv_rows(self):
        return self.object_list  # read and dated once, by get_queryset

    def csv_row(self, cell):
        return [cell.state.name, cell.state.iso3, cell.state.regional_group, *cell_columns(cell)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            recommendation=self.recommendation,
            as_of_form=self.filterset.as_of_form,
            **kwargs,
        )
        # Unfiltered, the list (read whole to be sorted by name, whatever the page shown) holds
        # every state's cell: its distribution.
        context.update(
            selectors.recommendation_overview(
                self.recommendation,
                as_of=self.filterset.as_of_date,
                cells=None if self.filterset.active else list(self.object_list),
            )
        )
        # The map shows every state the filters select, whatever the page size.
        cells = self.object_list if context.get("is_paginated") else context["cells"]
        context["world_map"] = maps.status_map(
            cells, self.recommendation.code, self.filterset.as_of_date
        )
        return context


@method_decorator(public_page, name="dispatch")
class CellDetailView(TemplateView):
    """One cell (a recommendation x a Member State): its headline status and each source's,
    today or as of a date (``?as_of=``), the approved timeline and the chart of its statuses."""

    template_name = "recommendations/cell_detail.html"

    def get_context_data(self, **kwargs):
        cell = get_object_or_404(
            Cell.objects.select_related("recommendation", "state"),
            recommendation__code=self.kwargs["code"],
            state__iso3=self.kwargs["iso3"],
        )
        # An invalid date is reported on the page, which then shows today.
        as_of_form = AsOfForm(self.request.GET)
        return super().get_context_data(
            cell=cell,
            as_of_form=as_of_form,
            history=selectors.cell_history(cell, as_of=as_of_form.date),
            **kwargs,
        )


@method_decorator(public_page, name="dispatch")
class StateListView(FilteredListView):
    filterset_class = StateFilter
    template_name = "recommendations/state_list.html"
    results_template = "recommendations/partials/state_results.html"
    context_object_name = "states"
    paginate_by = MAX_PAGE_SIZE
    collate_by = "label"
    csv_filename = "member-states.csv"
    csv_header = ["name", "iso3", "regional_group", "membership"]

    def base_queryset(self):
        return MemberState.objects.order_by("name")

    def csv_row(self, state):
        return [state.name, state.iso3, state.regional_group, state.membership]


@method_decorator(public_page, name="dispatch")
class StateDetailView(TemplateView):
    """A country profile, today or as of a date (``?as_of=``); ``?format=csv`` exports its
    cells (the status shown and each source's)."""

    template_name = "recommendations/state_detail.html"
    csv_header = ["recommendation", "recommendation_title", *CELL_HEADER]

    @cached_property
    def state(self):
        return get_object_or_404(MemberState, iso3=self.kwargs["iso3"])

    @cached_property
    def as_of_form(self):
        # An invalid date is reported on the page, which then shows today.
        return AsOfForm(self.request.GET)

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            return self.csv()
        return super().get(request, *args, **kwargs)

    def csv(self):
        as_of = self.as_of_form.date
        profile = selectors.state_profile(self.state, as_of=as_of)
        rows = (
            [cell.recommendation.code, cell.recommendation.title, *cell_columns(cell)]
            for cell in profile["cells"]
        )
        suffix = f"-{as_of}" if as_of else ""
        return csv_response(
            filename=f"{self.state.iso3}-recommendations{suffix}.csv",
            header=self.csv_header,
            rows=rows,
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            state=self.state,
            as_of_form=self.as_of_form,
            **selectors.state_profile(self.state, as_of=self.as_of_form.date),
            **kwargs,
        )


@method_decorator(public_page, name="dispatch")
class UpdateListView(FilteredListView):
    """The progress log, newest first: approved updates for everyone; reviewers can also
    filter by review state."""

    filterset_class = UpdateFilter
    template_name = "recommendations/update_list.html"
    results_template = "recommendations/partials/update_results.html"
    context_object_name = "updates"
    paginator_class = CappedPaginator
    csv_filename = "progress-updates.csv"
    csv_header = UPDATE_HEADER

    def base_queryset(self):
        # The cells' recommendations come from the kept catalogue (paginate_queryset).
        updates = ProgressUpdate.objects.visible_to(self.request.user)
        return updates.select_related("cell__state").latest_first()

    def filterset_kwargs(self):
        return {"reviewer": permissions.is_reviewer(self.request.user)}

    def paginate_queryset(self, queryset, page_size):
        paginator, page, updates, paginated = super().paginate_queryset(queryset, page_size)
        if self.request.GET.get("format") != "csv":
            page.object_list = list(updates)
            selectors.with_kept_recommendations([update.cell for update in page.object_list])
        return paginator, page, page.object_list, paginated

    CSV_FIELDS = UPDATE_FIELDS

    def csv_rows(self):
        # Tuples, not model instances: a hundred thousand rows stream several times faster.
        return self.get_queryset().values_list(*self.CSV_FIELDS).iterator(chunk_size=2000)

    EVIDENCE, REVIEWED_AT = CSV_FIELDS.index("evidence"), CSV_FIELDS.index("reviewed_at")
    REPORTED_BY = CSV_FIELDS.index("reported_by__username")

    @cached_property
    def show_authors(self) -> bool:
        """The column stays (a stable header); usernames are for signed-in staff only."""
        return permissions.may_see_authors(self.request.user)

    def csv_row(self, row):
        row = list(row)
        if not self.show_authors:
            row[self.REPORTED_BY] = ""
        # Evidence is one URL per line in the database, space-separated in a spreadsheet cell.
        row[self.EVIDENCE] = " ".join(row[self.EVIDENCE].split())
        row[self.REVIEWED_AT] = row[self.REVIEWED_AT] or ""
        return row


@method_decorator(public_page, name="dispatch")
class DashboardView(TemplateView):
    """Status counts per recommendation, theme and regional group, their movement over time and
    the cells gone stale, for the cells the filters select."""

    template_name = "recommendations/dashboard.html"

    @property
    def stale_months(self) -> int:
        return settings.TRACKER_STALE_MONTHS

    def get_context_data(self, **kwargs):
        filterset = CellFilter(self.request.GET, queryset=Cell.objects.all(), dated_apart=True)
        as_of = filterset.as_of_date
        figures = selectors.dashboard(
            filterset.qs,
            filtered=filterset.active,
            stale_since=months_ago(self.stale_months, as_of),
            as_of=as_of,
            per_state=True,
        )
        world_map, shares = maps.share_map(figures.states, as_of)
        return super().get_context_data(
            filter=filterset,
            as_of_form=filterset.as_of_form,
            **vars(figures),
            world_map=world_map,
            shares=shares,
            stale_months=self.stale_months,
            statuses=list(Status),
            **kwargs,
        )


@method_decorator(public_page, name="dispatch")
class UpdateDetailView(DetailView):
    """One update, as far as the user may see it (a draft is its author's alone)."""

    template_name = "recommendations/update_detail.html"
    context_object_name = "update"

    def get_object(self, queryset=None):
        return get_object_or_404(
            ProgressUpdate.objects.visible_to(self.request.user).for_listing(), pk=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        # The batch it came in with, for those who may open it (its importer, reviewers).
        batch = (
            ImportBatch.objects.visible_to(self.request.user)
            .defer("content", "report")
            .filter(pk=self.object.import_batch_id)
            .first()
            if self.object.import_batch_id
            else None
        )
        return super().get_context_data(
            can_edit=permissions.may_edit(self.request.user, self.object),
            import_batch=batch,
            **kwargs,
        )


class ApprovalPaginator(CappedPaginator):
    """Counts the window's approvals without reading each one's previous status: the count of a
    month's 6,500 approvals took 50 ms with it, 1 ms without (a million updates)."""

    @cached_property
    def count(self) -> int:
        return self.object_list.values("pk")[: self.cap + 1].count()


@method_decorator(public_page, name="dispatch")
class ChangeListView(FilteredListView):
    """What changed: the approved updates of a window of approval days (the last 30 by
    default), newest approval first, each with the cell's status before it."""

    filterset_class = ChangeFilter
    template_name = "recommendations/change_list.html"
    results_template = "recommendations/partials/change_results.html"
    context_object_name = "changes"
    paginator_class = ApprovalPaginator
    csv_header = CHANGE_HEADER

    def base_queryset(self):
        return ProgressUpdate.objects.status_changes()

    @property
    def csv_filename(self) -> str:
        since, until = self.filterset.window
        return f"changes-{since.isoformat()}-{until.isoformat()}.csv"

    def csv_rows(self):
        # Tuples, not model instances, as the log's export.
        return self.get_queryset().values_list(*CHANGE_FIELDS).iterator(chunk_size=2000)

    APPROVED_AT = CHANGE_FIELDS.index("reviewed_at")
    PREVIOUS, STATUS = CHANGE_FIELDS.index("previous_status"), CHANGE_FIELDS.index("status")

    def csv_row(self, row):
        row = list(row)
        row[self.APPROVED_AT] = timezone.localtime(row[self.APPROVED_AT]).isoformat()
        changed = "yes" if row[self.PREVIOUS] != row[self.STATUS] else "no"
        row.insert(self.STATUS + 1, changed)  # the header's "changed", after the new status
        return row

    def get_context_data(self, **kwargs):
        return super().get_context_data(time_zone=timezone.get_current_timezone_name(), **kwargs)
