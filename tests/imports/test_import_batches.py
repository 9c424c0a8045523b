"""A batch from upload to import: preview writes nothing, confirm writes every new row through
the workflow service in one transaction, re-imports add nothing, the worker takes large files."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import TestCase

from recommendations import permissions, services, tasks
from recommendations.models import ImportBatch, ImportState, ProgressUpdate, ReviewState
from recommendations.services import imports as import_services
from tests.factories import ProgressUpdateFactory, UserFactory, cell_at, in_group

HEADER = "recommendation,iso3,status,source,effective_date,narrative,evidence,external_id\n"
GOOD = (
    HEADER + "R01,FRA,in_progress,government,2024-03-15,A national action plan was adopted.,"
    "https://example.org/plan,\n"
    + "R02,DEU,Implemented,UN entity,15/03/2023,The Protocol was ratified.,,DE-7\n"
)


def upload(user, text: str = GOOD, name: str = "follow-up.csv") -> ImportBatch:
    batch = services.batch_upload(user=user, file_name=name, content=text.encode())
    return services.batch_preview_start(batch=batch)


def imported(user, text: str = GOOD, **options) -> ImportBatch:
    batch = upload(user, text)
    return services.batch_confirm(batch=batch, user=user, **options)


def test_the_preview_counts_the_rows_and_writes_nothing(editor):
    batch = upload(editor)

    assert batch.state == ImportState.PREVIEWED
    assert (batch.rows_total, batch.rows_new, batch.rows_rejected) == (2, 2, 0)
    assert not ProgressUpdate.objects.exists()
    assert batch.sha256
    assert batch.size == len(GOOD.encode())


def test_confirmed_rows_are_submitted_attributed_and_linked_to_their_batch(editor):
    batch = imported(editor)

    assert batch.state == ImportState.IMPORTED
    assert batch.rows_created == 2
    updates = ProgressUpdate.objects.filter(import_batch=batch).order_by("effective_date")
    assert [u.review_state for u in updates] == [ReviewState.SUBMITTED] * 2
    assert {u.reported_by for u in updates} == {editor}
    assert [(u.cell, u.status, u.source, u.external_id) for u in updates] == [
        (cell_at("R02", "DEU"), "implemented", "un_entity", "DE-7"),
        (cell_at("R01", "FRA"), "in_progress", "government", ""),
    ]
    assert updates[1].evidence == "https://example.org/plan"
    history = updates[0].history.first()
    assert history.history_user == editor
    assert history.history_change_reason == f"imported in batch #{batch.pk}, submitted"


def test_a_choice_imports_the_rows_as_drafts(editor):
    batch = imported(editor, as_draft=True)

    states = set(batch.updates.values_list("review_state", flat=True))
    assert states == {ReviewState.DRAFT}


def test_importing_the_same_file_twice_creates_nothing_the_second_time(editor):
    imported(editor)

    again = upload(editor)

    assert (again.rows_new, again.rows_present) == (0, 2)
    confirmed = services.batch_confirm(batch=again, user=editor)
    assert confirmed.rows_created == 0
    assert ProgressUpdate.objects.count() == 2


def test_a_changed_row_with_a_known_external_id_is_a_conflict_not_an_overwrite(editor):
    imported(editor)
    changed = GOOD.replace("The Protocol was ratified.", "The Protocol was signed.")

    batch = imported(editor, text=changed)

    assert (batch.rows_conflict, batch.rows_created) == (1, 0)
    assert batch.report["conflicts"][0]["external_id"] == "DE-7"
    assert ProgressUpdate.objects.get(external_id="DE-7").narrative == "The Protocol was ratified."


def test_rows_are_written_all_or_none(editor, monkeypatch):
    """A refusal at the second row rolls back the first: the batch says why, nothing is kept."""
    batch = upload(editor)
    real = import_services.update_log_within
    calls = []

    def refuse_second(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise services.WorkflowError("The second row is refused.")
        return real(**kwargs)

    monkeypatch.setattr(import_services, "update_log_within", refuse_second)

    batch = services.batch_confirm(batch=batch, user=editor)

    assert not ProgressUpdate.objects.exists()
    assert batch.state == ImportState.PREVIEWED
    assert batch.problem == "Nothing was imported: The second row is refused."


def test_a_batch_is_imported_once(editor):
    batch = imported(editor)

    with pytest.raises(services.WorkflowError, match="cannot be imported again"):
        services.batch_confirm(batch=batch, user=editor)
    assert ProgressUpdate.objects.count() == 2


def test_only_the_uploader_confirms_a_batch(editor):
    other = in_group(UserFactory(username="other-editor", is_staff=False), "Editors")
    batch = upload(editor)

    with pytest.raises(services.WorkflowError, match="Only the person who uploaded"):
        services.batch_confirm(batch=batch, user=other)
    assert not ProgressUpdate.objects.exists()


def test_only_editors_import(reviewer):
    with pytest.raises(services.WorkflowError, match="Only editors may import"):
        services.batch_upload(user=reviewer, file_name="x.csv", content=GOOD.encode())
    assert not ImportBatch.objects.exists()


def test_a_scoped_editor_sees_rows_of_other_states_rejected_with_the_reason(scoped_editor):
    batch = upload(scoped_editor)

    assert (batch.rows_new, batch.rows_rejected) == (1, 1)
    (rejection,) = batch.report["rejected"]
    assert rejection["line"] == 3
    assert rejection["column"] == "iso3"
    assert "outside the Member States assigned to you" in rejection["message"]


def test_a_file_over_the_size_limit_is_refused_before_it_is_kept(editor, settings):
    settings.TRACKER_IMPORT_MAX_BYTES = 100

    with pytest.raises(services.WorkflowError, match="at most"):
        services.batch_upload(user=editor, file_name="x.csv", content=GOOD.encode() * 3)
    assert not ImportBatch.objects.exists()


def test_a_file_over_the_row_limit_stops_the_preview(editor, settings):
    settings.TRACKER_IMPORT_MAX_ROWS = 1

    batch = upload(editor)

    assert batch.state == ImportState.FAILED
    assert "more than 1 rows" in batch.problem


def test_the_importer_cannot_approve_their_own_imported_updates(editor, reviewer):
    """Four-eyes holds for imports: even an editor who also reviews needs a second person."""
    in_group(editor, "Reviewers")
    batch = imported(editor)
    update = batch.updates.first()

    assert not permissions.may_review(editor, update)
    services.update_approve(update=update, user=reviewer)
    update.refresh_from_db()
    assert update.review_state == ReviewState.APPROVED


def test_reviewers_hear_of_a_batch_once_not_of_each_update(editor, reviewer, settings):
    settings.TRACKER_REVIEW_MAIL = "each"
    reviewer.email = "reviewer@example.org"
    reviewer.save()

    batch = upload(editor)
    mail.outbox.clear()

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.batch_confirm(batch=batch, user=editor)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["reviewer@example.org"]
    assert "2 imported updates wait for review" in mail.outbox[0].subject
    assert f"?import_batch={batch.pk}" in mail.outbox[0].body


def run_worker(monkeypatch) -> None:
    """The database backend's worker (``manage.py db_worker``), until the queue is empty. It
    closes connections it thinks stale between tasks: here the test's own, in its transaction."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def test_a_large_file_is_read_and_written_by_the_worker(editor, settings, monkeypatch):
    """Past TRACKER_IMPORT_INLINE_ROWS the request only queues the work; the worker (the
    database backend's db_worker) previews, then imports."""
    settings.TRACKER_IMPORT_INLINE_ROWS = 1

    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = upload(editor)
    assert batch.state == ImportState.QUEUED

    run_worker(monkeypatch)
    batch.refresh_from_db()
    assert batch.state == ImportState.PREVIEWED
    assert batch.rows_new == 2

    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = services.batch_confirm(batch=batch, user=editor)
    assert batch.state == ImportState.IMPORTING
    assert not ProgressUpdate.objects.exists()

    run_worker(monkeypatch)
    batch.refresh_from_db()
    assert batch.state == ImportState.IMPORTED
    assert batch.rows_created == 2


def test_an_unexpected_error_in_the_worker_is_told_on_the_batch(editor, settings, monkeypatch):
    settings.TRACKER_IMPORT_INLINE_ROWS = 1
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = upload(editor)

    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(tasks.imports, "batch_preview", broken)
    with pytest.raises(RuntimeError):
        tasks.import_preview.call(batch.pk)

    batch.refresh_from_db()
    assert batch.state == ImportState.FAILED
    assert "stopped on an error" in batch.problem


def test_another_users_draft_is_not_taken_for_the_row(editor):
    """A draft is its author's alone: an identical row of someone else's draft is still new."""
    ProgressUpdateFactory(
        cell=cell_at("R01", "FRA"),
        status="in_progress",
        effective_date="2024-03-15",
        narrative="A national action plan was adopted.",
    )

    batch = upload(editor)

    assert batch.rows_new == 2


# Reviewing a whole batch -----------------------------------------------------------------------


def test_a_reviewer_approves_a_whole_batch_and_the_importer_hears_once(editor, reviewer):
    editor.email = "editor@example.org"
    editor.save()
    batch = imported(editor)
    mail.outbox.clear()

    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = services.batch_review(batch=batch, user=reviewer, decision="approve")

    assert set(batch.updates.values_list("review_state", flat=True)) == {ReviewState.APPROVED}
    assert cell_at("R02", "DEU").current_status == "implemented"
    assert batch.report["reviews"][-1]["done"] == 2
    assert [message.to for message in mail.outbox] == [["editor@example.org"]]
    assert "2 updates of your import" in mail.outbox[0].subject


def test_nobody_reviews_a_batch_they_imported(editor):
    in_group(editor, "Reviewers")
    batch = imported(editor)

    with pytest.raises(services.WorkflowError, match="four-eyes"):
        services.batch_review(batch=batch, user=editor, decision="approve")
    assert set(batch.updates.values_list("review_state", flat=True)) == {ReviewState.SUBMITTED}


def test_returning_a_batch_needs_a_comment_that_each_update_carries(editor, reviewer):
    batch = imported(editor)

    with pytest.raises(services.WorkflowError, match="Say why"):
        services.batch_review(batch=batch, user=reviewer, decision="return")
    services.batch_review(batch=batch, user=reviewer, decision="return", comment="Cite sources.")

    returned = batch.updates.order_by().values_list("review_state", "review_comment").distinct()
    assert list(returned) == [(ReviewState.RETURNED, "Cite sources.")]


def test_a_batch_review_takes_only_the_updates_still_waiting(editor, reviewer, second_reviewer):
    batch = imported(editor)
    first = batch.updates.order_by("pk").first()
    services.update_return(update=first, user=second_reviewer, comment="Check the date.")

    batch = services.batch_review(batch=batch, user=reviewer, decision="approve")

    assert batch.report["reviews"][-1]["done"] == 1
    first.refresh_from_db()
    assert first.review_state == ReviewState.RETURNED


def test_a_large_batch_is_reviewed_by_the_worker(editor, reviewer, settings, monkeypatch):
    batch = imported(editor)
    settings.TRACKER_IMPORT_INLINE_ROWS = 1

    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = services.batch_review(batch=batch, user=reviewer, decision="approve")
    assert batch.review_running
    with pytest.raises(services.WorkflowError, match="being reviewed already"):
        services.batch_review(batch=batch, user=reviewer, decision="approve")

    run_worker(monkeypatch)

    batch.refresh_from_db()
    assert not batch.review_running
    assert set(batch.updates.values_list("review_state", flat=True)) == {ReviewState.APPROVED}


def test_the_batch_page_offers_its_review_to_other_reviewers_only(client, editor, reviewer):
    in_group(editor, "Reviewers")
    batch = imported(editor)

    client.force_login(reviewer)
    theirs = client.get(batch.get_absolute_url()).content.decode()
    client.force_login(editor)
    own = client.get(batch.get_absolute_url()).content.decode()

    assert "Approve all 2 updates" in theirs
    assert "Approve all 2 updates" not in own
    assert "another reviewer must approve or return its updates" in own


def test_a_reviewer_approves_the_batch_from_its_page(client, editor, reviewer):
    batch = imported(editor)
    client.force_login(reviewer)

    response = client.post(
        f"/imports/{batch.pk}/review/", {"decision": "approve", "comment": ""}, follow=True
    )

    assert "2 updates approved." in response.content.decode()
    assert set(batch.updates.values_list("review_state", flat=True)) == {ReviewState.APPROVED}
    again = client.post(f"/imports/{batch.pk}/review/", {"decision": "approve"}, follow=True)
    assert "No update of batch" in again.content.decode()


def test_returning_a_batch_without_a_comment_is_said_at_the_field(client, editor, reviewer):
    batch = imported(editor)
    client.force_login(reviewer)

    response = client.post(f"/imports/{batch.pk}/review/", {"decision": "return", "comment": " "})

    page = response.content.decode()
    assert response.status_code == 400
    assert 'aria-invalid="true"' in page
    assert "Say why the update is returned" in page
    assert set(batch.updates.values_list("review_state", flat=True)) == {ReviewState.SUBMITTED}


def test_the_batch_page_counts_its_updates_as_they_are_reviewed(client, editor, reviewer):
    batch = imported(editor)
    services.update_approve(update=batch.updates.first(), user=reviewer)
    client.force_login(editor)

    page = client.get(batch.get_absolute_url()).content.decode()

    assert "Submitted for review: 1; Approved: 1" in page


# What changes between the preview and the confirmation, and a worker that never comes ----------


def test_a_confirmation_writes_only_what_the_preview_showed(scoped_editor):
    """The editor's Member States change between preview and confirm: nothing is written, and
    the new preview says what would be."""
    from recommendations.models import MemberState

    batch = upload(scoped_editor)
    assert batch.rows_new == 1  # France; Germany is outside the scope
    scoped_editor.editor_scope.states.set([MemberState.objects.get(iso3="DEU")])

    batch = services.batch_confirm(batch=batch, user=scoped_editor)

    assert not ProgressUpdate.objects.exists()
    assert batch.state == ImportState.PREVIEWED
    assert "no longer those of the preview" in batch.problem
    assert batch.report["new_lines"] == [3]
    confirmed = services.batch_confirm(batch=batch, user=scoped_editor)
    assert list(confirmed.updates.values_list("cell__state__iso3", flat=True)) == ["DEU"]


def test_a_changed_link_under_a_known_external_id_is_a_conflict(editor):
    imported(editor)
    changed = GOOD.replace("DE-7\n", "DE-7\n").replace(
        "The Protocol was ratified.,,DE-7", "The Protocol was ratified.,https://example.org/x,DE-7"
    )

    batch = upload(editor, changed)

    assert (batch.rows_conflict, batch.rows_present) == (1, 1)


def test_a_batch_the_worker_never_takes_can_be_cancelled_without_writing(editor, settings):
    settings.TRACKER_IMPORT_INLINE_ROWS = 1
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = upload(editor)
    assert batch.state == ImportState.QUEUED

    batch = services.batch_cancel(batch=batch, user=editor)

    assert batch.state == ImportState.FAILED
    assert batch.problem == "Cancelled before the file was read."
    # The task, should a worker come after all, leaves the cancelled batch alone.
    tasks.import_preview.call(batch.pk)
    batch.refresh_from_db()
    assert batch.state == ImportState.FAILED


def test_a_write_cancelled_before_the_worker_came_is_confirmed_again(editor, settings):
    batch = upload(editor)
    settings.TRACKER_IMPORT_INLINE_ROWS = 1
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = services.batch_confirm(batch=batch, user=editor)

    batch = services.batch_cancel(batch=batch, user=editor)
    tasks.import_write.call(batch.pk)

    assert batch.state == ImportState.PREVIEWED
    assert not ProgressUpdate.objects.exists()
    assert services.batch_confirm(batch=batch, user=editor, inline=True).rows_created == 2


def test_only_the_uploader_cancels(editor, settings):
    other = in_group(UserFactory(username="other-editor", is_staff=False), "Editors")
    settings.TRACKER_IMPORT_INLINE_ROWS = 1
    batch = upload(editor)

    with pytest.raises(services.WorkflowError, match="Only the person who uploaded"):
        services.batch_cancel(batch=batch, user=other)
