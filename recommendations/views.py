"""Thin views: pick a queryset, apply a FilterSet, render a page, its htmx fragment or its CSV."""

from collections import defaultdict

from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.views.generic import ListView, TemplateView

from . import charts
from .csv_export import csv_response
from .filters import CellFilter, RecommendationFilter, StateFilter, UpdateFilter, months_ago
from .models import (
    Cell,
    CellYearCount,
    MemberState,
    ProgressUpdate,
    Recommendation,
    RegionalGroup,
    Status,
    Theme,
)

MAX_PAGE_SIZE = 200


class CappedPaginator(Paginator):
    """Counts at most ``cap`` + 1 rows, so a page of the log never makes the database count a
    million matching rows: past the cap the page says "more than 10,000" and pages stop there
    (narrowing the filters counts them exactly)."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @property
    def cap_display(self) -> str:
        return f"{self.cap:,}"

    def page(self, number):
        if not self.capped:
            return super().page(number)
        # The count is a floor, not the total: never clip a page to it.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)


def status_counts(cells, key: str | None = None):
    """Counts of cells per status, as [(Status, n)] on the whole scale; with ``key``, a dict
    of such lists per value of that field. One aggregate query either way."""
    fields = [key, "current_status"] if key else ["current_status"]
    rows = cells.values(*fields).annotate(n=Count("id")).order_by()
    if key is None:
        counts = {row["current_status"]: row["n"] for row in rows}
        return [(status, counts.get(status.value, 0)) for status in Status]
    grouped: dict = defaultdict(dict)
    for row in rows:
        grouped[row[key]][row["current_status"]] = row["n"]
    return {
        value: [(status, counts.get(status.value, 0)) for status in Status]
        for value, counts in grouped.items()
    }


def summed(rows) -> list[tuple[Status, int]]:
    """Several [(Status, n)] rows added up, status by status."""
    return [(status, sum(row[index][1] for row in rows)) for index, status in enumerate(Status)]


class FilteredListView(ListView):
    """A list driven by a FilterSet, with a capped page size, an htmx fragment and a CSV export.

    The page and the fragment render from the same results template; ``?format=csv`` streams
    exactly the filtered rows, unpaginated.
    """

    filterset_class: type
    results_template: str
    paginate_by = 50
    csv_filename: str
    csv_header: list[str]

    def base_queryset(self):
        raise NotImplementedError  # pragma: no cover

    def csv_row(self, obj) -> list:
        raise NotImplementedError  # pragma: no cover

    def filterset_kwargs(self) -> dict:
        return {}

    @cached_property
    def filterset(self):
        # Always bound (an empty query string is valid data), so filter_queryset always runs.
        return self.filterset_class(
            self.request.GET,
            queryset=self.base_queryset(),
            request=self.request,
            **self.filterset_kwargs(),
        )

    def get_queryset(self):
        return self.filterset.qs

    def get_paginate_by(self, queryset):
        try:
            size = int(self.request.GET.get("per_page", self.paginate_by))
        except ValueError:
            return self.paginate_by
        return min(max(size, 1), MAX_PAGE_SIZE)

    def paginate_queryset(self, queryset, page_size):
        # An out-of-range or malformed page shows the last or first page instead of a 404.
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_template_names(self):
        if getattr(self.request, "htmx", False) and not self.request.htmx.boosted:
            return [self.results_template]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            filter=self.filterset, results_template=self.results_template, **kwargs
        )

    def render_to_response(self, context, **response_kwargs):
        if self.request.GET.get("format") == "csv":
            rows = (self.csv_row(obj) for obj in self.csv_rows())
            return csv_response(filename=self.csv_filename, header=self.csv_header, rows=rows)
        return super().render_to_response(context, **response_kwargs)

    def csv_rows(self):
        return self.get_queryset().iterator(chunk_size=2000)


class HomeView(TemplateView):
    template_name = "recommendations/home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            recommendation_count=Recommendation.objects.count(),
            state_count=MemberState.objects.count(),
            approved_count=CellYearCount.objects.approved_total(),
            **kwargs,
        )


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
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["recommendations"]
        distributions = status_counts(
            Cell.objects.filter(recommendation__in=[rec.pk for rec in page]),
            key="recommendation_id",
        )
        for rec in page:
            rec.distribution = distributions.get(rec.pk, [])
            rec.bar = charts.segments(rec.distribution)
        return context


class RecommendationDetailView(FilteredListView):
    """One recommendation: its text and citation, and the table of states (the filtered list)."""

    filterset_class = CellFilter
    template_name = "recommendations/recommendation_detail.html"
    results_template = "recommendations/partials/state_status_results.html"
    context_object_name = "cells"
    paginate_by = MAX_PAGE_SIZE
    csv_header = ["state", "iso3", "regional_group", "current_status", "status_date"]

    @cached_property
    def recommendation(self):
        return get_object_or_404(Recommendation.objects.with_tags(), code=self.kwargs["code"])

    @property
    def csv_filename(self):
        return f"{self.recommendation.code}-states.csv"

    def base_queryset(self):
        return self.recommendation.cells.select_related("state").order_by("state__name")

    def filterset_kwargs(self):
        return {"only": ["region", "status"]}

    def csv_row(self, cell):
        return [
            cell.state.name,
            cell.state.iso3,
            cell.state.regional_group,
            cell.current_status,
            cell.status_date or "",
        ]

    def get_context_data(self, **kwargs):
        rec = self.recommendation
        return super().get_context_data(
            recommendation=rec,
            distribution=status_counts(rec.cells.all()),
            timeline=ProgressUpdate.objects.timeline(rec.cells.all()),
            **kwargs,
        )


class StateListView(FilteredListView):
    filterset_class = StateFilter
    template_name = "recommendations/state_list.html"
    results_template = "recommendations/partials/state_results.html"
    context_object_name = "states"
    paginate_by = MAX_PAGE_SIZE
    csv_filename = "member-states.csv"
    csv_header = ["name", "iso3", "regional_group", "membership"]

    def base_queryset(self):
        return MemberState.objects.order_by("name")

    def csv_row(self, state):
        return [state.name, state.iso3, state.regional_group, state.membership]


class StateDetailView(TemplateView):
    template_name = "recommendations/state_detail.html"

    def get_context_data(self, **kwargs):
        state = get_object_or_404(MemberState, iso3=self.kwargs["iso3"])
        cells = list(
            Cell.objects.filter(state=state)
            .select_related("recommendation")
            .prefetch_related("recommendation__themes")
            .order_by("recommendation__order")
        )
        by_theme = [
            (theme, [cell for cell in cells if theme in cell.recommendation.themes.all()])
            for theme in Theme.objects.all()
        ]
        return super().get_context_data(
            state=state,
            cells=cells,
            by_theme=[(theme, group) for theme, group in by_theme if group],
            distribution=status_counts(Cell.objects.filter(state=state)),
            timeline=ProgressUpdate.objects.timeline(Cell.objects.filter(state=state)),
            **kwargs,
        )


class UpdateListView(FilteredListView):
    """The progress log, newest first: approved updates for everyone; reviewers can also
    filter by review state."""

    filterset_class = UpdateFilter
    template_name = "recommendations/update_list.html"
    results_template = "recommendations/partials/update_results.html"
    context_object_name = "updates"
    paginator_class = CappedPaginator
    csv_filename = "progress-updates.csv"
    csv_header = [
        "id",
        "effective_date",
        "recommendation",
        "recommendation_title",
        "state",
        "iso3",
        "regional_group",
        "status",
        "source",
        "narrative",
        "evidence",
        "reported_by",
        "review_state",
        "reviewed_at",
    ]

    @property
    def is_reviewer(self) -> bool:
        return self.request.user.has_perm("recommendations.review_progressupdate")

    def base_queryset(self):
        return ProgressUpdate.objects.visible_to(self.request.user).for_listing().latest_first()

    def filterset_kwargs(self):
        return {"reviewer": self.is_reviewer}

    CSV_FIELDS = [
        "pk",
        "effective_date",
        "cell__recommendation__code",
        "cell__recommendation__title",
        "cell__state__name",
        "cell__state__iso3",
        "cell__state__regional_group",
        "status",
        "source",
        "narrative",
        "evidence",
        "reported_by__username",
        "review_state",
        "reviewed_at",
    ]

    def csv_rows(self):
        # Tuples, not model instances: a hundred thousand rows stream several times faster.
        return self.get_queryset().values_list(*self.CSV_FIELDS).iterator(chunk_size=2000)

    EVIDENCE, REVIEWED_AT = CSV_FIELDS.index("evidence"), CSV_FIELDS.index("reviewed_at")

    def csv_row(self, row):
        row = list(row)
        # Evidence is one URL per line in the database, space-separated in a spreadsheet cell.
        row[self.EVIDENCE] = " ".join(row[self.EVIDENCE].split())
        row[self.REVIEWED_AT] = row[self.REVIEWED_AT] or ""
        return row


class DashboardView(TemplateView):
    """Status counts per recommendation, theme and regional group, their movement over time and
    the cells gone stale, for the cells the filters select."""

    template_name = "recommendations/dashboard.html"
    stale_months = 24

    def get_context_data(self, **kwargs):
        filterset = CellFilter(self.request.GET, queryset=Cell.objects.all())
        cells = filterset.qs
        by_rec = status_counts(cells, key="recommendation_id")
        recommendations = [
            (rec, by_rec[rec.pk])
            for rec in Recommendation.objects.only("code", "title", "order").prefetch_related(
                "themes"
            )
            if rec.pk in by_rec
        ]
        # A theme's counts add up its recommendations' rows: the figures a join over the cells
        # would give, without another pass over them.
        tagged = {
            theme: [row for rec, row in recommendations if theme in rec.themes.all()]
            for theme in Theme.objects.all()
        }
        themes = [(theme, summed(rows)) for theme, rows in tagged.items() if rows]
        by_region = status_counts(cells, key="state__regional_group")
        regions = [
            (group, by_region[group.value]) for group in RegionalGroup if group.value in by_region
        ]
        # Unfiltered, the chart reads the summary's index alone: no need to list every cell.
        year_counts = CellYearCount.objects.all()
        if filterset.active:
            year_counts = year_counts.of_cells(cells)
        stale_since = months_ago(self.stale_months)
        stale = cells.filter(status_date__lt=stale_since)
        # Shade by the reported statuses; "no information" would flatten every other column.
        heat_max = max(
            (n for _, row in recommendations for s, n in row if s != Status.NO_INFORMATION),
            default=0,
        )
        return super().get_context_data(
            filter=filterset,
            total=sum(n for _, row in recommendations for _, n in row),
            matrix=[(rec, charts.heat(row, heat_max)) for rec, row in recommendations],
            themes=themes,
            regions=regions,
            chart=charts.stacked_bars(list(year_counts.per_year_and_status())),
            stale_count=stale.count(),
            stale_cells=stale.select_related("recommendation", "state").order_by("status_date")[
                :20
            ],
            stale_months=self.stale_months,
            statuses=list(Status),
            **kwargs,
        )
