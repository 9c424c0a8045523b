"""The editor's desk: the form asks for a status, presets what the link names, and an editor
limited to some Member States is offered only those and told whom to ask about the others."""

import re

import pytest

from recommendations.models import EditorScope, MemberState, ProgressUpdate, ReviewState
from tests.factories import ProgressUpdateFactory, UserFactory, cell_at

pytestmark = pytest.mark.django_db


def log_links(html: str) -> set[str]:
    """The states named by the "Log" links of a page (``...&state=FRA``)."""
    return set(re.findall(r"/updates/new/\?recommendation=R\d+&amp;state=([A-Z]{3})", html))


def test_the_status_starts_unchosen_and_must_be_chosen(client, editor):
    client.force_login(editor)
    page = client.get("/updates/new/?recommendation=R03&state=FRA")
    assert '<option value="" selected>Choose a status</option>' in page.text
    assert re.search(r'<select name="status"[^>]* required', page.text)

    response = client.post(
        "/updates/new/",
        {
            "recommendation": "R03",
            "state": "FRA",
            "status": "",
            "effective_date": "2021-03-15",
            "narrative": "A decree.",
            "source": "government",
            "action": "submit",
        },
    )
    assert response.status_code == 200
    assert "Choose the status the state has reached." in response.text
    assert not ProgressUpdate.objects.exists()


def test_the_source_starts_unchosen_and_must_be_chosen(client, editor):
    client.force_login(editor)
    page = client.get("/updates/new/?recommendation=R03&state=FRA")
    assert '<option value="" selected>Choose a source</option>' in page.text
    response = client.post(
        "/updates/new/",
        {
            "recommendation": "R03",
            "state": "FRA",
            "status": "planned",
            "effective_date": "2021-03-15",
            "narrative": "A decree.",
            "source": "",
            "action": "submit",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["source"] == ["This field is required."]
    assert not ProgressUpdate.objects.exists()


def test_editing_keeps_the_status_already_chosen(client, editor):
    update = ProgressUpdateFactory(reported_by=editor, status="planned")
    client.force_login(editor)
    page = client.get(f"/updates/{update.pk}/edit/")
    assert '<option value="planned" selected>' in page.text


def test_a_scoped_editor_sees_log_links_for_their_states_only(client, scoped_editor):
    client.force_login(scoped_editor)
    assert log_links(client.get("/recommendations/R03/").text) == {"FRA"}
    france = client.get("/states/FRA/").text
    assert "Log an update for France" in france
    assert "/updates/new/?recommendation=R03&amp;state=FRA" in france
    nigeria = client.get("/states/NGA/").text
    assert "/updates/new/" not in nigeria.split("<main", 1)[1]


def test_an_editor_without_a_scope_sees_every_log_link(client, editor, seeded):
    client.force_login(editor)
    assert len(log_links(client.get("/recommendations/R03/").text)) == MemberState.objects.count()


def test_the_scope_costs_one_query_however_many_states_a_page_lists(
    client, scoped_editor, django_assert_max_num_queries
):
    client.force_login(scoped_editor)
    client.get("/recommendations/R03/")  # warm the session and the permission caches
    # 14: the page's own queries, the states' sources side by side among them (one query), and
    # the Member States for the world map (one query).
    with django_assert_max_num_queries(14) as captured:
        client.get("/recommendations/R03/")
    scope_queries = [q for q in captured.captured_queries if "editorscope" in q["sql"]]
    assert len(scope_queries) == 1


def test_an_editor_with_one_state_has_it_preset(client, scoped_editor):
    client.force_login(scoped_editor)
    page = client.get("/updates/new/?recommendation=R03")
    assert page.context["form"].initial == {"recommendation": "R03", "state": "FRA"}
    assert '<option value="FRA" selected>' in page.text


def test_an_editor_with_several_states_chooses(client, scoped_editor):
    scoped_editor.editor_scope.states.add(MemberState.objects.get(iso3="NGA"))
    client.force_login(scoped_editor)
    page = client.get("/updates/new/?recommendation=R03")
    assert page.context["form"].initial["state"] == ""


def test_a_link_to_another_state_says_why_and_whom_to_ask(client, scoped_editor):
    UserFactory(
        username="root",
        first_name="Amina",
        last_name="Diallo",
        email="amina@example.org",
        is_superuser=True,
        is_staff=True,
    )
    UserFactory(username="gone", is_superuser=True, is_active=False, email="gone@example.org")
    client.force_login(scoped_editor)
    response = client.get("/updates/new/?recommendation=R03&state=NGA")
    assert response.status_code == 403
    assert "You do not log updates for Nigeria" in response.text
    assert "outside the Member States assigned to you" in response.text
    assert "Amina Diallo" in response.text
    assert 'href="mailto:amina@example.org"' in response.text
    assert "gone@example.org" not in response.text
    assert "<form" not in response.text.split("<main", 1)[1]


def test_unknown_codes_in_the_link_are_named_and_the_form_still_opens(client, editor):
    client.force_login(editor)
    response = client.get("/updates/new/?recommendation=R99&state=ZZZ")
    assert response.status_code == 200
    assert "No recommendation has the code R99: choose one below." in response.text
    assert "No Member State has the code ZZZ: choose one below." in response.text
    assert response.context["form"].initial == {"recommendation": "", "state": ""}


@pytest.mark.parametrize(
    "query",
    ["state=%3Cb%3E", "state=<script>", "recommendation=" + "R" * 5000, "state=fr%C3%A9"],
)
def test_hostile_links_open_the_form_with_a_message(client, editor, query):
    client.force_login(editor)
    response = client.get(f"/updates/new/?{query}")
    assert response.status_code == 200
    assert "<script>" not in response.text.split("<main", 1)[1]


def test_after_saving_the_editor_logs_another_for_the_recommendation_or_the_state(client, editor):
    update = ProgressUpdateFactory(reported_by=editor, cell=cell_at("R03", "FRA"))
    client.force_login(editor)
    page = client.get(f"/updates/{update.pk}/").text
    assert 'href="/updates/new/?recommendation=R03">Log another on R03</a>' in page
    assert 'href="/updates/new/?state=FRA">Log another for France</a>' in page


def test_a_scoped_editor_is_not_offered_another_for_a_state_outside_their_scope(
    client, scoped_editor
):
    update = ProgressUpdateFactory(approved=True, cell=cell_at("R03", "NGA"))
    client.force_login(scoped_editor)
    page = client.get(f"/updates/{update.pk}/").text
    assert "Log another on R03" in page
    assert "Log another for Nigeria" not in page


def test_my_updates_shows_returned_updates_on_top_and_says_how_many(client, editor, reviewer):
    ProgressUpdateFactory(reported_by=editor, narrative="Newer draft")
    returned = ProgressUpdateFactory(
        reported_by=editor,
        review_state=ReviewState.RETURNED,
        reviewed_by=reviewer,
        review_comment="Cite the decree.",
    )
    ProgressUpdate.objects.filter(pk=returned.pk).update(
        updated_at=ProgressUpdate.objects.get(pk=returned.pk).updated_at.replace(year=2020)
    )
    client.force_login(editor)
    page = client.get("/updates/mine/")
    assert page.context["returned"] == [returned]  # on top, though changed long ago
    top = page.text.split("All my updates")[0]
    assert "1 update was returned to you" in top
    assert "Cite the decree." in top
    assert f'href="/updates/{returned.pk}/edit/">Edit and resubmit</a>' in top
    assert "Newer draft" not in top


def test_my_updates_without_returned_ones_shows_no_warning(client, editor):
    ProgressUpdateFactory(reported_by=editor)
    client.force_login(editor)
    page = client.get("/updates/mine/").text
    assert "returned to you" not in page
    assert "Returned to you" not in page


def test_my_updates_costs_the_same_queries_however_many_updates_an_editor_has(
    client, editor, reviewer, django_assert_max_num_queries
):
    def grow(n):
        for _ in range(n):
            ProgressUpdateFactory(reported_by=editor)
            ProgressUpdateFactory(
                reported_by=editor, review_state=ReviewState.RETURNED, reviewed_by=reviewer
            )

    client.force_login(editor)
    grow(2)
    with django_assert_max_num_queries(12) as few:
        client.get("/updates/mine/")
    grow(30)
    with django_assert_max_num_queries(len(few)):
        client.get("/updates/mine/")


def test_scope_rows_of_another_user_do_not_widen_mine(client, scoped_editor):
    other = UserFactory(username="other")
    EditorScope.objects.create(user=other).states.set(MemberState.objects.filter(iso3="NGA"))
    client.force_login(scoped_editor)
    assert log_links(client.get("/recommendations/R03/").text) == {"FRA"}
