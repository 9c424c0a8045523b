"""A reviewer works through the queue in the admin with the keyboard alone: the list opens on
what waits for them, oldest first; each update's page takes a comment and Approve or Return to
author, then opens the next one."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from recommendations.models import ReviewState
from tests.e2e.accessibility import serious_accessibility_violations
from tests.factories import ProgressUpdateFactory, UserFactory, cell_at, in_group

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"
QUEUE = "/admin/recommendations/progressupdate/"


def sign_in(page, username):
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in|Log in")).click()


def waiting_updates(author, states=("FRA", "NGA", "BRA")):
    """Submitted by ``author``, the first state's the longest waiting."""
    now = timezone.now()
    return [
        ProgressUpdateFactory(
            reported_by=author,
            cell=cell_at("R03", iso3),
            review_state=ReviewState.SUBMITTED,
            submitted_at=now - datetime.timedelta(hours=len(states) - n),
            narrative=f"Progress in {iso3}.",
        )
        for n, iso3 in enumerate(states)
    ]


def comment_by_keyboard(page, text):
    """From a freshly opened update: skip to the content, Tab to the comment, type."""
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Comment")).to_be_focused()
    page.keyboard.type(text)


QUEUE_COLUMNS = [
    "state_name",
    "recommendation_code",
    "status",
    "source_name",
    "author",
    "submitted_on",
    "review_state_note",
]


def columns_out_of_view(page) -> list[str]:
    """The queue's columns a reviewer needs that are not wholly in view: outside the window, or
    beyond the edge of the list's own scrolling box (beside the sidebar filter)."""
    frame = page.locator("#changelist .results").bounding_box()
    left, right = max(frame["x"], 0), min(frame["x"] + frame["width"], 1280)
    hidden = []
    for column in QUEUE_COLUMNS:
        box = page.locator(f"#result_list th.column-{column}").bounding_box()
        if box is None or box["x"] < left - 1 or box["x"] + box["width"] > right + 1:
            hidden.append(column)
    if page.evaluate("document.documentElement.scrollWidth") > 1280:
        hidden.append("(the page scrolls sideways)")
    return hidden


@pytest.mark.parametrize("language", ["", "/fr", "/es", "/ru", "/ar", "/zh-hans"])
def test_the_queue_shows_every_column_at_1280_px_in_every_language(
    live_server, live_catalogue, new_page, language
):
    editor = in_group(UserFactory(username="a-focal-point-with-a-long-name"), "Editors")
    in_group(UserFactory(username="reviewer", is_staff=True), "Reviewers")
    waiting_updates(editor, states=("GBR", "COD", "FRA"))  # the longest names
    page = new_page(width=1280, height=900)
    page.goto(f"{live_server.url}{QUEUE}")
    sign_in(page, "reviewer")
    page.goto(f"{live_server.url}{language}{QUEUE}")
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    assert columns_out_of_view(page) == []


def test_a_reviewer_works_the_queue_with_the_keyboard(live_server, live_catalogue, new_page):
    editor = in_group(UserFactory(username="editor", is_staff=False), "Editors")
    in_group(UserFactory(username="reviewer", is_staff=True), "Reviewers")
    france, nigeria, brazil = waiting_updates(editor)

    page = new_page(width=1280, height=900)
    page.goto(f"{live_server.url}{QUEUE}")
    sign_in(page, "reviewer")
    expect(page).to_have_url(f"{live_server.url}{QUEUE}")
    expect(page.locator(".review-queue-link")).to_contain_text("3")
    expect(page.get_by_role("link", name="Waiting for me")).to_be_visible()

    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    for row, state in zip(rows.all(), ["France", "Nigeria", "Brazil"], strict=True):
        expect(row).to_contain_text(state)
        expect(row).to_contain_text("editor")
    assert columns_out_of_view(page) == []

    rows.first.get_by_role("link", name="France").click()
    expect(page.get_by_role("heading", name="R03 / FRA")).to_be_visible()
    comment_by_keyboard(page, "Checked against the rapporteur's report.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Approve")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_text(f"Approved update #{france.pk}.")).to_be_visible()
    expect(page.get_by_role("heading", name="R03 / NGA")).to_be_visible()
    expect(page.locator(".review-queue-link")).to_contain_text("2")
    comment_by_keyboard(page, "Which law was adopted? Please cite it.")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Return to author")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_text(f"Returned update #{nigeria.pk} to its author.")).to_be_visible()
    expect(page.get_by_role("heading", name="R03 / BRA")).to_be_visible()
    comment_by_keyboard(page, "Fine.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expect(page.get_by_text("Nothing else waits for your review.")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}{QUEUE}")
    expect(page.locator(".review-queue-link")).to_contain_text("0")
    expect(page.locator(".review-queue-link")).to_contain_text("0 updates waiting for your review")
    for update, state in [
        (france, ReviewState.APPROVED),
        (nigeria, ReviewState.RETURNED),
        (brazil, ReviewState.APPROVED),
    ]:
        update.refresh_from_db()
        assert update.review_state == state

    # The public site's header says the same.
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("link", name=re.compile("Review queue"))).to_contain_text(
        "0 updates waiting for your review"
    )


def test_an_editor_who_reviews_sees_why_their_own_update_waits(
    live_server, live_catalogue, new_page
):
    both = in_group(in_group(UserFactory(username="both", is_staff=True), "Editors"), "Reviewers")
    (own,) = waiting_updates(both, states=("FRA",))

    page = new_page()
    page.goto(f"{live_server.url}{QUEUE}{own.pk}/change/")
    sign_in(page, "both")
    expect(
        page.get_by_text(
            f"You wrote update #{own.pk}: another reviewer must approve or return it "
            "(four-eyes rule)."
        )
    ).to_be_visible()
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)


@pytest.mark.parametrize("prefix", ["", "/ar"])
def test_the_desk_has_no_serious_accessibility_violations(
    live_server, live_catalogue, new_page, prefix
):
    editor = in_group(UserFactory(username="editor", is_staff=False), "Editors")
    in_group(UserFactory(username="reviewer", is_staff=True), "Reviewers")
    first, *_ = waiting_updates(editor)

    page = new_page(bypass_csp=True)
    page.goto(f"{live_server.url}{QUEUE}")
    sign_in(page, "reviewer")
    page.goto(f"{live_server.url}{prefix}{QUEUE}")
    page.wait_for_selector("#result_list")
    expect(page.locator("html")).to_have_attribute("lang", prefix.strip("/") or "en")
    assert serious_accessibility_violations(page) == [], "queue"

    page.goto(f"{live_server.url}{prefix}{QUEUE}{first.pk}/change/")
    page.wait_for_selector("#id_review_comment")
    assert serious_accessibility_violations(page) == [], "update page"

    page.goto(f"{live_server.url}{prefix}{QUEUE}")
    page.locator("#result_list tbody input[type=checkbox]").first.check()
    page.locator("select[name=action]").select_option(value="approve")
    page.locator("button[name=index]").click()
    page.wait_for_selector("textarea[name=comment]")
    assert serious_accessibility_violations(page) == [], "bulk action"
