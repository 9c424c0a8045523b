"""A cell's status at each month's end (``month_ends``: what ``CellMonthEnd`` keeps for the
pages of every cell on a past day), as a specification."""

import datetime

from recommendations.models import Status, month_ends
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
