"""Browsing and filtering: every filter in the query string, pages and CSV agreeing."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations.models import (
    Cell,
    MemberState,
    Recommendation,
    ReviewState,
    Status,
    Theme,
)
from recommendations.services import cell_refresh_status, month_counts_rebuild
from recommendations.views import CappedPaginator
from tests.factories import ProgressUpdateFactory, cell_at

pytestmark = pytest.mark.django_db


def approved(code, iso3, status=Status.IN_PROGRESS, day=datetime.date(2020, 1, 1), **kwargs):
    cell = cell_at(code, iso3)
    update = ProgressUpdateFactory(
        cell=cell, status=status, effective_date=day, approved=True, **kwargs
    )
    cell_refresh_status(cell=cell)
    month_counts_rebuild(day=day)  # as an approval does
    return update


def csv_rows(client, url, params=None):
    response = client.get(url, {**(params or {}), "format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


def listed(response, name):
    return list(response.context[name])


def rec_codes(**params) -> set[str]:
    return set(Recommendation.objects.filter(**params).values_list("code", flat=True))


# The catalogue ------------------------------------------------------------------------------


def test_catalogue_filters_by_theme(client):
    page = client.get("/recommendations/", {"theme": "protection"})
    assert {r.code for r in listed(page, "recommendations")} == rec_codes(themes__slug="protection")


def test_catalogue_themes_combine_as_either(client):
    page = client.get("/recommendations/?theme=protection&theme=prosecution")
    expected = rec_codes(themes__slug__in=["protection", "prosecution"])
    codes = [r.code for r in listed(page, "recommendations")]
    assert set(codes) == expected
    assert len(codes) == len(set(codes)), "a recommendation with both themes is listed once"


def test_catalogue_filters_by_actor_and_document(client):
    page = client.get("/recommendations/", {"actor": "private-sector"})
    assert {r.code for r in listed(page, "recommendations")} == rec_codes(
        actors__slug="private-sector"
    )
    page = client.get("/recommendations/", {"document": "background"})
    assert {r.code for r in listed(page, "recommendations")} == rec_codes(
        source_document__slug="background"
    )


def test_catalogue_text_search_covers_code_title_and_text(client):
    assert [r.code for r in listed(client.get("/recommendations/?q=r03"), "recommendations")] == [
        "R03"
    ]
    found = {r.code for r in listed(client.get("/recommendations/?q=ICAT"), "recommendations")}
    assert "R36" in found
    assert found == rec_codes(text__icontains="ICAT") | rec_codes(title__icontains="ICAT")


def test_an_unknown_filter_value_is_a_form_error_not_a_500(client):
    page = client.get("/recommendations/?theme=astrology&document=nowhere")
    assert page.status_code == 200
    assert "Some filters were not understood" in page.text
    assert len(listed(page, "recommendations")) == Recommendation.objects.count()


def test_catalogue_csv_is_the_filtered_rows(client):
    params = {"theme": "prevention", "actor": "member-states"}
    page = client.get("/recommendations/", params)
    assert [row["code"] for row in csv_rows(client, "/recommendations/", params)] == [
        r.code for r in listed(page, "recommendations")
    ]


def test_catalogue_shows_each_recommendations_status_distribution(client):
    approved("R03", "FRA", Status.IMPLEMENTED)
    page = client.get("/recommendations/?q=R03")
    rec = listed(page, "recommendations")[0]
    assert dict(rec.distribution)[Status.IMPLEMENTED] == 1
    assert "Implemented 1" in page.text


# Member States ------------------------------------------------------------------------------


def test_states_filter_by_region_membership_and_name(client):
    page = client.get("/states/?region=african&region=eastern-european")
    assert len(listed(page, "states")) == 54 + 23
    page = client.get("/states/", {"membership": "observer"})
    assert {s.iso3 for s in listed(page, "states")} == {"VAT", "PSE"}
    page = client.get("/states/", {"q": "guinea"})
    assert {s.name for s in listed(page, "states")} == {
        "Equatorial Guinea",
        "Guinea",
        "Guinea-Bissau",
        "Papua New Guinea",
    }
    assert [s.iso3 for s in listed(client.get("/states/?q=fra"), "states")] == ["FRA"]


def test_states_csv_is_the_filtered_rows(client):
    rows = csv_rows(client, "/states/", {"region": "eastern-european"})
    assert len(rows) == 23
    assert {row["regional_group"] for row in rows} == {"eastern-european"}


# A recommendation's table of states ---------------------------------------------------------


def test_recommendation_page_filters_its_states_by_region_and_status(client):
    approved("R19", "NGA", Status.IMPLEMENTED)
    approved("R19", "FRA", Status.IMPLEMENTED)
    page = client.get("/recommendations/R19/?region=african&status=implemented")
    assert [cell.state.iso3 for cell in listed(page, "cells")] == ["NGA"]
    rows = csv_rows(client, "/recommendations/R19/", {"status": "implemented"})
    assert [row["iso3"] for row in rows] == ["FRA", "NGA"]


def test_recommendation_page_shows_its_timeline(client):
    approved("R03", "FRA", narrative="France created a review body.")
    page = client.get("/recommendations/R03/")
    assert "France created a review body." in page.text


# A country profile --------------------------------------------------------------------------


def test_country_profile_groups_recommendations_by_theme(client):
    page = client.get("/states/NGA/")
    groups = dict((theme.slug, cells) for theme, cells in page.context["by_theme"])
    assert {c.recommendation.code for c in groups["protection"]} == rec_codes(
        themes__slug="protection"
    )
    assert len(page.context["cells"]) == Recommendation.objects.count()


# The progress log ---------------------------------------------------------------------------


@pytest.fixture
def log_entries():
    """A small log: approved updates in two regions, themes and years, plus unapproved ones."""
    return {
        "nga_protection_2018": approved(
            "R19", "NGA", Status.IN_PROGRESS, datetime.date(2018, 3, 1), source="civil_society"
        ),
        "gha_protection_2012": approved("R23", "GHA", Status.PLANNED, datetime.date(2012, 5, 1)),
        "fra_protection_2019": approved(
            "R19", "FRA", Status.IMPLEMENTED, datetime.date(2019, 1, 1)
        ),
        "nga_prevention_2020": approved(
            "R08", "NGA", Status.IMPLEMENTED, datetime.date(2020, 1, 1)
        ),
        "submitted": ProgressUpdateFactory(
            cell=cell_at("R19", "KEN"), review_state=ReviewState.SUBMITTED
        ),
        "draft": ProgressUpdateFactory(cell=cell_at("R19", "KEN")),
    }


def ids(response):
    return [u.pk for u in listed(response, "updates")]


def test_the_log_answers_which_african_states_report_progress_on_protection_since_2015(
    client, log_entries
):
    page = client.get(
        "/updates/?region=african&theme=protection&since=2015-01-01"
        "&status=in_progress&status=partially_implemented&status=implemented"
    )
    assert ids(page) == [log_entries["nga_protection_2018"].pk]


def test_the_log_shows_only_approved_updates_newest_first(client, log_entries):
    page = client.get("/updates/")
    assert ids(page) == [
        log_entries[key].pk
        for key in [
            "nga_prevention_2020",
            "fra_protection_2019",
            "nga_protection_2018",
            "gha_protection_2012",
        ]
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("theme=prevention", ["nga_prevention_2020"]),
        ("actor=private-sector", []),
        ("recommendation=R23", ["gha_protection_2012"]),
        ("state=FRA&state=GHA", ["fra_protection_2019", "gha_protection_2012"]),
        ("region=western-european-others", ["fra_protection_2019"]),
        ("status=planned", ["gha_protection_2012"]),
        ("source=civil_society", ["nga_protection_2018"]),
        ("since=2019-01-01&until=2019-12-31", ["fra_protection_2019"]),
        ("q=Progress report", "all"),
        (
            "sort=oldest",
            [
                "gha_protection_2012",
                "nga_protection_2018",
                "fra_protection_2019",
                "nga_prevention_2020",
            ],
        ),
    ],
)
def test_each_log_filter(client, log_entries, query, expected):
    page = client.get(f"/updates/?{query}")
    if expected == "all":
        assert len(ids(page)) == 4
    else:
        assert ids(page) == [log_entries[key].pk for key in expected]


def test_an_inverted_date_range_is_explained(client, log_entries):
    page = client.get("/updates/?since=2020-01-01&until=2010-01-01")
    assert "The end date is before the start date." in page.text


@pytest.mark.parametrize(
    "query",
    [
        "since=garbage",
        "page=-3",
        "page=99999",
        "per_page=abc",
        "per_page=-1",
        "sort=password",
        "status=nope",
        "state=ZZZ",
        "region=mars",
        "theme=%00",
        "q=" + "x" * 300,
    ],
)
def test_malformed_log_parameters_never_break_the_page(client, log_entries, query):
    page = client.get(f"/updates/?{query}")
    assert page.status_code == (400 if "%00" in query else 200)


def test_the_public_cannot_ask_for_unapproved_updates(client, log_entries):
    page = client.get("/updates/?review=submitted&review=draft")
    assert log_entries["submitted"].pk not in ids(page)
    assert log_entries["draft"].pk not in ids(page)


def test_reviewers_filter_the_log_by_review_state(client, reviewer, log_entries):
    client.force_login(reviewer)
    page = client.get("/updates/?review=submitted")
    assert ids(page) == [log_entries["submitted"].pk]
    assert log_entries["draft"].pk not in ids(client.get("/updates/?review=draft"))


def test_page_size_is_capped(client):
    for n in range(3):
        approved("R01", "FRA", day=datetime.date(2010 + n, 1, 1))
    page = client.get("/updates/?per_page=100000")
    assert page.context["paginator"].per_page == 200
    page = client.get("/updates/?per_page=2")
    assert len(listed(page, "updates")) == 2
    assert 'href="?per_page=2&amp;page=2"' in page.text


def test_log_csv_is_exactly_the_filtered_rows_and_inert(client, log_entries):
    approved("R19", "ZAF", narrative='=HYPERLINK("http://x")', day=datetime.date(2021, 1, 1))
    params = {"region": "african", "theme": "protection"}
    page = client.get("/updates/", params)
    rows = csv_rows(client, "/updates/", params)
    assert [int(row["id"]) for row in rows] == ids(page)
    assert rows[0]["narrative"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["iso3"] == "ZAF"


def test_log_csv_columns_hold_the_updates_fields(client, editor):
    """Staff get every column filled; the log's CSV is the same for them as for the public but
    for the author's username (next test)."""
    client.force_login(editor)
    update = approved(
        "R19",
        "ZAF",
        status=Status.PLANNED,
        day=datetime.date(2021, 1, 1),
        evidence="https://example.org/a\nhttps://example.org/b",
    )
    (row,) = csv_rows(client, "/updates/")
    assert row == {
        "id": str(update.pk),
        "effective_date": "2021-01-01",
        "recommendation": "R19",
        "recommendation_title": update.cell.recommendation.title,
        "state": "South Africa",
        "iso3": "ZAF",
        "regional_group": "african",
        "status": "planned",
        "source": update.source,
        "narrative": update.narrative,
        "evidence": "https://example.org/a https://example.org/b",
        "reported_by": update.reported_by.username,
        "review_state": "approved",
        "reviewed_at": str(update.reviewed_at),
        "external_id": "",
    }


def test_the_public_log_and_its_csv_show_no_usernames(client, editor):
    update = approved("R19", "ZAF", day=datetime.date(2021, 1, 1))
    username = update.reported_by.username
    reviewer = update.reviewed_by.username
    (row,) = csv_rows(client, "/updates/")
    assert row["reported_by"] == ""  # the column stays: exports keep stable headers
    for url in ["/updates/", f"/updates/{update.pk}/", "/recommendations/R19/", "/states/ZAF/"]:
        text = client.get(url).content.decode()
        assert username not in text, url
        assert reviewer not in text, url
    assert "Government self-report" in client.get(f"/updates/{update.pk}/").content.decode()

    client.force_login(editor)
    assert username in client.get(f"/updates/{update.pk}/").content.decode()
    assert csv_rows(client, "/updates/")[0]["reported_by"] == username


def test_a_shared_link_reproduces_the_result(client, log_entries):
    url = "/updates/?region=african&theme=protection&sort=oldest"
    first = ids(client.get(url))
    from django.test import Client

    assert ids(Client().get(url)) == first
    assert 'href="?region=african&amp;theme=protection&amp;sort=oldest&amp;format=csv"' in (
        client.get(url).text
    )


def test_htmx_requests_get_the_results_fragment(client, log_entries):
    page = client.get("/updates/?region=african", headers={"HX-Request": "true"})
    assert "<html" not in page.text
    assert "Export CSV" in page.text
    assert ids(page) == ids(client.get("/updates/?region=african"))


def test_htmx_restoring_a_page_its_history_lost_gets_the_whole_page(client, log_entries):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    page = client.get("/updates/?region=african", headers=headers)
    assert "<html" in page.text
    assert ids(page) == ids(client.get("/updates/?region=african"))


# The dashboard ------------------------------------------------------------------------------


def test_dashboard_counts_honour_the_filters(client, log_entries):
    page = client.get("/dashboard/?region=african&theme=protection")
    protection = Recommendation.objects.filter(themes__slug="protection").count()
    assert page.context["total"] == 54 * protection
    matrix = {rec.code: dict((s, n) for s, n, _ in row) for rec, row in page.context["matrix"]}
    assert matrix["R19"][Status.IN_PROGRESS] == 1  # Nigeria; France is not African
    assert matrix["R23"][Status.PLANNED] == 1
    regions = dict(page.context["regions"])
    assert list(regions) == ["african"]


def test_dashboard_theme_table_counts_each_cell_once_per_theme_of_its_recommendation(
    client, log_entries
):
    page = client.get("/dashboard/?region=african")
    shown = {theme.slug: dict(row) for theme, row in page.context["themes"]}
    african = Cell.objects.filter(state__regional_group="african")
    for theme in Theme.objects.all():
        cells = african.filter(recommendation__themes=theme)
        assert (
            shown[theme.slug][Status.IN_PROGRESS]
            == cells.filter(current_status=Status.IN_PROGRESS).count()
        )
        assert sum(shown[theme.slug].values()) == cells.count()
    assert page.context["total"] == african.count()


def test_dashboard_chart_counts_approved_updates_per_year(client, log_entries):
    page = client.get("/dashboard/")
    years = {column.year: column.total for column in page.context["chart"]["columns"]}
    assert years[2012] == 1
    assert years[2018] == 1
    assert years[2015] == 0
    assert "<svg" in page.text


def test_dashboard_lists_stale_cells(client, log_entries):
    page = client.get("/dashboard/")
    stale = [(c.recommendation.code, c.state.iso3) for c in page.context["stale_cells"]]
    assert stale[0] == ("R23", "GHA")  # the oldest first
    filtered = client.get("/dashboard/?stale=120")
    assert filtered.context["total"] == 1  # only the 2012 update is older than ten years


# Query counts -------------------------------------------------------------------------------


def grow(n, **kwargs):
    """Add n approved updates over many cells: R19 first, in up to 40 states (more cells than
    a timeline shows), then R23, R08 and R03."""
    states = list(MemberState.objects.order_by("name")[:40])
    codes = ["R19", "R23", "R08", "R03"]
    for i in range(n):
        approved(
            codes[(i // 40) % 4],
            states[i % 40].iso3,
            day=datetime.date(2009 + i % 15, 1, 1),
            **kwargs,
        )


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/recommendations/?theme=protection",
        "/recommendations/R19/?region=african",
        "/states/?region=african",
        "/states/NGA/",
        "/updates/?region=african&theme=protection&status=in_progress&since=2010-01-01",
        "/updates/",
        "/updates/?format=csv",
        "/recommendations/R19/?format=csv",
        "/dashboard/",
        "/dashboard/?region=african",
    ],
)
def test_page_query_counts_do_not_grow_with_the_data(client, url, monkeypatch):
    """Small: the log counts exactly and timelines need no bound; large: the log's count is
    capped and R19's timeline is bounded. Same number of queries either way."""
    monkeypatch.setattr(CappedPaginator, "cap", 20)
    grow(5)
    small = query_count(client, url)
    grow(60)
    assert query_count(client, url) == small


@pytest.mark.parametrize(
    "url",
    [
        "/updates/mine/",
        "/updates/?review=approved&review=submitted",
        "/admin/recommendations/progressupdate/?review_state__exact=approved",
        "/admin/recommendations/cell/?current_status__exact=in_progress",
    ],
)
def test_staff_page_query_counts_do_not_grow_with_the_data(client, url, superuser):
    client.force_login(superuser)
    grow(5, reported_by=superuser)
    small = query_count(client, url)
    grow(60, reported_by=superuser)
    assert query_count(client, url) == small


def test_the_dashboards_yearly_figure_follows_approvals_and_withdrawals(
    client, editor, reviewer, superuser
):
    from recommendations.services import update_approve, update_log, update_withdraw

    def total_2021() -> int:
        columns = client.get("/dashboard/").context["chart"]["columns"]
        return sum(c.total for c in columns if c.year == 2021)

    assert total_2021() == 0
    update = update_log(
        user=editor,
        recommendation=cell_at("R03", "FRA").recommendation,
        state=cell_at("R03", "FRA").state,
        status=Status.PLANNED,
        effective_date=datetime.date(2021, 6, 1),
        narrative="Planned.",
        source="government",
        submit=True,
    )
    assert total_2021() == 0  # submitted, not approved: not counted
    update_approve(update=update, user=reviewer)
    assert total_2021() == 1
    update_withdraw(update=update, user=superuser, reason="Reported twice.")
    assert total_2021() == 0


def test_the_log_count_is_capped_on_huge_results(client, monkeypatch):
    """Past the cap the log says "more than N" instead of counting, and pages stay full."""
    monkeypatch.setattr(CappedPaginator, "cap", 3)
    for n in range(7):
        approved("R01", "FRA", day=datetime.date(2010 + n, 1, 1))
    page = client.get("/updates/?per_page=2")
    assert page.context["paginator"].capped
    for malformed in ("abc", "-1", "999999", "last"):
        assert client.get(f"/updates/?per_page=2&page={malformed}").status_code == 200
    assert "More than 3 updates" in page.text
    assert len(listed(page, "updates")) == 2
    assert "Page 1 of 2+" in page.text
    last = client.get("/updates/?per_page=3&page=2")  # the cap's last page is not clipped
    assert len(listed(last, "updates")) == 3


def test_the_log_counts_exactly_below_the_cap(client):
    for n in range(3):
        approved("R01", "FRA", day=datetime.date(2010 + n, 1, 1))
    page = client.get("/updates/")
    assert not page.context["paginator"].capped
    assert "3 updates" in page.text


def test_the_dashboards_yearly_figure_follows_a_retagged_recommendation(client):
    """Tags decide which cells a theme filter selects: re-tagging shows at once."""
    rec = Recommendation.objects.get(code="R03")
    missing = Theme.objects.exclude(pk__in=rec.themes.all()).first()
    approved("R03", "FRA", day=datetime.date(2021, 6, 1))

    def total_2021() -> int:
        columns = client.get("/dashboard/", {"theme": missing.slug}).context["chart"]["columns"]
        return sum(c.total for c in columns if c.year == 2021)

    assert total_2021() == 0
    rec.themes.add(missing)
    assert total_2021() == 1


def test_chart_coordinates_stay_plain_numbers_in_any_locale(client, settings):
    """SVG needs "12.5", never a locale's "12,5" or "1.234"."""
    import re

    settings.LANGUAGE_CODE = "de"
    settings.USE_THOUSAND_SEPARATOR = True
    for year in (2011, 2013, 2014):
        approved("R01", "FRA", day=datetime.date(year, 3, 1))
    approved("R02", "DEU", day=datetime.date(2012, 3, 1))
    for url in ("/dashboard/", "/recommendations/"):
        svg = "".join(re.findall(r"<svg.*?</svg>", client.get(url).text, flags=re.S))
        coordinates = re.findall(r' (?:x|y|width|height)="([^"]*)"', svg)
        assert coordinates
        for value in coordinates:
            float(value)  # raises on "12,5"


def test_the_home_page_counts_approved_updates_only(client):
    approved("R01", "FRA")
    approved("R02", "DEU", day=datetime.date(2015, 5, 1))
    ProgressUpdateFactory()  # a draft
    assert "2 approved updates" in client.get("/").text
