"""An editor's day in the browser: the states they may log for, a status that must be chosen,
and the next update one click away."""

import re

import pytest
from playwright.sync_api import expect

from recommendations.models import EditorScope, MemberState
from tests.e2e.accessibility import serious_accessibility_violations
from tests.e2e.signing import signed_in
from tests.factories import UserFactory, in_group

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def france_editor(live_catalogue):
    user = in_group(UserFactory(username="focal-point", is_staff=False), "Editors")
    EditorScope.objects.create(user=user).states.set(MemberState.objects.filter(iso3="FRA"))
    return user


def test_a_scoped_editor_sees_only_their_states(live_server, france_editor, new_page):
    page = signed_in(new_page, live_server, "focal-point")
    page.goto(f"{live_server.url}/recommendations/R03/")
    log_links = page.get_by_role("link", name=re.compile(r"^Log an update for "))
    expect(log_links).to_have_count(1)
    expect(log_links).to_have_accessible_name("Log an update for France")

    page.goto(f"{live_server.url}/recommendations/R03/")
    page.get_by_role("link", name="Log an update on R03").click()
    state = page.get_by_label("Member State")
    expect(state).to_have_value("FRA")  # their only state, preset
    expect(state.locator("option[value]:not([value=''])")).to_have_count(1)

    # A link to another state's cell, shared by a colleague: a clear page, not a blank form.
    page.goto(f"{live_server.url}/updates/new/?recommendation=R03&state=NGA")
    expect(page.get_by_role("heading", name="You do not log updates for Nigeria")).to_be_visible()
    expect(page.get_by_text("outside the Member States assigned to you")).to_be_visible()
    page.get_by_role("link", name="Log an update for one of your Member States").click()
    expect(page.get_by_label("Member State")).to_have_value("FRA")


def test_the_status_starts_empty_and_a_missing_choice_is_refused(
    live_server, france_editor, new_page
):
    page = signed_in(new_page, live_server, "focal-point")
    page.goto(f"{live_server.url}/updates/new/?recommendation=R03&state=FRA")
    status = page.get_by_role("combobox", name="Status")
    expect(status).to_have_value("")
    page.get_by_label("Date the status took effect").fill("2022-02-01")
    page.get_by_label("Narrative").fill("A national action plan was adopted.")
    page.get_by_role("button", name="Submit for review").click()
    # The browser refuses to send the form and points at the status.
    assert status.evaluate("select => select.validity.valueMissing")
    expect(page).to_have_url(re.compile(r"/updates/new/"))

    status.select_option(label="Planned")
    source = page.get_by_label("Source of the assessment")
    expect(source).to_have_value("")  # unchosen too
    source.select_option(label="Government self-report")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("submitted for review.")).to_be_visible()
    expect(page.get_by_text("Planned", exact=True)).to_be_visible()

    # The next one, for the same recommendation or the same state, is one click away.
    page.get_by_role("link", name="Log another for France").click()
    expect(page.get_by_label("Member State")).to_have_value("FRA")
    expect(page.get_by_label("Recommendation")).to_have_value("")
    expect(page.get_by_role("combobox", name="Status")).to_have_value("")


@pytest.mark.parametrize("language", ["", "/ar"])
def test_the_out_of_scope_page_and_the_form_have_no_serious_accessibility_violations(
    live_server, france_editor, new_page, language
):
    page = signed_in(new_page, live_server, "focal-point", bypass_csp=True)
    for path in ["/updates/new/?state=NGA", "/updates/new/?recommendation=R03"]:
        page.goto(f"{live_server.url}{language}{path}")
        assert serious_accessibility_violations(page) == [], path


def test_a_phone_shows_the_out_of_scope_page_without_sideways_scrolling(
    live_server, france_editor, new_page
):
    page = signed_in(new_page, live_server, "focal-point", width=375, height=800)
    page.goto(f"{live_server.url}/updates/new/?state=NGA")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


@pytest.mark.parametrize("language", ["", "/fr", "/es", "/ar", "/ru", "/zh-hans"])
def test_the_header_of_someone_who_edits_and_reviews_holds_on_one_line(
    live_server, live_catalogue, new_page, language
):
    person = in_group(UserFactory(username="desk-officer", is_staff=True), "Editors")
    in_group(person, "Reviewers")
    page = signed_in(new_page, live_server, "desk-officer")
    page.goto(f"{live_server.url}{language}/recommendations/")
    # The public pages' bar and the desk's bar each hold on one line, with no label broken.
    for bar in ["nav.navbar", "nav.desk-bar"]:
        links = page.locator(f"{bar} .nav-link, {bar} .navbar-brand")
        heights = {round(box["height"]) for box in (link.bounding_box() for link in links.all())}
        tops = {round(box["y"]) for box in (link.bounding_box() for link in links.all())}
        assert max(heights) < 45, f"{bar}: a label breaks over two lines"
        assert max(tops) - min(tops) < 20, f"{bar} wraps onto a second line"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # nothing overflows
    desk = page.get_by_role("navigation", name=re.compile("."))
    expect(desk.last.get_by_role("link")).to_have_count(4)  # log, mine, imports, review queue
    # The account's links are one click away.
    page.get_by_role("button", name=re.compile("desk-officer")).click()
    expect(page.locator("form[action$='/logout/'] button")).to_be_visible()
