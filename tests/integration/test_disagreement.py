"""Cells whose assessment sources disagree: flagged on the pages, filtered on the
recommendation page, the dashboard and the API (today or as of a date), and counted on the
dashboard by theme and regional group."""

import datetime

import pytest

from recommendations.models import Cell, Status, Theme
from recommendations.services import cell_refresh_status
from tests.factories import ProgressUpdateFactory, cell_at

pytestmark = pytest.mark.django_db

S = Status


def day(year, month=1, date=1):
    return datetime.date(year, month, date)


def approved(code, iso3, status, on, source):
    cell = cell_at(code, iso3)
    ProgressUpdateFactory(cell=cell, status=status, effective_date=on, source=source, approved=True)
    cell_refresh_status(cell=cell)


@pytest.fixture
def disputed():
    """Nigeria's R19 and Ghana's R23 disagree today; France's R19 did in 2018 only; Kenya's R03
    has two sources one step apart."""
    approved("R19", "NGA", S.NOT_STARTED, day(2017), "government")
    approved("R19", "NGA", S.IMPLEMENTED, day(2019), "civil_society")
    approved("R23", "GHA", S.DECLINED, day(2016), "government")
    approved("R23", "GHA", S.PLANNED, day(2020), "un_entity")
    approved("R19", "FRA", S.PLANNED, day(2017), "government")
    approved("R19", "FRA", S.PARTIALLY_IMPLEMENTED, day(2018), "independent_review")
    approved("R19", "FRA", S.IN_PROGRESS, day(2019), "government")
    approved("R03", "KEN", S.PLANNED, day(2017), "government")
    approved("R03", "KEN", S.IN_PROGRESS, day(2018), "un_entity")


def pairs(cells):
    return {(cell.recommendation.code, cell.state.iso3) for cell in cells}


def test_the_flag_is_the_rule_applied_to_each_sources_latest_status(disputed):
    assert pairs(Cell.objects.disagreeing().select_related("recommendation", "state")) == {
        ("R19", "NGA"),
        ("R23", "GHA"),
    }


def test_the_recommendation_page_filters_by_disagreement(client, disputed):
    page = client.get("/recommendations/R19/", {"disagreement": "yes"})
    assert pairs(page.context["cells"]) == {("R19", "NGA")}
    assert "Sources disagree" in page.text
    agree = client.get("/recommendations/R19/", {"disagreement": "no"})
    assert ("R19", "NGA") not in pairs(agree.context["cells"])
    assert ("R19", "FRA") in pairs(agree.context["cells"])
    # as of 2018, France's sources disagreed
    past = client.get("/recommendations/R19/", {"disagreement": "yes", "as_of": "2018-06-30"})
    assert pairs(past.context["cells"]) == {("R19", "FRA")}


def test_a_malformed_disagreement_value_is_a_message_not_a_500(client, disputed):
    page = client.get("/recommendations/R19/", {"disagreement": "maybe"})
    assert page.status_code == 200
    assert page.context["filter"].errors
    assert len(page.context["cells"]) == Cell.objects.filter(recommendation__code="R19").count()
    response = client.get("/api/v1/cells/", {"disagreement": "maybe"})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["disagreement"]
    assert client.get("/api/v1/summary/", {"disagreement": "1"}).status_code == 400


def test_the_dashboard_counts_disagreement_by_theme_and_regional_group(client, disputed):
    page = client.get("/dashboard/")
    assert page.context["disagreeing"] == 2
    regions = {group.value: n for group, n in page.context["disagreement_regions"]}
    assert regions["african"] == 2
    assert regions["western-european-others"] == 0
    themes = {theme.slug: n for theme, n in page.context["disagreement_themes"]}
    for theme in Theme.objects.all():
        cells = Cell.objects.disagreeing().filter(recommendation__themes=theme)
        assert themes[theme.slug] == cells.count(), theme.slug
    text = page.text
    assert "Where the sources disagree" in text
    assert "Cells whose sources disagree" in text
    assert "?disagreement=yes" in text  # the link to those cells


def test_the_dashboard_filters_by_disagreement(client, disputed):
    page = client.get("/dashboard/", {"disagreement": "yes"})
    assert page.context["total"] == 2
    assert page.context["disagreeing"] == 2
    # In mid-2018 only France's R19 disagreed: Nigeria's and Ghana's second sources came later.
    page = client.get("/dashboard/", {"disagreement": "yes", "as_of": "2018-06-30"})
    assert page.context["total"] == 1
    matrix = {rec.code: sum(n for _s, n, _l in row) for rec, row in page.context["matrix"]}
    assert matrix == {"R19": 1}
    regions = {group.value: n for group, n in page.context["disagreement_regions"]}
    assert regions == {"western-european-others": 1}
    agree = client.get("/dashboard/", {"disagreement": "no"})
    assert agree.context["total"] == Cell.objects.count() - 2
    assert agree.context["disagreeing"] == 0


def test_the_api_filters_and_counts_disagreement(client, disputed):
    rows = client.get("/api/v1/cells/", {"disagreement": "yes"}).json()["results"]
    assert {(row["recommendation"], row["state"]) for row in rows} == {
        ("R19", "NGA"),
        ("R23", "GHA"),
    }
    assert all(row["sources_disagree"] for row in rows)
    rows = client.get("/api/v1/cells/", {"disagreement": "yes", "as_of": "2018-06-30"}).json()
    assert [(row["recommendation"], row["state"]) for row in rows["results"]] == [("R19", "FRA")]
    (france,) = rows["results"]
    assert [(s["source"], s["status"]) for s in france["sources"]] == [
        ("government", "planned"),
        ("independent_review", "partially_implemented"),
    ]
    summary = client.get("/api/v1/summary/", {"disagreement": "yes"}).json()
    assert summary["cells"] == 2
    assert summary["disagreeing_cells"] == 2
    themes = {row["key"]: row["cells"] for row in summary["disagreement_by_theme"]}
    assert sum(themes.values()) >= 2
    summary = client.get("/api/v1/summary/", {"as_of": "2018-06-30"}).json()
    assert summary["disagreeing_cells"] == 1
    regions = {row["key"]: row["cells"] for row in summary["disagreement_by_regional_group"]}
    assert regions["western-european-others"] == 1
    assert regions["african"] == 0
