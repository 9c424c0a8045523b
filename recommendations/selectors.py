"""Reads that pages, exports and (later) the API share: status counts, the dashboard's figures,
a country profile, an author's counts.

Services write, selectors read. Each takes QuerySets or plain values and returns plain data (lists
of ``(Status, n)``, dicts), in a constant number of queries whatever the size of the log.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import compress

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import (
    Count,
    F,
    QuerySet,
    Sum,
    Value,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, Lag
from django.utils import timezone

from . import caching, charts
from .models import (
    AssessmentSource,
    Cell,
    CellAssessment,
    CellDisagreement,
    CellQuerySet,
    CellYearCount,
    DataVersion,
    MemberState,
    MonthCount,
    ProgressUpdate,
    Recommendation,
    RegionalGroup,
    ReviewState,
    Status,
    Theme,
    month_end,
    sources_disagree,
)

StatusRow = list[tuple[Status, int]]
#: the scale's statuses with their values, read once (an enum member's ``value`` is a property)
SCALE = tuple((status, status.value) for status in Status)


def dated(cells: CellQuerySet, as_of: datetime.date | None = None) -> CellQuerySet:
    """The cells with the figures of ``as_of`` (today when None: ``Cell.objects.as_of``),
    unless they come with a day's figures already (a ``CellFilter``'s result)."""
    return cells if "status_on" in cells.query.annotations else cells.as_of(as_of)


def status_counts(cells: CellQuerySet, key: str | None = None, as_of: datetime.date | None = None):
    """Counts of cells per status (on ``as_of``; today when None), as [(Status, n)] on the
    whole scale; with ``key``, a dict of such lists per value of that field. One aggregate
    query either way."""
    fields = [key, "status_on"] if key else ["status_on"]
    rows = dated(cells, as_of).values(*fields).annotate(n=Count("id")).order_by()
    if key is None:
        counts = {row["status_on"]: row["n"] for row in rows}
        return [(status, counts.get(status.value, 0)) for status in Status]
    grouped: dict = defaultdict(dict)
    for row in rows:
        grouped[row[key]][row["status_on"]] = row["n"]
    return {
        value: [(status, counts.get(status.value, 0)) for status in Status]
        for value, counts in grouped.items()
    }


def counted(cells: list[Cell]) -> StatusRow:
    """Counts per status of cells already read (the status they show), on the whole scale."""
    counts = Counter(cell.status for cell in cells)
    return [(status, counts.get(status, 0)) for status in Status]


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


def recommendation_with_tags(code: str) -> Recommendation | None:
    """The recommendation ``code`` with its source document and tags, as its page shows them,
    or None (``catalogue``)."""
    return catalogue()[0].get(code)


def catalogue() -> tuple[dict[str, Recommendation], list[Theme]]:
    """The recommendations with their source document and tags, by code in the catalogue's
    order, and the themes: what the pages read of the catalogue, read once a data version, a
    language and a process (``caching.kept``). Each page read them otherwise: four queries for a
    recommendation's page, 3.4 ms on SQLite and 5.4 on PostgreSQL at a million updates."""
    return caching.kept(("catalogue",), _catalogue)


def _catalogue() -> tuple[dict[str, Recommendation], list[Theme]]:
    recommendations = Recommendation.objects.with_tags()
    return {rec.code: rec for rec in recommendations}, list(Theme.objects.all())


def recommendation_overview(
    recommendation: Recommendation,
    as_of: datetime.date | None = None,
    *,
    cells: list[Cell] | None = None,
) -> dict:
    """A recommendation's page, today or as of a date: its distribution across states and its
    latest approved updates (those that took effect on or before ``as_of``). ``cells``: every
    cell of the recommendation, already read with the status of that day (the page's list when
    no filter narrows it), counted as they are, their dates the timeline's floor and
    themselves its updates' cells, instead of read again (on a past day, a probe of the log a
    cell)."""
    return {
        "as_of": as_of,
        "assessment_sources": list(AssessmentSource),
        "distribution": (
            counted(cells)
            if cells is not None
            else status_counts(recommendation.cells.all(), as_of=as_of)
        ),
        "timeline": (
            ProgressUpdate.objects.timeline(recommendation.cells.all(), as_of=as_of)
            if cells is None
            else with_cells_read(
                ProgressUpdate.objects.timeline(
                    recommendation.cells.all(),
                    as_of=as_of,
                    dates=[cell.shown_date for cell in cells],
                ),
                cells,
            )
        ),
    }


def state_cells(
    state: MemberState, as_of: datetime.date | None = None, *, narratives: bool = False
) -> list[Cell]:
    """Every cell of a state in the catalogue's order, with the status of ``as_of`` (today when
    None) and its sources side by side (``cells_with_sources``, which dates a past day's): the
    country profile, its CSV and the API's record of the state, in two queries. With
    ``narratives``, each cell also has ``narrative_on``: the narrative of the approved update
    its status shown comes from (``Cell.shown_update``), or None (the country brief prints
    it)."""
    cells = list(
        Cell.objects.filter(state=state)
        .select_related("recommendation")
        .order_by("recommendation__order")
    )
    for cell in cells:
        cell.state = state  # the cell's links read it; no query for it
    return cells_with_sources(
        cells, as_of, narratives=narratives, among=Cell.objects.filter(state=state)
    )


def state_profile(state: MemberState, as_of: datetime.date | None = None) -> dict:
    """A country profile, today or as of a date: every cell of the state with its sources side
    by side and the narrative of its status shown (a country brief, printed), grouped by theme,
    its distribution and its latest approved updates (those that took effect on or before
    ``as_of``)."""
    cells = with_kept_recommendations(state_cells(state, as_of, narratives=True))
    prefetch_related_objects(cells, "recommendation__themes")  # none left but one just added
    by_theme = [
        (theme, [cell for cell in cells if theme in cell.recommendation.themes.all()])
        for theme in catalogue()[1]
    ]
    return {
        "as_of": as_of,
        "assessment_sources": list(AssessmentSource),
        "cells": cells,
        "by_theme": [(theme, group) for theme, group in by_theme if group],
        "distribution": counted(cells),
        "disagreeing": sum(cell.shown_disagreement for cell in cells),
        "timeline": with_cells_read(
            ProgressUpdate.objects.timeline(
                Cell.objects.filter(state=state),
                as_of=as_of,
                dates=[cell.shown_date for cell in cells],
            ),
            cells,
        ),
    }


def with_cells_read(updates: QuerySet, cells: list[Cell]) -> list[ProgressUpdate]:
    """``updates`` (of ``cells``, which the page has read with their recommendation and state),
    each given its cell from them rather than joined to it again: on PostgreSQL the joins'
    planning was half a timeline's time (6.1 -> 3.1 ms for a recommendation's at a million
    updates)."""
    read = {cell.pk: cell for cell in cells}
    updates = list(updates.select_related(None))
    for update in updates:
        if update.cell_id in read:  # else a cell added since the list was read: its own query
            update.cell = read[update.cell_id]
    return updates


def with_kept_recommendations(cells: list[Cell]) -> list[Cell]:
    """``cells``, each given its recommendation, with its tags, from the kept catalogue
    (``catalogue``) rather than joined to it or read again: the progress log's page of 50 in
    3.8 ms instead of 6.3 on PostgreSQL at a million updates (the join read each
    recommendation's text and translations again), the country profile's themes with no
    query. A recommendation added since the catalogue was kept keeps its own."""
    kept = {rec.pk: rec for rec in catalogue()[0].values()}
    for cell in cells:
        if cell.recommendation_id in kept:
            cell.recommendation = kept[cell.recommendation_id]
    return cells


SOURCE_BY_VALUE = {source.value: source for source in AssessmentSource}
STATUS_BY_VALUE = {status.value: status for status in Status}


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """One assessment source's latest approved status of a cell, in a row of a table, a CSV or
    the API: the status, the day it took effect and the id of the update that says so."""

    source: AssessmentSource
    status: Status
    date: datetime.date
    update_id: int


def cells_with_sources(
    cells: list[Cell],
    as_of: datetime.date | None = None,
    *,
    narratives: bool = False,
    among: CellQuerySet | None = None,
) -> list[Cell]:
    """Give each cell its assessment sources side by side, on ``as_of`` (today when None):
    ``cell.sources``, the ``SourceStatus`` of each source that had assessed it, and
    ``cell.source_columns``, one entry per ``AssessmentSource`` (None where it had not). One
    query for any number of cells: today's from the stored assessments, a past day's from each
    source's latest approved update on or before it.

    On a past day each cell is also given the figures of that day (``Cell.objects.as_of``'s
    names, which ``Cell.status`` and its siblings read) from those same updates: every update
    has a source, so the latest of the sources' latest is the cell's latest, its status
    the headline, and the rule of disagreement applies to their statuses. A list of a few
    cells is then read with no probe of the log of its own (``CellFilter(dated_apart=
    True)``). With ``narratives``, each cell also has ``narrative_on``: the narrative of the
    update its status shown comes from (``Cell.shown_update``), or None, read in the same
    query (the country brief prints it). ``among``: cells that include these (a
    recommendation's, a state's), by which a past day's query finds them, in place of their
    ids: a range of an index instead of a list probed four times (on PostgreSQL 8.6 -> 5.8 ms
    for a recommendation's 195 cells at a million updates)."""
    ids = [cell.pk for cell in cells]
    narrative = ["update__narrative" if as_of is None else "narrative"] if narratives else []
    if not ids:
        rows = []
    elif as_of is None:
        rows = CellAssessment.objects.filter(cell__in=ids).values_list(
            "cell_id", "source", "status", "status_date", "update_id", *narrative
        )
    else:
        rows = (
            (Cell.objects.filter(pk__in=ids) if among is None else among)
            .source_updates(as_of)
            .values_list(
                "cell_id", "source", "status", "effective_date", "pk", *narrative, "created_at"
            )
            .order_by()
        )
    found: dict[int, dict[str, SourceStatus]] = defaultdict(dict)
    latest: dict[int, tuple] = {}  # a past day: each cell's latest update, in the log's order
    told: dict[int, str] = {}  # the updates' narratives, by id
    # The members by value from dicts: calling the enum for each of a page's 800 values cost
    # a millisecond.
    sources, statuses = SOURCE_BY_VALUE, STATUS_BY_VALUE
    for cell_id, source, status, date, update_id, *more in rows:
        found[cell_id][source] = SourceStatus(sources[source], statuses[status], date, update_id)
        if narratives:
            told[update_id] = more.pop(0)
        if as_of is not None:
            order = (date, more[0], update_id)
            if order > latest.get(cell_id, (datetime.date.min,)):
                latest[cell_id] = (*order, status)
    for cell in cells:
        by_source = found.get(cell.pk, {})
        cell.source_columns = [by_source.get(source.value) for source in AssessmentSource]
        cell.sources = [column for column in cell.source_columns if column is not None]
        if as_of is not None:
            date, _created, update_id, status = latest.get(
                cell.pk, (None, None, None, Status.NO_INFORMATION.value)
            )
            cell.status_on, cell.status_date_on, cell.update_on = status, date, update_id
            cell.disagree_on = sources_disagree(column.status for column in cell.sources)
        if narratives:
            cell.narrative_on = told.get(cell.shown_update)
    return cells


def review_state_counts(updates) -> list[tuple[ReviewState, int]]:
    """How many of ``updates`` are in each review state, on the whole scale."""
    counts = dict(updates.values_list("review_state").annotate(n=Count("id")).order_by())
    return [(state, counts.get(state.value, 0)) for state in ReviewState]


@dataclass
class Dashboard:
    """The dashboard's figures for a selection of cells, today or as of a date."""

    total: int
    matrix: list
    themes: list[tuple[Theme, StatusRow]]
    regions: list[tuple[RegionalGroup, StatusRow]]
    chart: object
    #: approved updates per year and status: rows of ``year``, ``status``, ``n``
    years: list[dict]
    stale_count: int
    stale_cells: list[Cell]
    #: cells whose assessment sources disagree, in all, per theme and per regional group
    disagreeing: int = 0
    disagreement_themes: list[tuple[Theme, int]] = field(default_factory=list)
    disagreement_regions: list[tuple[RegionalGroup, int]] = field(default_factory=list)
    #: each state's counts per status, by the state's id (the world map's figures)
    states: dict[int, StatusRow] = field(default_factory=dict)
    #: the day the figures are of (None: today)
    as_of: datetime.date | None = None


def dashboard(
    cells: CellQuerySet,
    *,
    filtered: bool,
    stale_since: datetime.date,
    stale_shown: int = 20,
    as_of: datetime.date | None = None,
    per_state: bool = False,
) -> Dashboard:
    """Status counts per recommendation (as a heat map), theme and regional group, the cells
    whose sources disagree per theme and regional group, approved updates per year, and the
    cells without an update since ``stale_since``: today, or as of ``as_of`` (statuses in
    effect that day, updates that took effect on or before it).

    ``filtered`` says whether ``cells`` is a selection: unfiltered, the chart of the years reads
    the summary's index alone instead of listing every cell. ``per_state`` adds each state's
    counts (the world map's figures; one more query today, none for a past day)."""
    if as_of is None:
        cells = dated(cells)
        counted = _counted_in_sql(cells, stale_since, stale_shown, per_state)
    else:  # read apart from any figures of the day the queryset computes
        counted = _counted_in_one_pass(cells, as_of, stale_since, stale_shown, per_state)
    by_rec, by_region, by_state, disagreeing, stale_count, stale = counted
    listed, themes = catalogue()
    recommendations = [(rec, by_rec[rec.pk]) for rec in listed.values() if rec.pk in by_rec]
    # A theme's counts add up its recommendations' rows: each cell counted once per theme of
    # its recommendation, the figures a join over the cells would give.
    themes_of = {rec.pk: set(rec.themes.all()) for rec, _ in recommendations}
    tagged = {
        theme: [rec for rec, _ in recommendations if theme in themes_of[rec.pk]] for theme in themes
    }
    rows_of = {rec.pk: row for rec, row in recommendations}
    # Shade by the reported statuses; "no information" would flatten every other column.
    heat_max = max(
        (n for _, row in recommendations for s, n in row if s != Status.NO_INFORMATION),
        default=0,
    )
    years = _years(cells if filtered else None, as_of)
    regions = [group for group in RegionalGroup if group.value in by_region]
    disagreeing_rec, disagreeing_region = Counter(), Counter()
    for (rec, region), n in disagreeing.items():
        disagreeing_rec[rec] += n
        disagreeing_region[region] += n
    return Dashboard(
        total=sum(n for _, row in recommendations for _, n in row),
        matrix=[(rec, charts.heat(row, heat_max)) for rec, row in recommendations],
        themes=[
            (theme, summed([rows_of[rec.pk] for rec in recs]))
            for theme, recs in tagged.items()
            if recs
        ],
        regions=[(group, by_region[group.value]) for group in regions],
        chart=charts.stacked_bars(years),
        years=years,
        stale_count=stale_count,
        stale_cells=stale,
        disagreeing=disagreeing.total(),
        disagreement_themes=[
            (theme, sum(disagreeing_rec[rec.pk] for rec in recs))
            for theme, recs in tagged.items()
            if recs
        ],
        disagreement_regions=[(group, disagreeing_region[group.value]) for group in regions],
        states=by_state,
        as_of=as_of,
    )


def _counted_in_sql(
    cells: CellQuerySet, stale_since: datetime.date, stale_shown: int, per_state: bool
):
    """Today's figures, from the stored statuses: grouped by the database, each from its index
    (a few milliseconds at any size of the log)."""
    disagreeing = Counter(
        {
            (row["recommendation_id"], row["state__regional_group"]): row["n"]
            for row in cells.filter(disagree_on=True)
            .values("recommendation_id", "state__regional_group")
            .annotate(n=Count("id"))
            .order_by()
        }
    )
    stale = cells.stale(stale_since)
    return (
        status_counts(cells, key="recommendation_id"),
        status_counts(cells, key="state__regional_group"),
        status_counts(cells, key="state_id") if per_state else {},
        disagreeing,
        stale.count(),
        list(
            stale.select_related("recommendation", "state").order_by("status_date", "pk")[
                :stale_shown
            ]
        ),
    )


def _counted_in_one_pass(
    cells: CellQuerySet,
    as_of: datetime.date,
    stale_since: datetime.date,
    stale_shown: int,
    per_state: bool,
):
    """A past day's figures: each cell's status and date of that day (``statuses_on``: the
    month's end before it, every cell in one row, and the log from there to the day) and the
    cells whose sources disagreed that day, counted in Python."""
    regions = caching.kept(
        ("regional groups",), lambda: dict(MemberState.objects.values_list("pk", "regional_group"))
    )
    # Dates as the query writes them (YYYY-MM-DD): compared as text, they order as the days
    # do, and only the stale cells shown are read as dates (7,800 parsed otherwise).
    rows = cells.statuses_on(as_of)
    # Counted column by column, by Counter's own loop: 7,800 cells, two tallies each (a
    # regional group's counts add up its states').
    pks, recs, states, statuses, days = zip(*rows, strict=True) if rows else ([],) * 5
    by_rec: dict[int, dict] = defaultdict(dict)
    by_state: dict[int, dict] = defaultdict(dict)
    by_region: dict[str, Counter] = defaultdict(Counter)
    for (rec, status), n in Counter(zip(recs, statuses, strict=True)).items():
        by_rec[rec][status] = n
    for (state, status), n in Counter(zip(states, statuses, strict=True)).items():
        by_state[state][status] = n
        by_region[regions[state]][status] += n
    # Whether each cell's sources disagreed that day: a look-up in that day's periods (479 cells
    # of 7,800 in mid-2021 at a million updates), read once, where a column of the cells'
    # query tested each cell against them (5 ms more for that query on either database).
    disagreed = set(CellDisagreement.objects.on(as_of).order_by().values_list("cell_id", flat=True))
    disagreeing = Counter(
        (rec, regions[state])
        for rec, state in compress(zip(recs, states, strict=True), map(disagreed.__contains__, pks))
    )
    stale_day = stale_since.isoformat()
    stale = sorted(
        row
        for row in zip(days, pks, statuses, strict=True)
        if row[0] is not None and row[0] < stale_day
    )
    shown = [(datetime.date.fromisoformat(d), pk, status) for d, pk, status in stale[:stale_shown]]
    return (
        {rec: _row(counts) for rec, counts in by_rec.items()},
        {region: _row(counts) for region, counts in by_region.items()},
        {state: _row(counts) for state, counts in by_state.items()} if per_state else {},
        disagreeing,
        len(stale),
        _stale_cells(shown),
    )


def _row(counts: dict[str, int]) -> StatusRow:
    return [(status, counts.get(value, 0)) for status, value in SCALE]


def _years(cells: CellQuerySet | None, as_of: datetime.date | None) -> list[dict]:
    """Approved updates per year and status (of ``cells``; all when None), that took effect on
    or before ``as_of`` (all when None): whole years from the yearly counts, and the year of
    ``as_of``: of every cell, its months before the day's from the monthly counts and the
    shorter part of the day's month from the log (from its first to the day, or the month's
    count less the days after it); of some cells, the shorter part of the year from the log
    (from the new year to the day, or the year's count less the days after it)."""
    year_counts = CellYearCount.objects.all()
    if cells is not None:
        year_counts = year_counts.of_cells(cells)
    if as_of is None:
        return list(year_counts.per_year_and_status()) if cells is not None else _all_years()
    log = ProgressUpdate.objects.approved()
    if cells is None:
        # Unfiltered, a past year's counts are today's: summed once a data version.
        rows = [row for row in _all_years() if row["year"] < as_of.year]
        year = _year_to_day(as_of, log)
    else:
        log = log.filter(cell__in=cells.values("pk"))
        new_year = datetime.date(as_of.year, 1, 1)
        year_end = min(datetime.date(as_of.year, 12, 31), timezone.localdate())
        if (year_end - as_of).days < (as_of - new_year).days:
            # The year's count, less the days after ``as_of``.
            rows = list(year_counts.filter(year__lte=as_of.year).per_year_and_status())
            after = _log_counts(log.filter(effective_date__gt=as_of, effective_date__lte=year_end))
            year = {
                row["status"]: row["n"] - after.get(row["status"], 0)
                for row in rows
                if row["year"] == as_of.year
            }
        else:
            rows = list(year_counts.filter(year__lt=as_of.year).per_year_and_status())
            year = _log_counts(log.filter(effective_date__gte=new_year, effective_date__lte=as_of))
    # Above zero: the counts and the log are read apart, and an approval between the two reads
    # can take a status of the day's year below its true count, never below zero.
    return [row for row in rows if row["year"] < as_of.year] + [
        {"year": as_of.year, "status": status, "n": n}
        for status, n in sorted(year.items())
        if n > 0
    ]


def _year_to_day(as_of: datetime.date, log) -> dict[str, int]:
    """Every cell's approved updates per status from the new year to ``as_of``: the months
    before its month from ``MonthCount``, then its month's part from the log, or that month's
    count less the days after it, whichever part of the log is shorter."""
    first, last = as_of.replace(day=1), month_end(as_of)
    months = MonthCount.objects.filter(month__gte=as_of.replace(month=1, day=1))
    if (last - as_of).days < (as_of - first).days + 1:
        counts = Counter(dict(_monthly(months.filter(month__lte=first))))
        counts.subtract(_log_counts(log.filter(effective_date__gt=as_of, effective_date__lte=last)))
    else:
        counts = Counter(dict(_monthly(months.filter(month__lt=first))))
        counts.update(_log_counts(log.filter(effective_date__gte=first, effective_date__lte=as_of)))
    return dict(counts)


def _monthly(months):
    return months.values_list("status").annotate(n=Sum("updates")).order_by()


logger = logging.getLogger(__name__)


def _all_years() -> list[dict]:
    """Every cell's approved updates per year and status, today: the unfiltered dashboard's
    chart (and the API's summary), from the monthly counts of every cell (``MonthCount``,
    1,171 rows at a million updates), which the 130,000 yearly counts of the cells would give
    too, summed in 20 ms on SQLite and 32 on PostgreSQL instead of 1.8 and 1.4. Kept in Django's
    cache under the data version (``DataVersion``), which every change to the approved log
    moves in its own transaction: summed again once a version, by the first request that reads
    it. The version is read first, so an entry never holds figures older than its version's
    (the request's, which the page cache and the catalogue's lists read too)."""
    version, changed_at = caching.request_version() or DataVersion.objects.current()
    key = f"dashboard-years:{version}:{changed_at.isoformat()}"
    try:
        years = cache.get(key)
    except Exception:  # the cache is an aid: a server down means a slower chart, not an error
        logger.warning("cache unavailable for reading", exc_info=True)
        years = None
    if years is None:
        years = MonthCount.objects.per_year_and_status()
        try:
            cache.set(key, years, settings.TRACKER_PAGE_CACHE_SECONDS)
        except Exception:
            logger.warning("cache unavailable for writing", exc_info=True)
    return years


def _log_counts(updates) -> dict[str, int]:
    """Approved updates per status. Every status is named (a logged update always has one):
    each is then a range of the (status, date, review state) index, read from it alone."""
    reported = [status.value for status in Status if status is not Status.NO_INFORMATION]
    rows = updates.filter(status__in=reported).values_list("status").annotate(n=Count("id"))
    return dict(rows.order_by())


def _stale_cells(stale: list[tuple[datetime.date, int, str]]) -> list[Cell]:
    """The cells of ``(date, pk, status)`` rows, in their order, showing that status and date
    (one query)."""
    found = Cell.objects.select_related("recommendation", "state").in_bulk(
        [pk for _, pk, _ in stale]
    )
    shown = []
    for date, pk, status in stale:
        cell = found[pk]
        cell.status_on, cell.status_date_on = status, date
        shown.append(cell)
    return shown


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


#: How many approved updates the cell page lists, newest first; the progress log has them all.
CELL_TIMELINE_SHOWN = 50
#: The most changes of status the cell's chart draws (the newest): far above a cell's history
#: (a few dozen at a million updates), a bound on the page's work all the same.
CELL_CHART_POINTS = 1_000


@dataclass
class SourceAssessment:
    """One assessment source's latest approved status of a cell, and the update that says so."""

    source: AssessmentSource
    status: Status
    date: datetime.date
    update: ProgressUpdate


@dataclass
class CellHistory:
    """A cell's page: its headline status and each source's, as of a date (None: today), its
    approved timeline and the chart of its statuses over time."""

    as_of: datetime.date | None
    #: the headline: the latest approved update by effective date, whatever its source
    status: Status
    status_date: datetime.date | None
    headline: ProgressUpdate | None
    #: the sources that have assessed the cell, in the order of ``AssessmentSource``
    sources: list[SourceAssessment]
    disagree: bool
    #: approved updates on or before ``as_of``, newest first, at most ``CELL_TIMELINE_SHOWN``
    timeline: list[ProgressUpdate]
    timeline_truncated: bool
    chart: dict | None

    @property
    def silent_sources(self) -> list[AssessmentSource]:
        """The sources with no approved assessment of the cell (by ``as_of``)."""
        shown = {assessment.source for assessment in self.sources}
        return [source for source in AssessmentSource if source not in shown]


def cell_history(cell: Cell, as_of: datetime.date | None = None) -> CellHistory:
    """A cell as it stands today, or as it stood on ``as_of`` (approved updates that took
    effect on or before that day), in three queries whatever the length of its log.

    Today's sources are the stored assessments (``CellAssessment``); a past day's are read from
    the log, each source's latest approved update on or before it. The chart draws the whole
    approved history, ``as_of`` marked on it."""
    approved = ProgressUpdate.objects.approved().filter(cell=cell)
    if as_of is not None:
        approved = approved.filter(effective_date__lte=as_of)
    timeline = list(approved.latest_first()[: CELL_TIMELINE_SHOWN + 1])
    if as_of is None:
        latest = [
            (row.source, row.status, row.status_date, row.update)
            for row in cell.assessments.select_related("update")
        ]
    else:
        # One query: each source's latest update on or before the day, as the pages' tables.
        latest = [
            (update.source, update.status, update.effective_date, update)
            for update in Cell.objects.filter(pk=cell.pk).source_updates(as_of)
        ]
    order = {source.value: index for index, source in enumerate(AssessmentSource)}
    sources = [
        SourceAssessment(AssessmentSource(source), Status(status), date, update)
        for source, status, date, update in sorted(latest, key=lambda row: order[row[0]])
    ]
    for update in [*timeline, *(assessment.update for assessment in sources)]:
        update.cell = cell  # the pages' links read it; no query for it
    headline = timeline[0] if timeline else None
    # The chart needs only the updates that changed their source's status: the database
    # compares each with the source's previous one (the busiest cell of the demo history has
    # 9,470 approved updates and 27 changes).
    previous = Window(
        Lag("status"),
        partition_by=[F("source")],
        order_by=[F("effective_date").asc(), F("created_at").asc(), F("id").asc()],
    )
    points = (
        ProgressUpdate.objects.approved()
        .filter(cell=cell)
        .annotate(previous=Coalesce(previous, Value("")))
        .exclude(previous=F("status"))
        .latest_first()
        .values_list("source", "status", "effective_date")[:CELL_CHART_POINTS]
    )
    return CellHistory(
        as_of=as_of,
        status=headline.status_enum if headline else Status.NO_INFORMATION,
        status_date=headline.effective_date if headline else None,
        headline=headline,
        sources=sources,
        disagree=sources_disagree(assessment.status for assessment in sources),
        timeline=timeline[:CELL_TIMELINE_SHOWN],
        timeline_truncated=len(timeline) > CELL_TIMELINE_SHOWN,
        chart=charts.status_steps(list(points)[::-1], today=timezone.localdate(), as_of=as_of),
    )
