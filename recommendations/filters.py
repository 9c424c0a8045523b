"""FilterSets shared by the pages, their htmx fragments and their CSV exports.

Every filter lives in the query string, so a filtered page is a link to share. Choices come from
callables (or the database at request time), so nothing queries at import. Malformed values
become form errors, and the views then show an unfiltered-by-that-field result with the message.
"""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_filters import fields as filter_fields
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .localization import CollatedModelChoiceIterator
from .models import (
    LATEST_FIRST,
    Actor,
    AssessmentSource,
    Cell,
    Membership,
    MemberState,
    ProgressUpdate,
    Recommendation,
    RegionalGroup,
    ReviewState,
    SourceDocument,
    Status,
    Theme,
    months_ago,
)

SEARCH_MAX = 200
ISO_DATE = ["%Y-%m-%d"]


def themes(request):
    return Theme.objects.all()


def actors(request):
    return Actor.objects.all()


def documents(request):
    return SourceDocument.objects.all()


def recommendations(request):
    return Recommendation.objects.only("code", "title").order_by("order")


def states(request):
    return MemberState.objects.only("iso3", "name")


class SearchInput(forms.TextInput):
    input_type = "search"


class ListSelectMultiple(forms.SelectMultiple):
    """A multiple select written straight from its choices. Django builds a dict per option and
    renders each through a template of its own: 7 ms for the 195 Member States, on every list
    page. The output is Django's own (tests/unit/test_widgets.py compares them)."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = set(self.format_value(value))
        options = "".join(
            f'<option value="{escape(choice)}"{" selected" if str(choice) in selected else ""}>'
            f"{escape(label)}</option>"
            for choice, label in self.choices
        )
        attrs = {"name": name, **self.build_attrs(self.attrs, attrs), "multiple": True}
        return mark_safe(f"<select{flatatt(attrs)}>{options}</select>")  # every part escaped


def search_filter(label: str) -> filters.CharFilter:
    return filters.CharFilter(
        label=label,
        method="search",
        max_length=SEARCH_MAX,
        widget=SearchInput(attrs={"placeholder": _("Search")}),
    )


class CollatedModelMultipleChoiceField(filter_fields.ModelMultipleChoiceField):
    iterator = CollatedModelChoiceIterator


class CollatedModelMultipleChoiceFilter(filters.ModelMultipleChoiceFilter):
    """Options sorted as the page's language sorts their labels (the Member States)."""

    field_class = CollatedModelMultipleChoiceField


def multi_model(
    label, queryset, to_field_name, *, checkboxes: bool = False, collated: bool = False
) -> filters.ModelMultipleChoiceFilter:
    kind = CollatedModelMultipleChoiceFilter if collated else filters.ModelMultipleChoiceFilter
    return kind(
        label=label,
        queryset=queryset,
        to_field_name=to_field_name,
        method="filter_in",
        distinct=False,  # the methods match through subqueries, never a repeating join
        widget=forms.CheckboxSelectMultiple if checkboxes else ListSelectMultiple(SELECT_SIZE),
    )


SELECT_SIZE = {"size": 5}


def multi_choice(label, choices, **kwargs) -> filters.MultipleChoiceFilter:
    """Checkboxes over a plain column. No DISTINCT: there is no join that could repeat a row,
    and a DISTINCT makes the database sort the whole log."""
    return filters.MultipleChoiceFilter(
        label=label,
        choices=choices,
        distinct=False,
        widget=forms.CheckboxSelectMultiple,
        **kwargs,
    )


class TrackerFilterSet(filters.FilterSet):
    """Common behaviour: multi-value filters as ``IN`` lookups on a mapped field."""

    #: filter name -> ORM lookup its values are matched with (``__in``)
    lookups: dict[str, str] = {}

    def __init__(self, *args, only: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if only is not None:  # a page that offers a subset of the filters
            for name in list(self.filters):
                if name not in only:
                    del self.filters[name]

    @extend_schema_field(OpenApiTypes.STR)  # for the API's schema: codes, ISO3s and slugs
    def filter_in(self, queryset: QuerySet, name: str, value):
        if not value:
            return queryset
        return queryset.filter(**{f"{self.lookups[name]}__in": value})

    @property
    def active(self) -> bool:
        """Whether any filter narrows the result (opens the filter panel). Values that did not
        validate are ignored, as when filtering; the valid ones still count."""
        self.form.errors  # noqa: B018 -- validates: cleaned_data then holds the valid values
        # An empty multiple choice cleans to an empty queryset or list: falsy, no query.
        return any(
            bool(value)
            for name, value in self.form.cleaned_data.items()
            if name not in ("q", "sort")
        )


class RecommendationFilter(TrackerFilterSet):
    q = search_filter(_("Search code, title and text"))
    theme = multi_model(_("Theme"), themes, "slug", checkboxes=True)
    actor = multi_model(_("Actor"), actors, "slug")
    document = filters.ModelChoiceFilter(
        label=_("Source document"),
        queryset=documents,
        to_field_name="slug",
        field_name="source_document",
        empty_label=_("Any document"),
    )

    lookups = {"theme": "themes", "actor": "actors"}

    class Meta:
        model = Recommendation
        fields: list[str] = []

    @extend_schema_field(OpenApiTypes.STR)  # for the API's schema: codes, ISO3s and slugs
    def filter_in(self, queryset, name, value):
        # An M2M match would repeat a recommendation once per matching tag: match by id instead.
        if not value:
            return queryset
        matching = Recommendation.objects.filter(**{f"{self.lookups[name]}__in": value})
        return queryset.filter(pk__in=matching.values("pk"))

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__iexact=value) | Q(title__icontains=value) | Q(text__icontains=value)
        )


class StateFilter(TrackerFilterSet):
    q = search_filter(_("Search name or ISO3 code"))
    region = multi_choice(_("Regional group"), RegionalGroup.choices, field_name="regional_group")
    membership = filters.ChoiceFilter(
        label=_("Membership"),
        choices=Membership.choices,
        empty_label=_("Members and observers"),
    )

    class Meta:
        model = MemberState
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(iso3__iexact=value))


def _tagged(tags: str, values) -> QuerySet:
    """Ids of the recommendations with any of these themes or actors, as a subquery: an M2M
    join would repeat a row once per matching tag."""
    return Recommendation.objects.filter(**{f"{tags}__in": values}).values("pk")


def _cells_matching(
    *, themes=None, actors=None, regions=None, recommendations=None, states=None
) -> QuerySet | None:
    """The cells that every cell-level filter of the log selects, as one subquery: the log is
    then narrowed by ``cell IN (...)``, which its (cell, review state, status, date) index
    answers directly. None when no cell-level filter is set."""
    cells = Cell.objects.all()
    narrowed = False
    if recommendations:
        cells = cells.filter(recommendation__in=recommendations)
        narrowed = True
    if states:
        cells = cells.filter(state__in=states)
        narrowed = True
    if themes:
        cells = cells.filter(recommendation__in=_tagged("themes", themes))
        narrowed = True
    if actors:
        cells = cells.filter(recommendation__in=_tagged("actors", actors))
        narrowed = True
    if regions:
        cells = cells.filter(state__regional_group__in=regions)
        narrowed = True
    return cells.values("pk") if narrowed else None


class CellFilter(TrackerFilterSet):
    """Follow-up cells: the recommendation and state pages' tables and the dashboard."""

    recommendation = multi_model(_("Recommendation"), recommendations, "code")
    state = multi_model(_("Member State"), states, "iso3", collated=True)
    region = multi_choice(
        _("Regional group"), RegionalGroup.choices, field_name="state__regional_group"
    )
    status = multi_choice(_("Current status"), Status.choices, field_name="current_status")
    theme = multi_model(_("Theme"), themes, "slug", checkboxes=True)
    actor = multi_model(_("Actor"), actors, "slug")
    stale = filters.NumberFilter(
        label=_("No update for (months)"),
        method="filter_stale",
        min_value=1,
        max_value=600,
        help_text=_("Cells with a status whose latest approved update is older than this."),
    )

    lookups = {
        "recommendation": "recommendation",
        "state": "state",
        "theme": "recommendation__themes",
        "actor": "recommendation__actors",
    }

    class Meta:
        model = Cell
        fields: list[str] = []

    @extend_schema_field(OpenApiTypes.STR)  # for the API's schema: codes, ISO3s and slugs
    def filter_in(self, queryset, name, value):
        if not value:
            return queryset
        if name in ("theme", "actor"):
            return queryset.filter(recommendation__in=_tagged(f"{name}s", value))
        return super().filter_in(queryset, name, value)

    def filter_stale(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.stale(months_ago(int(value)))


class UpdateFilterForm(forms.Form):
    def clean(self):
        """Refuse an inverted range with a message rather than silently showing nothing."""
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", gettext("The end date is before the start date."))
        return data


UPDATE_SORT_LABELS = {
    "newest": _("Newest"),
    "oldest": _("Oldest"),
    "state": pgettext_lazy("sort by Member State", "State"),
    "recommendation": _("Recommendation"),
    "status": _("Status"),
}
UPDATE_SORTS = {
    "newest": LATEST_FIRST,
    "oldest": ("effective_date", "created_at", "id"),
    "state": ("cell__state__name", "-effective_date", "-id"),
    "recommendation": ("cell__recommendation__order", "-effective_date", "-id"),
    "status": ("status", "-effective_date", "-id"),
}


class UpdateFilter(TrackerFilterSet):
    """The progress log. The review-state filter exists only for reviewers (see __init__)."""

    q = search_filter(_("Search narrative and evidence"))
    theme = multi_model(_("Theme"), themes, "slug", checkboxes=True)
    actor = multi_model(_("Actor"), actors, "slug")
    recommendation = multi_model(_("Recommendation"), recommendations, "code")
    state = multi_model(_("Member State"), states, "iso3", collated=True)
    region = multi_choice(_("Regional group"), RegionalGroup.choices, method="filter_in")
    status = multi_choice(_("Status"), [c for c in Status.choices if c[0] != Status.NO_INFORMATION])
    source = multi_choice(_("Source of the assessment"), AssessmentSource.choices)
    # YYYY-MM-DD only, as the date picker sends: "03/01/2021" would be 1 March in English and
    # 3 January in French, one link filtering two ways.
    since = filters.DateFilter(
        label=_("Effective from"),
        field_name="effective_date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=ISO_DATE,
    )
    until = filters.DateFilter(
        label=_("Effective until"),
        field_name="effective_date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=ISO_DATE,
    )
    review = multi_choice(_("Review state"), ReviewState.choices, field_name="review_state")
    sort = filters.ChoiceFilter(
        label=_("Sort by"),
        choices=[(key, UPDATE_SORT_LABELS[key]) for key in UPDATE_SORTS],
        method="sort_by",
        empty_label=_("Newest first"),
    )

    CELL_FILTERS = {
        "theme": "themes",
        "actor": "actors",
        "region": "regions",
        "recommendation": "recommendations",
        "state": "states",
    }

    class Meta:
        model = ProgressUpdate
        fields: list[str] = []
        form = UpdateFilterForm

    def __init__(self, *args, reviewer: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.reviewer = reviewer
        if not reviewer:
            self.filters.pop("review", None)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # Cell-level filters combine into a single subquery (see _cells_matching).
        cells = _cells_matching(
            **{
                keyword: self.form.cleaned_data.get(name)
                for name, keyword in self.CELL_FILTERS.items()
                if name in self.filters
            }
        )
        if cells is not None:
            queryset = queryset.filter(cell__in=cells)
        if not (self.reviewer and self.form.cleaned_data.get("review")):
            # Only approved updates count, unless a reviewer asks for other review states.
            queryset = queryset.filter(review_state=ReviewState.APPROVED)
        return queryset

    @extend_schema_field(OpenApiTypes.STR)  # for the API's schema: codes, ISO3s and slugs
    def filter_in(self, queryset, name, value):
        return queryset  # cell-level: applied together in filter_queryset

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(narrative__icontains=value) | Q(evidence__icontains=value))

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*UPDATE_SORTS.get(value, UPDATE_SORTS["newest"]))
