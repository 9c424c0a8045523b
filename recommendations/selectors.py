"""Reads that pages, exports and (later) the API share: status counts, the dashboard's figures,
a country profile, an author's counts.

Services write, selectors read. Each takes QuerySets or plain values and returns plain data (lists
of ``(Status, n)``, dicts), in a constant number of queries whatever the size of the log.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count

from . import charts
from .models import (
    Cell,
    CellQuerySet,
    CellYearCount,
    MemberState,
    ProgressUpdate,
    Recommendation,
    RegionalGroup,
    ReviewState,
    Status,
    Theme,
)

StatusRow = list[tuple[Status, int]]


def status_counts(cells: CellQuerySet, key: str | None = None):
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


def summed(rows: list[StatusRow]) -> StatusRow:
    """Several [(Status, n)] rows added up, status by status."""
    return [(status, sum(row[index][1] for row in rows)) for index, status in enumerate(Status)]


def home_figures() -> dict[str, int]:
    """The three numbers on the home page."""
    return {
        "recommendation_count": Recommendation.objects.count(),
        "state_count": MemberState.objects.count(),
        "approved_count": CellYearCount.objects.approved_total(),
    }


def recommendations_with_distribution(recommendations) -> None:
    """Give each recommendation of a page its status distribution across states and the bar
    that draws it (one query for the page)."""
    distributions = status_counts(
        Cell.objects.filter(recommendation__in=[rec.pk for rec in recommendations]),
        key="recommendation_id",
    )
    for rec in recommendations:
        rec.distribution = distributions.get(rec.pk, [])
        rec.bar = charts.segments(rec.distribution)


def recommendation_overview(recommendation: Recommendation) -> dict:
    """A recommendation's page: its distribution across states and its latest approved updates."""
    return {
        "distribution": status_counts(recommendation.cells.all()),
        "timeline": ProgressUpdate.objects.timeline(recommendation.cells.all()),
    }


def state_profile(state: MemberState) -> dict:
    """A country profile: every cell of the state, grouped by theme, its distribution and its
    latest approved updates."""
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
    return {
        "cells": cells,
        "by_theme": [(theme, group) for theme, group in by_theme if group],
        "distribution": status_counts(Cell.objects.filter(state=state)),
        "timeline": ProgressUpdate.objects.timeline(Cell.objects.filter(state=state)),
    }


def review_state_counts(updates) -> list[tuple[ReviewState, int]]:
    """How many of ``updates`` are in each review state, on the whole scale."""
    counts = dict(updates.values_list("review_state").annotate(n=Count("id")).order_by())
    return [(state, counts.get(state.value, 0)) for state in ReviewState]


@dataclass
class Dashboard:
    """The dashboard's figures for a selection of cells."""

    total: int
    matrix: list
    themes: list[tuple[Theme, StatusRow]]
    regions: list[tuple[RegionalGroup, StatusRow]]
    chart: object
    #: approved updates per year and status: rows of ``year``, ``status``, ``n``
    years: list[dict]
    stale_count: int
    stale_cells: list[Cell]


def dashboard(
    cells: CellQuerySet, *, filtered: bool, stale_since: datetime.date, stale_shown: int = 20
) -> Dashboard:
    """Status counts per recommendation (as a heat map), theme and regional group, approved
    updates per year, and the cells without an update since ``stale_since``.

    ``filtered`` says whether ``cells`` is a selection: unfiltered, the chart of the years reads
    the summary's index alone instead of listing every cell."""
    by_rec = status_counts(cells, key="recommendation_id")
    recommendations = [
        (rec, by_rec[rec.pk])
        for rec in Recommendation.objects.only("code", "title", "order").prefetch_related("themes")
        if rec.pk in by_rec
    ]
    # A theme's counts add up its recommendations' rows: the figures a join over the cells
    # would give, without another pass over them.
    tagged = {
        theme: [row for rec, row in recommendations if theme in rec.themes.all()]
        for theme in Theme.objects.all()
    }
    by_region = status_counts(cells, key="state__regional_group")
    year_counts = CellYearCount.objects.all()
    if filtered:
        year_counts = year_counts.of_cells(cells)
    years = list(year_counts.per_year_and_status())
    stale = cells.stale(stale_since)
    # Shade by the reported statuses; "no information" would flatten every other column.
    heat_max = max(
        (n for _, row in recommendations for s, n in row if s != Status.NO_INFORMATION),
        default=0,
    )
    return Dashboard(
        total=sum(n for _, row in recommendations for _, n in row),
        matrix=[(rec, charts.heat(row, heat_max)) for rec, row in recommendations],
        themes=[(theme, summed(rows)) for theme, rows in tagged.items() if rows],
        regions=[
            (group, by_region[group.value]) for group in RegionalGroup if group.value in by_region
        ],
        chart=charts.stacked_bars(years),
        years=years,
        stale_count=stale.count(),
        stale_cells=list(
            stale.select_related("recommendation", "state").order_by("status_date")[:stale_shown]
        ),
    )


def whom_to_ask(shown: int = 5) -> dict:
    """The administrators who assign roles and Member States, for a page that refuses an
    editor: their names and e-mail addresses (signed-in editors only see it)."""
    administrators = (
        get_user_model()
        .objects.filter(is_superuser=True, is_active=True)
        .order_by("last_name", "first_name", "username")
        .only("username", "first_name", "last_name", "email")[:shown]
    )
    return {"administrators": list(administrators)}
