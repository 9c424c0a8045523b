"""The shared page cache, in a browser: a reader's second visit is answered from the cache; a
reviewer's approval in the admin shows on the reader's next visit; signed-in pages are never
shared; an anonymous reader still switches language with the menu (no CSRF token is cached)."""

import datetime
import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from recommendations import services
from recommendations.models import AssessmentSource, Status
from tests.e2e.reviewing import approved_in_admin
from tests.e2e.signing import signed_in
from tests.factories import UserFactory, cell_at, in_group

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shared_cache(settings):
    settings.TRACKER_PAGE_CACHE = True
    cache.clear()
    yield
    cache.clear()


def test_a_reader_sees_an_approval_on_the_next_visit_and_never_a_signed_in_page(
    live_server, live_catalogue, new_page, shared_cache
):
    editor = in_group(UserFactory(username="editor", is_staff=False), "Editors")
    in_group(UserFactory(username="reviewer", is_staff=True), "Reviewers")
    page_url = f"{live_server.url}/recommendations/R03/"

    reader = new_page(width=375, height=800)
    assert reader.goto(page_url).headers["x-cache"] == "miss"
    assert reader.goto(page_url).headers["x-cache"] == "hit"
    expect(reader.get_by_role("row").filter(has_text="France")).to_contain_text("No information")

    # The editor, signed in, reads the page made for them: their name, their Log links.
    desk = signed_in(new_page, live_server, "editor")
    answer = desk.goto(page_url)
    assert "x-cache" not in answer.headers
    expect(desk.get_by_role("button", name="Account: editor")).to_be_visible()
    cell = cell_at("R03", "FRA")
    update = services.update_log(
        user=editor,
        recommendation=cell.recommendation,
        state=cell.state,
        status=Status.IMPLEMENTED,
        effective_date=datetime.date(2021, 5, 1),
        source=AssessmentSource.GOVERNMENT,
        narrative="France's national rapporteur reviews implementation yearly.",
        evidence="",
    )
    services.update_submit(update=update, user=editor)

    # A submitted update changes nothing public: the reader still gets the stored page.
    assert reader.goto(page_url).headers["x-cache"] == "hit"
    expect(reader.get_by_role("button", name="Account: editor")).to_have_count(0)

    # The reviewer approves it in the admin; the reader's next visit shows it.
    reviewer = signed_in(new_page, live_server, "reviewer")
    approved_in_admin(
        reviewer, live_server, "France", "R03", comment="Checked against the rapporteur's report."
    )

    assert reader.goto(page_url).headers["x-cache"] == "miss"
    france = reader.get_by_role("row").filter(has_text="France")
    expect(france).to_contain_text("Implemented")
    expect(france).to_contain_text("1 May 2021")

    # The language menu works for the anonymous reader of a cached page.
    assert reader.goto(page_url).headers["x-cache"] == "hit"
    reader.get_by_role("button", name="Toggle navigation").click()  # a phone's folded menu
    reader.get_by_role("button", name=re.compile("Language")).click()
    reader.get_by_role("button", name="Français").click()
    expect(reader).to_have_url(f"{live_server.url}/fr/recommendations/R03/")
    expect(reader.locator("html")).to_have_attribute("lang", "fr")
