"""Reading the tracker in a browser: filter as you type, share the URL, open a country,
export the filtered log, with JavaScript on and off, and no serious accessibility violation."""

import csv
import datetime
import re

import pytest
from playwright.sync_api import expect

from recommendations.models import Recommendation, Status
from recommendations.services import cell_refresh_status
from tests.e2e.accessibility import serious_accessibility_violations
from tests.factories import MAIN_PAGES, ProgressUpdateFactory, UserFactory, cell_at, in_group

pytestmark = pytest.mark.django_db(transaction=True)


def count(**filters) -> int:
    return Recommendation.objects.filter(**filters).distinct().count()


def results(page):
    return page.locator("#results li.card")


def test_filter_the_catalogue_by_theme_then_actor(live_server, live_catalogue, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/recommendations/")
    expect(results(page)).to_have_count(Recommendation.objects.count())

    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Protection").check()
    expect(page).to_have_url(re.compile(r"theme=protection"))
    expect(results(page)).to_have_count(count(themes__slug="protection"))

    page.get_by_label("Actor").select_option(label="Civil society and NGOs")
    expect(page).to_have_url(re.compile(r"theme=protection.*actor=civil-society"))
    expect(results(page)).to_have_count(
        count(themes__slug="protection", actors__slug="civil-society")
    )

    # The URL is the shared answer: opening it elsewhere gives the same list.
    other = new_page()
    other.goto(page.url)
    expect(results(other)).to_have_count(
        count(themes__slug="protection", actors__slug="civil-society")
    )


def test_filters_work_with_javascript_off(live_server, live_catalogue, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/recommendations/")
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Prosecution").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"theme=prosecution"))
    expect(results(page)).to_have_count(count(themes__slug="prosecution"))
    context.close()


def test_find_and_open_a_country_profile(live_server, live_catalogue, new_page):
    page = new_page(width=375, height=800)
    page.goto(f"{live_server.url}/states/")
    page.get_by_label("Search name or ISO3 code").fill("niger")
    expect(page.locator("#results tbody tr")).to_have_count(2)  # Niger, Nigeria
    page.get_by_role("link", name="Nigeria").click()
    expect(page.get_by_role("heading", name="Nigeria", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Protection")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the profile is {width}px wide on a 375px phone"


def test_export_the_filtered_log_as_csv(live_server, live_catalogue, new_page, tmp_path):
    for code, iso3, year in [("R19", "NGA", 2018), ("R19", "FRA", 2019), ("R23", "GHA", 2016)]:
        cell = cell_at(code, iso3)
        ProgressUpdateFactory(
            cell=cell,
            status=Status.IN_PROGRESS,
            effective_date=datetime.date(year, 1, 1),
            approved=True,
        )
        cell_refresh_status(cell=cell)

    page = new_page()
    page.goto(f"{live_server.url}/updates/?region=african&since=2015-01-01")
    expect(page.locator("#results tbody tr")).to_have_count(2)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    path = tmp_path / "log.csv"
    download.value.save_as(path)
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert sorted(row["iso3"] for row in rows) == ["GHA", "NGA"]


SIGNED_IN_PAGES = {
    "/updates/new/?recommendation=R03&state=FRA": "Log an update",
    "/accounts/password_change/": "Change your password",
}


@pytest.mark.parametrize("path", [*MAIN_PAGES, *SIGNED_IN_PAGES])
def test_no_serious_accessibility_violations(live_server, live_catalogue, new_page, path):
    cell = cell_at("R03", "FRA")
    ProgressUpdateFactory(cell=cell, status=Status.PLANNED, approved=True)
    cell_refresh_status(cell=cell)
    page = new_page(bypass_csp=True)
    if path in SIGNED_IN_PAGES:
        in_group(UserFactory(username="axe-editor", is_staff=False), "Editors")
        page.goto(f"{live_server.url}/accounts/login/?next={path}")
        page.get_by_label("Username").fill("axe-editor")
        page.get_by_label("Password").fill("correct-horse-battery")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name=SIGNED_IN_PAGES[path])).to_be_visible()
    else:
        page.goto(f"{live_server.url}{path}")
    assert serious_accessibility_violations(page) == []


def test_pages_run_under_the_content_security_policy(live_server, live_catalogue, new_page):
    """With the CSP enforced, the page loads its scripts and styles and logs no violation."""
    page = new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}/recommendations/")
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Protection").check()
    expect(page).to_have_url(re.compile(r"theme=protection"))  # htmx ran
    navbar = page.evaluate("getComputedStyle(document.querySelector('nav.navbar')).backgroundColor")
    assert navbar == "rgb(33, 37, 41)"  # Bootstrap's stylesheet applied
    assert violations == []
