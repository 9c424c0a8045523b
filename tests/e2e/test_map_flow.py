"""The world map as a reader uses it: shapes drawn from the shapes file under the site's CSP,
a state reached by keyboard shows its name, status and date and opens its cell, a small island
State's marker is clickable, and the map fits a phone."""

import datetime

import pytest

from recommendations.models import Status
from tests.factories import approved_update

pytestmark = pytest.mark.django_db(transaction=True)


def approve(code, iso3, status, day=datetime.date(2021, 3, 4)):
    approved_update(code, iso3, status, day)


def test_a_state_is_reached_by_keyboard_shows_its_status_and_opens_its_cell(
    live_server, live_catalogue, new_page
):
    approve("R03", "FRA", Status.PARTIALLY_IMPLEMENTED)
    page = new_page()
    page.goto(f"{live_server.url}/recommendations/R03/")
    france = page.locator('#status-map a.map-place[href="/recommendations/R03/FRA/"]')
    # Drawn from the shapes file (a <use> of /map/shapes.svg#FRA), under the strict CSP.
    box = france.locator("use").bounding_box()
    assert box
    assert box["width"] > 10
    assert box["height"] > 10
    readout = page.locator("#status-map .map-readout")
    assert readout.text_content().startswith("Point at a state")
    france.focus()
    assert readout.text_content() == "France: Partially implemented, 4 March 2021"
    # The tips inside the map are the fallback without JavaScript.
    assert not france.locator(".map-tip").is_visible()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/recommendations/R03/FRA/")
    assert "Partially implemented" in page.locator("main").inner_text()


def test_the_pointer_shows_a_state_in_the_readout(live_server, live_catalogue, new_page):
    approve("R03", "BRA", Status.DECLINED)
    page = new_page()
    page.goto(f"{live_server.url}/recommendations/R03/")
    page.locator('#status-map a.map-place[href="/recommendations/R03/BRA/"] use').hover()
    readout = page.locator("#status-map .map-readout")
    assert readout.text_content() == "Brazil: Declined, 4 March 2021"


def test_without_javascript_the_tip_inside_the_map_shows_the_state(
    live_server, live_catalogue, browser
):
    approve("R03", "FRA", Status.PARTIALLY_IMPLEMENTED)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/recommendations/R03/")
        france = page.locator('#status-map a.map-place[href="/recommendations/R03/FRA/"]')
        tip = france.locator(".map-tip")
        assert not tip.is_visible()
        assert not page.locator("#status-map .map-readout").is_visible()
        france.focus()
        assert tip.is_visible()
        assert tip.text_content() == "FrancePartially implemented, 4 March 2021"
    finally:
        context.close()


def test_tab_walks_the_states_and_the_skip_link_jumps_past_them(
    live_server, live_catalogue, new_page
):
    page = new_page()
    page.goto(f"{live_server.url}/dashboard/")
    skip = page.locator("#share-map > a.visually-hidden-focusable")
    skip.focus()
    page.keyboard.press("Tab")
    first = page.evaluate("document.activeElement.getAttribute('aria-label')")
    page.keyboard.press("Tab")
    second = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert first.startswith("Afghanistan: ")
    assert second.startswith("Albania: ")
    skip.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    after = page.evaluate("document.activeElement.closest('#share-map') === null")
    assert after


def test_a_small_island_state_is_a_marker_that_opens_its_cell(
    live_server, live_catalogue, new_page
):
    approve("R03", "TUV", Status.IMPLEMENTED)
    page = new_page()
    page.goto(f"{live_server.url}/recommendations/R03/")
    tuvalu = page.locator('a.map-marker[href="/recommendations/R03/TUV/"]')
    assert "fill-status-implemented" in tuvalu.get_attribute("class")
    tuvalu.locator("circle").click()
    page.wait_for_url(f"{live_server.url}/recommendations/R03/TUV/")


def test_the_map_fits_a_phone(live_server, live_catalogue, new_page):
    page = new_page(width=390, height=844)
    page.goto(f"{live_server.url}/dashboard/")
    svg = page.locator("#share-map svg.map").bounding_box()
    assert svg["width"] <= 390
    assert svg["height"] > 100
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
