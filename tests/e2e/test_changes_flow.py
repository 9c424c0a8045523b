"""What changed, in a browser: a reader opens it from the progress log, narrows it to real
changes, moves the window with the date picker, follows a row to its cell; on a phone and in
print."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from recommendations.models import AssessmentSource, Status
from recommendations.services import cell_refresh_status
from tests.e2e.accessibility import serious_accessibility_violations
from tests.factories import ProgressUpdateFactory, cell_at

pytestmark = pytest.mark.django_db(transaction=True)


def approved(code, iso3, status, day, at, source=AssessmentSource.GOVERNMENT):
    cell = cell_at(code, iso3)
    ProgressUpdateFactory(
        cell=cell,
        status=status,
        effective_date=day,
        approved=True,
        reviewed_at=at,
        source=source,
    )
    cell_refresh_status(cell=cell)


@pytest.fixture
def changes(live_catalogue):
    """R03 in France went from planned to implemented this week (civil society confirmed it);
    R19 in Nigeria moved to in progress two months ago."""
    now = timezone.now()
    approved("R03", "FRA", Status.PLANNED, datetime.date(2019, 1, 1), now - datetime.timedelta(400))
    approved("R03", "FRA", Status.IMPLEMENTED, datetime.date(2024, 1, 1), now)
    approved(
        "R03",
        "FRA",
        Status.IMPLEMENTED,
        datetime.date(2024, 2, 1),
        now,
        source=AssessmentSource.CIVIL_SOCIETY,
    )
    approved(
        "R19", "NGA", Status.IN_PROGRESS, datetime.date(2024, 1, 1), now - datetime.timedelta(60)
    )


def rows(page):
    return page.locator("#results tbody tr")


def test_a_reader_sees_what_changed_and_follows_it_to_the_cell(live_server, changes, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/updates/")
    page.get_by_role("link", name="What changed").click()
    expect(page.get_by_role("heading", name="What changed", level=1)).to_be_visible()
    expect(rows(page)).to_have_count(2)  # the last 30 days: France's two approvals
    expect(rows(page).first).to_contain_text("confirmed, unchanged")
    expect(rows(page).last).to_contain_text("Planned")  # before
    expect(rows(page).last).to_contain_text("Implemented")  # after

    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Change", exact=True).select_option(label="Status changed")
    expect(page).to_have_url(re.compile(r"changed=yes"))
    expect(rows(page)).to_have_count(1)

    since = (timezone.localdate() - datetime.timedelta(days=90)).isoformat()
    page.get_by_label("Approved from").fill(since)
    expect(page).to_have_url(re.compile(rf"since={since}"))
    expect(rows(page)).to_have_count(2)  # Nigeria's change too
    expect(rows(page).last).to_contain_text("Nigeria")

    rows(page).first.get_by_role("link", name=re.compile("R03")).click()
    expect(page).to_have_url(re.compile(r"/recommendations/R03/FRA/$"))


def test_a_phone_reads_it_without_sideways_scrolling(live_server, changes, new_page):
    page = new_page(width=375, height=800)
    page.goto(f"{live_server.url}/changes/")
    expect(rows(page)).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_in_print_the_filters_give_way_to_the_list(live_server, changes, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/changes/?changed=yes")
    page.emulate_media(media="print")
    expect(page.locator("form.filter-form")).to_be_hidden()
    expect(rows(page)).to_have_count(1)
    expect(page.get_by_text(re.compile("Approved in the last 30 days"))).to_be_visible()


@pytest.mark.parametrize(
    "path",
    [
        "/changes/",
        "/changes/?since=2024-03-01&until=2024-01-01&changed=maybe",
        "/changes/?changed=no",
        "/ar/changes/",
    ],
)
def test_no_serious_accessibility_violations(live_server, changes, new_page, path):
    page = new_page(bypass_csp=True)
    page.goto(f"{live_server.url}{path}")
    assert serious_accessibility_violations(page) == []
