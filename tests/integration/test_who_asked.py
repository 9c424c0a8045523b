"""Who voiced each ask, and how strongly: shown on the recommendation's page and in the
catalogue, filterable on the catalogue, its CSV and the dashboard, listed in the admin."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations.models import MemberState, Recommendation, Status, Strength, Voice
from recommendations.services import cell_refresh_status
from tests.factories import ProgressUpdateFactory, cell_at

pytestmark = pytest.mark.django_db


def codes(response) -> list[str]:
    return [rec.code for rec in response.context["recommendations"]]


def codes_where(**lookups) -> list[str]:
    return list(Recommendation.objects.filter(**lookups).values_list("code", flat=True))


def csv_rows(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


# The recommendation's page and the catalogue


def test_the_page_says_who_voiced_the_ask_and_how_strongly(client):
    page = client.get("/recommendations/R31/")
    assert "Voiced by" in page.text
    assert "Named delegations or groups" in page.text
    assert "Several speakers, not named" in page.text
    assert "Strength of the ask" in page.text
    assert "Urged or called for" in page.text
    assert 'href="/recommendations/?voiced_by=delegations"' in page.text
    assert 'href="/recommendations/?strength=urged"' in page.text


def test_a_reported_practice_says_it_is_not_an_ask(client):
    page = client.get("/recommendations/R20/")
    assert "A reported practice or view, not an ask" in page.text
    assert "The Council of Europe Convention criminalizes the use of victims" in page.text


def test_a_paraphrase_says_so_and_a_quotation_does_not(client):
    note = "A paraphrase of the source, not a word-for-word quotation."
    assert note in client.get("/recommendations/R13/").text
    assert note not in client.get("/recommendations/R24/").text


def test_a_voice_without_a_note_shows_the_voice_alone(client):
    page = client.get("/recommendations/R04/")
    assert "The Deputy Secretary-General" in page.text


def test_the_catalogue_mentions_voice_and_strength_of_each_ask(client):
    page = client.get("/recommendations/?strength=reported")
    assert page.text.count("Voiced by:") == len(codes_where(strength=Strength.REPORTED))
    assert "A reported practice or view, not an ask" in page.text


# Filters: the catalogue and its CSV


@pytest.mark.parametrize(
    ("query", "lookups"),
    [
        ("voiced_by=delegations", {"voiced_by": Voice.DELEGATIONS}),
        ("strength=reported", {"strength": Strength.REPORTED}),
        (
            "voiced_by=president&voiced_by=deputy_secretary_general",
            {"voiced_by__in": [Voice.PRESIDENT, Voice.DEPUTY_SECRETARY_GENERAL]},
        ),
        (
            "strength=urged&theme=partnership",
            {"strength": Strength.URGED, "themes__slug": "partnership"},
        ),
    ],
)
def test_the_catalogue_filters_by_voice_and_strength(client, query, lookups):
    expected = codes_where(**lookups)
    assert expected  # the data has such asks
    page = client.get(f"/recommendations/?{query}")
    assert codes(page) == expected
    rows = csv_rows(client.get(f"/recommendations/?{query}&format=csv"))
    assert [row["code"] for row in rows] == expected


def test_the_reported_practices_are_the_council_of_europe_conventions(client):
    assert codes(client.get("/recommendations/?strength=reported")) == ["R18", "R19", "R20"]
    assert codes(client.get("/recommendations/?voiced_by=deputy_secretary_general")) == [
        "R04",
        "R39",
    ]


def test_an_unknown_voice_or_strength_is_reported_not_a_failure(client):
    page = client.get("/recommendations/?voiced_by=everyone&strength=strongest")
    assert page.status_code == 200
    assert "Select a valid choice. everyone is not one of the available choices." in page.text
    assert codes(page) == codes_where()


def test_the_csv_carries_voice_note_and_strength(client):
    rows = {row["code"]: row for row in csv_rows(client.get("/recommendations/?format=csv"))}
    assert len(rows) == Recommendation.objects.count()
    assert rows["R31"]["voiced_by"] == "delegations"
    assert rows["R31"]["voiced_by_note"] == "Several speakers, not named"
    assert rows["R31"]["strength"] == "urged"
    assert rows["R04"]["voiced_by_note"] == ""


# Filters: the dashboard


def test_the_dashboard_counts_only_the_cells_of_the_asks_filtered(client):
    states = MemberState.objects.count()
    page = client.get("/dashboard/?strength=reported")
    assert page.context["total"] == 3 * states
    assert [rec.code for rec, _row in page.context["matrix"]] == ["R18", "R19", "R20"]
    both = client.get("/dashboard/?voiced_by=president&voiced_by=deputy_secretary_general")
    assert both.context["total"] == 4 * states  # R02, R03 (President); R04, R39 (DSG)
    one = client.get("/dashboard/?voiced_by=president&region=african&strength=urged")
    assert one.context["total"] == 2 * MemberState.objects.filter(regional_group="african").count()


def test_the_dashboard_offers_both_filters(client):
    page = client.get("/dashboard/")
    assert 'name="voiced_by"' in page.text
    assert 'name="strength"' in page.text


def test_a_recommendation_page_does_not_offer_them_for_its_states(client):
    """One recommendation has one voice: its table of states filters by region and status."""
    assert 'name="voiced_by"' not in client.get("/recommendations/R31/").text


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/recommendations/?voiced_by=panellist&strength=suggested",
        "/recommendations/?strength=reported&format=csv",
        "/dashboard/?voiced_by=panellist&strength=suggested",
    ],
)
def test_filtering_by_voice_costs_no_query_more_as_the_data_grows(client, url):
    def grow(n):
        for i, state in enumerate(MemberState.objects.order_by("name")[:n]):
            cell = cell_at(["R08", "R09", "R24", "R31"][i % 4], state.iso3)
            ProgressUpdateFactory(
                cell=cell,
                status=Status.IN_PROGRESS,
                effective_date=datetime.date(2010 + i % 10, 1, 1),
                approved=True,
            )
            cell_refresh_status(cell=cell)

    grow(4)
    small = query_count(client, url)
    grow(40)
    assert query_count(client, url) == small


# The admin


def test_the_admin_lists_and_filters_by_voice_and_strength(admin_client):
    listing = admin_client.get("/admin/recommendations/recommendation/?strength__exact=reported")
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 3
    assert "Strength" in listing.text
    form = admin_client.get(
        f"/admin/recommendations/recommendation/{Recommendation.objects.get(code='R31').pk}/change/"
    )
    assert form.status_code == 200
    assert "Who asked, and how strongly" in form.text
    assert 'name="voiced_by_note"' in form.text
