"""The unfiltered dashboard's chart of the years is summed once a data version: kept in the cache
under the version, and summed again after any approval or withdrawal."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations import selectors
from recommendations.models import Cell, Status, months_ago
from recommendations.services import update_withdraw
from tests.factories import approved_update

pytestmark = pytest.mark.django_db


def years() -> dict[tuple[int, str], int]:
    figures = selectors.dashboard(Cell.objects.all(), filtered=False, stale_since=months_ago(24))
    return {(row["year"], row["status"]): row["n"] for row in figures.years}


def year_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if "cellyearcount" in q["sql"].lower()]


def test_the_chart_is_summed_once_a_data_version(seeded):
    approved_update("R01", "FRA", Status.PLANNED, on=datetime.date(2019, 5, 1))
    first = years()
    with CaptureQueriesContext(connection) as again:
        assert years() == first
    assert year_queries(again.captured_queries) == []


def test_an_approval_and_a_withdrawal_show_at_once(seeded, superuser):
    approved_update("R01", "FRA", Status.PLANNED, on=datetime.date(2019, 5, 1))
    assert years() == {(2019, "planned"): 1}
    update = approved_update("R01", "DEU", Status.IMPLEMENTED, on=datetime.date(2020, 2, 1))
    assert years() == {(2019, "planned"): 1, (2020, "implemented"): 1}
    update_withdraw(update=update, user=superuser, reason="Entered against the wrong state.")
    assert years() == {(2019, "planned"): 1}


def test_a_filtered_chart_is_summed_each_time(seeded):
    approved_update("R01", "FRA", Status.PLANNED, on=datetime.date(2019, 5, 1))
    cells = Cell.objects.filter(state__regional_group="western-european-others")
    selectors.dashboard(cells, filtered=True, stale_since=months_ago(24))
    with CaptureQueriesContext(connection) as again:
        figures = selectors.dashboard(cells, filtered=True, stale_since=months_ago(24))
    assert len(year_queries(again.captured_queries)) == 1
    assert [(row["year"], row["n"]) for row in figures.years] == [(2019, 1)]
