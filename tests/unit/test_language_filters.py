"""The template filters of the languages library: counts in the locale's grouping, summaries
shortened in any script, days as each language writes them."""

import datetime

import pytest
from django.template.defaultfilters import date
from django.utils import translation

from recommendations.localization import day_label
from recommendations.templatetags.languages import grouped, shorten


def test_counts_are_grouped_as_the_locale_groups_them():
    with translation.override("en"):
        assert grouped(7410) == "7,410"
        assert grouped(999) == "999"
    with translation.override("fr"):
        assert grouped(7410) == "7\xa0410"
        assert grouped(-12) == "-12"


def test_a_long_summary_is_cut_at_a_space_with_an_ellipsis():
    text = "Les États Membres devraient ratifier le Protocole de Palerme " * 10
    short = shorten(text, 100)
    assert len(short) <= 100
    assert short.endswith("…")
    assert text.startswith(short[:-1])
    assert not short[:-1].endswith(" ")


def test_text_without_spaces_is_cut_at_the_length():
    text = "会员国应批准巴勒莫议定书" * 30
    short = shorten(text, 50)
    assert len(short) == 50
    assert short == text[:49] + "…"


def test_a_short_text_is_left_alone():
    assert shorten("Prévention", 260) == "Prévention"


@pytest.mark.parametrize("language", ["en", "fr", "ar", "es", "ru", "zh-hans"])
def test_a_day_is_written_as_the_date_filter_writes_it(language):
    """``day_label`` keeps each language's written day; it is the ``date`` filter's."""
    days = [datetime.date(1945, 10, 24), datetime.date(2008, 6, 3), datetime.date(2021, 3, 9)]
    with translation.override(language):
        for day in days * 2:  # the second time from the cache
            assert day_label(day) == date(day, "DATE_FORMAT")
    with translation.override("fr"):
        assert day_label(days[1]) == "3 juin 2008"
