"""FilterSets shared by the pages, their htmx fragments and their CSV exports.

Every filter lives in the query string, so a filtered page is a link to share. Choices come from
callables (or the database at request time), so nothing queries at import. Malformed values
become form errors, and the views then show an unfiltered-by-that-field result with the message.
"""

from __future__ import annotations

import datetime

import django_filters as filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_filters import fields as filter_fields
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .forms import AsOfForm, as_of_field, validate_as_of
from .localization import CollatedModelChoiceIterator, KeptModelChoiceIterator
from .models import (
    EFFECTIVE_DATE_MIN,
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
    Strength,
    Theme,
    Voice,
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


class ListedModelMultipleChoiceField(filter_fields.ModelMultipleChoiceField):
    iterator = KeptModelChoiceIterator


class ListedModelMultipleChoiceFilter(filters.ModelMultipleChoiceFilter):
    field_class = ListedModelMultipleChoiceField


class ListedModelChoiceField(filter_fields.ModelChoiceField):
    iterator = KeptModelChoiceIterator


class ListedModelChoiceFilter(filters.ModelChoiceFilter):
    field_class = ListedModelChoiceField


class CollatedModelMultipleChoiceField(filter_fields.ModelMultipleChoiceField):
    iterator = CollatedModelChoiceIterator


class CollatedModelMultipleChoiceFilter(filters.ModelMultipleChoiceFilter):
    """Options sorted as the page's language sorts their labels (the Member States)."""

    field_class = CollatedModelMultipleChoiceField


def multi_model(
    label, queryset, to_field_name, *, checkboxes: bool = False, collated: bool = False
) -> filters.ModelMultipleChoiceFilter:
    kind = CollatedModelMultipleChoiceFilter if collated else ListedModelMultipleChoiceFilter
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
            if name not in ("q", "sort", "as_of")  # a date narrows nothing
        )


class RecommendationFilter(TrackerFilterSet):
    q = search_filter(_("Search code, title and text"))
    theme = multi_model(_("Theme"), themes, "slug", checkboxes=True)
    actor = multi_model(_("Actor"), actors, "slug")
    document = ListedModelChoiceFilter(
        label=_("Source document"),
        queryset=documents,
        to_field_name="slug",
        field_name="source_document",
        empty_label=_("Any document"),
    )
    voiced_by = multi_choice(_("Voiced by"), Voice.choices)
    strength = multi_choice(_("Strength of the ask"), Strength.choices)

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


#: ``?disagreement=yes`` / ``no``: cells whose assessment sources disagree, or do not
DISAGREEMENT = {"yes": True, "no": False}


def _sources_agree(queryset: QuerySet, name: str, value) -> QuerySet:
    """``?disagreement=no``: updates of the cells whose sources do not disagree, written as
    ``cell NOT IN (the few that disagree)``. As ``cell IN (the 95 % that do not)`` SQLite read
    every approved update of those cells and sorted them (1.9 s at a million updates, against
    1 ms). ``yes`` joins the other cell-level filters (``_cells_matching``)."""
    if value != "no":
        return queryset
    return queryset.exclude(cell__in=Cell.objects.disagreeing().values("pk"))


def disagreement_filter() -> filters.ChoiceFilter:
    """``?disagreement=yes`` / ``no``: updates of cells whose assessment sources disagree now,
    or do not."""
    return filters.ChoiceFilter(
        label=_("Sources disagree"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        method=_sources_agree,
        empty_label=_("Either"),
        help_text=_(
            "Cells whose assessment sources disagree now: two of them two or more steps apart "
            "on the scale, or declined against progress."
        ),
    )


def _tagged(tags: str, values) -> QuerySet:
    """Ids of the recommendations with any of these themes or actors, as a subquery: an M2M
    join would repeat a row once per matching tag."""
    return Recommendation.objects.filter(**{f"{tags}__in": values}).values("pk")


def _cells_matching(
    *,
    themes=None,
    actors=None,
    regions=None,
    recommendations=None,
    states=None,
    disagreement=None,
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
    if disagreement == "yes":
        # Cells whose assessment sources disagree now (Cell.sources_disagree); "no" is the
        # filter's own method (disagreement_filter).
        cells = cells.filter(sources_disagree=True)
        narrowed = True
    return cells.values("pk") if narrowed else None


class AsOfFilter(filters.DateFilter):
    """``?as_of=YYYY-MM-DD``: its form field is ``forms.as_of_field()``, the one parser of the
    date for pages, CSV exports and the API. It narrows nothing: ``CellFilter.filter_queryset``
    reads every cell's figures as of that day."""

    def __init__(self, **kwargs):
        super().__init__(method="filter_as_of", **kwargs)

    @property
    def field(self):
        if not hasattr(self, "_field"):
            self._field = as_of_field()
        return self._field


class CellFilter(TrackerFilterSet):
    """Follow-up cells: the recommendation and state pages' tables and the dashboard.

    Every cell comes with the figures of the day asked for (``as_of``; today when none):
    ``status_on``, ``status_date_on``, ``update_on``, ``disagree_on`` (``Cell.objects.as_of``).
    The status, staleness and disagreement filters read those."""

    as_of = AsOfFilter(
        label=_("Status as of"),
        # for the API's schema (the form field is as_of_field's)
        help_text=_(
            "The status in effect on that day (YYYY-MM-DD, from 1945 to today): approved "
            "updates dated on or before it. Today when left out."
        ),
    )
    recommendation = multi_model(_("Recommendation"), recommendations, "code")
    state = multi_model(_("Member State"), states, "iso3", collated=True)
    region = multi_choice(
        _("Regional group"), RegionalGroup.choices, field_name="state__regional_group"
    )
    status = multi_choice(_("Status"), Status.choices, method="filter_status")
    theme = multi_model(_("Theme"), themes, "slug", checkboxes=True)
    actor = multi_model(_("Actor"), actors, "slug")
    # The recommendation's own columns: a plain join, one recommendation per cell.
    voiced_by = multi_choice(_("Voiced by"), Voice.choices, field_name="recommendation__voiced_by")
    strength = multi_choice(
        _("Strength of the ask"), Strength.choices, field_name="recommendation__strength"
    )
    stale = filters.NumberFilter(
        label=_("No update for (months)"),
        method="filter_stale",
        min_value=1,
        max_value=600,
        help_text=_("Cells with a status whose latest approved update is older than this."),
    )
    disagreement = filters.ChoiceFilter(
        label=_("Sources disagree"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        method="filter_disagreement",
        empty_label=_("Either"),
        help_text=_(
            "Cells whose assessment sources disagree (on the date shown): two of them two or "
            "more steps apart on the scale, or declined against progress."
        ),
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

    @property
    def as_of_date(self) -> datetime.date | None:
        """The valid date asked for, or None (today)."""
        if "as_of" not in self.filters:
            return None
        self.form.errors  # noqa: B018 -- validates: cleaned_data then holds the valid values
        return self.form.cleaned_data.get("as_of")

    @property
    def as_of_form(self) -> AsOfForm:
        """The page's date picker (``partials/as_of.html``): the same field on the same data."""
        return AsOfForm(self.data)

    #: the filters that read the figures of the day shown
    DAY_FILTERS = ("status", "stale", "disagreement")

    def __init__(self, *args, dated_apart: bool = False, **kwargs):
        """``dated_apart``: the page reads a past day's figures of its cells apart (from their
        sources, ``selectors.cells_with_sources``, or from the months' ends, ``statuses_on``),
        so the query computes them only when a filter reads them (three probes of the log a
        cell whose status moved since, and the query built in milliseconds)."""
        super().__init__(*args, **kwargs)
        self.dated_apart = dated_apart

    def filter_queryset(self, queryset):
        # First the figures of the day, which the status, stale and disagreement filters read.
        date = self.as_of_date
        if date is None or not self.dated_apart or self.reads_the_day:
            queryset = queryset.as_of(date)
        return super().filter_queryset(queryset)

    @property
    def reads_the_day(self) -> bool:
        """Whether a filter used reads the figures of the day shown."""
        self.form.errors  # noqa: B018 -- validates: cleaned_data then holds the valid values
        return any(
            self.form.cleaned_data.get(name) for name in self.DAY_FILTERS if name in self.filters
        )

    def filter_as_of(self, queryset, name, value):
        return queryset  # applied first, in filter_queryset

    def filter_status(self, queryset, name, value):
        # One IN on the status shown: an OR a value would compute a past day's status again.
        return queryset.filter(status_on__in=value) if value else queryset

    def filter_stale(self, queryset, name, value):
        if not value:
            return queryset
        # Counted back from the date shown: stale then, not now.
        return queryset.stale(months_ago(int(value), self.as_of_date))

    def filter_disagreement(self, queryset, name, value):
        if value not in DISAGREEMENT:
            return queryset
        return queryset.filter(disagree_on=DISAGREEMENT[value])


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


class LogFilterSet(TrackerFilterSet):
    """What the progress log and "What changed" share: their cell-level filters (tags, regions,
    recommendations, states, disagreement) narrow the updates together, as one ``cell IN
    (...)`` subquery (``_cells_matching``), never a join per filter."""

    #: filter name -> keyword of ``_cells_matching``
    CELL_FILTERS = {
        "theme": "themes",
        "actor": "actors",
        "region": "regions",
        "recommendation": "recommendations",
        "state": "states",
        "disagreement": "disagreement",
    }

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        cells = _cells_matching(
            **{
                keyword: self.form.cleaned_data.get(name)
                for name, keyword in self.CELL_FILTERS.items()
                if name in self.filters
            }
        )
        return queryset if cells is None else queryset.filter(cell__in=cells)

    @extend_schema_field(OpenApiTypes.STR)  # for the API's schema: codes, ISO3s and slugs
    def filter_in(self, queryset, name, value):
        return queryset  # cell-level: applied together in filter_queryset


class UpdateFilter(LogFilterSet):
    """The progress log. The review-state filter exists only for reviewers (see __init__)."""

    q = search_filter(_("Search narrative and evidence"))
    theme = multi_model(_("Theme"), themes, "slug", checkboxes=True)
    actor = multi_model(_("Actor"), actors, "slug")
    recommendation = multi_model(_("Recommendation"), recommendations, "code")
    state = multi_model(_("Member State"), states, "iso3", collated=True)
    region = multi_choice(_("Regional group"), RegionalGroup.choices, method="filter_in")
    status = multi_choice(_("Status"), [c for c in Status.choices if c[0] != Status.NO_INFORMATION])
    source = multi_choice(_("Source of the assessment"), AssessmentSource.choices)
    disagreement = disagreement_filter()
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
        if not (self.reviewer and self.form.cleaned_data.get("review")):
            # Only approved updates count, unless a reviewer asks for other review states.
            queryset = queryset.filter(review_state=ReviewState.APPROVED)
        return queryset

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(narrative__icontains=value) | Q(evidence__icontains=value))

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*UPDATE_SORTS.get(value, UPDATE_SORTS["newest"]))


# What changed -------------------------------------------------------------------------------

#: the window shown when none is asked for: the last 30 days, today included
CHANGES_DEFAULT_DAYS = 30
#: the longest window, a year (a leap year's too). Telling a change from a confirmation probes
#: the log once an approval (``with_previous_status``): a year of the benchmark's million-update
#: history is 50,000 approvals, 0.3 s for "changed only"; its whole history took 2.5 s.
CHANGES_MAX_DAYS = 366


def approval_day(label, help_text) -> filters.DateFilter:
    """A day of approval, ``YYYY-MM-DD`` only (as the log's dates), from 1945 to today."""
    return filters.DateFilter(
        label=label,
        help_text=help_text,
        method="filter_window",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=ISO_DATE,
        validators=[validate_as_of],
    )


class ChangeFilterForm(forms.Form):
    def clean(self):
        """An inverted window, or one longer than a year, is refused with a message (the page
        then shows the last 30 days; the API answers 400 naming the field)."""
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", gettext("The end date is before the start date."))
            data.pop("since", None)
        elif since and (until or timezone.localdate()) - since >= datetime.timedelta(
            days=CHANGES_MAX_DAYS
        ):
            self.add_error(
                "since",
                gettext(
                    "A window spans at most %(days)s days: choose a later start date or an "
                    "earlier end date."
                )
                % {"days": CHANGES_MAX_DAYS},
            )
        return data


class ChangeFilter(LogFilterSet):
    """What changed: the approved updates whose approval fell in a window of days (the site's
    time zone), each with the cell's status before it (``with_previous_status``). Approved
    updates only, whoever asks: a draft, a submitted or a withdrawn update is no change."""

    since = approval_day(
        _("Approved from"),
        _("The first day of the window (30 days before its end when empty)."),
    )
    until = approval_day(
        _("Approved until"),
        _("The last day of the window, included (today when empty). At most 366 days in all."),
    )
    theme = multi_model(_("Theme"), themes, "slug", checkboxes=True)
    actor = multi_model(_("Actor"), actors, "slug")
    recommendation = multi_model(_("Recommendation"), recommendations, "code")
    state = multi_model(_("Member State"), states, "iso3", collated=True)
    region = multi_choice(_("Regional group"), RegionalGroup.choices, method="filter_in")
    source = multi_choice(_("Source of the assessment"), AssessmentSource.choices)
    status = multi_choice(
        _("New status"), [c for c in Status.choices if c[0] != Status.NO_INFORMATION]
    )
    changed = filters.ChoiceFilter(
        label=_("Change"),
        choices=[("yes", _("Status changed")), ("no", _("Confirmed, unchanged"))],
        method="filter_changed",
        empty_label=_("Changed or confirmed"),
        help_text=_("Confirmed: the update repeats the status the cell already had."),
    )
    disagreement = disagreement_filter()

    class Meta:
        model = ProgressUpdate
        fields: list[str] = []
        form = ChangeFilterForm

    @property
    def window(self) -> tuple[datetime.date, datetime.date]:
        """The days of approval shown, both included: those asked for, else the last 30 days
        (to ``until`` when only that is given; never before 1945, the first day one may ask)."""
        self.form.errors  # noqa: B018 -- validates: cleaned_data then holds the valid values
        data = self.form.cleaned_data
        until = data.get("until") or timezone.localdate()
        since = data.get("since") or max(
            until - datetime.timedelta(days=CHANGES_DEFAULT_DAYS - 1), EFFECTIVE_DATE_MIN
        )
        return since, until

    @property
    def window_default(self) -> bool:
        """Whether the window is the default one (no valid start date asked for)."""
        self.form.errors  # noqa: B018
        return not self.form.cleaned_data.get("since") and not self.form.cleaned_data.get("until")

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).approved_within(*self.window)

    def filter_window(self, queryset, name, value):
        return queryset  # applied in filter_queryset, with its default

    def filter_changed(self, queryset, name, value):
        if value not in ("yes", "no"):
            return queryset
        if "previous_status" not in queryset.query.annotations:
            queryset = queryset.with_previous_status()
        same = Q(status=F("previous_status"))
        return queryset.exclude(same) if value == "yes" else queryset.filter(same)
