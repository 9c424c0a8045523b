"""The public pages and their CSV exports."""

import csv
import io

import pytest
from django.urls import reverse

from recommendations.models import MemberState, Recommendation, RegionalGroup, Status
from recommendations.services import cell_refresh_status, cells_ensure_grid
from tests.factories import ProgressUpdateFactory, cell_at

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[dict[str, str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


def csv_header(response) -> list[str]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return next(csv.reader(io.StringIO(body)))


def test_home_page_counts_the_catalogue(client):
    response = client.get("/")
    assert response.status_code == 200
    assert f"{Recommendation.objects.count()} recommendations" in response.text
    assert "195 Member States" in response.text


def test_recommendation_list_shows_every_recommendation_with_its_tags(client):
    response = client.get("/recommendations/")
    assert response.status_code == 200
    for rec in Recommendation.objects.all():
        assert rec.code in response.text
    assert "Prevention" in response.text
    assert "Export CSV" in response.text


def test_recommendation_page_shows_text_citation_and_every_state(client):
    rec = Recommendation.objects.get(code="R03")
    response = client.get(reverse("recommendations:recommendation-detail", args=["R03"]))
    assert response.status_code == 200
    assert rec.source_reference in response.text
    assert "Summary of the General Assembly Thematic Debate" in response.text
    assert len(response.context["cells"]) == 195
    assert "Côte d&#x27;Ivoire" in response.text


def test_recommendation_page_shows_the_approved_status_of_a_state(client):
    ProgressUpdateFactory(cell=cell_at("R03", "NGA"), status=Status.IMPLEMENTED, approved=True)
    cell_refresh_status(cell=cell_at("R03", "NGA"))
    response = client.get("/recommendations/R03/")
    cells = {cell.state.iso3: cell for cell in response.context["cells"]}
    assert cells["NGA"].current_status == Status.IMPLEMENTED
    assert "Implemented" in response.text


def test_unknown_recommendation_is_a_404(client):
    assert client.get("/recommendations/R999/").status_code == 404
    assert client.get("/recommendations/<script>/").status_code == 404


def test_state_list_shows_all_states(client):
    response = client.get("/states/")
    assert response.status_code == 200
    assert len(response.context["states"]) == 195
    assert "Holy See" in response.text


def test_state_page_lists_every_recommendation(client):
    response = client.get("/states/fra/")
    assert response.status_code == 200
    assert response.context["state"].name == "France"
    assert len(response.context["cells"]) == Recommendation.objects.count()


def test_unknown_state_is_a_404(client):
    assert client.get("/states/XXX/").status_code == 404


def test_recommendations_csv_has_the_documented_columns_and_every_row(client):
    response = client.get("/recommendations/", {"format": "csv"})
    assert csv_header(client.get("/recommendations/?format=csv"))[:7] == [
        "code",
        "title",
        "text",
        "themes",
        "actors",
        "source_document",
        "source_reference",
    ]
    rows = read_csv(response)
    assert [row["code"] for row in rows] == list(
        Recommendation.objects.values_list("code", flat=True)
    )
    r13 = next(row for row in rows if row["code"] == "R13")
    rec = Recommendation.objects.get(code="R13")
    assert r13["themes"] == "; ".join(t.name for t in rec.themes.all())
    assert r13["actors"] == "; ".join(a.name for a in rec.actors.all())
    assert r13["source_reference"] == rec.source_reference


def test_states_csv_has_the_documented_columns(client):
    response = client.get("/states/?format=csv")
    assert csv_header(response) == ["name", "iso3", "regional_group", "membership"]
    rows = read_csv(client.get("/states/?format=csv"))
    assert len(rows) == 195
    assert {row["membership"] for row in rows} == {"member", "observer"}
    france = next(row for row in rows if row["iso3"] == "FRA")
    assert france == {
        "name": "France",
        "iso3": "FRA",
        "regional_group": "western-european-others",
        "membership": "member",
    }


def test_csv_export_makes_formulas_inert(client):
    Recommendation.objects.filter(code="R01").update(title='=HYPERLINK("http://evil")')
    rows = read_csv(client.get("/recommendations/?format=csv"))
    assert rows[0]["title"] == '\'=HYPERLINK("http://evil")'


def test_an_unknown_format_renders_the_page(client):
    response = client.get("/states/?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def add_states_and_recommendations(count: int) -> None:
    """More rows everywhere: states, recommendations (tagged) and their cells."""
    template = Recommendation.objects.get(code="R01")
    for n in range(count // 10):
        rec = Recommendation.objects.create(
            code=f"R{900 + n}",
            title=f"Extra {n}",
            text="Extra.",
            source_document=template.source_document,
            source_reference="para. 1",
            voiced_by=template.voiced_by,
            strength=template.strength,
            order=900 + n,
        )
        rec.themes.set(template.themes.all())
        rec.actors.set(template.actors.all())
    MemberState.objects.bulk_create(
        MemberState(
            name=f"Testland {n}",
            iso3=f"X{n // 26 % 26 + 65:c}{n % 26 + 65:c}",
            regional_group=RegionalGroup.AFRICAN,
        )
        for n in range(count)
    )
    cells_ensure_grid()


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/recommendations/",
        "/recommendations/R03/",
        "/states/",
        "/states/FRA/",
        "/recommendations/?format=csv",
        "/states/?format=csv",
        # the pages with the world map (issue 17)
        "/dashboard/",
        "/dashboard/?as_of=2015-01-01",
    ],
)
def test_query_count_does_not_grow_with_the_data(client, url):
    def count_queries() -> int:
        from django.core.cache import cache
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from recommendations import caching

        # Each count from an empty cache: the dashboard keeps its chart there under the data
        # version, which the factories' rows below do not move, and the filters their lists.
        cache.clear()
        caching.kept_forget()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        return len(ctx)

    small = count_queries()
    add_states_and_recommendations(60)
    for n in range(5):
        ProgressUpdateFactory(cell=cell_at("R03", "FRA"), approved=True, narrative=f"n{n}")
    assert count_queries() == small
