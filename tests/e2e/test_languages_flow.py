"""People working in their own language: a French-speaking editor logs an update; an
Arabic-speaking reader filters the dashboard right to left; Arabic pages pass axe-core."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from recommendations.models import Cell, ProgressUpdate, RegionalGroup, ReviewState, Status, Theme
from recommendations.services import cell_refresh_status
from tests.e2e.accessibility import serious_accessibility_violations
from tests.factories import MAIN_PAGES, ProgressUpdateFactory, UserFactory, cell_at, in_group

pytestmark = pytest.mark.django_db(transaction=True)


def in_language(language: str, text: str) -> str:
    """The interface's own words in ``language``, from the catalogue the pages use."""
    with translation.override(language):
        translated = translation.gettext(text)
    assert translated != text, f"{text!r} has no {language} translation"
    return translated


def fr(text: str) -> str:
    return in_language("fr", text)


def test_a_french_speaking_editor_logs_an_update_in_french(live_server, live_catalogue, new_page):
    in_group(UserFactory(username="redactrice", is_staff=False), "Editors")
    page = new_page()
    page.goto(f"{live_server.url}/recommendations/R03/")

    # The switcher in the header keeps the page.
    page.get_by_role("button", name="Language: English").click()
    page.get_by_role("button", name="Français").click()
    expect(page).to_have_url(f"{live_server.url}/fr/recommendations/R03/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    page.get_by_role("link", name=fr("Sign in")).click()
    page.locator("#id_username").fill("redactrice")
    page.locator("#id_password").fill("correct-horse-battery")
    page.get_by_role("button", name=fr("Sign in")).click()
    expect(page).to_have_url(f"{live_server.url}/fr/recommendations/R03/")

    page.get_by_role("link", name=fr("Log an update")).first.click()
    expect(page.get_by_role("heading", name=fr("Log an update"))).to_be_visible()
    page.get_by_label(fr("Recommendation")).select_option("R03")
    page.get_by_label(fr("Member State")).select_option(label="France")
    page.get_by_role("combobox", name=in_language("fr", "Status")).select_option("planned")
    page.get_by_label(fr("Source of the assessment")).select_option("government")
    page.get_by_label(fr("Date the status took effect")).fill("2021-05-01")
    page.get_by_label(fr("Narrative")).fill("Le rapporteur national publie un plan d'action.")
    page.get_by_label(fr("Evidence links")).fill("pas un lien")
    page.get_by_role("button", name=fr("Submit for review")).click()

    # The server's validation message, in French; nothing was saved.
    expect(page.get_by_text(re.compile(r"n.est pas une URL|URL http"))).to_be_visible()
    assert not ProgressUpdate.objects.exists()

    page.get_by_label(fr("Evidence links")).fill("https://example.org/plan-2021")
    page.get_by_role("button", name=fr("Submit for review")).click()
    update = ProgressUpdate.objects.get()
    assert update.review_state == ReviewState.SUBMITTED
    expect(page).to_have_url(re.compile(rf"/fr/updates/{update.pk}/$"))
    with translation.override("fr"):
        submitted = translation.gettext("Update #%(id)s submitted for review.") % {"id": update.pk}
    expect(page.get_by_text(submitted)).to_be_visible()


def test_an_arabic_speaking_reader_filters_the_dashboard_right_to_left(
    live_server, live_catalogue, new_page
):
    cell = cell_at("R03", "EGY")
    ProgressUpdateFactory(cell=cell, status=Status.IN_PROGRESS, approved=True)
    cell_refresh_status(cell=cell)
    protection = Theme.objects.get(slug="protection")
    african_ar = in_language("ar", "African Group")

    page = new_page(width=390, height=844)  # a phone
    page.goto(f"{live_server.url}/dashboard/")
    # A filter applied as you click (htmx): the address changes, the header is not redrawn.
    page.get_by_text("Filters", exact=True).first.click()
    page.get_by_label("Protection").check()
    expect(page).to_have_url(re.compile(r"/dashboard/\?.*theme=protection"))

    # The language menu keeps the page and its filter.
    page.get_by_role("button", name="Toggle navigation").click()  # the phone's menu
    page.get_by_role("button", name="Language: English").click()
    page.get_by_role("button", name="العربية").click()
    expect(page).to_have_url(re.compile(r"/ar/dashboard/\?.*theme=protection"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    # The count of the cells the theme selects, in the locale's digits (Arabic groups none).
    selected = Cell.objects.filter(recommendation__themes=protection).count()
    expect(page.locator("p[role=status]")).to_contain_text(str(selected))

    # Mirrored: the brand sits at the right edge, the page does not scroll sideways.
    brand = page.locator(".navbar-brand").bounding_box()
    assert brand["x"] + brand["width"] > 390 / 2
    assert page.evaluate("() => { window.scrollTo(1000, 0); return window.scrollX; }") == 0

    # Filtering on in Arabic: its own labels, the form's button.
    page.get_by_label(african_ar).check()
    page.get_by_role("button", name=in_language("ar", "Apply filters")).click()
    expect(page).to_have_url(re.compile(r"/ar/dashboard/\?.*region=african"))
    expect(page).to_have_url(re.compile(r"theme=protection"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    both = Cell.objects.filter(
        recommendation__themes=protection, state__regional_group=RegionalGroup.AFRICAN
    ).count()
    expect(page.locator("p[role=status]")).to_contain_text(str(both))


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_arabic_pages_have_no_serious_accessibility_violations(
    live_server, live_catalogue, new_page, path
):
    cell = cell_at("R03", "FRA")
    ProgressUpdateFactory(cell=cell, status=Status.PLANNED, approved=True)
    cell_refresh_status(cell=cell)
    page = new_page(bypass_csp=True)
    page.goto(f"{live_server.url}/ar{path}")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert serious_accessibility_violations(page) == []
