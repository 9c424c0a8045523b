"""Thin views: pick a queryset, render it as a page or, with ``?format=csv``, as a CSV file."""

from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView, TemplateView

from .csv_export import csv_response
from .models import FollowUp, MemberState, ProgressUpdate, Recommendation, Status


class CsvListMixin:
    """``?format=csv`` answers with exactly the rows the page lists, streamed."""

    csv_filename: str
    csv_header: list[str]

    def csv_row(self, obj) -> list:
        raise NotImplementedError  # pragma: no cover - each list view names its columns

    def render_to_response(self, context, **response_kwargs):
        if self.request.GET.get("format") == "csv":
            queryset = self.get_queryset()
            rows = (self.csv_row(obj) for obj in queryset.iterator(chunk_size=2000))
            return csv_response(filename=self.csv_filename, header=self.csv_header, rows=rows)
        return super().render_to_response(context, **response_kwargs)


def status_distribution(cells) -> list[tuple[Status, int]]:
    """(status, count) for every status on the scale, from a queryset of cells."""
    counts = dict(cells.values_list("current_status").annotate(n=Count("id")).order_by())
    return [(status, counts.get(status.value, 0)) for status in Status]


class HomeView(TemplateView):
    template_name = "recommendations/home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            recommendation_count=Recommendation.objects.count(),
            state_count=MemberState.objects.count(),
            approved_count=ProgressUpdate.objects.approved().count(),
            **kwargs,
        )


class RecommendationListView(CsvListMixin, ListView):
    template_name = "recommendations/recommendation_list.html"
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

    def get_queryset(self):
        return Recommendation.objects.with_tags()

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

    def render_to_response(self, context, **response_kwargs):
        if self.request.GET.get("format") == "csv":
            # Prefetching needs the whole (small) catalogue at once; iterator() would drop it.
            rows = (self.csv_row(rec) for rec in self.get_queryset())
            return csv_response(filename=self.csv_filename, header=self.csv_header, rows=rows)
        return super().render_to_response(context, **response_kwargs)


class RecommendationDetailView(DetailView):
    template_name = "recommendations/recommendation_detail.html"
    context_object_name = "recommendation"

    def get_object(self, queryset=None):
        return get_object_or_404(Recommendation.objects.with_tags(), code=self.kwargs["code"])

    def get_context_data(self, **kwargs):
        cells = self.object.followups.all()
        return super().get_context_data(
            distribution=status_distribution(cells),
            cells=cells.select_related("state").order_by("state__name"),
            timeline=ProgressUpdate.objects.approved()
            .filter(followup__recommendation=self.object)
            .for_listing()
            .latest_first()[:50],
            **kwargs,
        )


class StateListView(CsvListMixin, ListView):
    template_name = "recommendations/state_list.html"
    context_object_name = "states"
    csv_filename = "member-states.csv"
    csv_header = ["name", "iso3", "regional_group", "membership"]

    def get_queryset(self):
        return MemberState.objects.all()

    def csv_row(self, state):
        return [state.name, state.iso3, state.get_regional_group_display(), state.membership]


class StateDetailView(DetailView):
    template_name = "recommendations/state_detail.html"
    context_object_name = "state"

    def get_object(self, queryset=None):
        return get_object_or_404(MemberState, iso3=self.kwargs["iso3"].upper())

    def get_context_data(self, **kwargs):
        cells = FollowUp.objects.filter(state=self.object)
        return super().get_context_data(
            distribution=status_distribution(cells),
            cells=cells.select_related("recommendation").order_by("recommendation__order"),
            timeline=ProgressUpdate.objects.approved()
            .filter(followup__state=self.object)
            .for_listing()
            .latest_first()[:50],
            **kwargs,
        )
