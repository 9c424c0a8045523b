"""The reviewers' desk in the admin: the queue, an update's page with Approve and Return to
author, the header's count, and the links, dates and comments on those pages."""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format

from recommendations.models import MemberState, ProgressUpdate, ReviewState, Status
from recommendations.services import update_approve, update_withdraw
from tests.factories import ProgressUpdateFactory, UserFactory, cell_at, in_group

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/recommendations/progressupdate/"
NOW = timezone.now()


def change_url(update) -> str:
    return f"{CHANGELIST}{update.pk}/change/"


def review_url(update) -> str:
    return f"{CHANGELIST}{update.pk}/review/"


@pytest.fixture
def author(db):
    return in_group(UserFactory(username="author", is_staff=False), "Editors")


def submitted(author, *, hours_ago=1, code="R01", iso3="FRA", **kwargs):
    return ProgressUpdateFactory(
        reported_by=author,
        cell=cell_at(code, iso3),
        review_state=ReviewState.SUBMITTED,
        submitted_at=NOW - datetime.timedelta(hours=hours_ago),
        **kwargs,
    )


def admin_links(html: str) -> set[str]:
    return {href.replace("&amp;", "&") for href in re.findall(r'href="(/admin/[^"]*)"', html)}


def listed(response) -> list:
    return list(response.context["cl"].result_list)


# --------------------------------------------------------------------------------------------
# No link a reviewer cannot follow
# --------------------------------------------------------------------------------------------


def test_every_admin_link_on_a_reviewers_desk_opens(client, reviewer, author, second_reviewer):
    waiting = submitted(author, evidence="https://example.org/report")
    approved = submitted(author, hours_ago=5)
    update_approve(update=approved, user=second_reviewer, comment="Checked.")
    withdrawn = submitted(author, hours_ago=6)
    update_approve(update=withdrawn, user=second_reviewer)
    update_withdraw(
        update=withdrawn, user=UserFactory(username="root", is_superuser=True), reason="Twice."
    )
    client.force_login(reviewer)
    pages = [
        CHANGELIST,
        f"{CHANGELIST}?queue=all",
        change_url(waiting),
        change_url(approved),
        change_url(withdrawn),
        f"{CHANGELIST}{approved.pk}/history/",
    ]
    links = set()
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert "/admin/auth/user/" not in response.text, page
        links |= admin_links(response.text)
    assert change_url(waiting) in links
    assert f"/admin/recommendations/cell/{waiting.cell_id}/change/" in links
    for link in links:
        assert client.get(link, follow=True).status_code == 200, link


def test_the_user_names_stay_on_the_page_as_text(client, reviewer, author, second_reviewer):
    update = submitted(author)
    update_approve(update=update, user=second_reviewer)
    client.force_login(reviewer)
    page = client.get(change_url(update)).text
    assert re.search(r'<div class="readonly">author</div>', page)
    assert re.search(r'<div class="readonly">reviewer2</div>', page)


def test_administrators_who_may_view_users_get_the_links(client, superuser, author):
    update = submitted(author)
    client.force_login(superuser)
    assert f"/admin/auth/user/{author.pk}/change/" in client.get(change_url(update)).text


# --------------------------------------------------------------------------------------------
# The list opens on the review queue
# --------------------------------------------------------------------------------------------


def test_the_list_opens_on_what_waits_for_the_reviewer_oldest_first(
    client, reviewer, author, second_reviewer
):
    newer = submitted(author, hours_ago=1)
    older = submitted(author, hours_ago=30)
    in_group(reviewer, "Editors")
    own = submitted(reviewer, hours_ago=50)
    done = submitted(author, hours_ago=60)
    update_approve(update=done, user=second_reviewer)
    ProgressUpdateFactory(reported_by=author)  # another person's draft: never shown
    client.force_login(reviewer)

    response = client.get(CHANGELIST)
    assert listed(response) == [older, newer]
    assert "Waiting for me" in response.text

    everything = client.get(CHANGELIST, {"queue": "all"})
    assert set(listed(everything)) == {newer, older, own, done}
    assert "Submitted · yours: another reviewer reviews it" in everything.text


def test_picking_a_review_state_lists_all_updates_in_it(client, reviewer, author, second_reviewer):
    done = submitted(author)
    update_approve(update=done, user=second_reviewer)
    submitted(author)
    client.force_login(reviewer)
    assert listed(client.get(CHANGELIST, {"review_state__exact": "approved"})) == [done]
    assert (
        listed(client.get(CHANGELIST, {"review_state__exact": "approved", "queue": "waiting"}))
        == []
    )


def test_an_unknown_queue_is_an_invalid_filter(client, reviewer):
    client.force_login(reviewer)
    response = client.get(CHANGELIST, {"queue": "<script>"})
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_staff_who_do_not_review_see_every_update_they_may_see(client, author):
    viewer = UserFactory(username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_progressupdate"))
    update = ProgressUpdateFactory(reported_by=author, approved=True)
    client.force_login(viewer)
    response = client.get(CHANGELIST)
    assert listed(response) == [update]
    assert "Waiting for me" not in response.text


def test_the_desks_query_counts_do_not_grow_with_the_queue(client, reviewer, author):
    client.force_login(reviewer)

    def queries(url) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    states = list(MemberState.objects.order_by("name")[:30])
    first = submitted(author, hours_ago=100)
    for state in states[:3]:
        submitted(author, iso3=state.iso3)
    small = [queries(CHANGELIST), queries(change_url(first)), queries("/")]
    for hours, state in enumerate(states[3:], start=2):
        submitted(author, hours_ago=hours, iso3=state.iso3, code="R03")
    assert [queries(CHANGELIST), queries(change_url(first)), queries("/")] == small


# --------------------------------------------------------------------------------------------
# The count in the header
# --------------------------------------------------------------------------------------------


def test_the_header_counts_what_waits_for_the_reviewer(client, reviewer, author):
    in_group(reviewer, "Editors")
    submitted(author)
    submitted(author)
    submitted(reviewer)  # their own: another reviewer's
    ProgressUpdateFactory(reported_by=author, approved=True)
    ProgressUpdateFactory(reported_by=author, review_state=ReviewState.RETURNED)
    client.force_login(reviewer)
    for url in ["/", "/updates/", "/admin/", CHANGELIST]:
        page = client.get(url).text
        assert "2 updates waiting for your review" in page, url
        assert f'href="{CHANGELIST}"' in page, url


def test_the_header_count_is_one_count_query(client, reviewer, author):
    submitted(author)
    client.force_login(reviewer)
    with CaptureQueriesContext(connection) as ctx:
        client.get("/states/")
    counts = [q["sql"] for q in ctx if "COUNT(" in q["sql"] and "submitted" in q["sql"]]
    assert len(counts) == 1


@pytest.mark.parametrize("role", ["anonymous", "editor"])
def test_nobody_else_sees_a_review_queue(client, role, author, request):
    submitted(author)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/states/").text
    assert "Review queue" not in page
    assert "waiting for your review" not in page
    assert not [q for q in ctx if "submitted" in q["sql"]]


# --------------------------------------------------------------------------------------------
# Approve or Return to author on the update's page
# --------------------------------------------------------------------------------------------


def test_an_update_waiting_for_review_offers_the_form(client, reviewer, author):
    update = submitted(author)
    client.force_login(reviewer)
    page = client.get(change_url(update)).text
    assert f'action="{review_url(update)}"' in page
    assert '<button type="submit" name="decision" value="approve"' in page
    assert '<button type="submit" name="decision" value="return"' in page
    assert "Seen by the author and by staff; never published." in page


def test_approving_opens_the_next_update_in_the_queue(client, reviewer, author):
    first = submitted(author, hours_ago=3)
    second = submitted(author, hours_ago=2, iso3="NGA")
    third = submitted(author, hours_ago=1, iso3="BRA")
    client.force_login(reviewer)

    page = client.get(change_url(second)).text
    assert f'href="{change_url(first)}" rel="prev"' in page
    assert f'href="{change_url(third)}" rel="next"' in page

    response = client.post(review_url(first), {"decision": "approve", "comment": "Checked."})
    assert response["Location"] == change_url(second)
    first.refresh_from_db()
    assert (first.review_state, first.reviewed_by, first.review_comment) == (
        ReviewState.APPROVED,
        reviewer,
        "Checked.",
    )
    assert first.cell.current_status == Status.IN_PROGRESS

    response = client.post(review_url(second), {"decision": "return", "comment": "Which law?"})
    assert response["Location"] == change_url(third)
    second.refresh_from_db()
    assert second.review_state == ReviewState.RETURNED

    response = client.post(review_url(third), {"decision": "approve"}, follow=True)
    assert response.redirect_chain[-1][0] == CHANGELIST
    assert f"Approved update #{third.pk}." in response.text
    assert "Nothing else waits for your review." in response.text


def test_after_an_update_out_of_order_the_oldest_left_comes_next(client, reviewer, author):
    older = submitted(author, hours_ago=3)
    newest = submitted(author, hours_ago=1, iso3="NGA")
    client.force_login(reviewer)
    response = client.post(review_url(newest), {"decision": "approve"})
    assert response["Location"] == change_url(older)


def test_returning_needs_a_comment_and_keeps_what_was_typed(client, reviewer, author):
    update = submitted(author)
    client.force_login(reviewer)
    response = client.post(review_url(update), {"decision": "return", "comment": "   "})
    assert response.status_code == 200
    assert "Say why the update is returned, so its author can correct it." in response.text

    too_long = "Which law? " * 200
    response = client.post(review_url(update), {"decision": "return", "comment": too_long})
    assert response.status_code == 200
    assert too_long.strip() in response.text
    assert "Ensure this value has at most 2000 characters" in response.text
    update.refresh_from_db()
    assert update.review_state == ReviewState.SUBMITTED


def test_a_reviewer_does_not_review_their_own_update(client, reviewer, author):
    in_group(reviewer, "Editors")
    own = submitted(reviewer)
    client.force_login(reviewer)
    page = client.get(change_url(own)).text
    assert (
        f"You wrote update #{own.pk}: another reviewer must approve or return it (four-eyes rule)."
    ) in page
    assert 'value="approve"' not in page

    response = client.post(review_url(own), {"decision": "approve"}, follow=True)
    assert "another reviewer must approve or return it" in response.text
    own.refresh_from_db()
    assert own.review_state == ReviewState.SUBMITTED


def test_an_approved_update_is_not_reviewed_again(client, reviewer, author, second_reviewer):
    update = submitted(author)
    update_approve(update=update, user=second_reviewer, comment="First.")
    client.force_login(reviewer)
    assert 'value="approve"' not in client.get(change_url(update)).text
    response = client.post(
        review_url(update), {"decision": "return", "comment": "No."}, follow=True
    )
    assert "not awaiting review" in response.text
    update.refresh_from_db()
    assert (update.review_state, update.reviewed_by) == (ReviewState.APPROVED, second_reviewer)


@pytest.mark.parametrize(
    ("path", "data", "status"),
    [
        ("{CHANGELIST}abc/review/", {"decision": "approve"}, 404),
        ("{CHANGELIST}1.5/review/", {"decision": "approve"}, 404),
        ("{CHANGELIST}99999999/review/", {"decision": "approve"}, 404),
        ("{CHANGELIST}{draft}/review/", {"decision": "approve"}, 404),
        ("{CHANGELIST}{update}/review/", {"decision": "delete"}, 400),
        ("{CHANGELIST}{update}/review/", {}, 400),
        ("{CHANGELIST}{update}/review/", {"decision": "approve", "comment": "x" * 100_000}, 200),
    ],
)
def test_hostile_reviews_change_nothing(client, reviewer, author, path, data, status):
    update = submitted(author)
    draft = ProgressUpdateFactory(reported_by=author)
    client.force_login(reviewer)
    url = path.format(CHANGELIST=CHANGELIST, update=update.pk, draft=draft.pk)
    assert client.post(url, data).status_code == status
    assert not ProgressUpdate.objects.filter(review_state=ReviewState.APPROVED).exists()


def test_the_review_url_answers_only_posts(client, reviewer, author):
    update = submitted(author)
    client.force_login(reviewer)
    assert client.get(review_url(update)).status_code == 405


def test_the_review_form_needs_its_csrf_token(reviewer, author):
    update = submitted(author)
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    assert client.post(review_url(update), {"decision": "approve"}).status_code == 403
    update.refresh_from_db()
    assert update.review_state == ReviewState.SUBMITTED


@pytest.mark.parametrize("role", ["anonymous", "editor", "staff_editor"])
def test_only_reviewers_review_from_the_admin(client, role, author, request):
    update = submitted(author)
    if role == "staff_editor":
        client.force_login(in_group(UserFactory(username="staff-editor"), "Editors"))
    elif role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = client.post(review_url(update), {"decision": "approve"})
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith("/admin/login/")
    update.refresh_from_db()
    assert update.review_state == ReviewState.SUBMITTED


# --------------------------------------------------------------------------------------------
# Bulk approval says which updates it refused, and why
# --------------------------------------------------------------------------------------------


def test_bulk_approval_lists_the_refused_updates_with_their_reasons(
    client, reviewer, author, second_reviewer
):
    in_group(reviewer, "Editors")
    fine = submitted(author)
    also_fine = submitted(author, iso3="NGA")
    own = submitted(reviewer)
    done = submitted(author, iso3="BRA")
    update_approve(update=done, user=second_reviewer)
    client.force_login(reviewer)
    response = client.post(
        CHANGELIST,  # the queue, which holds neither: ticked rows are answered all the same
        {
            "action": "approve",
            "_selected_action": [fine.pk, also_fine.pk, own.pk, done.pk],
            "apply": "1",
            "comment": "",
        },
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert messages[0] == f"Approved 2 updates: #{fine.pk}, #{also_fine.pk}."
    assert messages[1].startswith("Refused 2 updates:")
    assert (
        f"<li>#{own.pk}: You wrote update #{own.pk}: another reviewer must approve or return it "
        "(four-eyes rule).</li>"
    ) in messages[1]
    assert (
        f"<li>#{done.pk}: Update #{done.pk} is approved, not awaiting review.</li>" in (messages[1])
    )


def test_the_bulk_confirmation_says_before_which_updates_will_be_refused(client, reviewer, author):
    in_group(reviewer, "Editors")
    fine = submitted(author)
    own = submitted(reviewer, iso3="NGA")
    client.force_login(reviewer)
    page = client.post(
        CHANGELIST, {"action": "approve", "_selected_action": [fine.pk, own.pk]}
    ).text
    items = {
        pk: item
        for item in page.split("<li>")[1:]
        for pk in (fine.pk, own.pk)
        if item.startswith(f"#{pk} ")
    }
    assert "Will be refused: You wrote update" in items[own.pk]
    assert "four-eyes rule" in items[own.pk]
    assert "Will be refused" not in items[fine.pk]


def test_the_bulk_forms_say_who_reads_the_comment(client, reviewer, superuser, author):
    update = submitted(author)
    client.force_login(reviewer)
    page = client.post(CHANGELIST, {"action": "approve", "_selected_action": [update.pk]}).text
    assert "Seen by the author and by staff; never published." in page
    assert 'aria-describedby="id_comment_helptext"' in page
    client.force_login(superuser)
    page = client.post(CHANGELIST, {"action": "withdraw", "_selected_action": [update.pk]}).text
    # A withdrawn update leaves the public pages: its reason too is for the author and staff.
    assert "Seen by the author and by staff; never published." in page


# --------------------------------------------------------------------------------------------
# Review comments are internal
# --------------------------------------------------------------------------------------------


def test_an_approval_comment_is_for_staff_only(client, reviewer, author, second_reviewer):
    update = submitted(author)
    update_approve(update=update, user=second_reviewer, comment="Phoned the ministry.")
    assert "Phoned the ministry." not in client.get(f"/updates/{update.pk}/").text
    csv = b"".join(client.get("/updates/", {"format": "csv"}).streaming_content).decode()
    assert str(update.pk) in csv
    assert "Phoned the ministry." not in csv
    client.force_login(reviewer)
    assert "Phoned the ministry." in client.get(f"/updates/{update.pk}/").text
    csv = b"".join(client.get("/updates/", {"format": "csv"}).streaming_content).decode()
    assert "Phoned the ministry." not in csv


# --------------------------------------------------------------------------------------------
# Evidence and dates on the admin pages
# --------------------------------------------------------------------------------------------


def test_evidence_is_links_only_for_web_addresses(client, reviewer, author):
    update = submitted(author)
    # Written past the validators, as an older row might hold it.
    ProgressUpdate.objects.filter(pk=update.pk).update(
        evidence="https://example.org/report?a=1&b=2\njavascript:alert(1)\n JAVASCRIPT:x\nhttp://["
    )
    client.force_login(reviewer)
    page = client.get(change_url(update)).text
    assert (
        '<a href="https://example.org/report?a=1&amp;b=2" rel="noopener noreferrer nofollow">'
    ) in page
    assert "<li>javascript:alert(1)</li>" in page
    assert 'href="javascript' not in page.lower()
    assert "<li>http://[</li>" in page


@pytest.mark.parametrize("prefix", ["", "/fr"])
def test_the_admin_writes_dates_as_the_site_does(client, reviewer, author, prefix):
    update = submitted(author, effective_date=datetime.date(2021, 6, 3))
    update_approve(update=update, user=in_group(UserFactory(username="other"), "Reviewers"))
    client.force_login(reviewer)
    public = client.get(f"{prefix}/updates/{update.pk}/").text
    effective = re.search(r"<dd[^>]*>([^<]*2021)</dd>", public).group(1)
    assert effective == {"": "3 June 2021", "/fr": "3 juin 2021"}[prefix]
    listing = client.get(f"{prefix}{CHANGELIST}", {"queue": "all"}).text
    change = client.get(f"{prefix}{change_url(update)}").text
    with translation.override(prefix.strip("/") or "en"):
        submitted_on = date_format(timezone.localtime(update.submitted_at), "DATE_FORMAT")
    assert f">{submitted_on}</td>" in listing  # written as the site writes dates
    assert f'<div class="readonly">{effective}</div>' in change
    assert f"({effective})" in change  # the title and breadcrumbs
    moments = re.findall(r"\d{1,2} \w+ \d{4},? \d\d:\d\d", public)
    assert len(moments) == 2  # reported, reviewed
    for moment in moments:
        assert moment in change


def test_days_and_months_are_named_day_first_as_on_the_site():
    """The English formats' month-and-day (the admin's date hierarchies) read "3 June"."""
    with translation.override("en"):
        assert date_format(datetime.date(2021, 6, 3), "MONTH_DAY_FORMAT") == "3 June"


def test_the_list_offers_ranges_of_effective_dates(client, reviewer, author):
    submitted(author, effective_date=timezone.localdate())
    client.force_login(reviewer)
    page = client.get(CHANGELIST, {"queue": "all"}).text
    assert "By effective date" in page
    assert "Past 7 days" in page


def test_the_history_reads_as_the_site_writes(client, reviewer, author):
    update = submitted(author)
    update_approve(update=update, user=reviewer)
    client.force_login(reviewer)
    page = client.get(f"{CHANGELIST}{update.pk}/history/").text
    update.refresh_from_db()
    with translation.override("en"):
        reviewed = date_format(timezone.localtime(update.reviewed_at), "DATETIME_FORMAT")
    assert reviewed in page
    assert "Submitted" in page  # labels, not the stored codes
    assert "Approved" in page
    assert "Deleted user" not in page
    assert not re.search(r"None\s*&nbsp;&rarr;", page)  # an empty field was a dash
    assert re.search(r"<strong>Reviewed by:</strong>\s*—\s*&nbsp;&rarr;&nbsp;&nbsp;reviewer", page)
    assert str(update.reviewed_at.year) + "-" not in page  # no ISO timestamps
