"""A cell's current status and its yearly counts: derived from the approved log, written here
only."""

from __future__ import annotations

import datetime
import itertools

from django.db import models, transaction
from django.db.models import Count, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, ExtractYear, TruncMonth
from django.utils import timezone

from ..models import (
    GRID_COLUMNS,
    AssessmentSource,
    Cell,
    CellAssessment,
    CellDisagreement,
    CellYearCount,
    MonthCount,
    MonthEndGrid,
    ProgressUpdate,
    Status,
    disagreement_spans,
    month_end,
    month_end_grids,
    month_ends,
    sources_disagree,
)
from .versions import data_version_bump


def cell_refresh_status(*, cell: Cell, user=None, since: datetime.date | None = None) -> Cell:
    """Set the cell's current status from its latest approved update, by effective date.

    Creation time, then id, break ties between updates that took effect the same day. With no
    approved update the cell goes back to "no information". The caller holds the transaction
    and, where the database has it, a row lock on the cell (see ``update_approve``). ``user``,
    the person whose review moved the status, is recorded in the cell's history. ``since``: the
    effective date of the update approved or withdrawn, when one was (the cell's statuses at
    the months' ends before it stand); None, the cell's whole history is read again.
    """
    approved = ProgressUpdate.objects.approved().filter(cell=cell)
    latest = approved.latest_first().first()
    cell.current_update = latest
    cell.current_status = latest.status if latest else Status.NO_INFORMATION
    cell.status_date = latest.effective_date if latest else None
    # Beside the headline, the latest approved status from each source, and whether they agree.
    by_source = [approved.filter(source=source).latest_first().first() for source in SOURCES]
    assessments = [update for update in by_source if update is not None]
    CellAssessment.objects.filter(cell=cell).delete()
    CellAssessment.objects.bulk_create(_assessment(cell.pk, update) for update in assessments)
    cell.sources_disagree = sources_disagree(update.status for update in assessments)
    # And the periods they disagreed, for the pages "as of" a past date.
    CellDisagreement.objects.filter(cell=cell).delete()
    CellDisagreement.objects.bulk_create(
        CellDisagreement(cell_id=cell.pk, since=since, until=until)
        for since, until in disagreement_spans(
            approved.order_by("effective_date", "created_at", "id").values_list(
                "effective_date", "source", "status"
            )
        )
    )
    cell._history_user = user
    cell.save(
        update_fields=[
            "current_update",
            "current_status",
            "status_date",
            "sources_disagree",
            "updated_at",
        ]
    )
    cell_year_counts_rebuild(cells=Cell.objects.filter(pk=cell.pk))
    # The page cache's version moves with the status, in this transaction; then the months'
    # ends, under its lock (``month_end_grids_update``).
    data_version_bump()
    month_end_grids_update(cell=cell, since=since)
    return cell


SOURCES = list(AssessmentSource)


def _assessment(cell_id: int, update: ProgressUpdate) -> CellAssessment:
    return CellAssessment(
        cell_id=cell_id,
        source=update.source,
        status=update.status,
        status_date=update.effective_date,
        update=update,
    )


def cell_assessments_rebuild() -> None:
    """Every cell's assessments per source and its disagreement flag, set-wise: one pass over
    the cells per source, each reading its latest approved update of that source from the
    (cell, review state, source, date) index."""
    CellAssessment.objects.all().delete()
    statuses: dict[int, list[str]] = {}
    for source in SOURCES:
        latest = (
            ProgressUpdate.objects.approved()
            .filter(cell=OuterRef("pk"), source=source)
            .latest_first()
            .values("pk")[:1]
        )
        rows = Cell.objects.annotate(latest=Subquery(latest)).exclude(latest=None)
        ids = list(rows.values_list("pk", "latest"))
        updates = ProgressUpdate.objects.only("status", "effective_date", "source").in_bulk(
            [update for _cell, update in ids]
        )
        CellAssessment.objects.bulk_create(
            (_assessment(cell, updates[update]) for cell, update in ids), batch_size=5_000
        )
        for cell, update in ids:
            statuses.setdefault(cell, []).append(updates[update].status)
    Cell.objects.filter(sources_disagree=True).update(sources_disagree=False)
    disagreeing = [cell for cell, found in statuses.items() if sources_disagree(found)]
    for start in range(0, len(disagreeing), 500):
        Cell.objects.filter(pk__in=disagreeing[start : start + 500]).update(sources_disagree=True)


def cell_disagreements_rebuild() -> None:
    """Every cell's periods of disagreement, from the whole approved log read once in the
    current status's order (cell by cell, oldest first), in bounded memory."""
    CellDisagreement.objects.all().delete()
    log = (
        ProgressUpdate.objects.approved()
        .order_by("cell_id", "effective_date", "created_at", "id")
        .values_list("cell_id", "effective_date", "source", "status")
        .iterator(chunk_size=5_000)
    )
    spans = (
        CellDisagreement(cell_id=cell, since=since, until=until)
        for cell, rows in itertools.groupby(log, key=lambda row: row[0])
        for since, until in disagreement_spans(row[1:] for row in rows)
    )
    while batch := list(itertools.islice(spans, 5_000)):
        CellDisagreement.objects.bulk_create(batch)


def month_end_grids_rebuild() -> None:
    """Rewrite every month's end of the grid (``MonthEndGrid``) from the whole approved log,
    read once in the current status's order across the cells, in bounded memory (the cells'
    statuses, and a few hundred rows written at a time): part of a bulk refresh, and of
    restoring a backup (derived, so recomputed from the restored log rather than trusted, and
    left out of JSON backups)."""
    MonthEndGrid.objects.all().delete()
    cells = Cell.objects.values_list("pk", "recommendation_id", "state_id")
    log = (
        ProgressUpdate.objects.approved()
        .order_by("effective_date", "created_at", "id")
        .values_list("effective_date", "cell_id", "status")
        .iterator(chunk_size=5_000)
    )
    rows = (
        MonthEndGrid(day=day, recommendation_id=recommendation, cells=cells)
        for day, recommendation, cells in month_end_grids(cells, log)
    )
    while batch := list(itertools.islice(rows, 500)):
        MonthEndGrid.objects.bulk_create(batch)


def month_end_grids_update(*, cell: Cell, since: datetime.date | None = None) -> None:
    """Write the cell's status at the end of each month from ``since``'s (every month when
    None) into its recommendation's rows of the grid (``MonthEndGrid``), from its approved log:
    after an update of it that took effect on ``since`` was approved or withdrawn (the months
    before keep their figures), in the same transaction. The rows stay as a rebuild makes them:
    a month the log now reaches is added to every recommendation's (a copy of its month
    before), and one it no longer reaches goes.

    Runs after ``cell_refresh_status``'s move of the data version: on PostgreSQL that row's lock
    is held until the commit, so writers of two cells rewrite a row one after the other, each
    reading it after the other's commit (a row read before it would lose the other's cell)."""
    log = (
        ProgressUpdate.objects.approved()
        .filter(cell=cell)
        .order_by("effective_date", "created_at", "id")
        .values_list("effective_date", "status")
    )
    ends = {day: (status, status_date.isoformat()) for day, status_date, status in month_ends(log)}
    last = MonthEndGrid.objects.aggregate(last=Max("day"))["last"]
    if ends and (last is None or max(ends) > last):
        last = _months_carried(last, max(ends))
    own = MonthEndGrid.objects.filter(recommendation_id=cell.recommendation_id).order_by("day")
    rows = list(own.filter(day__gte=month_end(since)) if since is not None else own)
    if ends:  # the months from the cell's first to its recommendation's first are added
        first = own.values_list("day", flat=True).first()
        day = min(ends)
        while day <= last and (first is None or day < first):
            empty = {name: [] for name in GRID_COLUMNS}
            rows.append(
                MonthEndGrid(day=day, recommendation_id=cell.recommendation_id, cells=empty)
            )
            day = month_end(day + datetime.timedelta(days=1))
    changed, added, emptied = [], [], []
    for row in rows:
        # No update by then; that month's status; after the last, the last month's.
        value = None if not ends or row.day < min(ends) else ends.get(row.day, ends[max(ends)])
        if not _row_set(row.cells, cell, value):
            continue
        if not row.cells["id"]:
            emptied.append(row.pk)
        elif row.pk is None:
            added.append(row)
        else:
            changed.append(row)
    MonthEndGrid.objects.filter(pk__in=emptied).delete()
    # A few statements for a report backdated years (a row of 200 cells: 8 kB).
    MonthEndGrid.objects.bulk_update(changed, ["cells"], batch_size=50)
    MonthEndGrid.objects.bulk_create(added, batch_size=500)
    # Months no update reaches any longer (a withdrawal of the log's latest).
    latest = (
        ProgressUpdate.objects.approved()
        .order_by("-effective_date")
        .values_list("effective_date", flat=True)
        .first()
    )
    if latest is None:
        MonthEndGrid.objects.all().delete()
    else:
        MonthEndGrid.objects.filter(day__gt=month_end(latest)).delete()


def _months_carried(last: datetime.date | None, to: datetime.date) -> datetime.date:
    """Add the months after ``last`` (the grid's latest; None: none yet) up to ``to`` to every
    recommendation's rows, each a copy of its row of ``last``; the new latest."""
    if last is not None:
        before = list(MonthEndGrid.objects.filter(day=last))
        day = month_end(last + datetime.timedelta(days=1))
        added = []
        while day <= to:
            added += [
                MonthEndGrid(day=day, recommendation_id=row.recommendation_id, cells=row.cells)
                for row in before
            ]
            day = month_end(day + datetime.timedelta(days=1))
        MonthEndGrid.objects.bulk_create(added, batch_size=500)
    return to


def _row_set(row: dict, cell: Cell, value: tuple[str, str] | None) -> bool:
    """Set the cell's status and date in a row of the grid (``value``; None: no update by
    then, so not in the row); whether that changed it."""
    ids = row["id"]
    try:
        index = ids.index(cell.pk)
    except ValueError:
        if value is None:
            return False
        for name, item in zip(GRID_COLUMNS, (cell.pk, cell.state_id, *value), strict=True):
            row[name].append(item)
        return True
    if value is None:
        for name in GRID_COLUMNS:
            del row[name][index]
        return True
    if (row["status"][index], row["date"][index]) == value:
        return False
    row["status"][index], row["date"][index] = value
    return True


def cell_year_counts_rebuild(*, cells: models.QuerySet | None = None) -> None:
    """Rewrite the cells' yearly counts (every cell's when None) from their approved updates:
    part of refreshing a cell's status, and of restoring a backup (the counts are derived, so
    they are recomputed from the restored log rather than trusted)."""
    counts = CellYearCount.objects.all()
    log = ProgressUpdate.objects.approved()
    if cells is not None:
        counts = counts.filter(cell__in=cells)
        log = log.filter(cell__in=cells)
    counts.delete()
    rows = (
        log.annotate(year=ExtractYear("effective_date"))
        .values_list("cell_id", "year", "status")
        .annotate(n=Count("id"))
        .order_by()
        .iterator(chunk_size=5_000)
    )
    while batch := list(itertools.islice(rows, 5_000)):  # bounded memory at any log size
        CellYearCount.objects.bulk_create(
            CellYearCount(cell_id=cell, year=year, status=status, updates=n)
            for cell, year, status, n in batch
        )


def month_counts_rebuild(*, day: datetime.date | None = None) -> None:
    """Recount the approved updates per month and status from the log: of ``day``'s month
    after an update of it was approved or withdrawn, in the same transaction; of every month
    when None (a bulk load, a repair, a restore: derived, so recomputed from the restored log
    rather than trusted).

    After an approval or a withdrawal it runs after ``cell_refresh_status``, whose last write
    moved the data version: on PostgreSQL that row's lock is held until the commit, so writers
    of two cells recount one after the other, each count read after the other's commit (a
    recount read before it would miss the other's update and write a count one short)."""
    counts = MonthCount.objects.all()
    log = ProgressUpdate.objects.approved()
    if day is not None:
        counts = counts.filter(month=day.replace(day=1))
        log = log.filter(effective_date__gte=day.replace(day=1), effective_date__lte=month_end(day))
    counts.delete()
    rows = (
        log.annotate(month=TruncMonth("effective_date"))
        .values_list("month", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    MonthCount.objects.bulk_create(
        MonthCount(month=month, status=status, updates=n) for month, status, n in rows
    )


def cells_refresh_all() -> int:
    """Recompute every cell's current status, yearly counts and assessments set-wise, by the
    same rules as ``cell_refresh_status`` (for bulk loads such as demo data, and repairs).
    Returns the number of cells."""
    latest = ProgressUpdate.objects.approved().filter(cell=OuterRef("pk")).latest_first()
    with transaction.atomic():
        Cell.objects.update(current_update=Subquery(latest.values("pk")[:1]))
        current = ProgressUpdate.objects.filter(pk=OuterRef("current_update"))
        cells = Cell.objects.update(
            current_status=Coalesce(
                Subquery(current.values("status")[:1]), Value(Status.NO_INFORMATION.value)
            ),
            status_date=Subquery(current.values("effective_date")[:1]),
            updated_at=timezone.now(),
        )
        cell_year_counts_rebuild()
        month_end_grids_rebuild()
        month_counts_rebuild()
        cell_assessments_rebuild()
        cell_disagreements_rebuild()
        data_version_bump()  # once for the whole refresh
    return cells
