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
    assert "Say why the update is returned, so its author can correct it." in response.text
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


# --------------------------------------------------------------------------------------------
# A draft is its author's alone: pages, exports and history
# --------------------------------------------------------------------------------------------


def history_urls(update):
    base = f"/admin/recommendations/progressupdate/{update.pk}/history/"
    return [base] + [
        f"{base}{version}/" for version in update.history.values_list("history_id", flat=True)
    ]


@pytest.mark.parametrize("role", ["reviewer", "superuser", "editor"])
def test_nobody_but_its_author_reads_a_draft_anywhere(as_role, role, author):
    draft = ProgressUpdateFactory(reported_by=author, narrative="Secret first thoughts.")
    client = as_role(role)
    for url in [
        f"/updates/{draft.pk}/",
        f"/updates/{draft.pk}/edit/",
        f"/admin/recommendations/progressupdate/{draft.pk}/change/",
        *history_urls(draft),
    ]:
        response = client.get(url, follow=True)
        assert "Secret first thoughts." not in response.content.decode(), url
    assert "Secret first thoughts." not in client.get("/updates/?format=csv").getvalue().decode()
    assert "Secret first thoughts." not in client.get(CHANGELIST).content.decode()


def test_the_author_reads_their_draft_and_its_history(client, author):
    draft = ProgressUpdateFactory(reported_by=author, narrative="Secret first thoughts.")
    client.force_login(author)
    assert "Secret first thoughts." in client.get(f"/updates/{draft.pk}/").content.decode()


def test_a_submitted_updates_history_hides_its_draft_versions_from_reviewers(
    client, reviewer, author
):
    from recommendations.services import update_edit, update_log

    update = update_log(
        user=author,
        recommendation=Cell.objects.get(
            recommendation__code="R03", state__iso3="FRA"
        ).recommendation,
        state=Cell.objects.get(recommendation__code="R03", state__iso3="FRA").state,
        status=Status.PLANNED,
        effective_date="2020-01-01",
        narrative="Secret first thoughts.",
        source="government",
    )
    update_edit(update=update, user=author, narrative="What we report.", submit=True)
    draft_version, submitted_version = update.history.order_by("history_id")
    client.force_login(reviewer)

    listing = client.get(f"/admin/recommendations/progressupdate/{update.pk}/history/")
    assert listing.status_code == 200
    assert "Secret first thoughts." not in listing.content.decode()
    base = f"/admin/recommendations/progressupdate/{update.pk}/history/"
    assert client.get(f"{base}{draft_version.history_id}/").status_code == 404
    shown = client.get(f"{base}{submitted_version.history_id}/")
    assert shown.status_code == 200
    assert "What we report." in shown.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/recommendations/progressupdate/{other}/history/",
        "/admin/recommendations/progressupdate/{pk}/history/{other_version}/",
    ],
)
def test_a_history_url_mixing_ids_shows_nothing(client, reviewer, author, url):
    """Another update's version id under a visible update's URL is not a way in."""
    visible = ProgressUpdateFactory(reported_by=author, review_state=ReviewState.SUBMITTED)
    draft = ProgressUpdateFactory(reported_by=author, narrative="Secret first thoughts.")
    other_version = draft.history.first().history_id
    client.force_login(reviewer)
    response = client.get(url.format(pk=visible.pk, other=draft.pk, other_version=other_version))
    assert response.status_code == 404


# --------------------------------------------------------------------------------------------
# The permissions module answers yes or no, and why
# --------------------------------------------------------------------------------------------


def test_permissions_answer_with_a_reason(editor, scoped_editor, reviewer, superuser, author):
    from recommendations import permissions
    from recommendations.models import MemberState

    nigeria = MemberState.objects.get(iso3="NGA")
    update = ProgressUpdateFactory(reported_by=author, review_state=ReviewState.SUBMITTED)

    assert permissions.may_log(editor, nigeria)
    refused = permissions.may_log(scoped_editor, nigeria)
    assert not refused
    assert "outside the Member States assigned to you" in refused.reason
    assert "Only editors" in permissions.may_log(reviewer).reason

    assert permissions.may_review(reviewer, update)
    own = ProgressUpdateFactory(reported_by=reviewer, review_state=ReviewState.SUBMITTED)
    assert "four-eyes" in permissions.may_review(reviewer, own).reason
    assert "Only reviewers" in permissions.may_review(author, update).reason
    assert "Only the author" in permissions.may_edit(reviewer, update).reason
    assert "can no longer be edited" in permissions.may_edit(author, update).reason
    assert "Only an administrator" in permissions.may_withdraw(reviewer).reason
    assert "not approved" in permissions.may_withdraw(superuser, update).reason


def test_the_permissions_module_imports_no_service():
    import ast
    from pathlib import Path

    import recommendations.permissions as module

    tree = ast.parse(Path(module.__file__).read_text())
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any("services" in name for name in imported)


def test_links_a_role_may_not_follow_are_not_drawn(as_role):
    """The header's links come from the same answers as the pages they lead to."""
    anonymous = as_role("anonymous").get("/").content.decode()
    assert "/updates/new/" not in anonymous
    assert 'href="/admin/"' not in anonymous
