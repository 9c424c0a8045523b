"""A cell page holding what a hostile or careless report can hold (issue 16's attack review):
a narrative of 10,000 characters without a space, and an as-of value as long, still fits a
phone's screen."""

import pytest

from recommendations.services import cell_refresh_status
from tests.factories import ProgressUpdateFactory, cell_at

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "path",
    [
        "/recommendations/R03/FRA/",
        "/recommendations/R03/FRA/?as_of=2026-01-01",
        "/recommendations/R03/FRA/?as_of=" + "x" * 10_000,
        "/states/FRA/",
        "/recommendations/R03/",
    ],
)
def test_an_unbroken_narrative_wraps_on_a_phone(live_server, live_catalogue, new_page, path):
    cell = cell_at("R03", "FRA")
    ProgressUpdateFactory(cell=cell, narrative="x" * 10_000, approved=True)
    cell_refresh_status(cell=cell)
    page = new_page(width=390)
    page.goto(f"{live_server.url}{path}")
    assert page.locator("text=xxxxxxxxxx").count() >= 1
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_an_unbroken_narrative_wraps_on_its_update_page(live_server, live_catalogue, new_page):
    update = ProgressUpdateFactory(
        cell=cell_at("R03", "FRA"), narrative="x" * 10_000, approved=True
    )
    page = new_page(width=390)
    page.goto(f"{live_server.url}{update.get_absolute_url()}")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
