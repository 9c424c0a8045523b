"""The whole picture (issue 17): every recommendation against every Member State, one grid.

A selector that returns the grid ready to draw: 40 rows of 195 cells, each a coloured link with
its status's symbol. Drawn cell by cell through template tags, 7,800 cells took longer than
every other part of the page together; here the cells are read in one query
(``values_list`` of the filtered cells; a past day's statuses as the dashboard reads them,
``statuses_on``)
and each row is written as one string, every variable part escaped once a row or column and
the statuses' parts (class, label, symbol) once a page.

Rows are the recommendations (catalogue order) and columns the Member States (by regional
group, then ISO3 code, the code the header shows); transposed, for one regional group, rows are
its Member States (by name, as the page's language sorts it) and columns the recommendations.
Only the rows and columns with a cell in the filtered result appear; a cell of theirs that the
filters leave out stays blank.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from . import caching
from .localization import collated, state_name
from .models import (
    CellQuerySet,
    IsoDate,
    MemberState,
    Recommendation,
    RegionalGroup,
    Status,
)

#: placeholders filled in by each row and column (the routes' converters accept them)
_CODE, _ISO3 = "R00", "AAA"


@dataclass(frozen=True)
class Line:
    """A row or a column of the grid: a recommendation or a Member State."""

    pk: int
    code: str  # R01, or FRA
    name: str  # English, as the CSV exports write it
    label: str  # in the page's language
    url: str  # its page (on the date shown)
    region: str = ""  # a Member State's regional group


@dataclass
class Grid:
    """The grid of cells the filters select (see the module's docstring). ``statuses`` maps
    (recommendation id, state id) to the (status, date it took effect, YYYY-MM-DD) shown."""

    rows: list[Line]
    columns: list[Line]
    statuses: dict[tuple[int, int], tuple[str, str | None]]
    transposed: bool = False
    as_of: datetime.date | None = None
    #: the columns' regional groups, in order, with how many columns each spans
    groups: list[tuple[RegionalGroup, int]] = field(default_factory=list)

    @cached_property
    def counts(self) -> list[tuple[Status, int]]:
        """Cells per status, on the whole scale (the legend's figures)."""
        counted = Counter(status for status, _ in self.statuses.values())
        return [(status, counted.get(status.value, 0)) for status in Status]

    @property
    def total(self) -> int:
        return len(self.statuses)

    def _key(self, row: Line, column: Line) -> tuple[int, int]:
        return (column.pk, row.pk) if self.transposed else (row.pk, column.pk)

    # HTML ---------------------------------------------------------------------------------

    def _cell_url_parts(self) -> tuple[str, str]:
        """The cell page's address around its recommendation code and ISO3 code: ``/ar`` and
        ``/recommendations/`` before, ``/`` and the date after."""
        url = reverse("recommendations:cell-detail", args=[_CODE, _ISO3])
        before, after = url.split(f"{_CODE}/{_ISO3}")
        return before, after + self.query

    @property
    def query(self) -> str:
        return f"?as_of={self.as_of.isoformat()}" if self.as_of else ""

    def header_html(self) -> SafeString:
        """The column headers (``<th>`` each): the code, its name as the abbreviation's title,
        linking to its page."""
        return mark_safe(  # every variable part escaped
            "".join(
                f'<th scope="col"><a href="{escape(column.url)}">'
                f'<abbr title="{escape(column.label)}">{escape(column.code)}</abbr></a></th>'
                for column in self.columns
            )
        )

    def rows_html(self) -> list[SafeString]:
        """Each row as one ``<tr>``: its header, then a cell per column, linking to the cell's
        page, titled with the status and the date it took effect; blank when filtered out."""
        before, after = self._cell_url_parts()
        # str(): the labels are lazy, and escape() of a lazy string stays lazy (translated
        # again each time it is formatted: 7,800 times).
        parts = {
            status.value: (status.css_class, escape(str(status.label)), status.symbol)
            for status in Status
        }
        # The address of a cell is recommendation part + state part, whichever way round.
        if self.transposed:
            row_parts = [f"{escape(row.code)}{after}" for row in self.rows]
            column_parts = [f"{before}{escape(column.code)}/" for column in self.columns]
        else:
            row_parts = [f"{before}{escape(row.code)}/" for row in self.rows]
            column_parts = [f"{escape(column.code)}{after}" for column in self.columns]
        statuses, transposed = self.statuses, self.transposed
        html = []
        for row, row_part in zip(self.rows, row_parts, strict=True):
            cells = [self._row_header(row)]
            append = cells.append
            for column, column_part in zip(self.columns, column_parts, strict=True):
                found = statuses.get((column.pk, row.pk) if transposed else (row.pk, column.pk))
                if found is None:
                    append("<td></td>")
                    continue
                status, date = found
                css, label, symbol = parts[status]
                title = f"{label} · {date}" if date else label
                href = row_part + column_part if not transposed else column_part + row_part
                append(f'<td class="{css}"><a href="{href}" title="{title}">{symbol}</a></td>')
            html.append(mark_safe(f"<tr>{''.join(cells)}</tr>"))  # every part escaped
        return html

    def _row_header(self, row: Line) -> str:
        label = escape(row.label)
        if self.transposed:  # a long name is cut short on screen: the title gives it whole
            return f'<th scope="row"><a href="{escape(row.url)}" title="{label}">{label}</a></th>'
        # An untranslated title is the English one: screen readers switch voice for it.
        english = ' lang="en" dir="ltr"' if getattr(row.label, "fallback", False) else ""
        return (
            f'<th scope="row"><a href="{escape(row.url)}" title="{label}">{escape(row.code)}'
            f'<span class="matrix-title"{english}> {label}</span></a></th>'
        )

    # CSV ----------------------------------------------------------------------------------

    def csv_header(self) -> list[str]:
        first = ["state", "name"] if self.transposed else ["recommendation", "title"]
        return [*first, *(column.code for column in self.columns)]

    def csv_rows(self) -> Iterator[list[str]]:
        """A row per row of the grid: its code, its English name, then each cell's status code
        (blank when filtered out). The file is the same from every language's page: Member
        States as rows go in the order of the English names it writes, not the page's."""
        rows = collated(self.rows, key=lambda row: row.name) if self.transposed else self.rows
        for row in rows:
            yield [
                row.code,
                row.name,
                *(
                    self.statuses.get(self._key(row, column), ("", None))[0]
                    for column in self.columns
                ),
            ]


def _statuses(
    cells: CellQuerySet, as_of: datetime.date | None
) -> dict[tuple[int, int], tuple[str, str | None]]:
    """Each cell's status and its date (YYYY-MM-DD, as the database writes it: 7,800 dates
    parsed only to be written back took a fifth of the grid's time) on ``as_of``, by
    (recommendation id, state id). A past day's as the dashboard reads it (``statuses_on``:
    the month's end before it in one row and the log from there, where ``as_of`` probes the log
    twice a cell whose status moved since)."""
    if as_of is None:
        found = (
            cells.annotate(day=IsoDate("status_date"))
            .order_by()  # into a dict: the cells' order would join and sort them for nothing
            .values_list("pk", "recommendation_id", "state_id", "current_status", "day")
        )
    else:
        found = cells.statuses_on(as_of)
    return {(rec, state): (status, day) for _pk, rec, state, status, day in found}


def _recommendations() -> list[Recommendation]:
    return list(Recommendation.objects.only("code", "title", "order").order_by("order", "code"))


def _states() -> list[tuple]:
    states = MemberState.objects.values_list("pk", "iso3", "name", "regional_group")
    return list(states.order_by("iso3"))


def grid(
    cells: CellQuerySet,
    *,
    as_of: datetime.date | None = None,
    group: RegionalGroup | None = None,
) -> Grid:
    """The grid of ``cells`` (a ``CellFilter``'s result: the day's figures ride on it) on
    ``as_of`` (today when None); with ``group``, transposed: that group's Member States as rows.
    Three queries whatever the size of the log: the cells, the recommendations, the states."""
    statuses = _statuses(cells, as_of)
    rec_ids = {rec for rec, _ in statuses}
    state_ids = {state for _, state in statuses}
    query = f"?as_of={as_of.isoformat()}" if as_of else ""
    rec_url = reverse("recommendations:recommendation-detail", args=[_CODE])
    state_url = reverse("recommendations:state-detail", args=[_ISO3])
    recommendations = [
        Line(
            pk=rec.pk,
            code=rec.code,
            name=rec.title,
            label=rec.title_local,
            url=rec_url.replace(f"/{_CODE}/", f"/{rec.code}/") + query,
        )
        for rec in caching.kept(("recommendations in order",), _recommendations)
        if rec.pk in rec_ids
    ]
    states = [
        Line(
            pk=pk,
            code=iso3,
            name=name,
            label=state_name(iso3, name),  # MemberState.label, without building 195 models
            url=state_url.replace(f"/{_ISO3}/", f"/{iso3}/") + query,
            region=region,
        )
        for pk, iso3, name, region in caching.kept(("states by code",), _states)
        if pk in state_ids
    ]
    if group is not None:
        return Grid(
            rows=collated((s for s in states if s.region == group), key=lambda s: s.label),
            columns=recommendations,
            statuses=statuses,
            transposed=True,
            as_of=as_of,
        )
    order = {g.value: index for index, g in enumerate(RegionalGroup)}
    states.sort(key=lambda state: order[state.region])  # stable: ISO3 order within a group
    spans = Counter(state.region for state in states)
    return Grid(
        rows=recommendations,
        columns=states,
        statuses=statuses,
        as_of=as_of,
        groups=[(g, spans[g.value]) for g in RegionalGroup if spans[g.value]],
    )
