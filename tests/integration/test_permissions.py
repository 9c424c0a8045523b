"""Who may do what: every role against every write. No unauthorised write goes through."""

import pytest

from recommendations.models import Cell, ProgressUpdate, ReviewState, Status
from recommendations.services import update_approve
from tests.factories import ProgressUpdateFactory, UserFactory, in_group

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "editor", "scoped_editor", "reviewer", "superuser"]
CHANGELIST = "/admin/recommendations/progressupdate/"


@pytest.fixture
def author(db):
    return in_group(UserFactory(username="author", is_staff=False), "Editors")


@pytest.fixture
def as_role(client, request):
    def sign_in(role):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return sign_in


def post_log(client, state):
    return client.post(
        "/updates/new/",
        {
            "recommendation": "R03",
            "state": state,
            "status": "planned",
            "effective_date": "2020-01-01",
            "narrative": "Planned.",
            "source": "government",
            "action": "submit",
        },
    )


@pytest.mark.parametrize(
    ("role", "state", "saved"),
    [
        ("anonymous", "NGA", False),
        ("editor", "NGA", True),
        ("scoped_editor", "NGA", False),
        ("scoped_editor", "FRA", True),
        ("reviewer", "NGA", False),
        ("superuser", "NGA", True),
    ],
)
def test_logging_an_update(as_role, role, state, saved):
    response = post_log(as_role(role), state)
    assert ProgressUpdate.objects.exists() is saved
    if role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    if role == "reviewer":
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_editing_someone_elses_draft_is_refused(as_role, role, author):
    draft = ProgressUpdateFactory(
        reported_by=author,
        cell=Cell.objects.get(recommendation__code="R03", state__iso3="FRA"),
        narrative="Original",
    )
    response = as_role(role).post(
        f"/updates/{draft.pk}/edit/",
        {
            "recommendation": "R03",
            "state": "FRA",
            "status": "planned",
            "effective_date": "2020-01-01",
            "narrative": "Tampered",
            "source": "government",
        },
    )
    draft.refresh_from_db()
    assert draft.narrative == "Original"
    assert response.status_code in (302, 403, 404)


def review(client, action, update, comment="Reason given."):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [update.pk], "apply": "1", "comment": comment},
        follow=True,
    )


@pytest.mark.parametrize(
    ("role", "action", "outcome"),
    [
        ("anonymous", "approve", ReviewState.SUBMITTED),
        ("editor", "approve", ReviewState.SUBMITTED),
        ("scoped_editor", "approve", ReviewState.SUBMITTED),
        ("reviewer", "approve", ReviewState.APPROVED),
        ("superuser", "approve", ReviewState.APPROVED),
        ("anonymous", "return_to_author", ReviewState.SUBMITTED),
        ("editor", "return_to_author", ReviewState.SUBMITTED),
        ("reviewer", "return_to_author", ReviewState.RETURNED),
        ("superuser", "return_to_author", ReviewState.RETURNED),
        ("scoped_editor", "return_to_author", ReviewState.SUBMITTED),
    ],
)
def test_reviewing_in_the_admin(as_role, role, action, outcome, author):
    update = ProgressUpdateFactory(reported_by=author, review_state=ReviewState.SUBMITTED)
    review(as_role(role), action, update)
    update.refresh_from_db()
    assert update.review_state == outcome


def test_the_admin_says_no_when_a_reviewer_approves_their_own_update(client, reviewer):
    in_group(reviewer, "Editors")
    update = ProgressUpdateFactory(reported_by=reviewer, review_state=ReviewState.SUBMITTED)
    client.force_login(reviewer)
    response = review(client, "approve", update)
    assert "another reviewer must approve or return it" in response.text
    update.refresh_from_db()
    assert update.review_state == ReviewState.SUBMITTED


def test_returning_without_a_comment_is_refused(client, reviewer, author):
    update = ProgressUpdateFactory(reported_by=author, review_state=ReviewState.SUBMITTED)
    client.force_login(reviewer)
    response = review(client, "return_to_author", update, comment="")
    assert "A comment is required" in response.text
    update.refresh_from_db()
    assert update.review_state == ReviewState.SUBMITTED


@pytest.mark.parametrize(
    ("role", "withdrawn"),
    [
        ("anonymous", False),
        ("editor", False),
        ("scoped_editor", False),
        ("reviewer", False),
        ("superuser", True),
    ],
)
def test_only_a_superuser_withdraws_an_approved_update(
    as_role, role, withdrawn, author, second_reviewer
):
    update = ProgressUpdateFactory(
        reported_by=author, review_state=ReviewState.SUBMITTED, status=Status.IMPLEMENTED
    )
    update_approve(update=update, user=second_reviewer)
    review(as_role(role), "withdraw", update, comment="Wrong country.")
    update.refresh_from_db()
    assert (update.review_state == ReviewState.WITHDRAWN) is withdrawn
    cell = update.cell
    cell.refresh_from_db()
    assert cell.current_status == (Status.NO_INFORMATION if withdrawn else Status.IMPLEMENTED)


@pytest.mark.parametrize("role", ["reviewer", "superuser"])
def test_nobody_edits_or_deletes_an_approved_update_in_the_admin(
    as_role, role, author, second_reviewer
):
    update = ProgressUpdateFactory(reported_by=author, review_state=ReviewState.SUBMITTED)
    update_approve(update=update, user=second_reviewer)
    client = as_role(role)
    change = client.post(
        f"{CHANGELIST}{update.pk}/change/", {"narrative": "Rewritten", "status": "declined"}
    )
    delete = client.post(f"{CHANGELIST}{update.pk}/delete/", {"post": "yes"})
    bulk = client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [update.pk], "post": "yes"}
    )
    assert change.status_code == 403
    assert delete.status_code == 403
    assert bulk.status_code in (200, 302)
    update.refresh_from_db()
    assert update.narrative != "Rewritten"
    assert update.review_state == ReviewState.APPROVED


def test_reviewers_see_submitted_updates_but_not_other_peoples_drafts(client, reviewer, author):
    ProgressUpdateFactory(reported_by=author, narrative="a draft")
    submitted = ProgressUpdateFactory(reported_by=author, review_state=ReviewState.SUBMITTED)
    client.force_login(reviewer)
    response = client.get(CHANGELIST)
    assert list(response.context["cl"].result_list) == [submitted]


def test_the_reviewers_desk_filters_and_searches(client, reviewer, author):
    nga = ProgressUpdateFactory(
        reported_by=author,
        review_state=ReviewState.SUBMITTED,
        cell=Cell.objects.get(recommendation__code="R19", state__iso3="NGA"),
        narrative="Shelters opened in Lagos",
    )
    ProgressUpdateFactory(reported_by=author, review_state=ReviewState.SUBMITTED, narrative="Other")
    client.force_login(reviewer)
    theme = nga.cell.recommendation.themes.first()
    for params in [
        {"cell__state__regional_group__exact": "african"},
        {"q": "Lagos"},
        {"cell__state__id__exact": nga.cell.state_id},
        {"cell__recommendation__themes__id__exact": theme.pk},
    ]:
        response = client.get(CHANGELIST, params)
        assert list(response.context["cl"].result_list) == [nga], params


def test_history_pages_show_who_changed_what(client, superuser, author, second_reviewer):
    update = ProgressUpdateFactory(reported_by=author, review_state=ReviewState.SUBMITTED)
    update_approve(update=update, user=second_reviewer)
    client.force_login(superuser)
    response = client.get(f"{CHANGELIST}{update.pk}/history/")
    assert response.status_code == 200
    assert "reviewer2" in response.text
    cell = update.cell
    response = client.get(f"/admin/recommendations/cell/{cell.pk}/history/")
    assert response.status_code == 200
    assert "reviewer2" in response.text


@pytest.mark.parametrize("role", ["reviewer", "superuser"])
def test_a_cells_admin_page_shows_its_approved_updates_per_year_read_only(
    as_role, role, author, second_reviewer
):
    update = ProgressUpdateFactory(
        reported_by=author, review_state=ReviewState.SUBMITTED, status=Status.PLANNED
    )
    update_approve(update=update, user=second_reviewer)
    client = as_role(role)
    page = client.get(f"/admin/recommendations/cell/{update.cell_id}/change/")
    assert page.status_code == 200
    (inline,) = page.context["inline_admin_formsets"]
    assert inline.opts.verbose_name_plural == "Approved updates per year"
    assert [form.original.updates for form in inline] == [1]
    assert not inline.has_add_permission
    assert not inline.has_change_permission
    assert not inline.has_delete_permission


@pytest.mark.parametrize("role", ROLES)
def test_nobody_reverts_an_update_or_a_cell_from_its_history_page(
    as_role, role, author, second_reviewer
):
    """History pages are read-only: a revert would bypass four-eyes and the status rule."""
    update = ProgressUpdateFactory(
        reported_by=author, review_state=ReviewState.SUBMITTED, status=Status.IMPLEMENTED
    )
    update_approve(update=update, user=second_reviewer)
    cell = update.cell
    first_version = update.history.earliest("history_date").history_id
    cell_version = cell.history.earliest("history_date").history_id
    client = as_role(role)

    client.post(f"{CHANGELIST}{update.pk}/history/{first_version}/", {"_save": "1"})
    client.post(f"/admin/recommendations/cell/{cell.pk}/history/{cell_version}/", {"_save": "1"})

    update.refresh_from_db()
    cell.refresh_from_db()
    assert update.review_state == ReviewState.APPROVED
    assert cell.current_status == Status.IMPLEMENTED


def test_a_reviewer_cannot_edit_the_catalogue(client, reviewer):
    from recommendations.models import Recommendation

    rec = Recommendation.objects.get(code="R01")
    client.force_login(reviewer)
    response = client.post(
        f"/admin/recommendations/recommendation/{rec.pk}/change/", {"title": "Hijacked"}
    )
    assert response.status_code == 403
    rec.refresh_from_db()
    assert rec.title != "Hijacked"


def test_editors_do_not_see_the_progress_log_in_the_admin(client, editor):
    editor.is_staff = True
    editor.save()
    client.force_login(editor)
    assert client.get(CHANGELIST).status_code == 403
