"""Logging, editing and reading updates over HTTP, as editors and the public use them."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from recommendations.models import ProgressUpdate, ReviewState, Status
from recommendations.services import cell_refresh_status, update_approve
from tests.factories import ProgressUpdateFactory, cell_at

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "recommendation": "R03",
        "state": "FRA",
        "status": Status.IN_PROGRESS,
        "effective_date": "2021-03-15",
        "narrative": "A review body was created by decree.",
        "evidence": "https://example.org/decree\nhttps://example.org/press",
        "source": "government",
        "action": "submit",
    }
    return {**data, **overrides}


def test_anonymous_visitors_are_sent_to_sign_in_and_back(client, editor):
    response = client.get("/updates/new/?recommendation=R03&state=FRA")
    assert response.status_code == 302
    assert (
        response["Location"]
        == "/accounts/login/?next=/updates/new/%3Frecommendation%3DR03%26state%3DFRA"
    )

    response = client.post(
        "/accounts/login/",
        {
            "username": "editor",
            "password": "correct-horse-battery",
            "next": "/updates/new/?recommendation=R03&state=FRA",
        },
    )
    assert response["Location"] == "/updates/new/?recommendation=R03&state=FRA"


def test_the_form_opens_prefilled_from_a_recommendation_and_state(client, editor):
    client.force_login(editor)
    response = client.get("/updates/new/?recommendation=r03&state=fra")
    assert response.status_code == 200
    assert response.context["form"].initial == {"recommendation": "R03", "state": "FRA"}
    assert '<option value="R03" selected>' in response.text
    assert '<option value="FRA" selected>' in response.text


def test_an_editor_submits_an_update_for_review(client, editor):
    client.force_login(editor)
    response = client.post("/updates/new/", form_data())
    update = ProgressUpdate.objects.get()
    assert response["Location"] == f"/updates/{update.pk}/"
    assert update.review_state == ReviewState.SUBMITTED
    assert update.reported_by == editor
    assert update.evidence_links == ["https://example.org/decree", "https://example.org/press"]
    assert update.cell == cell_at("R03", "FRA")


def test_an_editor_saves_a_draft(client, editor):
    client.force_login(editor)
    client.post("/updates/new/", form_data(action="draft"))
    assert ProgressUpdate.objects.get().review_state == ReviewState.DRAFT


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"effective_date": str(timezone.localdate() + datetime.timedelta(days=2))},
            "cannot be in the future",
        ),
        ({"effective_date": "2021-02-30"}, "Enter a valid date."),
        ({"effective_date": "0001-01-01"}, "cannot be before 1945"),
        ({"effective_date": "1944-12-31"}, "cannot be before 1945"),
        ({"effective_date": "9999-12-31"}, "cannot be in the future"),
        ({"narrative": "   "}, "This field is required."),
        ({"narrative": "x" * 10_001}, "at most 10000 characters"),
        (
            {"evidence": "https://example.org/ok\njavascript:alert(1)"},
            "Line 2 is not a valid http(s) URL",
        ),
        ({"evidence": "x" * 5_001}, "at most 5000 characters"),
        ({"status": "no_information"}, "Select a valid choice"),
        ({"recommendation": "R999"}, "Select a valid choice"),
        ({"source": "rumour"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(
    client, editor, overrides, message
):
    client.force_login(editor)
    response = client.post("/updates/new/", form_data(**overrides))
    assert response.status_code == 200
    assert message in response.text
    assert not ProgressUpdate.objects.exists()


def test_a_state_outside_the_editors_scope_is_refused(client, scoped_editor):
    client.force_login(scoped_editor)
    response = client.post("/updates/new/", form_data(state="NGA"))
    assert response.status_code == 200
    assert "Choose a Member State you are assigned to log updates for." in response.text
    assert not ProgressUpdate.objects.exists()
    assert list(
        response.context["form"].fields["state"].queryset.values_list("iso3", flat=True)
    ) == ["FRA"]


def test_my_updates_lists_the_editors_own_entries_with_the_reviewers_comment(
    client, editor, reviewer
):
    returned = ProgressUpdateFactory(
        reported_by=editor,
        review_state=ReviewState.RETURNED,
        reviewed_by=reviewer,
        review_comment="Cite the decree.",
    )
    ProgressUpdateFactory(reported_by=reviewer, narrative="Someone else's draft")
    client.force_login(editor)
    response = client.get("/updates/mine/")
    assert list(response.context["updates"]) == [returned]
    assert "Cite the decree." in response.text
    assert f"/updates/{returned.pk}/edit/" in response.text


def test_the_author_edits_and_resubmits_a_returned_update(client, editor, reviewer):
    update = ProgressUpdateFactory(
        reported_by=editor,
        review_state=ReviewState.RETURNED,
        reviewed_by=reviewer,
        review_comment="Cite the decree.",
    )
    client.force_login(editor)
    page = client.get(f"/updates/{update.pk}/edit/")
    assert "Cite the decree." in page.text
    client.post(f"/updates/{update.pk}/edit/", form_data(narrative="Decree 2021-7 created it."))
    update.refresh_from_db()
    assert update.review_state == ReviewState.SUBMITTED
    assert update.narrative == "Decree 2021-7 created it."


def test_an_approved_update_cannot_be_edited_through_the_form(client, editor, reviewer):
    update = ProgressUpdateFactory(reported_by=editor, review_state=ReviewState.SUBMITTED)
    update_approve(update=update, user=reviewer)
    client.force_login(editor)
    response = client.post(
        f"/updates/{update.pk}/edit/", form_data(narrative="Changed"), follow=True
    )
    assert "can no longer be edited" in response.text
    update.refresh_from_db()
    assert update.narrative != "Changed"


def test_drafts_are_private_and_approved_updates_public(client, editor, reviewer):
    draft = ProgressUpdateFactory(reported_by=editor, narrative="Secret draft")
    submitted = ProgressUpdateFactory(reported_by=editor, review_state=ReviewState.SUBMITTED)
    approved = ProgressUpdateFactory(reported_by=editor, approved=True, narrative="Public news")

    assert client.get(f"/updates/{draft.pk}/").status_code == 404
    assert client.get(f"/updates/{submitted.pk}/").status_code == 404
    assert client.get(f"/updates/{approved.pk}/").status_code == 200

    client.force_login(reviewer)
    assert client.get(f"/updates/{draft.pk}/").status_code == 404
    assert client.get(f"/updates/{submitted.pk}/").status_code == 200

    client.force_login(editor)
    assert client.get(f"/updates/{draft.pk}/").status_code == 200


def test_public_pages_show_only_approved_updates(client, editor):
    ProgressUpdateFactory(reported_by=editor, narrative="Secret draft")
    ProgressUpdateFactory(
        reported_by=editor, review_state=ReviewState.SUBMITTED, narrative="Pending"
    )
    news = ProgressUpdateFactory(reported_by=editor, approved=True, narrative="Public news")
    cell_refresh_status(cell=news.cell)  # as an approval does
    for url in ["/recommendations/R01/", "/states/FRA/"]:
        page = client.get(url).text
        assert "Public news" in page
        assert "Secret draft" not in page
        assert "Pending" not in page
    assert "1 approved update<" in client.get("/").text


def test_staff_text_is_escaped_on_every_page(client, editor, reviewer, superuser):
    update = ProgressUpdateFactory(
        reported_by=editor, approved=True, narrative="<script>alert('x')</script>"
    )
    client.force_login(superuser)
    for url in [
        f"/updates/{update.pk}/",
        "/recommendations/R01/",
        "/states/FRA/",
        f"/admin/recommendations/progressupdate/{update.pk}/change/",
    ]:
        page = client.get(url).text
        assert "<script>alert(" not in page, url
        assert "&lt;script&gt;" in page, url


def test_csrf_is_enforced_on_every_form(editor, reviewer):
    update = ProgressUpdateFactory(reported_by=editor)
    client = Client(enforce_csrf_checks=True)
    assert (
        client.post("/accounts/login/", {"username": "editor", "password": "x"}).status_code == 403
    )
    client.force_login(editor)
    assert client.post("/updates/new/", form_data()).status_code == 403
    assert client.post(f"/updates/{update.pk}/edit/", form_data()).status_code == 403
    assert client.post("/accounts/logout/").status_code == 403
    client.force_login(reviewer)
    response = client.post(
        "/admin/recommendations/progressupdate/",
        {"action": "approve", "_selected_action": [update.pk], "apply": "1"},
    )
    assert response.status_code == 403
    assert not ProgressUpdate.objects.exclude(review_state=ReviewState.DRAFT).exists()


def test_sign_out_is_a_post(client, editor):
    client.force_login(editor)
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert client.get("/updates/mine/").status_code == 302


def test_the_date_picker_stops_at_1945_and_today(client, editor):
    client.force_login(editor)
    page = client.get("/updates/new/").text
    assert 'min="1945-01-01"' in page
    assert f'max="{timezone.localdate().isoformat()}"' in page
