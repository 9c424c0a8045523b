"""The matrix in a browser (issue 17): one tab stop for the whole grid, the arrow keys from cell
to cell (as they look in Arabic too), Enter opens a cell; every link its own tab stop without
JavaScript; no serious accessibility violation; on a phone only the grid's box scrolls."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from recommendations.models import MemberState, RegionalGroup, Status
from recommendations.services import cell_refresh_status
from tests.e2e.accessibility import serious_accessibility_violations
from tests.factories import ProgressUpdateFactory, cell_at

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reported(live_catalogue):
    """A few cells reported, two of them implemented."""
    for code, iso3, status in [
        ("R02", "BDI", Status.IMPLEMENTED),
        ("R03", "FRA", Status.IMPLEMENTED),
        ("R01", "AGO", Status.DECLINED),
        ("R01", "BEN", Status.PLANNED),
    ]:
        cell = cell_at(code, iso3)
        ProgressUpdateFactory(
            cell=cell, status=status, effective_date=datetime.date(2020, 1, 1), approved=True
        )
        cell_refresh_status(cell=cell)


def columns() -> list[str]:
    """The ISO3 codes of the grid's columns: by regional group, then code."""
    order = {group.value: index for index, group in enumerate(RegionalGroup)}
    states = MemberState.objects.values_list("regional_group", "iso3")
    return [iso3 for _, iso3 in sorted(states, key=lambda s: (order[s[0]], s[1]))]


def focused(page) -> str | None:
    return page.evaluate(
        "document.activeElement.closest('table.matrix') && "
        "document.activeElement.getAttribute('href')"
    )


def cell_url(code: str, iso3: str, prefix: str = "") -> str:
    return f"{prefix}/recommendations/{code}/{iso3}/"


def tab_into_the_grid(page):
    """From the link just before it (the CSV export), one Tab lands in the grid."""
    page.get_by_role("link", name="Export CSV").focus()
    page.keyboard.press("Tab")


def test_the_grid_is_one_tab_stop_and_the_arrow_keys_move_between_cells(
    live_server, reported, new_page
):
    page = new_page()
    page.goto(f"{live_server.url}/matrix/")
    assert page.locator("table.matrix a[tabindex='0']").count() == 1
    tab_into_the_grid(page)
    codes = columns()
    assert focused(page) == cell_url("R01", codes[0])
    page.keyboard.press("ArrowRight")
    assert focused(page) == cell_url("R01", codes[1])
    page.keyboard.press("ArrowDown")
    assert focused(page) == cell_url("R02", codes[1])
    page.keyboard.press("ArrowLeft")
    assert focused(page) == cell_url("R02", codes[0])
    page.keyboard.press("ArrowUp")
    assert focused(page) == cell_url("R01", codes[0])
    page.keyboard.press("ArrowUp")  # the column's header: the state's page
    assert focused(page) == f"/states/{codes[0]}/"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("End")
    assert focused(page) == cell_url("R01", codes[-1])
    page.keyboard.press("Home")  # the row's header: the recommendation's page
    assert focused(page) == "/recommendations/R01/"
    page.keyboard.press("Control+End")
    last = page.locator("table.matrix tbody tr").last.locator("th a").get_attribute("href")
    assert focused(page) == f"{last}{codes[-1]}/"
    page.keyboard.press("Control+Home")
    assert focused(page) == "/recommendations/R01/"
    # still one tab stop: the cell last focused
    assert page.locator("table.matrix a[tabindex='0']").count() == 1
    # Tab leaves the grid; Shift+Tab comes back to the same cell
    page.keyboard.press("Tab")
    assert focused(page) is None
    page.keyboard.press("Shift+Tab")
    assert focused(page) == "/recommendations/R01/"


def test_enter_opens_the_focused_cell(live_server, reported, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/matrix/")
    tab_into_the_grid(page)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/recommendations/R02/BDI/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Burundi")


def test_blank_cells_are_skipped(live_server, reported, new_page):
    """Filtered to implemented: R02 x Burundi and R03 x France, diagonally apart."""
    page = new_page()
    page.goto(f"{live_server.url}/matrix/?status=implemented")
    tab_into_the_grid(page)
    assert focused(page) == cell_url("R02", "BDI")
    page.keyboard.press("ArrowRight")  # R02 x France is blank: nothing to the right
    assert focused(page) == cell_url("R02", "BDI")
    page.keyboard.press("ArrowDown")  # R03 x Burundi is blank too
    assert focused(page) == cell_url("R02", "BDI")
    page.keyboard.press("End")
    assert focused(page) == cell_url("R02", "BDI")
    page.keyboard.press("Home")
    page.keyboard.press("ArrowDown")  # R03's header
    page.keyboard.press("End")
    assert focused(page) == cell_url("R03", "FRA")


def test_in_arabic_left_and_right_follow_the_page(live_server, reported, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/ar/matrix/")
    tab_into_the_grid_in_arabic = page.locator("table.matrix a[tabindex='0']")
    tab_into_the_grid_in_arabic.focus()
    codes = columns()
    assert focused(page) == cell_url("R01", codes[0], "/ar")
    first = page.locator("table.matrix a[tabindex='0']").bounding_box()
    page.keyboard.press("ArrowLeft")  # right to left: the next column is on the left
    assert focused(page) == cell_url("R01", codes[1], "/ar")
    second = page.locator("table.matrix a[tabindex='0']").bounding_box()
    assert second["x"] < first["x"]
    page.keyboard.press("ArrowRight")
    assert focused(page) == cell_url("R01", codes[0], "/ar")


def test_the_transposed_grid_moves_alike(live_server, reported, new_page):
    """Africa's states as rows, filtered: Angola declined R01, Burundi implemented R02."""
    page = new_page()
    page.goto(f"{live_server.url}/matrix/african/?status=implemented&status=declined")
    tab_into_the_grid(page)
    assert focused(page) == cell_url("R01", "AGO")
    page.keyboard.press("ArrowDown")  # Burundi's R01 is blank
    assert focused(page) == cell_url("R01", "AGO")
    page.keyboard.press("ArrowRight")  # so is Angola's R02
    assert focused(page) == cell_url("R01", "AGO")
    page.keyboard.press("Home")
    assert focused(page) == "/states/AGO/"
    page.keyboard.press("ArrowDown")
    assert focused(page) == "/states/BDI/"
    page.keyboard.press("End")
    assert focused(page) == cell_url("R02", "BDI")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/recommendations/R02/BDI/$"))


def test_the_grid_works_again_after_the_filters_change_it(live_server, reported, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/matrix/")
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Implemented", exact=True).check()
    expect(page).to_have_url(re.compile(r"status=implemented"))
    expect(page.locator("table.matrix tbody tr")).to_have_count(2)
    assert page.locator("table.matrix a[tabindex='0']").count() == 1
    tab_into_the_grid(page)
    assert focused(page) == cell_url("R02", "BDI")


def test_without_javascript_every_link_is_a_tab_stop(live_server, reported, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/matrix/?status=implemented")
    links = page.locator("table.matrix a")
    assert links.count() == 2 + 2 + 2  # two state headers, two row headers, two cells
    assert page.locator("table.matrix a[tabindex]").count() == 0
    page.get_by_role("link", name="Export CSV").focus()
    page.keyboard.press("Tab")
    assert focused(page) == "/states/BDI/"
    context.close()


@pytest.mark.parametrize("path", ["/matrix/", "/ar/matrix/", "/matrix/african/?as_of=2021-06-30"])
def test_no_serious_accessibility_violations(live_server, reported, new_page, path):
    page = new_page(bypass_csp=True)
    page.goto(f"{live_server.url}{path}")
    assert serious_accessibility_violations(page) == []


@pytest.mark.parametrize("path", ["/matrix/", "/ar/matrix/", "/matrix/african/"])
def test_on_a_phone_only_the_grid_scrolls_sideways(live_server, reported, new_page, path):
    page = new_page(width=390, height=844)
    page.goto(f"{live_server.url}{path}")
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1]
    box = page.locator(".matrix-scroll")
    assert box.evaluate("node => node.scrollWidth > node.clientWidth")
    assert box.evaluate("node => node.getBoundingClientRect().right <= window.innerWidth")
    # the keys still reach a cell far to the side, scrolled into view beside the sticky column
    page.locator("table.matrix a[tabindex='0']").focus()
    for _ in range(12):
        page.keyboard.press("ArrowRight" if not path.startswith("/ar/") else "ArrowLeft")
    cell = page.evaluate("document.activeElement.getBoundingClientRect().toJSON()")
    header = page.evaluate(
        "document.querySelector('table.matrix tbody th').getBoundingClientRect().toJSON()"
    )
    if path.startswith("/ar/"):
        assert cell["right"] <= header["left"] + 1
        assert cell["left"] >= 0
    else:
        assert cell["left"] >= header["right"] - 1
        assert cell["right"] <= 390
