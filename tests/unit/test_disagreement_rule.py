"""When assessment sources disagree (``models.cells.sources_disagree``), and over time
(``disagreement_spans``: the periods a page "as of" a date reads): the rule as a specification."""

import datetime
import itertools

import pytest

from recommendations.models import Status, disagreement_spans, months_ago, sources_disagree

S = Status
SCALE = [S.NOT_STARTED, S.PLANNED, S.IN_PROGRESS, S.PARTIALLY_IMPLEMENTED, S.IMPLEMENTED]


@pytest.mark.parametrize(
    ("statuses", "disagree"),
    [
        # two steps apart on the scale, or more
        ([S.PLANNED, S.PARTIALLY_IMPLEMENTED], True),
        ([S.NOT_STARTED, S.IN_PROGRESS], True),
        ([S.IN_PROGRESS, S.IMPLEMENTED], True),
        # implemented against not started: four steps
        ([S.IMPLEMENTED, S.NOT_STARTED], True),
        # one step apart is a nuance, not a disagreement
        ([S.PLANNED, S.IN_PROGRESS], False),
        ([S.PARTIALLY_IMPLEMENTED, S.IMPLEMENTED], False),
        ([S.NOT_STARTED, S.PLANNED], False),
        # declined against planned or beyond
        ([S.DECLINED, S.PLANNED], True),
        ([S.DECLINED, S.IMPLEMENTED], True),
        # declined against not started: neither acts
        ([S.DECLINED, S.NOT_STARTED], False),
        # "no information" is no assessment: it disagrees with nothing
        ([S.NO_INFORMATION, S.IMPLEMENTED], False),
        ([S.NO_INFORMATION, S.DECLINED], False),
        ([S.NO_INFORMATION, S.NOT_STARTED, S.PLANNED], False),
        # one source never disagrees, nor none
        ([S.IMPLEMENTED], False),
        ([S.DECLINED], False),
        ([], False),
        # the same status from two sources agrees
        ([S.IN_PROGRESS, S.IN_PROGRESS], False),
        # any pair among several counts
        ([S.PLANNED, S.IN_PROGRESS, S.PARTIALLY_IMPLEMENTED], True),
    ],
)
def test_sources_disagree(statuses, disagree):
    assert sources_disagree(statuses) is disagree
    assert sources_disagree([status.value for status in statuses]) is disagree  # as stored
    assert sources_disagree(reversed(statuses)) is disagree  # the order of sources is no matter


def test_every_pair_on_the_scale_disagrees_exactly_when_two_steps_apart():
    for left, right in itertools.product(SCALE, SCALE):
        apart = abs(SCALE.index(left) - SCALE.index(right))
        assert sources_disagree([left, right]) is (apart >= 2), (left, right)


def day(year, month=1, date=1):
    return datetime.date(year, month, date)


def test_a_period_of_disagreement_starts_and_ends_on_the_days_the_log_says():
    log = [
        (day(2018), "government", S.PLANNED),
        (day(2019), "civil_society", S.PARTIALLY_IMPLEMENTED),  # two steps: disagree
        (day(2020), "government", S.IN_PROGRESS),  # one step now: agree
        (day(2021), "un_entity", S.DECLINED),  # declined against progress: disagree, still
    ]
    assert disagreement_spans(log) == [(day(2019), day(2020)), (day(2021), None)]


def test_a_day_counts_all_its_updates_whatever_their_order():
    """Two updates on one day: the page "as of" that day sees both, so a disagreement that
    lasts less than a day does not exist."""
    log = [
        (day(2018), "government", S.NOT_STARTED),
        (day(2019), "civil_society", S.IMPLEMENTED),  # would disagree...
        (day(2019), "government", S.PARTIALLY_IMPLEMENTED),  # ...but the same day agrees
    ]
    assert disagreement_spans(log) == []


def test_a_sources_later_update_replaces_its_earlier_one():
    log = [
        (day(2018), "government", S.NOT_STARTED),
        (day(2018, 6), "civil_society", S.IN_PROGRESS),
        (day(2019), "government", S.PARTIALLY_IMPLEMENTED),  # moves on: one step apart
    ]
    assert disagreement_spans(log) == [(day(2018, 6), day(2019))]


def test_one_source_alone_never_disagrees_over_time():
    log = [
        (day(2018), "government", S.NOT_STARTED),
        (day(2019), "government", S.IMPLEMENTED),
        (day(2020), "government", S.DECLINED),
    ]
    assert disagreement_spans(log) == []


def test_stale_counts_back_from_the_day_shown():
    assert months_ago(24, day(2020, 6, 30)) == day(2018, 6, 28)
    assert months_ago(1, day(2020, 1, 15)) == day(2019, 12, 15)
