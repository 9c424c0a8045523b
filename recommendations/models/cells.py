"""The grid: one cell per recommendation x Member State, holding its current status, and the
yearly counts derived from its approved log."""

from __future__ import annotations

import calendar
import datetime
from collections import Counter
from itertools import groupby
from operator import itemgetter

from django.db import connections, models
from django.db.models import Case, F, Func, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from ..links import cached_reverse
from .catalogue import MemberState, Recommendation
from .choices import AssessmentSource, Status

#: How far apart on the progress scale two sources must stand to disagree.
DISAGREEMENT_STEPS = 2


def sources_disagree(statuses) -> bool:
    """Whether the assessment sources of a cell disagree: two of them stand two or more steps
    apart on the scale (not started, planned, in progress, partially implemented, implemented;
    "implemented" against "not started" is four), or one says declined while another reports
    progress (planned or beyond). "No information" is no assessment and disagrees with nothing.
    """
    reported = {Status(status) for status in statuses} - {Status.NO_INFORMATION}
    ranks = [status.rank for status in reported if status is not Status.DECLINED]
    if ranks and max(ranks) - min(ranks) >= DISAGREEMENT_STEPS:
        return True
    return Status.DECLINED in reported and any(rank >= Status.PLANNED.rank for rank in ranks)


def disagreement_spans(log) -> list[tuple[datetime.date, datetime.date | None]]:
    """The periods during which a cell's sources disagreed (``sources_disagree``), from its
    approved log as ``(effective_date, source, status)`` rows in the current status's order,
    oldest first (effective date, creation time, id): ``(since, until)`` pairs, ``since`` the
    first day they disagreed, ``until`` the first day they no longer did (None: they still
    do). A day counts every update that took effect on it, as a page "as of" that day does."""
    latest: dict[str, str] = {}
    spans: list[tuple[datetime.date, datetime.date | None]] = []
    since = None
    for day, updates in groupby(log, key=itemgetter(0)):
        for _day, source, status in updates:
            latest[source] = status
        disagree = sources_disagree(latest.values())
        if disagree and since is None:
            since = day
        elif not disagree and since is not None:
            spans.append((since, day))
            since = None
    if since is not None:
        spans.append((since, None))
    return spans


def month_end(day: datetime.date) -> datetime.date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_ends(log) -> list[tuple[datetime.date, datetime.date, str]]:
    """A cell's status at the end of each month (``CellMonthEnd``), from its approved log as
    ``(effective_date, status)`` rows in the current status's order, oldest first (effective
    date, creation time, id): ``(month's last day, status date, status)`` for every month from
    that of its first update to that of its latest, none missing between them."""
    last_of_month: dict[tuple[int, int], tuple[datetime.date, str]] = {}
    for day, status in log:
        last_of_month[day.year, day.month] = (day, status)
    if not last_of_month:
        return []
    (year, month), end = min(last_of_month), max(last_of_month)
    rows, standing = [], None
    while (year, month) <= end:
        standing = last_of_month.get((year, month), standing)
        rows.append((month_end(datetime.date(year, month, 1)), *standing))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return rows


#: the lists of a ``MonthEndGrid`` row, one entry a cell
GRID_COLUMNS = ("id", "state", "status", "date")


def month_end_grids(cells, log):
    """Every cell's status at the end of each month, by recommendation (``MonthEndGrid``),
    from the cells as ``(id, recommendation id, state id)`` rows and the whole approved log as
    ``(effective_date, cell id, status)`` rows in the current status's order across the cells,
    oldest first (effective date, creation time, id): ``(month's last day, recommendation id,
    row)`` for every month from that of the first update to that of the latest, none missing
    between, and every recommendation with a cell updated by then; a row a dict of
    ``GRID_COLUMNS`` lists, its cells in the order of their first update, dates as YYYY-MM-DD.
    Each cell's last update read by a month's end is its status then."""
    where = {pk: (recommendation, state) for pk, recommendation, state in cells}
    # recommendation -> cell -> [state, status, date]: the statuses read so far
    standing: dict[int, dict[int, list]] = {}

    def rows(month: datetime.date):
        for recommendation, found in standing.items():
            columns = (list(found), *(list(column) for column in zip(*found.values(), strict=True)))
            yield month_end(month), recommendation, dict(zip(GRID_COLUMNS, columns, strict=True))

    month = None  # the first day of the month being read
    for day, cell, status in log:
        if month is None:
            month = day.replace(day=1)
        while day >= _next_month(month):  # the month read is over, and any without updates
            yield from rows(month)
            month = _next_month(month)
        recommendation, state = where[cell]
        standing.setdefault(recommendation, {})[cell] = [state, status, day.isoformat()]
    if month is not None:
        yield from rows(month)


def _next_month(first: datetime.date) -> datetime.date:
    return (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def months_ago(months: int, today: datetime.date | None = None) -> datetime.date:
    """Today (or the day given: a page's "as of" date), ``months`` months back (the 28th at
    most): where staleness starts."""
    today = today or timezone.localdate()
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    day = min(today.day, 28)
    return datetime.date(year, month, day)


class IsoDate(Func):
    """A date as ``YYYY-MM-DD`` text, whatever the server's ``DateStyle`` (PostgreSQL's cast to
    text follows it: ``30/06/2021`` under ``SQL, DMY``). SQLite stores dates as that text; the
    cast keeps its driver from reading a bare date column back as a date."""

    output_field = models.CharField()

    def as_sql(self, compiler, connection, **extra):
        return Cast(*self.get_source_expressions(), models.CharField()).as_sql(
            compiler, connection, **extra
        )

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, template="to_char(%(expressions)s, 'YYYY-MM-DD')", **extra
        )


class CellQuerySet(models.QuerySet):
    def for_listing(self) -> CellQuerySet:
        return self.select_related("recommendation", "state")

    def with_status(self, *statuses: str) -> CellQuerySet:
        return self.filter(current_status__in=statuses)

    def in_region(self, *groups: str) -> CellQuerySet:
        return self.filter(state__regional_group__in=groups)

    def stale(self, since) -> CellQuerySet:
        """Cells gone stale: a status whose latest approved update took effect before ``since``
        (the dashboard, its filter and the editors' digest). Never-reported cells have no date
        and are not stale: they are counted apart (``never_reported``). On a queryset read as
        of a date (``as_of``), the status of that date, and ``since`` counted back from it."""
        if "status_date_on" in self.query.annotations:
            return self.filter(status_date_on__lt=since)
        return self.filter(status_date__lt=since)

    def never_reported(self) -> CellQuerySet:
        """Cells with no approved update (none yet, or all withdrawn)."""
        return self.filter(status_date__isnull=True)

    def disagreeing(self) -> CellQuerySet:
        """Cells whose assessment sources disagree (``sources_disagree``)."""
        return self.filter(sources_disagree=True)

    def as_of(self, date: datetime.date | None) -> CellQuerySet:
        """Each cell with the status in effect on ``date``: ``status_on`` and ``status_date_on``,
        from its latest approved update by effective date on or before that day (the current
        status's rule, cut at the date; "no information" when there is none), ``update_on``
        (that update's id) and ``disagree_on``: whether the sources' latest approved statuses
        on or before that day disagree (``sources_disagree``). With no date, the stored current
        status and flag under the same names, at no cost: pages read one set of names whichever
        they show (``Cell.status``, ``Cell.shown_date``, ``Cell.shown_disagreement``).

        A cell whose current status took effect on or before ``date`` (or that has none) has
        had no approved update since: its stored figures are those of that day, and the log is
        read only for the others."""
        if date is None:
            return self.annotate(
                status_on=F("current_status"),
                status_date_on=F("status_date"),
                update_on=F("current_update"),
                disagree_on=F("sources_disagree"),
            )
        from .updates import ProgressUpdate  # updates.py imports this module

        unchanged = Q(status_date__isnull=True) | Q(status_date__lte=date)
        latest = (
            ProgressUpdate.objects.approved()
            .filter(cell=OuterRef("pk"), effective_date__lte=date)
            .latest_first()
        )
        return self.annotate(
            status_on=Case(
                When(unchanged, then=F("current_status")),
                default=Coalesce(
                    Subquery(latest.values("status")[:1]), Value(Status.NO_INFORMATION.value)
                ),
                output_field=models.CharField(),
            ),
            status_date_on=Case(
                When(unchanged, then=F("status_date")),
                default=Subquery(latest.values("effective_date")[:1]),
                output_field=models.DateField(),
            ),
            update_on=Case(
                When(unchanged, then=F("current_update")),
                default=Subquery(latest.values("pk")[:1]),
                output_field=models.BigIntegerField(),
            ),
            # The periods of disagreement (``CellDisagreement``), one list read once for all
            # the cells: the rule applied to each source's latest status on that day.
            disagree_on=Case(
                When(unchanged, then=F("sources_disagree")),
                When(pk__in=CellDisagreement.objects.on(date).values("cell"), then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            ),
        )

    def statuses_on(self, date: datetime.date) -> list[tuple]:
        """Each cell's ``(id, recommendation id, state id, status, date)`` on ``date``: what
        ``as_of`` gives as ``status_on`` and ``status_date_on``, the date as YYYY-MM-DD text
        (``IsoDate``) or None; in no particular order. For the pages that go over every cell of
        a past day (the dashboard, the matrix, the API's summary), where ``as_of`` probes the
        log once or twice a cell whose status moved since (5,228 cells after mid-2021 at a
        million updates):

        - the latest month's end on or before the day: every cell's status then, in a row a
          recommendation (``MonthEndGrid``);
        - then the log from that day to the day asked for (a month at most), latest first: the
          first update read of a cell is its status that day;
        - a cell in neither had no approved update by then: "no information".

        When the queryset selects every cell and the month's rows hold them all but those never
        reported (``unreported``, kept by the process once a data version), they and these are
        the answer, in two queries (three once a version); else the selected cells are read and
        looked up in them, in three."""
        from .. import caching  # caching.py imports the models
        from .updates import LATEST_FIRST, ProgressUpdate  # updates.py imports this module

        latest_end = MonthEndGrid.objects.filter(day__lte=date).order_by("-day").values("day")
        # With each row, how many cells there are, how many were never reported and the last
        # one's id (cells are never deleted: a list of as many up to that id is all of them).
        connection = connections[self.db]
        table = connection.ops.quote_name(Cell._meta.db_table)
        column = connection.ops.quote_name(Cell._meta.get_field("status_date").column)
        rows = (
            MonthEndGrid.objects.using(self.db)
            .filter(day=Subquery(latest_end[:1]))
            .annotate(
                known=RawSQL(f"SELECT COUNT(*) FROM {table}", ()),  # noqa: S611 -- no input
                never=RawSQL(  # noqa: S611 -- no input
                    f"SELECT COUNT(*) FROM {table} WHERE {column} IS NULL", ()
                ),
                last=RawSQL(f"SELECT MAX(id) FROM {table}", ()),  # noqa: S611 -- no input
            )
            .values_list("day", "recommendation_id", "cells", "known", "never", "last")
        )
        ids, recommendations, states, statuses, dates = [], [], [], [], []
        days, catalogue = set(), (None, 0, None)
        for day, recommendation, cells, known, never, last in rows:
            days.add(day)
            catalogue = (known, never, last)
            ids += cells["id"]
            recommendations += [recommendation] * len(cells["id"])
            states += cells["state"]
            statuses += cells["status"]
            dates += cells["date"]
        log = ProgressUpdate.objects.approved().filter(effective_date__lte=date)
        if days:  # one: the month's end read
            log = log.filter(effective_date__gt=days.pop())
        position = {pk: index for index, pk in enumerate(ids)}
        # Rows as the driver gives them, (cell, status, date), keyed by their cell.
        latest: dict[int, tuple] = {}
        for row in (
            log.order_by(*LATEST_FIRST)
            .annotate(on=IsoDate("effective_date"))
            .values_list("cell_id", "status", "on")
        ):
            latest.setdefault(row[0], row)
        first = {}  # cells whose first update came after the month's end
        for cell, status, day in latest.values():
            index = position.get(cell)
            if index is None:
                first[cell] = (status, day)
            else:
                statuses[index], dates[index] = status, day
        none = (Status.NO_INFORMATION.value, None)
        known, never, last = catalogue
        if self._every_cell() and not first and known == len(ids) + never:
            # The grid's cells and those never reported (as the process keeps them, once a data
            # version: an approval moves it): every cell, if as many up to the last id.
            unreported = caching.kept(
                ("cells never reported", self.db), Cell.objects.using(self.db).unreported
            )
            if len(unreported) == never and last == max(
                max(ids, default=0), max((row[0] for row in unreported), default=0)
            ):
                columns = zip(ids, recommendations, states, statuses, dates, strict=True)
                return [*columns, *(row + none for row in unreported)]
        found = []
        selected = self.order_by().values_list("pk", "recommendation_id", "state_id")
        for pk, recommendation, state in selected:
            index = position.get(pk)
            if index is None:
                found.append((pk, recommendation, state, *first.get(pk, none)))
            else:
                found.append((pk, recommendation, state, statuses[index], dates[index]))
        return found

    def unreported(self) -> list[tuple]:
        """The cells never reported, as ``(id, recommendation id, state id)`` rows, for
        ``statuses_on``. Unordered: the cells' order (by recommendation, then state name) is
        two joins and a sort of thousands of rows (2.5 ms of 7 at a million updates on
        SQLite)."""
        rows = self.never_reported().order_by().values_list("pk", "recommendation_id", "state_id")
        return list(rows)

    def _every_cell(self) -> bool:
        """Whether this queryset selects every cell: no condition, no slice, no set operation
        (annotations, such as ``as_of``'s, select nothing)."""
        query = self.query
        return not (query.where or query.is_sliced or query.combinator)

    def source_updates(self, date: datetime.date):
        """The approved updates that stood for each assessment source of these cells on
        ``date``: each source's latest on or before it, found by the (cell, review state,
        source, date) index, in one query."""
        from .updates import ProgressUpdate  # updates.py imports this module

        approved = ProgressUpdate.objects.approved().filter(
            cell=OuterRef("pk"), effective_date__lte=date
        )
        cells = self.order_by()
        # One list of ids, the sources' one after the other (UNION ALL): PostgreSQL answers
        # ``id IN (a) OR id IN (b) ...`` by reading the whole log against four hashed lists
        # (1.2 s at a million updates), and this by one probe of the primary key an id. Each
        # part names its own source's column alone: the query is built in half the time.
        first, *others = [
            cells.annotate(
                latest=Subquery(approved.filter(source=source).latest_first().values("pk")[:1])
            ).values("latest")
            for source in AssessmentSource
        ]
        return ProgressUpdate.objects.filter(pk__in=first.union(*others, all=True))

    def in_states(self, states) -> CellQuerySet:
        """The cells of these Member States; every cell when ``states`` is empty (an unscoped
        person's desk)."""
        return self.filter(state__in=states) if states else self


class Cell(models.Model):
    """One cell of the grid: a recommendation x a Member State, holding its current status.

    ``current_status``, ``status_date`` and ``current_update`` are a cache of the latest approved
    progress update (by effective date, creation time breaking ties). Only
    ``services.cell_refresh_status`` writes them, so lists never recompute the status.
    """

    recommendation = models.ForeignKey(
        Recommendation,
        on_delete=models.PROTECT,
        related_name="cells",
        verbose_name=_("recommendation"),
    )
    state = models.ForeignKey(
        MemberState,
        on_delete=models.PROTECT,
        related_name="cells",
        verbose_name=pgettext_lazy("Member State", "state"),
    )
    current_status = models.CharField(
        _("current status"), max_length=30, choices=Status.choices, default=Status.NO_INFORMATION
    )
    status_date = models.DateField(
        _("status date"),
        null=True,
        blank=True,
        help_text=_("Effective date of the update that set the current status."),
    )
    current_update = models.ForeignKey(
        "ProgressUpdate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current update"),
    )
    sources_disagree = models.BooleanField(
        _("sources disagree"),
        default=False,
        help_text=_(
            "Two assessment sources stand two or more steps apart on the scale, or one says "
            "declined while another reports progress."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Named here: django-simple-history would otherwise read the lazy names at import time.
    history = HistoricalRecords(
        verbose_name=_("historical cell"), verbose_name_plural=_("historical cells")
    )
    objects = CellQuerySet.as_manager()

    class Meta:
        verbose_name = _("cell")
        verbose_name_plural = _("cells")
        ordering = ["recommendation__order", "state__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "state"], name="one_cell_per_recommendation_and_state"
            ),
            models.CheckConstraint(
                condition=Q(current_status__in=Status.values), name="cell_status_valid"
            ),
        ]
        indexes = [
            # Country profile and dashboard: a state's cells by status.
            models.Index(fields=["state", "current_status"], name="cell_state_status"),
            # Recommendation page and heat map: a recommendation's cells by status.
            models.Index(fields=["recommendation", "current_status"], name="cell_rec_status"),
            models.Index(fields=["current_status"], name="cell_status"),
            # "No update for N months".
            models.Index(fields=["status_date"], name="cell_status_date"),
            # "Sources disagree": a few cells among thousands.
            models.Index(
                fields=["sources_disagree"],
                name="cell_disagreement",
                condition=Q(sources_disagree=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recommendation.code} / {self.state.iso3}"

    def get_absolute_url(self) -> str:
        return cached_reverse(
            "recommendations:cell-detail", self.recommendation.code, self.state.iso3
        )

    @property
    def status(self) -> Status:
        """The status shown: in effect on the date the queryset asked for (``as_of``), else
        the current one."""
        return Status(getattr(self, "status_on", self.current_status))

    @property
    def shown_date(self) -> datetime.date | None:
        """The effective date of the status shown (see ``status``)."""
        return getattr(self, "status_date_on", self.status_date)

    @property
    def shown_update(self) -> int | None:
        """The id of the approved update the status shown comes from (see ``status``)."""
        return getattr(self, "update_on", self.current_update_id)

    @property
    def shown_disagreement(self) -> bool:
        """Whether the sources disagree on the date shown (see ``status``)."""
        return bool(getattr(self, "disagree_on", self.sources_disagree))


class CellAssessment(models.Model):
    """The latest approved status of one cell from one assessment source (a government's
    self-report, a UN entity, civil society, an independent review), beside the cell's headline
    status. Derived from the approved log by the service that keeps the current status
    (``services.cell_refresh_status``), in the same transaction; there is no row for a source
    with no approved update on the cell."""

    cell = models.ForeignKey(
        Cell, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("cell")
    )
    source = models.CharField(
        _("source of the assessment"), max_length=30, choices=AssessmentSource.choices
    )
    status = models.CharField(_("status"), max_length=30, choices=Status.choices)
    status_date = models.DateField(_("status date"))
    update = models.ForeignKey(
        "ProgressUpdate",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("progress update"),
    )

    class Meta:
        verbose_name = _("assessment of a cell")
        verbose_name_plural = _("assessments of cells")
        ordering = ["cell", "source"]
        constraints = [
            models.UniqueConstraint(fields=["cell", "source"], name="one_assessment_per_source"),
            models.CheckConstraint(
                condition=Q(source__in=AssessmentSource.values), name="assessment_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values) & ~Q(status=Status.NO_INFORMATION),
                name="assessment_status_reported",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cell_id} {self.source}: {self.status}"

    @property
    def status_enum(self) -> Status:
        return Status(self.status)


class CellDisagreementQuerySet(models.QuerySet):
    def on(self, date: datetime.date) -> CellDisagreementQuerySet:
        """The periods that held on ``date``: their cells' sources disagreed that day."""
        return self.filter(since__lte=date).filter(Q(until__isnull=True) | Q(until__gt=date))


class CellDisagreement(models.Model):
    """A period during which a cell's assessment sources disagreed (``sources_disagree``
    applied to each source's latest approved status, day by day): from ``since`` until the day
    before ``until``, or still (``until`` empty). Derived from the approved log, as the current
    status is, by the same service in the same transaction (``services.cell_refresh_status``),
    so that a page "as of" a date reads whether the sources disagreed that day from this short
    list instead of looking up four sources' histories per cell."""

    cell = models.ForeignKey(
        Cell, on_delete=models.CASCADE, related_name="disagreements", verbose_name=_("cell")
    )
    since = models.DateField(_("since"), help_text=_("The first day the sources disagreed."))
    until = models.DateField(
        _("until"),
        null=True,
        blank=True,
        help_text=_("The first day they agreed again; empty while they still disagree."),
    )

    objects = CellDisagreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("period of disagreement")
        verbose_name_plural = _("periods of disagreement")
        ordering = ["cell", "since"]
        constraints = [
            models.UniqueConstraint(fields=["cell", "since"], name="one_disagreement_a_start"),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gt=F("since")),
                name="disagreement_ends_after_it_starts",
            ),
        ]
        indexes = [
            # The periods that held on a day (``on``): those that end after it or have not
            # ended, a few of them once the log is long, each searched by its end and then its
            # start, the cell read from the index (at a million updates, 1,431 of 8,570
            # periods searched for 2021-06-29, where a (since, until) index read 7,000:
            # 0.5 ms instead of 2.7 on SQLite, 0.45 instead of 1.3 on PostgreSQL).
            models.Index(fields=["until", "since", "cell"], name="disagreement_ends"),
        ]

    def __str__(self) -> str:
        return f"{self.cell_id} {self.since}..{self.until or ''}"


class CellYearCountQuerySet(models.QuerySet):
    def of_cells(self, cells: CellQuerySet) -> CellYearCountQuerySet:
        return self.filter(cell__in=cells.values("pk"))

    def approved_total(self) -> int:
        """Approved updates in all: the sum of the counts, not a count of the whole log."""
        return self.aggregate(n=Sum("updates"))["n"] or 0

    def per_year_and_status(self):
        """Rows of ``year``, ``status`` and ``n`` (approved updates), oldest year first."""
        return self.values("year", "status").annotate(n=Sum("updates")).order_by("year", "status")


class CellYearCount(models.Model):
    """How many approved updates of one cell took effect in one year with one status.

    Derived from the log so that the dashboard's chart of the years sums a few rows per cell
    instead of reading every approved update (1.7 s at a million updates on SQLite, against
    milliseconds here). Written from the approved log only, by the services that refresh a
    cell's status (``cell_refresh_status``, ``cells_refresh_all``) and by a restore
    (``cell_year_counts_rebuild``); ``manage.py refresh_statuses`` repairs data written around
    them.
    """

    cell = models.ForeignKey(
        Cell, on_delete=models.CASCADE, related_name="year_counts", verbose_name=_("cell")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=30, choices=Status.choices)
    updates = models.PositiveIntegerField(pgettext_lazy("number of approved updates", "updates"))

    objects = CellYearCountQuerySet.as_manager()

    class Meta:
        verbose_name = _("cell year count")
        verbose_name_plural = _("cell year counts")
        constraints = [
            models.UniqueConstraint(fields=["cell", "year", "status"], name="cell_year_status"),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="cell_year_count_status_valid"
            ),
            models.CheckConstraint(condition=Q(updates__gt=0), name="cell_year_count_positive"),
        ]
        # The unfiltered chart reads this index alone; filtered ones go through the unique one.
        indexes = [models.Index(fields=["year", "status", "updates"], name="cell_year_totals")]

    def __str__(self) -> str:
        return f"{self.cell_id} {self.year} {self.status}: {self.updates}"


class MonthEndGrid(models.Model):
    """One recommendation's row of the grid on the last day of one month: in ``cells``, the
    parallel lists (``GRID_COLUMNS``) of its cells that had an approved update by that day,
    their ids, Member States, statuses and status dates (YYYY-MM-DD). For every month from that
    of the recommendation's first approved update to that of the log's latest
    (``month_end_grids``): so the rows of one month's end hold every cell's status then, a cell
    in none of them having none ("no information").

    So that a page of every cell "as of" a past day reads the latest month's end on or before
    that day (40 rows of 7,800 cells) and the log from there to the day
    (``CellQuerySet.statuses_on``), where a row a cell read 5,228 rows for a day of 2021 at a
    million updates. Derived from the approved log, as the current status is: an approval or a
    withdrawal rewrites its recommendation's rows from its update's month on, in its
    transaction (``services.month_end_grids_update``); a bulk refresh and a restore rebuild
    them all; a JSON backup leaves them out."""

    day = models.DateField(_("last day of the month"))
    recommendation = models.ForeignKey(
        Recommendation,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recommendation"),
        db_index=False,  # the unique (day, recommendation) index serves it
    )
    cells = models.JSONField(_("cells"))

    class Meta:
        verbose_name = _("grid row at a month's end")
        verbose_name_plural = _("grid rows at months' ends")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "recommendation"], name="one_grid_row_a_recommendation_a_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.recommendation_id}: {len(self.cells['id'])} cells"


class MonthCountQuerySet(models.QuerySet):
    def per_year_and_status(self) -> list[dict]:
        """Rows of ``year``, ``status`` and ``n`` (approved updates), oldest year first, as
        ``CellYearCount``'s give them: every cell's in a dozen rows a year, summed here (the
        database would call a function a row for the year on SQLite)."""
        counts: Counter[tuple[int, str]] = Counter()
        for month, status, n in self.values_list("month", "status", "updates").order_by():
            counts[month.year, status] += n
        return [
            {"year": year, "status": status, "n": n} for (year, status), n in sorted(counts.items())
        ]


class MonthCount(models.Model):
    """How many approved updates, of every cell, took effect in one month with one status.

    For the chart of the years as of a past day (the dashboard's, the API's summary): the
    day's year up to the month before comes from these dozen rows, and only the part of the
    day's month read from the log (at most half a month: 2,000 updates at a million, where
    the year up to mid-year was 23,500, 9 ms on PostgreSQL). Derived from the approved log:
    the month of an update approved or withdrawn is recounted in the same transaction
    (``services.month_counts_rebuild``), every month by ``cells_refresh_all`` and a restore."""

    month = models.DateField(_("first day of the month"))
    status = models.CharField(_("status"), max_length=30, choices=Status.choices)
    updates = models.PositiveIntegerField(pgettext_lazy("number of approved updates", "updates"))

    objects = MonthCountQuerySet.as_manager()

    class Meta:
        verbose_name = _("approved updates of a month")
        verbose_name_plural = _("approved updates by month")
        constraints = [
            models.UniqueConstraint(fields=["month", "status"], name="one_count_a_month_a_status"),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="month_count_status_valid"
            ),
            models.CheckConstraint(condition=Q(updates__gt=0), name="month_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.status}: {self.updates}"
