"""The API says who voiced each ask and how strongly, and filters by both as the pages do:
the catalogue, the cells and the dashboard's summary."""

import pytest

from recommendations.models import MemberState, Recommendation, Strength, Voice

pytestmark = pytest.mark.django_db

API = "/api/v1/"


def read(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.content[:500])
    return response.json()


def test_a_recommendation_says_who_voiced_it_and_how_strongly(client):
    body = read(client, f"{API}recommendations/R20/")
    assert body["voiced_by"] == "panellist"
    assert body["voiced_by_note"] == "Views expressed in Panel 2 on protection and prosecution"
    assert body["strength"] == "reported"
    assert body["paraphrase"] is False
    assert read(client, f"{API}recommendations/R13/")["paraphrase"] is True


@pytest.mark.parametrize(
    ("query", "lookups"),
    [
        ("strength=reported", {"strength": Strength.REPORTED}),
        ("voiced_by=panellist&strength=urged", {"voiced_by": "panellist", "strength": "urged"}),
        (
            "voiced_by=conclusion&voiced_by=background_paper",
            {"voiced_by__in": ["conclusion", "background_paper"]},
        ),
    ],
)
def test_the_catalogue_filters_by_voice_and_strength(client, query, lookups):
    expected = list(Recommendation.objects.filter(**lookups).values_list("code", flat=True))
    assert expected
    body = read(client, f"{API}recommendations/?{query}&per_page=200")
    assert [row["code"] for row in body["results"]] == expected


def test_cells_filter_by_their_recommendations_voice(client):
    body = read(client, f"{API}cells/?voiced_by=president&state=FRA")
    assert [(row["recommendation"], row["state"]) for row in body["results"]] == [
        ("R02", "FRA"),
        ("R03", "FRA"),
    ]
    reported = read(client, f"{API}cells/?strength=reported&per_page=1")
    assert reported["count"] == 3 * MemberState.objects.count()


def test_the_summary_counts_the_cells_of_the_asks_filtered(client):
    body = read(client, f"{API}summary/?strength=reported&region=african")
    african = MemberState.objects.filter(regional_group="african").count()
    assert body["cells"] == 3 * african
    assert [row["key"] for row in body["by_recommendation"]] == ["R18", "R19", "R20"]


@pytest.mark.parametrize(
    "url",
    ["recommendations/?strength=loud", "cells/?voiced_by=everyone", "summary/?strength=x"],
)
def test_an_unknown_value_answers_400_naming_the_filter(client, url):
    body = read(client, f"{API}{url}", status=400)
    name = url.split("?")[1].split("=")[0]
    assert name in body["fields"], body


def test_the_schema_lists_the_values(client):
    schema = client.get("/api/schema/", headers={"Accept": "application/json"}).json()
    parameters = {
        parameter["name"]: parameter["schema"]
        for parameter in schema["paths"]["/api/v1/cells/"]["get"]["parameters"]
    }
    assert set(parameters["voiced_by"]["items"]["enum"]) == set(Voice.values)
    assert set(parameters["strength"]["items"]["enum"]) == set(Strength.values)
