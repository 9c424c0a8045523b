"""The unfiltered dashboard's chart of the years is summed from every cell's monthly counts
once a data version: kept in the cache under the version, and summed again after any approval
or withdrawal."""

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
    """The reads of the counts: the cells' yearly counts (a filtered chart) or every cell's
    monthly counts (the unfiltered chart, and a past day's year)."""
    return [q["sql"] for q in captured if any(t in q["sql"].lower() for t in YEAR_TABLES)]


YEAR_TABLES = ("cellyearcount", "monthcount")


def test_the_chart_is_summed_once_a_data_version(seeded):
    approved_update("R01", "FRA", Status.PLANNED, on=datetime.date(2019, 5, 1))
    with CaptureQueriesContext(connection) as first:
        summed = years()
    with CaptureQueriesContext(connection) as again:
        assert years() == summed
    [summed_from] = year_queries(first.captured_queries)
    assert "monthcount" in summed_from.lower()  # a dozen rows a year, not a row a cell and year
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


@pytest.mark.parametrize(
    "day",
    [
        datetime.date(2020, 3, 3),  # early in its month: the month's log up to the day
        datetime.date(2020, 3, 28),  # late: the month's count less the days after it
    ],
)
def test_a_past_days_chart_counts_what_had_taken_effect_by_then(seeded, day):
    """The day's year comes from the monthly counts and a part of the day's month from the
    log: the same figures as counting the approved log up to that day."""
    for iso3, on, status in [
        ("FRA", datetime.date(2019, 5, 1), Status.PLANNED),
        ("FRA", datetime.date(2020, 1, 15), Status.IN_PROGRESS),
        ("DEU", datetime.date(2020, 3, 2), Status.PLANNED),
        ("KEN", datetime.date(2020, 3, 10), Status.IMPLEMENTED),
        ("DEU", datetime.date(2020, 3, 30), Status.IN_PROGRESS),
        ("KEN", datetime.date(2020, 7, 1), Status.DECLINED),
    ]:
        approved_update("R01", iso3, status, on=on)

    figures = selectors.dashboard(
        Cell.objects.all(), filtered=False, stale_since=months_ago(24, day), as_of=day
    )

    expected = {
        (2019, "planned"): 1,
        (2020, "in_progress"): 1,
        (2020, "planned"): 1,
        **({(2020, "implemented"): 1} if day.day >= 10 else {}),
    }
    assert {(row["year"], row["status"]): row["n"] for row in figures.years} == expected
