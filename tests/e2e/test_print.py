"""Printing: the recommendation page, the country brief (a state's page) and the dashboard, as
headless Chromium prints them to PDF on A4 and Letter: a sensible number of pages, the headings,
statuses and narratives on paper, the day printed and the date shown, and none of the screen's
navigation, buttons or filters."""

import datetime
import io
import unicodedata

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from pypdf import PdfReader

from recommendations.models import AssessmentSource, Recommendation, Status
from recommendations.services import cells_refresh_all
from tests.factories import ProgressUpdateFactory, UserFactory, cell_at

pytestmark = pytest.mark.django_db(transaction=True)

# The screen's furniture, none of which belongs on paper: the menus, the filter form, the
# language switcher, the skip links, the date picker's button, the feeds and the exports.
SCREEN_ONLY = [
    "Progress log",
    "Sign in",
    "Skip to content",
    "Skip the map",
    "Apply filters",
    "Clear filters",
    "Back to today",
    "English",
    "Atom feed",
    "(CSV)",
    "The figures",
    "The map as a table",
    "Show only these cells",
]
PRINTED_STATUSES = [status for status in Status if status != Status.NO_INFORMATION]
# A narrative longer than the screen's excerpt: its last words are on paper only.
LONG_NARRATIVE = " ".join(["The ministry reported further steps."] * 12)


def narrative(code: str) -> str:
    return f"{LONG_NARRATIVE} Closing words on {code}."


@pytest.fixture
def history(live_catalogue):
    """An approved history: France's every recommendation (its latest narrative, a source or
    two, and an older status for a past date), and R03 across 60 Member States."""
    reporter, reviewer = UserFactory(), UserFactory()

    def approved(cell, status, day, text, source=AssessmentSource.GOVERNMENT):
        ProgressUpdateFactory(
            cell=cell,
            status=status,
            effective_date=day,
            narrative=text,
            source=source,
            reported_by=reporter,
            review_state="approved",
            reviewed_by=reviewer,
            reviewed_at=timezone.now(),
        )

    for n, rec in enumerate(Recommendation.objects.order_by("order")):
        cell = cell_at(rec.code, "FRA")
        status = PRINTED_STATUSES[n % len(PRINTED_STATUSES)]
        approved(cell, Status.PLANNED, datetime.date(2019, 3, 1), f"Early plan for {rec.code}.")
        approved(cell, status, datetime.date(2023, 5, 1), narrative(rec.code))
        if n % 3 == 0:
            approved(
                cell,
                Status.NOT_STARTED,
                datetime.date(2022, 1, 1),
                f"Civil society on {rec.code}.",
                source=AssessmentSource.CIVIL_SOCIETY,
            )
    for n, cell in enumerate(
        cell_at("R03", "FRA").recommendation.cells.exclude(state__iso3="FRA")[:60]
    ):
        status = PRINTED_STATUSES[n % len(PRINTED_STATUSES)]
        approved(cell, status, datetime.date(2020 + n % 4, 6, 1), f"R03 in state {n}.")
    cells_refresh_all()


def printed(new_page, url: str, paper: str = "A4") -> tuple[int, str]:
    """The page as Chromium prints it: its number of pages and its text, whitespace folded and
    ligatures ("ﬃ") spelt out."""
    page = new_page()
    page.goto(url)
    pdf = PdfReader(io.BytesIO(page.pdf(format=paper)))
    text = " ".join(sheet.extract_text() for sheet in pdf.pages)
    return len(pdf.pages), " ".join(unicodedata.normalize("NFKC", text).split())


def day(date: datetime.date) -> str:
    with translation.override("en"):
        return date_format(date, "DATE_FORMAT")


def assert_printed_for_paper(text: str, url: str):
    assert "Debate Tracker" in text
    assert url in text.replace(" ", "")  # the page's address (a long one may wrap)
    assert f"Printed on {day(timezone.localdate())}" in text
    for words in SCREEN_ONLY:
        assert words not in text, words


def test_the_recommendation_page_prints_every_state_without_the_screens_furniture(
    live_server, history, new_page
):
    url = f"{live_server.url}/recommendations/R03/"
    pages, text = printed(new_page, url)
    assert 1 < pages < 25
    assert_printed_for_paper(text, url)
    assert "Status as of" not in text  # today's picture says no date beyond the day printed
    for heading in ["R03 ·", "Status across Member States", "Member States", "Approved updates"]:
        assert heading in text
    for status in PRINTED_STATUSES:
        assert str(status.label) in text
    # All 195 states on paper, the last in the alphabet too: no page of results left behind.
    assert "Afghanistan" in text
    assert "Zimbabwe" in text
    # The map prints, with its legend and the UN's disclaimer.
    assert "do not imply official endorsement" in text


def test_the_state_page_prints_as_a_country_brief(live_server, history, new_page):
    """Every recommendation with its status, its sources side by side and its latest narrative
    whole, which the screen shortens."""
    url = f"{live_server.url}/states/FRA/"
    pages, text = printed(new_page, url)
    assert 1 < pages < 25
    assert_printed_for_paper(text, url)
    assert "France" in text
    assert "Status across recommendations" in text
    for rec in Recommendation.objects.all():
        assert f"{rec.code} ·" in text
        assert f"Closing words on {rec.code}." in text
        assert f"Early plan for {rec.code}." not in text  # not the latest
    for status in PRINTED_STATUSES:
        assert str(status.label) in text
    for source in [AssessmentSource.GOVERNMENT, AssessmentSource.CIVIL_SOCIETY]:
        assert str(source.label) in text
    assert "According to each source" in text


def test_the_country_brief_shows_an_excerpt_on_screen_and_the_whole_narrative_on_paper(
    live_server, history, new_page
):
    page = new_page()
    page.goto(f"{live_server.url}/states/FRA/")
    whole = page.locator(".cell-narrative .d-print-block").first
    excerpt = page.locator(".cell-narrative .d-print-none").first
    header = page.locator(".print-header")
    assert whole.is_hidden()
    assert header.is_hidden()
    assert excerpt.is_visible()
    assert "Closing words on" not in excerpt.inner_text()  # cut short on screen
    page.emulate_media(media="print")
    assert whole.is_visible()
    assert header.is_visible()
    assert excerpt.is_hidden()
    assert page.locator("body > header").is_hidden()
    assert page.locator("form.as-of-form").is_hidden()


def test_on_paper_links_read_as_text_and_outside_ones_print_their_address(
    live_server, history, new_page
):
    page = new_page()
    page.goto(f"{live_server.url}/states/FRA/")
    page.emulate_media(media="print")
    # A link to outside evidence, and one (as the evidence lists draw them) that reads as its
    # address already.
    page.evaluate(
        """() => document.querySelector("main").insertAdjacentHTML("beforeend",
        '<a id="outside" href="https://example.org/report">the report</a>' +
        '<a id="evidence" rel="nofollow" href="https://example.org/x">https://example.org/x</a>')"""
    )

    def style(selector, pseudo=None):
        return page.evaluate(
            "([selector, pseudo]) => {"
            " const element = document.querySelector(selector);"
            " const s = getComputedStyle(element, pseudo);"
            " return {content: s.content, color: s.color, line: s.textDecorationLine,"
            " around: getComputedStyle(element.parentElement).color}; }",
            [selector, pseudo],
        )

    assert style("#outside", "::after")["content"] == '" (https://example.org/report)"'
    assert style("#evidence", "::after")["content"] == "none"
    inside = style("main a[href^='/recommendations/']")
    assert inside["line"] == "none"
    assert inside["color"] == inside["around"]  # the text's colour, not a link's blue


def test_a_brief_of_a_past_date_prints_that_date_on_letter_paper(live_server, history, new_page):
    url = f"{live_server.url}/states/FRA/?as_of=2021-06-30"
    pages, text = printed(new_page, url, paper="Letter")
    assert 1 < pages < 25
    assert_printed_for_paper(text, url)
    assert f"Status as of {day(datetime.date(2021, 6, 30))}" in text
    # The narratives of that day: the plans of 2019, not the reports of 2023.
    for rec in Recommendation.objects.all():
        assert f"Early plan for {rec.code}." in text
        assert f"Closing words on {rec.code}." not in text


def test_the_dashboard_prints_its_map_tables_and_chart(live_server, history, new_page):
    url = f"{live_server.url}/dashboard/"
    pages, text = printed(new_page, url)
    assert 1 <= pages < 15
    assert_printed_for_paper(text, url)
    for heading in [
        "Dashboard",
        "Status by recommendation",
        "By theme",
        "By regional group",
        "Where the sources disagree",
        "Approved updates per year, by reported status",
        "Gone stale",
    ]:
        assert heading in text, heading
    for status in PRINTED_STATUSES:
        assert str(status.label) in text
    assert "do not imply official endorsement" in text


def test_the_dashboard_of_a_past_date_prints_that_date(live_server, history, new_page):
    url = f"{live_server.url}/dashboard/?as_of=2021-06-30"
    pages, text = printed(new_page, url, paper="Letter")
    assert 1 <= pages < 15
    assert_printed_for_paper(text, url)
    assert f"Status as of {day(datetime.date(2021, 6, 30))}" in text
