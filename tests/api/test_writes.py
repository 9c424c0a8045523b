"""Writing through the API: editors log, edit and submit; reviewers approve and return;
administrators withdraw. Every step is the web's service, so scope, four-eyes, history and mail
hold exactly as on the pages, and every refusal is JSON naming the rule or the fields."""

import datetime
import json

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from recommendations.models import Cell, ProgressUpdate, ReviewState, Status
from recommendations.services import update_approve, update_log
from tests.api.requests import UPDATES, assert_error, detail, new_update, send
from tests.factories import ProgressUpdateFactory, UserFactory, cell_at, in_group

pytestmark = pytest.mark.django_db


def logged(author, *, submit: bool, iso3: str = "FRA", code: str = "R03", **fields):
    """An update logged through the service (not the API under test)."""
    cell = cell_at(code, iso3)
    return update_log(
        user=author,
        recommendation=cell.recommendation,
        state=cell.state,
        status=fields.pop("status", Status.IN_PROGRESS),
        effective_date=fields.pop("effective_date", datetime.date(2020, 5, 1)),
        narrative=fields.pop("narrative", "Logged through the service."),
        source="government",
        submit=submit,
        **fields,
    )


def latest_history(update):
    return ProgressUpdate.history.filter(id=update.pk).latest("history_date")


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run a request's after-commit work (the mails) as the commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --------------------------------------------------------------------------------------------
# The editor's round: draft, edit, submit
# --------------------------------------------------------------------------------------------


def test_an_editor_logs_a_draft_edits_it_and_submits_it_and_the_reviewers_are_mailed(
    client, editor, reviewer, token_header, on_commit
):
    as_editor = token_header(editor)

    with on_commit():
        created = send(client, "post", UPDATES, new_update(), headers=as_editor)

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["review_state"] == ReviewState.DRAFT
    assert created["Location"] == f"http://testserver{detail(body['id'])}"
    update = ProgressUpdate.objects.get(pk=body["id"])
    assert update.reported_by == editor
    assert update.cell == cell_at("R03", "FRA")
    assert update.evidence == "https://example.org/decree"
    assert latest_history(update).history_user == editor
    assert mail.outbox == []  # a draft is the author's alone

    with on_commit():
        edited = send(
            client, "patch", detail(update), {"narrative": "Set up by law."}, headers=as_editor
        )

    assert edited.status_code == 200, edited.content
    assert edited.json()["narrative"] == "Set up by law."
    update.refresh_from_db()
    assert (update.narrative, update.review_state) == ("Set up by law.", ReviewState.DRAFT)
    assert latest_history(update).history_user == editor
    assert mail.outbox == []

    with on_commit():
        submitted = send(client, "post", f"{detail(update)}submit/", headers=as_editor)

    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["review_state"] == ReviewState.SUBMITTED
    update.refresh_from_db()
    assert update.review_state == ReviewState.SUBMITTED
    assert update.submitted_at is not None
    assert latest_history(update).history_user == editor
    assert [message.to for message in mail.outbox] == [[reviewer.email]]
    assert f"#{update.pk}" in mail.outbox[0].subject


def test_logging_with_submit_true_lands_the_update_in_review(
    client, editor, reviewer, token_header, on_commit
):
    with on_commit():
        response = send(
            client, "post", UPDATES, new_update(submit=True), headers=token_header(editor)
        )

    assert response.status_code == 201, response.content
    update = ProgressUpdate.objects.get(pk=response.json()["id"])
    assert update.review_state == ReviewState.SUBMITTED
    assert update.submitted_at is not None
    assert [message.to for message in mail.outbox] == [[reviewer.email]]


def test_the_workflow_fields_cannot_be_set_by_the_client(client, editor, reviewer, token_header):
    """review_state, reported_by, reviewed_by are the workflow's: a body naming them is not
    obeyed, on create nor on edit."""
    forged = {
        "review_state": "approved",
        "reported_by": reviewer.pk,
        "reviewed_by": reviewer.pk,
        "id": 1,
    }
    created = send(
        client, "post", UPDATES, new_update(**forged), headers=token_header(editor)
    ).json()
    update = ProgressUpdate.objects.get(pk=created["id"])
    assert (update.review_state, update.reported_by, update.reviewed_by) == (
        ReviewState.DRAFT,
        editor,
        None,
    )

    response = send(client, "patch", detail(update), forged, headers=token_header(editor))

    update.refresh_from_db()
    assert response.status_code in (200, 400)
    assert (update.review_state, update.reported_by, update.reviewed_by) == (
        ReviewState.DRAFT,
        editor,
        None,
    )
    assert cell_at("R03", "FRA").current_update_id is None


# --------------------------------------------------------------------------------------------
# Review: approve, return, four-eyes
# --------------------------------------------------------------------------------------------


def test_a_reviewer_approves_and_the_cells_current_status_follows(
    client, editor, reviewer, token_header, on_commit
):
    update = logged(editor, submit=True, status=Status.IMPLEMENTED)
    assert cell_at("R03", "FRA").current_status != Status.IMPLEMENTED

    with on_commit():
        response = send(
            client,
            "post",
            f"{detail(update)}approve/",
            {"comment": "Checked against the decree."},
            headers=token_header(reviewer),
        )

    assert response.status_code == 200, response.content
    assert response.json()["review_state"] == ReviewState.APPROVED
    update.refresh_from_db()
    assert (update.review_state, update.reviewed_by) == (ReviewState.APPROVED, reviewer)
    assert update.review_comment == "Checked against the decree."
    cell = Cell.objects.get(pk=update.cell_id)
    assert (cell.current_status, cell.current_update_id) == (Status.IMPLEMENTED, update.pk)
    assert cell.status_date == update.effective_date
    assert latest_history(update).history_user == reviewer
    assert [message.to for message in mail.outbox] == [[editor.email]]  # the author is told


def test_a_reviewer_returns_an_update_only_with_a_comment(client, editor, reviewer, token_header):
    update = logged(editor, submit=True)
    as_reviewer = token_header(reviewer)

    for empty in ({}, {"comment": ""}, {"comment": "   "}):
        refused = send(client, "post", f"{detail(update)}return/", empty, headers=as_reviewer)
        assert_error(refused, 400, "comment")
        update.refresh_from_db()
        assert update.review_state == ReviewState.SUBMITTED

    returned = send(
        client,
        "post",
        f"{detail(update)}return/",
        {"comment": "Cite the decree's number."},
        headers=as_reviewer,
    )

    assert returned.status_code == 200, returned.content
    update.refresh_from_db()
    assert (update.review_state, update.review_comment) == (
        ReviewState.RETURNED,
        "Cite the decree's number.",
    )
    assert Cell.objects.get(pk=update.cell_id).current_update_id is None


@pytest.mark.parametrize("step", ["approve", "return"])
def test_a_reviewer_cannot_review_their_own_update(client, reviewer, token_header, step):
    """Four-eyes: a reviewer who also edits logs through the API and cannot then review it."""
    in_group(reviewer, "Editors")
    as_reviewer = token_header(reviewer)
    created = send(client, "post", UPDATES, new_update(submit=True), headers=as_reviewer)
    assert created.status_code == 201, created.content

    response = send(
        client,
        "post",
        f"{detail(created.json()['id'])}{step}/",
        {"comment": "Looks right to me."},
        headers=as_reviewer,
    )

    assert_error(response, 403, "four_eyes")
    update = ProgressUpdate.objects.get(pk=created.json()["id"])
    assert (update.review_state, update.reviewed_by) == (ReviewState.SUBMITTED, None)
    assert cell_at("R03", "FRA").current_update_id is None


@pytest.mark.parametrize("review_state", [ReviewState.APPROVED, ReviewState.RETURNED])
@pytest.mark.parametrize("step", ["approve", "return"])
def test_only_a_submitted_update_is_reviewed(
    client, editor, reviewer, second_reviewer, token_header, review_state, step
):
    update = ProgressUpdateFactory(
        reported_by=editor,
        review_state=review_state,
        reviewed_by=second_reviewer,
        reviewed_at=timezone.now(),
        review_comment="Earlier review.",
    )

    response = send(
        client,
        "post",
        f"{detail(update)}{step}/",
        {"comment": "Again."},
        headers=token_header(reviewer),
    )

    assert_error(response, 409, "submitted")
    update.refresh_from_db()
    assert (update.review_state, update.reviewed_by, update.review_comment) == (
        review_state,
        second_reviewer,
        "Earlier review.",
    )


def test_an_editor_cannot_review(client, editor, token_header):
    """An approved update is public, so the refusal is the role's, not a 404."""
    other = in_group(UserFactory(username="editor-2", is_staff=False), "Editors")
    update = ProgressUpdateFactory(reported_by=other, approved=True)

    response = send(
        client,
        "post",
        f"{detail(update)}approve/",
        {"comment": "Fine."},
        headers=token_header(editor),
    )

    assert_error(response, 403, "reviewer")


# --------------------------------------------------------------------------------------------
# Scope and authorship
# --------------------------------------------------------------------------------------------


def test_a_scoped_editor_cannot_log_for_another_state(client, scoped_editor, token_header):
    before = ProgressUpdate.objects.count()

    response = send(
        client, "post", UPDATES, new_update(state="DEU"), headers=token_header(scoped_editor)
    )

    error = assert_error(response, 403, "scope")
    assert "Germany" in error["detail"]
    assert ProgressUpdate.objects.count() == before


def test_a_scoped_editor_cannot_move_a_draft_to_another_state(client, scoped_editor, token_header):
    as_editor = token_header(scoped_editor)
    created = send(client, "post", UPDATES, new_update(state="FRA"), headers=as_editor)
    assert created.status_code == 201, created.content

    response = send(
        client, "patch", detail(created.json()["id"]), {"state": "DEU"}, headers=as_editor
    )

    assert_error(response, 403, "scope")
    update = ProgressUpdate.objects.get(pk=created.json()["id"])
    assert update.cell == cell_at("R03", "FRA")


def test_an_editor_cannot_see_nor_change_another_persons_draft(client, editor, token_header):
    other = in_group(UserFactory(username="editor-2", is_staff=False), "Editors")
    draft = ProgressUpdateFactory(reported_by=other, narrative="Theirs.")
    as_editor = token_header(editor)

    for method, url, body in [
        ("get", detail(draft), None),
        ("patch", detail(draft), {"narrative": "Mine now."}),
        ("post", f"{detail(draft)}submit/", None),
    ]:
        assert_error(send(client, method, url, body, headers=as_editor), 404, "not_found")

    draft.refresh_from_db()
    assert (draft.narrative, draft.review_state) == ("Theirs.", ReviewState.DRAFT)


def test_an_editor_cannot_change_their_submitted_update(client, editor, token_header):
    update = logged(editor, submit=True, narrative="As submitted.")
    as_editor = token_header(editor)

    assert_error(
        send(client, "patch", detail(update), {"narrative": "Changed."}, headers=as_editor),
        409,
        "open",
    )
    assert_error(send(client, "post", f"{detail(update)}submit/", headers=as_editor), 409, "open")
    update.refresh_from_db()
    assert update.narrative == "As submitted."


def test_an_editor_edits_and_resubmits_a_returned_update(
    client, editor, reviewer, token_header, on_commit
):
    update = logged(editor, submit=True)
    send(
        client,
        "post",
        f"{detail(update)}return/",
        {"comment": "Add the decree."},
        headers=token_header(reviewer),
    )
    mail.outbox.clear()

    with on_commit():
        response = send(
            client,
            "patch",
            detail(update),
            {"evidence": ["https://example.org/decree"], "submit": True},
            headers=token_header(editor),
        )

    assert response.status_code == 200, response.content
    update.refresh_from_db()
    assert update.review_state == ReviewState.SUBMITTED
    assert update.evidence == "https://example.org/decree"
    assert [message.to for message in mail.outbox] == [[reviewer.email]]


# --------------------------------------------------------------------------------------------
# Who may write at all
# --------------------------------------------------------------------------------------------

WRITES = [
    ("post", "", new_update()),
    ("patch", "{id}/", {"narrative": "Changed."}),
    ("post", "{id}/submit/", None),
    ("post", "{id}/approve/", {"comment": "Fine."}),
    ("post", "{id}/return/", {"comment": "Why?"}),
    ("post", "{id}/withdraw/", {"reason": "Duplicate."}),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_anonymous_writes_are_refused_with_a_json_401(client, editor, method, path, body):
    update = ProgressUpdateFactory(reported_by=editor, approved=True)
    before = ProgressUpdate.history.count()

    response = send(client, method, UPDATES + path.format(id=update.pk), body)

    assert_error(response, 401, "authentication")
    assert response["WWW-Authenticate"] == "Token"
    assert ProgressUpdate.history.count() == before
    update.refresh_from_db()
    assert update.review_state == ReviewState.APPROVED


@pytest.mark.parametrize(
    "header", ["Token dt_0000000000000000", "Token", "Token two words", "Token \u00e9"]
)
def test_a_write_with_a_broken_token_is_refused_with_401(client, editor, header):
    before = ProgressUpdate.objects.count()

    response = send(client, "post", UPDATES, new_update(), headers={"Authorization": header})

    assert_error(response, 401, "authentication")
    assert ProgressUpdate.objects.count() == before


def test_a_user_with_no_role_cannot_log(client, token_header):
    nobody = UserFactory(username="visitor", is_staff=False)
    before = ProgressUpdate.objects.count()

    response = send(client, "post", UPDATES, new_update(), headers=token_header(nobody))

    assert_error(response, 403, "editor")
    assert ProgressUpdate.objects.count() == before


# --------------------------------------------------------------------------------------------
# Withdrawal
# --------------------------------------------------------------------------------------------


@pytest.fixture
def two_approved(editor, reviewer):
    """Two approved updates of R03 x France: planned in 2019, then implemented in 2021."""
    earlier = logged(
        editor, submit=True, status=Status.PLANNED, effective_date=datetime.date(2019, 1, 1)
    )
    update_approve(update=earlier, user=reviewer)
    later = logged(
        editor, submit=True, status=Status.IMPLEMENTED, effective_date=datetime.date(2021, 1, 1)
    )
    update_approve(update=later, user=reviewer)
    assert cell_at("R03", "FRA").current_update_id == later.pk
    return earlier, later


def test_an_administrator_withdraws_an_approved_update_and_the_cell_is_recomputed(
    client, superuser, token_header, two_approved
):
    earlier, later = two_approved

    response = send(
        client,
        "post",
        f"{detail(later)}withdraw/",
        {"reason": "Logged against the wrong recommendation."},
        headers=token_header(superuser),
    )

    assert response.status_code == 200, response.content
    assert response.json()["review_state"] == ReviewState.WITHDRAWN
    later.refresh_from_db()
    assert (later.review_state, later.withdrawn_by) == (ReviewState.WITHDRAWN, superuser)
    assert later.withdrawal_reason == "Logged against the wrong recommendation."
    cell = cell_at("R03", "FRA")
    assert (cell.current_status, cell.current_update_id) == (Status.PLANNED, earlier.pk)
    assert cell.status_date == earlier.effective_date
    assert latest_history(later).history_user == superuser


@pytest.mark.parametrize("role", ["editor", "reviewer", "second_reviewer"])
def test_only_an_administrator_withdraws(client, request, token_header, two_approved, role):
    _earlier, later = two_approved

    response = send(
        client,
        "post",
        f"{detail(later)}withdraw/",
        {"reason": "Duplicate."},
        headers=token_header(request.getfixturevalue(role)),
    )

    assert_error(response, 403, "administrator")
    later.refresh_from_db()
    assert later.review_state == ReviewState.APPROVED
    assert cell_at("R03", "FRA").current_update_id == later.pk


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": None}])
def test_a_withdrawal_needs_a_reason(client, superuser, token_header, two_approved, body):
    _earlier, later = two_approved

    response = send(
        client, "post", f"{detail(later)}withdraw/", body, headers=token_header(superuser)
    )

    error = assert_error(response, 400, "invalid")
    assert list(error["fields"]) == ["reason"]
    later.refresh_from_db()
    assert later.review_state == ReviewState.APPROVED


def test_only_an_approved_update_is_withdrawn(client, editor, superuser, token_header):
    update = logged(editor, submit=True)

    response = send(
        client,
        "post",
        f"{detail(update)}withdraw/",
        {"reason": "Duplicate."},
        headers=token_header(superuser),
    )

    assert_error(response, 409, "approved")
    update.refresh_from_db()
    assert update.review_state == ReviewState.SUBMITTED


# --------------------------------------------------------------------------------------------
# Bad input: 400 or 415 naming the fields, never a 500, nothing written
# --------------------------------------------------------------------------------------------

TOMORROW = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()

BAD_BODIES = {
    "missing fields": (
        {},
        ["effective_date", "narrative", "recommendation", "source", "state", "status"],
    ),
    "unknown recommendation": (new_update(recommendation="R99"), ["recommendation"]),
    "unknown ISO3": (new_update(state="QQQ"), ["state"]),
    "date in year 1": (new_update(effective_date="0001-01-01"), ["effective_date"]),
    "date before 1945": (new_update(effective_date="1944-12-31"), ["effective_date"]),
    "future date": (new_update(effective_date=TOMORROW), ["effective_date"]),
    "not a date": (new_update(effective_date="last Tuesday"), ["effective_date"]),
    "script link": (new_update(evidence=["javascript:alert(1)"]), ["evidence"]),
    "evidence as text": (new_update(evidence="https://example.org/a"), ["evidence"]),
    "too many links": (
        new_update(evidence=[f"https://example.org/{n}" for n in range(51)]),
        ["evidence"],
    ),
    "huge narrative": (new_update(narrative="x" * 20_000), ["narrative"]),
    "blank narrative": (new_update(narrative="   "), ["narrative"]),
    "no information is not reported": (new_update(status="no_information"), ["status"]),
    "unknown status": (new_update(status="great"), ["status"]),
    "unknown source": (new_update(source="rumour"), ["source"]),
    "nulls": (
        new_update(recommendation=None, state=None, narrative=None, effective_date=None),
        ["effective_date", "narrative", "recommendation", "state"],
    ),
    "wrong types": (
        new_update(status=5, effective_date=20200501, submit="perhaps", state=["FRA"]),
        ["effective_date", "state", "status", "submit"],
    ),
    "nested objects": (
        new_update(recommendation={"code": "R03"}, narrative={"text": "hello"}),
        ["narrative", "recommendation"],
    ),
    "a list, not an object": ([new_update()], ["non_field_errors"]),
    "a bare string": (json.dumps("hello"), ["non_field_errors"]),
    "a number": ("42", ["non_field_errors"]),
    "null": ("null", ["non_field_errors"]),
}


@pytest.mark.parametrize(("body", "fields"), BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_input_is_refused_naming_the_fields(client, editor, token_header, body, fields):
    before = ProgressUpdate.objects.count()

    response = send(client, "post", UPDATES, body, headers=token_header(editor))

    error = assert_error(response, 400, "invalid")
    assert sorted(error["fields"]) == fields
    assert all(error["fields"][name] for name in fields)
    assert ProgressUpdate.objects.count() == before


@pytest.mark.parametrize(
    ("content", "content_type", "status", "rule"),
    [
        ('{"recommendation": "R03", ', "application/json", 400, "malformed"),
        ("\xff\xfe not text", "application/json", 400, "malformed"),
        ("", "application/json", 400, "invalid"),
        ("recommendation=R03&state=FRA", "application/x-www-form-urlencoded", 415, "media_type"),
        ("<update/>", "application/xml", 415, "media_type"),
        (json.dumps(new_update()), "text/plain", 415, "media_type"),
    ],
    ids=["broken JSON", "not UTF-8", "empty body", "form-encoded", "XML", "text/plain"],
)
def test_a_body_that_is_not_json_is_refused(
    client, editor, token_header, content, content_type, status, rule
):
    before = ProgressUpdate.objects.count()

    response = client.post(
        UPDATES,
        data=content.encode("latin-1") if content.startswith("\xff") else content,
        content_type=content_type,
        headers=token_header(editor),
    )

    assert_error(response, status, rule)
    assert ProgressUpdate.objects.count() == before


def test_a_multipart_form_is_refused(client, editor, token_header):
    before = ProgressUpdate.objects.count()

    response = client.post(UPDATES, data=new_update(), headers=token_header(editor))

    assert_error(response, 415, "media_type")
    assert ProgressUpdate.objects.count() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"effective_date": "0001-01-01"}, "effective_date"),
        ({"effective_date": TOMORROW}, "effective_date"),
        ({"evidence": ["javascript:alert(1)"]}, "evidence"),
        ({"narrative": "x" * 20_000}, "narrative"),
        ({"narrative": None}, "narrative"),
        ({"state": "QQQ"}, "state"),
        ({"status": "no_information"}, "status"),
    ],
)
def test_a_bad_edit_is_refused_and_the_draft_is_unchanged(
    client, editor, token_header, changes, field
):
    draft = logged(editor, submit=False, narrative="As drafted.")
    history = ProgressUpdate.history.filter(id=draft.pk).count()

    response = send(client, "patch", detail(draft), changes, headers=token_header(editor))

    error = assert_error(response, 400, "invalid")
    assert list(error["fields"]) == [field]
    draft.refresh_from_db()
    assert (draft.narrative, draft.effective_date, draft.evidence, draft.cell) == (
        "As drafted.",
        datetime.date(2020, 5, 1),
        "",
        cell_at("R03", "FRA"),
    )
    assert ProgressUpdate.history.filter(id=draft.pk).count() == history


@pytest.mark.parametrize("pk", ["0", "999999999", "9223372036854775807", "9999999999999999999"])
def test_writing_to_an_update_that_does_not_exist_answers_404(client, editor, token_header, pk):
    response = send(client, "patch", detail(pk), {"narrative": "x"}, headers=token_header(editor))

    assert_error(response, 404, "not_found")


# --------------------------------------------------------------------------------------------
# Sessions (the browsable API) need CSRF; PUT and DELETE are not offered
# --------------------------------------------------------------------------------------------


def test_a_signed_in_browser_writes_only_with_the_csrf_token(editor):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    before = ProgressUpdate.objects.count()

    forged = send(browser, "post", UPDATES, new_update())

    error = assert_error(forged, 403, "permission")
    assert "CSRF" in error["detail"]
    assert ProgressUpdate.objects.count() == before

    browser.get("/tokens/")  # any page with a form sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    allowed = send(browser, "post", UPDATES, new_update(), headers={"X-CSRFToken": token})

    assert allowed.status_code == 201, allowed.content
    assert ProgressUpdate.objects.get(pk=allowed.json()["id"]).reported_by == editor


@pytest.mark.parametrize("method", ["put", "delete"])
@pytest.mark.parametrize("on", ["list", "detail"])
def test_put_and_delete_answer_405_in_json(client, editor, token_header, method, on):
    draft = logged(editor, submit=False, narrative="As drafted.")
    url = UPDATES if on == "list" else detail(draft)

    response = send(
        client, method, url, new_update(narrative="Replaced."), headers=token_header(editor)
    )

    assert_error(response, 405, "method")
    assert method.upper() not in response["Allow"]
    draft.refresh_from_db()
    assert draft.narrative == "As drafted."
