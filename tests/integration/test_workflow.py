"""The review workflow as its services enforce it, for every path that calls them."""

import datetime

import pytest
from django.core import mail

from recommendations.models import (
    Cell,
    CellYearCount,
    ProgressUpdate,
    ReviewState,
    Status,
)
from recommendations.services import (
    WorkflowError,
    update_approve,
    update_edit,
    update_log,
    update_return,
    update_submit,
    update_withdraw,
)
from tests.factories import (
    cell_at,
    counted_from_the_log,
    month_counts_from_the_log,
    month_counts_kept,
    month_ends_from_the_log,
    month_ends_kept,
    year_counts,
)

pytestmark = pytest.mark.django_db


def log(
    author, *, status=Status.IN_PROGRESS, day=datetime.date(2020, 5, 1), cell=None, submit=True
):
    cell = cell or cell_at("R03", "FRA")
    return update_log(
        user=author,
        recommendation=cell.recommendation,
        state=cell.state,
        status=status,
        effective_date=day,
        narrative="A national review mechanism was set up.",
        source="government",
        evidence="https://example.org/report",
        submit=submit,
    )


def cell_status(code="R03", iso3="FRA") -> str:
    return Cell.objects.get(recommendation__code=code, state__iso3=iso3).current_status


def test_an_approved_update_sets_the_cells_status(
    editor, reviewer, django_capture_on_commit_callbacks
):
    update = log(editor)
    assert cell_status() == Status.NO_INFORMATION

    with django_capture_on_commit_callbacks(execute=True):
        update_approve(update=update, user=reviewer, comment="Checked against the gazette.")

    update.refresh_from_db()
    assert update.review_state == ReviewState.APPROVED
    assert update.reviewed_by == reviewer
    assert update.reviewed_at is not None
    assert update.review_comment == "Checked against the gazette."
    assert cell_status() == Status.IN_PROGRESS
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [editor.email]
    assert "approved" in mail.outbox[0].subject


def test_nobody_approves_an_update_they_wrote(reviewer):
    from tests.factories import in_group

    in_group(reviewer, "Editors")
    update = log(reviewer)
    with pytest.raises(WorkflowError, match="four-eyes"):
        update_approve(update=update, user=reviewer)
    update.refresh_from_db()
    assert update.review_state == ReviewState.SUBMITTED
    assert cell_status() == Status.NO_INFORMATION


def test_superusers_are_bound_by_four_eyes_too(superuser):
    update = log(superuser)
    with pytest.raises(WorkflowError, match="four-eyes"):
        update_approve(update=update, user=superuser)


def test_only_reviewers_approve(editor):
    from tests.factories import UserFactory, in_group

    other_editor = in_group(UserFactory(username="other"), "Editors")
    update = log(editor)
    with pytest.raises(WorkflowError, match="Only reviewers"):
        update_approve(update=update, user=other_editor)


def test_a_draft_cannot_be_approved(editor, reviewer):
    update = log(editor, submit=False)
    with pytest.raises(WorkflowError, match="not awaiting review"):
        update_approve(update=update, user=reviewer)


def test_an_older_update_approved_later_does_not_overwrite_a_newer_status(editor, reviewer):
    newer = log(editor, status=Status.IMPLEMENTED, day=datetime.date(2022, 1, 1))
    older = log(editor, status=Status.PLANNED, day=datetime.date(2012, 1, 1))
    update_approve(update=newer, user=reviewer)
    update_approve(update=older, user=reviewer)
    assert cell_status() == Status.IMPLEMENTED


def test_withdrawing_the_current_update_falls_back_to_the_previous_one(editor, reviewer, superuser):
    first = log(editor, status=Status.PLANNED, day=datetime.date(2012, 1, 1))
    second = log(editor, status=Status.IMPLEMENTED, day=datetime.date(2022, 1, 1))
    update_approve(update=first, user=reviewer)
    update_approve(update=second, user=reviewer)

    update_withdraw(update=second, user=superuser, reason="Reported for the wrong country.")

    second.refresh_from_db()
    assert second.review_state == ReviewState.WITHDRAWN
    assert second.withdrawn_by == superuser
    assert second.withdrawal_reason == "Reported for the wrong country."
    assert cell_status() == Status.PLANNED
    update_withdraw(update=first, user=superuser, reason="Duplicate.")
    assert cell_status() == Status.NO_INFORMATION


def test_only_a_superuser_withdraws_and_only_with_a_reason(editor, reviewer, superuser):
    update = log(editor)
    update_approve(update=update, user=reviewer)
    with pytest.raises(WorkflowError, match="Only an administrator"):
        update_withdraw(update=update, user=reviewer, reason="No.")
    with pytest.raises(WorkflowError, match="reason"):
        update_withdraw(update=update, user=superuser, reason="  ")
    assert cell_status() == Status.IN_PROGRESS


def test_a_returned_update_goes_back_to_its_author_with_the_comment(
    editor, reviewer, django_capture_on_commit_callbacks
):
    update = log(editor)
    with pytest.raises(WorkflowError, match="Say why"):
        update_return(update=update, user=reviewer, comment="")
    with django_capture_on_commit_callbacks(execute=True):
        update_return(update=update, user=reviewer, comment="Add the law's number.")
    update.refresh_from_db()
    assert update.review_state == ReviewState.RETURNED
    assert "Add the law's number." in mail.outbox[0].body

    update_edit(update=update, user=editor, narrative="Law 2020-12 set up the mechanism.")
    update_submit(update=update, user=editor)
    update.refresh_from_db()
    assert update.review_state == ReviewState.SUBMITTED
    assert update.narrative == "Law 2020-12 set up the mechanism."


def test_an_approved_update_is_never_edited(editor, reviewer):
    update = log(editor)
    update_approve(update=update, user=reviewer)
    with pytest.raises(WorkflowError, match="can no longer be edited"):
        update_edit(update=update, user=editor, narrative="Rewritten history.")
    update.refresh_from_db()
    assert update.narrative == "A national review mechanism was set up."


def test_only_the_author_edits_an_update(editor, scoped_editor):
    update = log(editor, submit=False)
    with pytest.raises(WorkflowError, match="Only the author"):
        update_edit(update=update, user=scoped_editor, narrative="Not mine.")


def test_an_editor_logs_only_for_the_states_assigned_to_them(scoped_editor):
    log(scoped_editor, cell=cell_at("R03", "FRA"))
    with pytest.raises(WorkflowError, match="outside the Member States assigned to you"):
        log(scoped_editor, cell=cell_at("R03", "NGA"))
    assert ProgressUpdate.objects.filter(cell__state__iso3="NGA").count() == 0


def test_only_editors_log_updates(reviewer):
    with pytest.raises(WorkflowError, match="Only editors"):
        log(reviewer)
    assert not ProgressUpdate.objects.exists()


def test_every_step_is_in_the_history_with_who_did_it(editor, reviewer, superuser):
    update = log(editor, submit=False)
    update_submit(update=update, user=editor)
    update_approve(update=update, user=reviewer)
    update_withdraw(update=update, user=superuser, reason="Duplicate entry.")
    steps = list(
        update.history.order_by("history_date").values_list(
            "history_user__username", "review_state"
        )
    )
    assert steps == [
        ("editor", "draft"),
        ("editor", "submitted"),
        ("reviewer", "approved"),
        ("root", "withdrawn"),
    ]
    cell = cell_at("R03", "FRA")
    assert cell.history.filter(history_user=reviewer, current_status=Status.IN_PROGRESS).exists()


def test_a_failed_mail_server_does_not_undo_an_approval(
    editor, reviewer, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = 1  # nothing listens there
    update = log(editor)
    with django_capture_on_commit_callbacks(execute=True):
        update_approve(update=update, user=reviewer)
    assert cell_status() == Status.IN_PROGRESS


def test_an_approval_from_a_stale_copy_updates_the_cell_the_update_is_in_now(
    editor, reviewer, second_reviewer
):
    """A returned update moved to another state and resubmitted: approving the copy a reviewer
    loaded before the move still sets the status of the state it now belongs to."""
    stale_copy = log(editor, status=Status.IMPLEMENTED)
    update_return(update=stale_copy, user=reviewer, comment="Wrong country?")
    fresh = ProgressUpdate.objects.get(pk=stale_copy.pk)
    update_edit(update=fresh, user=editor, state=cell_at("R03", "DEU").state, submit=True)

    update_approve(update=stale_copy, user=second_reviewer)

    assert cell_status("R03", "DEU") == Status.IMPLEMENTED
    assert cell_status("R03", "FRA") == Status.NO_INFORMATION


def test_an_editor_cannot_move_their_update_outside_their_scope(scoped_editor):
    update = log(scoped_editor, submit=False)
    with pytest.raises(WorkflowError, match="outside the Member States assigned to you"):
        update_edit(update=update, user=scoped_editor, state=cell_at("R03", "NGA").state)
    update.refresh_from_db()
    assert update.cell.state.iso3 == "FRA"


def test_the_service_enforces_length_limits(editor):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        update_log(
            user=editor,
            recommendation=cell_at().recommendation,
            state=cell_at().state,
            status=Status.PLANNED,
            effective_date=datetime.date(2020, 1, 1),
            narrative="x" * 10_001,
            source="government",
        )
    assert "narrative" in error.value.message_dict
    assert not ProgressUpdate.objects.exists()


def test_yearly_counts_and_month_ends_follow_out_of_order_approvals_and_withdrawals(
    editor, reviewer, superuser
):
    """The dashboard's yearly summary, the statuses at months' ends and the monthly counts equal
    the approved log after every kind of step."""
    other = cell_at("R04", "KEN")
    first = log(editor, day=datetime.date(2019, 3, 1))
    second = log(editor, day=datetime.date(2019, 9, 1), status=Status.PLANNED)
    third = log(editor, day=datetime.date(2018, 1, 1), cell=other)
    for update in (second, third, first):  # out of order
        update_approve(update=update, user=reviewer)
        assert year_counts() == counted_from_the_log()
        assert month_ends_kept() == month_ends_from_the_log()
        assert month_counts_kept() == month_counts_from_the_log()
    assert (first.cell_id, 2019, Status.IN_PROGRESS, 1) in year_counts()
    # March to September 2019: the backdated March update stands until the September one.
    march = {(day, status) for cell, day, status, _ in month_ends_kept() if cell == first.cell_id}
    assert (datetime.date(2019, 8, 31), Status.IN_PROGRESS) in march
    assert (datetime.date(2019, 9, 30), Status.PLANNED) in march
    assert (datetime.date(2019, 9, 1), Status.PLANNED, 1) in month_counts_kept()
    update_withdraw(update=second, user=superuser, reason="Duplicate of the March report.")
    assert year_counts() == counted_from_the_log()
    assert month_ends_kept() == month_ends_from_the_log()
    assert month_counts_kept() == month_counts_from_the_log()
    assert (datetime.date(2019, 9, 1), Status.PLANNED, 1) not in month_counts_kept()
    update_withdraw(update=third, user=superuser, reason="Wrong country.")
    assert year_counts() == counted_from_the_log()
    assert month_ends_kept() == month_ends_from_the_log()
    assert month_counts_kept() == month_counts_from_the_log()
    assert not CellYearCount.objects.filter(cell=other).exists()
    assert not [row for row in month_ends_kept() if row[0] == other.pk]


def test_the_author_is_told_in_the_language_they_chose(
    editor, reviewer, django_capture_on_commit_callbacks
):
    from django.utils import translation

    from recommendations.services.preferences import language_remember

    language_remember(editor, "fr")
    update = log(editor)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        update_return(update=update, user=reviewer, comment="Précisez la loi.")

    message = mail.outbox[0]
    with translation.override("fr"):
        returned = translation.gettext("Your update on %(code)s / %(state)s was returned")
    assert returned != "Your update on %(code)s / %(state)s was returned"
    assert message.subject == returned % {"code": "R03", "state": "France"}
    assert "Précisez la loi." in message.body


def test_logging_within_a_transaction_is_refused_outside_one(editor, monkeypatch):
    """``update_log_within`` (the import's) has no transaction of its own: it needs the
    caller's, which rolls back whole."""
    from django.db import transaction

    from recommendations.models import MemberState, Recommendation
    from recommendations.services import update_log_within

    # As if none were open (the wrapper itself: the connection proxy would lose the attribute).
    monkeypatch.setattr(transaction.get_connection(), "in_atomic_block", False)

    with pytest.raises(RuntimeError, match="inside the caller's transaction"):
        update_log_within(
            user=editor,
            recommendation=Recommendation.objects.get(code="R01"),
            state=MemberState.objects.get(iso3="FRA"),
            status="planned",
            effective_date=datetime.date(2024, 3, 15),
            narrative="A plan.",
            source="government",
        )
