"""A cell's status at each month's end (``month_ends``), and every cell's by recommendation
(``month_end_grids``: what ``MonthEndGrid`` keeps for the pages of every cell on a past day),
as a specification."""

import datetime

from recommendations.models import Status, month_end_grids, month_ends
from recommendations.models.cells import month_end

S = Status


def day(year, month=1, date=1):
    return datetime.date(year, month, date)


def test_no_approved_update_no_month():
    assert month_ends([]) == []


def test_one_update_its_month_alone():
    assert month_ends([(day(2020, 2, 10), S.PLANNED)]) == [
        (day(2020, 2, 29), day(2020, 2, 10), S.PLANNED)
    ]


def test_a_status_stands_through_the_months_without_an_update_and_across_a_new_year():
    log = [(day(2019, 11, 5), S.PLANNED), (day(2020, 2, 1), S.IN_PROGRESS)]
    assert month_ends(log) == [
        (day(2019, 11, 30), day(2019, 11, 5), S.PLANNED),
        (day(2019, 12, 31), day(2019, 11, 5), S.PLANNED),
        (day(2020, 1, 31), day(2019, 11, 5), S.PLANNED),
        (day(2020, 2, 29), day(2020, 2, 1), S.IN_PROGRESS),
    ]


def test_the_last_update_of_a_month_in_the_logs_order_is_its_end():
    """Rows come in the current status's order (date, creation time, id): of two the same
    day, the later one stands, as it does for the current status."""
    log = [
        (day(2021, 3, 1), S.PLANNED),
        (day(2021, 3, 31), S.DECLINED),
        (day(2021, 3, 31), S.IMPLEMENTED),
    ]
    assert month_ends(log) == [(day(2021, 3, 31), day(2021, 3, 31), S.IMPLEMENTED)]


def test_the_earliest_and_latest_dates_accepted():
    assert month_ends([(day(1945), S.PLANNED)])[0][0] == day(1945, 1, 31)
    assert month_end(day(9999, 12, 1)) == day(9999, 12, 31)
    assert [month_end(day(2024, m)).day for m in (1, 2, 4, 12)] == [31, 29, 30, 31]


# Every cell at once, by recommendation (``month_end_grids``: what ``MonthEndGrid`` keeps) ------

CELLS = [(1, 10, 100), (2, 10, 200), (3, 20, 100)]  # (cell, recommendation, state)


def grids(log):
    return [
        (day, recommendation, list(zip(*row.values(), strict=True)))
        for day, recommendation, row in month_end_grids(CELLS, log)
    ]


def test_no_approved_update_no_grid():
    assert grids([]) == []


def test_every_month_between_the_first_update_and_the_last_has_every_recommendation_updated():
    log = [
        (day(2020, 1, 5), 1, "planned"),
        (day(2020, 1, 20), 1, "in_progress"),  # later the same month: the month's status
        (day(2020, 3, 2), 3, "declined"),
        (day(2020, 3, 9), 2, "implemented"),
    ]
    assert grids(log) == [
        (day(2020, 1, 31), 10, [(1, 100, "in_progress", "2020-01-20")]),
        # February: no update; January's statuses stand.
        (day(2020, 2, 29), 10, [(1, 100, "in_progress", "2020-01-20")]),
        (
            day(2020, 3, 31),
            10,
            [(1, 100, "in_progress", "2020-01-20"), (2, 200, "implemented", "2020-03-09")],
        ),
        # Recommendation 20 from its first update's month on.
        (day(2020, 3, 31), 20, [(3, 100, "declined", "2020-03-02")]),
    ]


def test_a_grid_row_is_its_own_copy():
    rows = list(
        month_end_grids(CELLS, [(day(2020, 1, 5), 1, "planned"), (day(2020, 2, 5), 1, "declined")])
    )
    assert [row["status"] for _day, _rec, row in rows] == [["planned"], ["declined"]]
