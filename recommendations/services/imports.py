"""Importing a spreadsheet of progress updates: upload, preview (nothing written), confirm (every
new row written in one transaction, or none).

A batch records who uploaded what (file name, sha256, the bytes), the preview's counts and its
report row by row. Rows are written by ``workflow.update_log``, the service behind the web form,
so every rule of logging holds for an import: the importer must be an editor, each row's Member
State within their desk scope, each update valid; imported updates are submitted (or drafts),
never approved. A file larger than ``TRACKER_IMPORT_INLINE_ROWS`` rows is read and written by the
task worker (``recommendations.tasks``), and the batch's page follows its progress.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import permissions
from ..imports import FileProblem, plan_build, rows_estimate, table_read
from ..models import Cell, ImportBatch, ImportState, ProgressUpdate
from . import notifications
from .workflow import (
    RETURN_NEEDS_COMMENT,
    WorkflowError,
    update_approve,
    update_log_within,
    update_return,
)

logger = logging.getLogger(__name__)

# The advisory lock that serialises imports on PostgreSQL (any fixed number of this app's).
IMPORT_LOCK = 14_0001
# Rejections kept in a batch's report (the counts are always whole): enough to correct a file,
# without a 50,000-row report in every read of the batch.
REPORT_REJECTIONS = 5_000


def _require(answer: permissions.Answer) -> None:
    if not answer:
        raise WorkflowError(answer.reason, answer.rule)


def batch_upload(*, user, file_name: str, content: bytes, sheet: str = "") -> ImportBatch:
    """Keep an uploaded file as a new batch, waiting to be read. Refuses a file over the size
    limit before anything is kept."""
    _require(permissions.may_import(user))
    limit = settings.TRACKER_IMPORT_MAX_BYTES
    if len(content) > limit:
        raise WorkflowError(
            _("The file is %(size)s MB; one import takes at most %(limit)s MB. Split it.")
            % {"size": f"{len(content) / 2**20:.1f}", "limit": f"{limit / 2**20:g}"}
        )
    batch = ImportBatch(
        created_by=user,
        file_name=(file_name or "upload").replace("\x00", "")[-255:],
        sheet=sheet.strip()[:100],
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        content=content,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        rows_total=rows_estimate(content),
    )
    batch.full_clean(exclude=["content"])
    batch.save()
    return batch


def batch_fits_request(batch: ImportBatch) -> bool:
    """Small files are read within the request; larger ones by the worker."""
    return batch.rows_total <= settings.TRACKER_IMPORT_INLINE_ROWS


def batch_preview_start(*, batch: ImportBatch) -> ImportBatch:
    """Preview the batch now, or queue its preview for the worker."""
    if batch_fits_request(batch):
        try:
            return batch_preview(batch_id=batch.pk)
        except Exception:  # the page says so; the batch does not wait for ever
            logger.exception("The preview of import batch #%s failed", batch.pk)
            batch_fail(batch_id=batch.pk)
            return ImportBatch.objects.defer("content").get(pk=batch.pk)
    from ..tasks import import_preview

    transaction.on_commit(lambda: import_preview.enqueue(batch.pk))
    return batch


def batch_preview(*, batch_id: int, progress: Callable[[int], None] | None = None) -> ImportBatch:
    """Read and check every row, write the counts and the report; no update is written. A file
    that cannot be read leaves the batch "not readable", with the reason. ``progress`` is told
    the rows read so far (the command's progress line)."""
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.state != ImportState.QUEUED:  # a second run of the task: the preview stands
        return batch
    with translation.override(batch.language):
        try:
            table = table_read(
                bytes(batch.content),
                file_name=batch.file_name,
                sheet=batch.sheet,
                max_rows=settings.TRACKER_IMPORT_MAX_ROWS,
            )
            with permissions.log_scope_held(batch.created_by):
                plan = plan_build(
                    table, user=batch.created_by, progress=_progress(batch, then=progress)
                )
        except FileProblem as problem:
            batch.state = ImportState.FAILED
            batch.problem = str(problem)
            batch.previewed_at = timezone.now()
            batch.save(update_fields=["state", "problem", "previewed_at"])
            return batch
        _counts(batch, plan, table)
        batch.state = ImportState.PREVIEWED
        batch.problem = ""
        batch.previewed_at = timezone.now()
        batch.save(update_fields=[*COUNTED, "state", "problem", "previewed_at"])
    return batch


def _progress(batch: ImportBatch, *, then: Callable[[int], None] | None = None):
    """Record how far the reading has come, for the batch's page (and tell ``then``)."""

    def report(rows: int) -> None:
        ImportBatch.objects.filter(pk=batch.pk).update(rows_done=rows)
        if then:
            then(rows)

    return report


def _counts(batch: ImportBatch, plan, table) -> None:
    batch.report = {**plan.report(table), "reviews": (batch.report or {}).get("reviews", [])}
    batch.rows_total = plan.rows
    batch.rows_done = plan.rows
    batch.rows_new = len(plan.new)
    batch.rows_present = plan.present_count
    batch.rows_conflict = plan.conflict_count
    batch.rows_rejected = plan.rows_rejected


@transaction.atomic
def batch_confirm(
    *, batch: ImportBatch, user, as_draft: bool = False, inline: bool | None = None
) -> ImportBatch:
    """The importer confirms a previewed batch: its new rows are written now, or by the worker
    for a large file (``inline``: now whatever its size, as the command does). A batch is
    imported once; a second confirmation is refused."""
    batch = ImportBatch.objects.select_for_update().defer("content").get(pk=batch.pk)
    _require(permissions.may_import(user, batch))
    if batch.state != ImportState.PREVIEWED:
        raise WorkflowError(
            _("Batch #%(id)s is %(state)s: it cannot be imported again.")
            % {"id": batch.pk, "state": batch.get_state_display().lower()}
        )
    batch.state = ImportState.IMPORTING
    batch.as_draft = as_draft
    batch.rows_done = 0
    batch.problem = ""
    batch.save(update_fields=["state", "as_draft", "rows_done", "problem"])
    if inline or (inline is None and batch_fits_request(batch)):
        return batch_write(batch_id=batch.pk)
    from ..tasks import import_write

    transaction.on_commit(lambda: import_write.enqueue(batch.pk))
    return batch


def batch_write(*, batch_id: int) -> ImportBatch:
    """Write the new rows of an ``importing`` batch in one transaction: the file is read and
    checked again (the log may have changed since the preview), then each new row is logged
    through ``update_log``. Any refusal rolls back every row; the batch then goes back to
    "previewed" with the reason."""
    batch = ImportBatch.objects.get(pk=batch_id)
    with translation.override(batch.language):
        try:
            with transaction.atomic():
                batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
                if batch.state != ImportState.IMPORTING:
                    return batch
                _write(batch)
        except PreviewOutdated as outdated:
            # The log, the catalogue or the importer's scope changed since the preview: the
            # new preview is shown, to be confirmed again.
            _counts(batch, outdated.plan, outdated.table)
            batch.state = ImportState.PREVIEWED
            batch.problem = _(
                "Nothing was imported: the rows to import are no longer those of the preview "
                "(the log or your Member States changed meanwhile). Read this new preview and "
                "confirm again."
            )
            batch.save(update_fields=[*COUNTED, "state", "problem"])
        except (FileProblem, WorkflowError, ValidationError) as error:
            message = " ".join(error.messages) if isinstance(error, ValidationError) else error
            ImportBatch.objects.filter(pk=batch_id).update(
                state=ImportState.PREVIEWED,
                problem=_("Nothing was imported: %(reason)s") % {"reason": message},
            )
            batch.refresh_from_db(fields=["state", "problem"])
    return batch


class PreviewOutdated(Exception):
    """Confirming found other rows to write than the preview showed: nothing is written."""

    def __init__(self, plan, table):
        super().__init__("The rows to import changed since the preview.")
        self.plan, self.table = plan, table


# The fields ``_counts`` writes.
COUNTED = [
    "report",
    "rows_total",
    "rows_done",
    "rows_new",
    "rows_present",
    "rows_conflict",
    "rows_rejected",
]


def _imports_serialise() -> None:
    """One import writes at a time: two confirmations of the same file at once must not both
    find its rows new. SQLite's write transactions are serial already; PostgreSQL takes a
    transaction-level advisory lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])


def _write(batch: ImportBatch) -> None:
    user = batch.created_by
    table = table_read(
        bytes(batch.content),
        file_name=batch.file_name,
        sheet=batch.sheet,
        max_rows=settings.TRACKER_IMPORT_MAX_ROWS,
    )
    _imports_serialise()
    with permissions.log_scope_held(user):
        plan = plan_build(table, user=user)
        if [row.line for row in plan.new] != batch.report.get("new_lines"):
            raise PreviewOutdated(plan, table)
        for row in plan.new:
            _log(row, batch=batch, user=user)
    _counts(batch, plan, table)
    batch.rows_created = len(plan.new)
    batch.state = ImportState.IMPORTED
    batch.imported_at = timezone.now()
    batch.save(update_fields=[*COUNTED, "rows_created", "state", "imported_at"])
    if plan.new and not batch.as_draft:
        notifications.batch_notify(batch)


def _log(row, *, batch: ImportBatch, user) -> None:
    """One row, logged as the web form logs an update, within the import's transaction."""
    update_log_within(
        user=user,
        recommendation=row.recommendation,
        state=row.state,
        status=row.status,
        effective_date=row.effective_date,
        narrative=row.narrative,
        evidence=row.evidence,
        source=row.source,
        submit=not batch.as_draft,
        import_batch=batch,
        external_id=row.external_id,
        cell=Cell(pk=row.cell_id, recommendation=row.recommendation, state=row.state)
        if row.cell_id
        else None,
    )


# --------------------------------------------------------------------------------------------
# Reviewing a whole batch
# --------------------------------------------------------------------------------------------

APPROVE, RETURN = "approve", "return"


def batch_review(*, batch: ImportBatch, user, decision: str, comment: str = "") -> ImportBatch:
    """A reviewer approves (or returns) every update of the batch still waiting, each through
    the service that approves (returns) one update: four-eyes, locks and the cells' statuses hold
    as for one. Now for a small batch, by the worker for a large one; the importer is mailed
    once for the batch."""
    _require(permissions.may_review_batch(user, batch))
    if decision not in (APPROVE, RETURN):
        raise WorkflowError(_("Approve or return?"))
    if decision == RETURN and not comment.strip():
        raise WorkflowError(str(RETURN_NEEDS_COMMENT))
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().defer("content").get(pk=batch.pk)
        if batch.review_running:
            raise WorkflowError(
                _("Batch #%(id)s is being reviewed already; wait for it to finish.")
                % {"id": batch.pk}
            )
        waiting = batch.updates.awaiting_review().order_by("pk").count()
        if not waiting:
            raise WorkflowError(
                _("No update of batch #%(id)s waits for review.") % {"id": batch.pk}
            )
        batch.review_running = True
        batch.save(update_fields=["review_running"])
    # A review costs about ten times what importing a row does (locks, the cell's status).
    if waiting <= max(1, settings.TRACKER_IMPORT_INLINE_ROWS // 10):
        return batch_review_run(
            batch_id=batch.pk, user_id=user.pk, decision=decision, comment=comment
        )
    from ..tasks import import_review

    transaction.on_commit(lambda: import_review.enqueue(batch.pk, user.pk, decision, comment))
    return batch


def batch_review_run(*, batch_id: int, user_id: int, decision: str, comment: str) -> ImportBatch:
    """Carry out a batch review: one transaction an update (as in the admin), so what is done
    stays done if the worker stops; an update the service refuses is counted with its reason."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=user_id)
    batch = ImportBatch.objects.defer("content").get(pk=batch_id)
    review = update_approve if decision == APPROVE else update_return
    done, refused = 0, []
    try:
        # The ids first, each update then read by its service: a cursor held open across the
        # writes made SQLite refuse a write the moment anyone else wrote ("database is locked").
        waiting = list(batch.updates.awaiting_review().order_by("pk").values_list("pk", flat=True))
        for pk in waiting:
            update = ProgressUpdate.objects.get(pk=pk)
            try:
                review(update=update, user=user, comment=comment, notify=False)
            except WorkflowError as error:
                refused.append({"update": update.pk, "reason": str(error)})
            else:
                done += 1
    finally:
        batch.refresh_from_db(fields=["report"])
        batch.report = {
            **batch.report,
            "reviews": [
                *batch.report.get("reviews", []),
                {
                    "by": str(user),
                    "decision": decision,
                    "done": done,
                    "refused": refused[:REPORT_REJECTIONS],
                    "at": timezone.now().isoformat(),
                },
            ],
        }
        batch.review_running = False
        batch.save(update_fields=["report", "review_running"])
    if done:
        notifications.batch_reviewed(batch, reviewer=user, decision=decision, count=done)
    return batch


@transaction.atomic
def batch_cancel(*, batch: ImportBatch, user) -> ImportBatch:
    """Stop waiting for the worker (it is not running, or it stopped): a batch waiting to be
    read is dropped, one waiting to be written goes back to its preview, a batch review is let
    go. Locking the batch waits for a write under way, which then stands: nothing is undone and
    nothing is written twice (a task that runs later finds the batch no longer waiting)."""
    batch = ImportBatch.objects.select_for_update().defer("content").get(pk=batch.pk)
    _require(permissions.may_cancel_batch(user, batch))
    if not batch.running:
        raise WorkflowError(_("Batch #%(id)s is not waiting for the worker.") % {"id": batch.pk})
    if batch.state == ImportState.QUEUED:
        batch.state = ImportState.FAILED
        batch.problem = _("Cancelled before the file was read.")
    elif batch.state == ImportState.IMPORTING:
        batch.state = ImportState.PREVIEWED
        batch.problem = _("Cancelled before any row was written: confirm again to import.")
    batch.review_running = False
    batch.save(update_fields=["state", "problem", "review_running"])
    return batch


def batch_fail(*, batch_id: int) -> None:
    """The worker met an unexpected error: nothing was written (the transaction rolled back); the
    batch says so instead of waiting for ever."""
    batch = ImportBatch.objects.defer("content", "report").filter(pk=batch_id).first()
    if batch is None:
        return
    with translation.override(batch.language):
        batch.review_running = False
        if batch.state == ImportState.IMPORTING:
            batch.state = ImportState.PREVIEWED
            batch.problem = _("Nothing was imported: the import stopped on an unexpected error.")
        elif batch.state == ImportState.QUEUED:
            batch.state = ImportState.FAILED
            batch.problem = _("The file could not be read: the preview stopped on an error.")
        batch.save(update_fields=["review_running", "state", "problem"])
