"""The template filters of the languages library: counts in the locale's grouping, summaries
shortened in any script."""

from django.utils import translation

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
