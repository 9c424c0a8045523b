"""A reader opens a cell, moves the as-of date back, sees the older status and both sources,
and follows the feed; the cell page has no serious accessibility violation, wide or on a phone,
today or in the past, in English and in Arabic."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from playwright.sync_api import expect

from recommendations.models import AssessmentSource, Status
from recommendations.services import cell_refresh_status
from tests.e2e.accessibility import serious_accessibility_violations
from tests.factories import ProgressUpdateFactory, cell_at

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def argued_cell(live_catalogue):
    """R03 in France: the government planned (2019) then implemented (2023); civil society
    said in progress (2020)."""
    cell = cell_at("R03", "FRA")
    for source, status, date, evidence in [
        (AssessmentSource.GOVERNMENT, Status.PLANNED, datetime.date(2019, 1, 10), ""),
        (
            AssessmentSource.CIVIL_SOCIETY,
            Status.IN_PROGRESS,
            datetime.date(2020, 6, 1),
            "https://ngo.example.org/shadow-report",
        ),
        (
            AssessmentSource.GOVERNMENT,
            Status.IMPLEMENTED,
            datetime.date(2023, 3, 1),
            "https://gov.example.org/law",
        ),
    ]:
        ProgressUpdateFactory(
            cell=cell,
            source=source,
            status=status,
            effective_date=date,
            evidence=evidence,
            approved=True,
        )
    cell_refresh_status(cell=cell)
    return cell


def source_card(page, name):
    return page.get_by_role("article").filter(has=page.get_by_role("heading", name=name))


def test_a_reader_goes_back_in_time_and_follows_the_feed(live_server, argued_cell, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/states/FRA/")
    page.goto(f"{live_server.url}{argued_cell.get_absolute_url()}")
    expect(page.get_by_role("heading", name="R03 · France", level=1)).to_be_visible()
    headline = page.locator("section", has=page.get_by_role("heading", name="Current status"))
    expect(headline.locator(".status-badge")).to_have_text("Implemented")
    expect(source_card(page, "Government self-report").locator(".status-badge")).to_have_text(
        "Implemented"
    )

    page.get_by_label("Status as of", exact=True).fill("2021-01-01")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"as_of=2021-01-01"))
    expect(
        page.get_by_text("A past date: the picture as it stood on 1 January 2021.")
    ).to_be_visible()
    past = page.locator("section", has=page.get_by_role("heading", name="Status on 1 January 2021"))
    expect(past.locator(".status-badge")).to_have_text("In progress")
    expect(source_card(page, "Government self-report").locator(".status-badge")).to_have_text(
        "Planned"
    )
    civil = source_card(page, "Civil society")
    expect(civil.locator(".status-badge")).to_have_text("In progress")
    expect(civil.get_by_role("link", name="https://ngo.example.org/shadow-report")).to_be_visible()
    expect(page.get_by_text("The sources disagree.")).to_have_count(0)  # planned, in progress
    expect(page.get_by_role("img", name=re.compile("one line per source"))).to_be_visible()

    page.get_by_role("link", name="Back to today").first.click()
    expect(page).not_to_have_url(re.compile("as_of"))

    with page.expect_response(re.compile(r"/recommendations/R03/feed/$")) as feed:
        page.get_by_role("link", name="Follow R03 (Atom feed)").click()
    response = feed.value
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.body())
    titles = [entry.findtext("{http://www.w3.org/2005/Atom}title") for entry in root]
    assert "R03 · France: Implemented (1 March 2023)" in titles


@pytest.mark.parametrize(
    ("path", "width"),
    [
        ("/recommendations/R03/FRA/", 1280),
        ("/recommendations/R03/FRA/?as_of=2021-01-01", 1280),
        ("/recommendations/R03/FRA/?as_of=2021-01-01", 390),
        ("/recommendations/R03/FRA/?as_of=not-a-date", 390),
        ("/ar/recommendations/R03/FRA/?as_of=2021-01-01", 1280),
    ],
)
def test_the_cell_page_has_no_serious_accessibility_violation(
    live_server, argued_cell, new_page, path, width
):
    page = new_page(width=width, bypass_csp=True)
    page.goto(f"{live_server.url}{path}")
    assert serious_accessibility_violations(page) == []
    # Nothing wider than the screen but the chart, which scrolls in its own box.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
