"""The seeded catalogue: what the debate asked for, each ask cited and tagged."""

import re

import pytest
from django.conf import settings

from recommendations.models import (
    Actor,
    Membership,
    MemberState,
    Recommendation,
    RegionalGroup,
    Theme,
)

pytestmark = pytest.mark.django_db


def test_catalogue_holds_one_record_per_distinct_ask():
    codes = list(Recommendation.objects.values_list("code", flat=True))
    assert 25 <= len(codes) <= 45
    # Codes are never renumbered: a record added later takes the next code, gaps never occur.
    assert sorted(codes) == [f"R{n:02d}" for n in range(1, len(codes) + 1)]


def test_records_stand_in_order_of_appearance_in_the_sources():
    """The summary first (covering letter, then paragraphs), then the background paper; a
    record added later (R39, para. 2) stands where its paragraph comes, not at the end."""
    records = list(Recommendation.objects.select_related("source_document"))
    documents = [rec.source_document.slug for rec in records]
    assert documents == sorted(documents, key=["summary", "background"].index)
    first_paragraph = [
        int(re.search(r"\d+", rec.source_reference).group())
        for rec in records
        if rec.source_document.slug == "summary" and rec.source_reference.startswith("para")
    ]
    assert first_paragraph == sorted(first_paragraph)
    codes = [rec.code for rec in records]
    assert codes.index("R39") == codes.index("R04") + 1


def test_every_recommendation_cites_its_source():
    for rec in Recommendation.objects.select_related("source_document"):
        assert rec.source_reference.strip(), rec.code
        if rec.source_document.slug == "summary":
            assert re.search(r"paras?\. \d+|Covering letter", rec.source_reference), rec.code
        else:
            assert "Section" in rec.source_reference, rec.code


def test_every_recommendation_has_a_theme_and_an_actor():
    for rec in Recommendation.objects.with_tags():
        assert rec.themes.exists(), rec.code
        assert rec.actors.exists(), rec.code


def test_both_seed_documents_are_cited():
    cited = set(Recommendation.objects.values_list("source_document__slug", flat=True))
    assert cited == {"summary", "background"}


def test_themes_are_the_debates_four_ps():
    slugs = list(Theme.objects.values_list("slug", flat=True))
    assert slugs[:4] == ["prevention", "protection", "prosecution", "partnership"]


@pytest.mark.parametrize(
    ("words", "actor"),
    [
        ("regular review mechanism", "member-states"),
        ("global plan of action", "general-assembly"),
        ("ICAT", "icat"),
        ("Palermo Protocol", "member-states"),
        ("reflection period", "member-states"),
        ("labour inspectorates", "member-states"),
        ("supply chains", "private-sector"),
        ("comparable data", "member-states"),
    ],
)
def test_the_products_known_recommendations_are_there(words, actor):
    matches = Recommendation.objects.filter(text__icontains=words) | Recommendation.objects.filter(
        title__icontains=words
    )
    assert matches.filter(actors__slug=actor).exists(), words


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 4}


def test_every_recommendation_is_worded_from_its_source_text():
    """Invent nothing: most of a recommendation's words stand in the seed documents.

    Both texts count, since a record may merge an ask that stands in both (see also_cited)."""
    files = {path.name: path for path in (settings.TRACKER_DATA_DIR / "sources").glob("*.txt")}
    source = set().union(*(_words(path.read_text(encoding="utf-8")) for path in files.values()))
    for rec in Recommendation.objects.select_related("source_document"):
        assert rec.source_document.file in files, rec.code
        words = _words(rec.text)
        share = len(words & source) / len(words)
        assert share >= 0.8, f"{rec.code}: only {share:.0%} of its words stand in the source"


def test_member_states_are_193_members_and_2_observers():
    assert MemberState.objects.members().count() == 193
    observers = set(MemberState.objects.observers().values_list("iso3", flat=True))
    assert observers == {"VAT", "PSE"}


def test_every_state_has_a_regional_group_and_iso3_code():
    counts = {group: MemberState.objects.in_region(group).count() for group in RegionalGroup.values}
    assert counts == {
        "african": 54,
        "asia-pacific": 55,
        "eastern-european": 23,
        "latin-american-caribbean": 33,
        "western-european-others": 30,
    }
    assert not MemberState.objects.exclude(iso3__regex=r"^[A-Z]{3}$").exists()


def test_well_known_states_sit_in_their_groups():
    expected = {
        "FRA": "western-european-others",
        "NGA": "african",
        "JPN": "asia-pacific",
        "POL": "eastern-european",
        "BRA": "latin-american-caribbean",
        "USA": "western-european-others",
    }
    for iso3, group in expected.items():
        assert MemberState.objects.get(iso3=iso3).regional_group == group
    assert MemberState.objects.get(iso3="CIV").name == "Côte d'Ivoire"
    assert MemberState.objects.get(iso3="VAT").membership == Membership.OBSERVER


def test_actors_include_those_the_debate_asked_to_act():
    slugs = set(Actor.objects.values_list("slug", flat=True))
    assert {"member-states", "general-assembly", "icat", "private-sector", "media"} <= slugs
