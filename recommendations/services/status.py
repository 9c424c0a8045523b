"""A cell's current status and its yearly counts: derived from the approved log, written here
only."""

from __future__ import annotations

import itertools

from django.db import models, transaction
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from ..models import Cell, CellYearCount, ProgressUpdate, Status


def cell_refresh_status(*, cell: Cell, user=None) -> Cell:
    """Set the cell's current status from its latest approved update, by effective date.

    Creation time, then id, break ties between updates that took effect the same day. With no
    approved update the cell goes back to "no information". The caller holds the transaction
    and, where the database has it, a row lock on the cell (see ``update_approve``). ``user``,
    the person whose review moved the status, is recorded in the cell's history.
    """
    latest = ProgressUpdate.objects.approved().filter(cell=cell).latest_first().first()
    cell.current_update = latest
    cell.current_status = latest.status if latest else Status.NO_INFORMATION
    cell.status_date = latest.effective_date if latest else None
    cell._history_user = user
    cell.save(update_fields=["current_update", "current_status", "status_date", "updated_at"])
    cell_year_counts_rebuild(cells=Cell.objects.filter(pk=cell.pk))
    return cell


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


def cells_refresh_all() -> int:
    """Recompute every cell's current status and yearly counts set-wise, by the same rule as
    ``cell_refresh_status`` (for bulk loads such as demo data, and repairs). Returns the
    number of cells."""
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
    return cells
