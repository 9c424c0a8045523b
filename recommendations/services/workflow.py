"""The review workflow: log, edit, submit, approve, return, withdraw.

Every function takes the acting person as ``user``, asks ``permissions`` whether they may act,
and raises :class:`WorkflowError` with its reason when not. The mails a step causes (reviewers
told of a submission, the author of a review) are ``notifications``' and leave after the commit.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import permissions
from ..models import Cell, ImportBatch, MemberState, ProgressUpdate, Recommendation, ReviewState
from . import notifications
from .status import cell_refresh_status, month_counts_rebuild


class WorkflowError(Exception):
    """A workflow rule refused the action; the message says which, in words a person can act on,
    and ``rule`` names it for programs (``permissions.Answer.rule``, or this module's own:
    "comment", "reason", "fields", "changed", "content")."""

    def __init__(self, message: str, rule: str = ""):
        super().__init__(message)
        self.rule = rule


# Said by the services when the text is missing, and by the forms that ask for it first.
RETURN_NEEDS_COMMENT = gettext_lazy("Say why the update is returned, so its author can correct it.")
WITHDRAWAL_NEEDS_REASON = gettext_lazy("Give the reason for withdrawing the update.")


EDITABLE_FIELDS = ["status", "effective_date", "narrative", "evidence", "source"]
RELATED_FIELDS = ["cell", "reported_by", "reviewed_by", "withdrawn_by", "import_batch"]


def cell_for(*, recommendation: Recommendation, state: MemberState) -> Cell:
    """The cell of a recommendation x state, created if the grid lacks it (a race-safe get)."""
    cell, _ = Cell.objects.get_or_create(recommendation=recommendation, state=state)
    return cell


def _require(answer: permissions.Answer) -> None:
    """Act on the permissions module's answer: a refusal becomes this module's error."""
    if not answer:
        raise WorkflowError(answer.reason, answer.rule)


def _save(update: ProgressUpdate, *, user, reason: str) -> ProgressUpdate:
    """Validate and save, recording who did it and why in the update's history.

    The check constraints and foreign keys are the database's to enforce: the conditions a log
    or an edit can break are field validators and ``clean()`` too, which name the field, and
    the related rows (the cell, the author, the batch) were just read by the caller. Asking the
    database for each first cost nine queries an update (most of the time of an import)."""
    update.full_clean(exclude=RELATED_FIELDS, validate_constraints=False)
    update._history_user = user
    update._change_reason = reason
    update.save()
    return update


def _refused(reason: str) -> str:
    """The refusal of a review step, one whole sentence per step. ``reason`` is the step's
    change reason in the history (stored in English), not text for people."""
    if reason == "approved":
        return _(
            "Update #%(id)s cannot be approved as it stands: %(errors)s Return it to its author "
            "to correct it."
        )
    if reason == "withdrawn":
        return _(
            "Update #%(id)s cannot be withdrawn as it stands: %(errors)s Return it to its author "
            "to correct it."
        )
    return _(
        "Update #%(id)s cannot be returned to author as it stands: %(errors)s Return it to its "
        "author to correct it."
    )


def _save_review(update: ProgressUpdate, *, user, reason: str, content_counts: bool):
    """Save a review step (approve, return, withdraw). The step writes no content, so the content
    is checked only when it is about to count (``content_counts``, on approval): an update logged
    under older rules (a date before 1945, say) can still be returned or withdrawn, and one that
    breaks today's rules is refused approval with a reason, not an error page."""
    try:
        # As in ``_save``: the database enforces the constraints and the foreign keys (four-eyes
        # among them, which ``may_review`` has asked already).
        update.full_clean(
            exclude=RELATED_FIELDS + ([] if content_counts else EDITABLE_FIELDS),
            validate_constraints=False,
        )
    except ValidationError as error:
        raise WorkflowError(
            _refused(reason) % {"id": update.pk, "errors": " ".join(error.messages)}, "content"
        ) from error
    update._history_user = user
    update._change_reason = reason
    update.save()
    return update


def update_log_within(
    *,
    user,
    recommendation: Recommendation,
    state: MemberState,
    status: str,
    effective_date,
    narrative: str,
    source: str,
    evidence: str = "",
    submit: bool = False,
    import_batch: ImportBatch | None = None,
    external_id: str = "",
    cell: Cell | None = None,
) -> ProgressUpdate:
    """An editor logs a new update, as a draft or straight into review. An imported row is
    logged the same way, with its batch (and its id in the source system): the batch tells the
    reviewers once (``services.imports``), not each of its updates.

    This is ``update_log`` inside the caller's transaction, which must roll back whole on any
    error: an import logs thousands of rows in one, without a savepoint each, and hands over the
    cells it has read (``cell``, of this recommendation and state)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("update_log_within runs inside the caller's transaction.")
    _require(permissions.may_log(user, state))
    if cell is None or (cell.recommendation_id, cell.state_id) != (recommendation.pk, state.pk):
        cell = cell_for(recommendation=recommendation, state=state)
    update = ProgressUpdate(
        cell=cell,
        status=status,
        effective_date=effective_date,
        narrative=narrative,
        evidence=evidence,
        source=source,
        reported_by=user,
        import_batch=import_batch,
        external_id=external_id,
    )
    if submit:
        update.review_state = ReviewState.SUBMITTED
        update.submitted_at = timezone.now()
    reason = "submitted" if submit else "logged as draft"
    if import_batch is not None:
        reason = f"imported in batch #{import_batch.pk}, {reason}"
    _save(update, user=user, reason=reason)
    if submit and import_batch is None:
        notifications.reviewers_notify(update)
    return update


@transaction.atomic
def update_log(**kwargs) -> ProgressUpdate:
    """An editor logs a new update (see ``update_log_within``), in a transaction of its own."""
    return update_log_within(**kwargs)


def _locked(update: ProgressUpdate) -> ProgressUpdate:
    """Re-read the update under a row lock (its row only), so two people acting at once see
    each other's work."""
    return (
        ProgressUpdate.objects.select_for_update(of=("self",))
        .select_related("cell__state", "cell__recommendation")
        .get(pk=update.pk)
    )


def _locked_with_cell(update: ProgressUpdate) -> tuple[ProgressUpdate, Cell]:
    """Lock the update's cell, then the update: the same order on every path, so concurrent
    reviews of one cell queue instead of deadlocking. The cell is read from the database, not
    from the caller's copy, which may predate an edit that moved the update to another cell."""
    cell_id = ProgressUpdate.objects.filter(pk=update.pk).values("cell_id")
    cell = Cell.objects.select_for_update().get(pk__in=cell_id)
    update = _locked(update)
    if update.cell_id != cell.pk:
        raise WorkflowError(
            _("Update #%(id)s changed meanwhile; reload it and try again.") % {"id": update.pk},
            "changed",
        )
    return update, cell


@transaction.atomic
def update_edit(
    *,
    update: ProgressUpdate,
    user,
    submit: bool = False,
    recommendation: Recommendation | None = None,
    state: MemberState | None = None,
    **changes,
) -> ProgressUpdate:
    """The author changes a draft or returned update (its cell too), and may (re)submit it."""
    update = _locked(update)
    _require(permissions.may_edit(user, update))
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise WorkflowError(
            _("These fields cannot be edited: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))},
            "fields",
        )
    if recommendation or state:
        update.cell = cell_for(
            recommendation=recommendation or update.cell.recommendation,
            state=state or update.cell.state,
        )
    for name, value in changes.items():
        setattr(update, name, value)
    _require(permissions.may_log(user, update.cell.state))
    if submit:
        update.review_state = ReviewState.SUBMITTED
        update.submitted_at = timezone.now()
    _save(update, user=user, reason="resubmitted" if submit else "edited")
    if submit:
        notifications.reviewers_notify(update)
    return update


@transaction.atomic
def update_submit(*, update: ProgressUpdate, user) -> ProgressUpdate:
    return update_edit(update=update, user=user, submit=True)


@transaction.atomic
def update_approve(
    *, update: ProgressUpdate, user, comment: str = "", notify: bool = True
) -> ProgressUpdate:
    """A second person approves a submitted update; the cell's current status follows. The
    author is mailed, unless the caller tells them of many at once (``notify=False``).

    The cell is locked first, then the update, in the same order on every path, so two reviewers
    approving updates of one cell at once serialise instead of overwriting each other's status.
    """
    update, cell = _locked_with_cell(update)
    _require(permissions.may_review(user, update))
    _record_review(update, user=user, outcome=ReviewState.APPROVED, comment=comment)
    cell_refresh_status(cell=cell, user=user, since=update.effective_date)
    month_counts_rebuild(day=update.effective_date)
    if notify:
        notifications.author_notify(update, "approved")
    return update


@transaction.atomic
def update_return(
    *, update: ProgressUpdate, user, comment: str, notify: bool = True
) -> ProgressUpdate:
    """A reviewer sends a submitted update back to its author, saying why."""
    update = _locked(update)
    _require(permissions.may_review(user, update))
    if not comment.strip():
        raise WorkflowError(str(RETURN_NEEDS_COMMENT), "comment")
    _record_review(update, user=user, outcome=ReviewState.RETURNED, comment=comment)
    if notify:
        notifications.author_notify(update, "returned")
    return update


@transaction.atomic
def update_withdraw(*, update: ProgressUpdate, user, reason: str) -> ProgressUpdate:
    """A superuser withdraws an approved update, with a reason; the row is kept, the status
    recomputed."""
    _require(permissions.may_withdraw(user))
    update, cell = _locked_with_cell(update)
    _require(permissions.may_withdraw(user, update))
    if not reason.strip():
        raise WorkflowError(str(WITHDRAWAL_NEEDS_REASON), "reason")
    update.review_state = ReviewState.WITHDRAWN
    update.withdrawn_by = user
    update.withdrawn_at = timezone.now()
    update.withdrawal_reason = reason.strip()
    _save_review(update, user=user, reason="withdrawn", content_counts=False)
    cell_refresh_status(cell=cell, user=user, since=update.effective_date)
    month_counts_rebuild(day=update.effective_date)
    return update


def _record_review(update: ProgressUpdate, *, user, outcome: ReviewState, comment: str) -> None:
    """Approve or return: who, when, with what comment; the content is checked only when the
    update is about to count."""
    update.review_state = outcome
    update.reviewed_by = user
    update.reviewed_at = timezone.now()
    update.review_comment = comment.strip()
    approved = outcome == ReviewState.APPROVED
    reason = "approved" if approved else "returned to author"
    _save_review(update, user=user, reason=reason, content_counts=approved)
