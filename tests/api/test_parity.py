"""The API tells what the pages tell: for the same filters, ``/api/v1/updates/`` lists the
updates of the log page's first page, in its order, and ``/api/v1/summary/`` counts what the
dashboard counts."""

import datetime

import pytest

from recommendations.models import AssessmentSource, ReviewState, Status
from recommendations.services import cells_refresh_all
from tests.factories import ProgressUpdateFactory, UserFactory, cell_at

pytestmark = pytest.mark.django_db

STATES = ["NGA", "GHA", "KEN", "ZAF", "FRA", "DEU", "POL", "UKR", "BRA", "MEX", "IND", "JPN"]
CODES = ["R19", "R23", "R08", "R03", "R36"]  # protection x2, prevention, cross-cutting, partnership
REPORTED = [status for status in Status if status != Status.NO_INFORMATION]
# 23 dates for 72 updates: most dates are shared by three updates.
DAYS = [datetime.date(2008 + n % 17, 1 + (n * 5) % 12, 1 + n % 28) for n in range(23)]
MOMENT = datetime.datetime(2024, 3, 1, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture
def history():
    """72 approved updates over 5 recommendations x 12 states in five regional groups, from
    2008 to 2024 (stale and fresh cells), ties on the date and on the creation time; then
    drafts, submitted, returned and withdrawn updates newer than all of them, which neither
    side may show. Cells refreshed as approvals leave them."""
    author, reviewer = UserFactory(username="parity-author"), UserFactory(username="parity-rev")
    approved = [
        ProgressUpdateFactory(
            cell=cell_at(CODES[n % len(CODES)], STATES[(n * 7) % len(STATES)]),
            status=REPORTED[n % len(REPORTED)],
            effective_date=DAYS[n % len(DAYS)],
            source=list(AssessmentSource)[n % len(AssessmentSource)],
            narrative=f"Report {n}: " + ("new shelters opened." if n % 5 == 1 else "laws."),
            reported_by=author,
            approved=True,
            reviewed_by=reviewer,
            **({"created_at": MOMENT} if n % 4 == 0 else {}),
        )
        for n in range(72)
    ]
    for n, state in enumerate(s for s in ReviewState if s != ReviewState.APPROVED):
        ProgressUpdateFactory(
            cell=cell_at(CODES[n], STATES[n]),
            status=Status.IMPLEMENTED,
            effective_date=datetime.date(2025, 1, 1),
            review_state=state,
            reported_by=author,
            narrative="Unapproved: new shelters opened.",
            withdrawn_at=MOMENT if state == ReviewState.WITHDRAWN else None,
        )
    cells_refresh_all()
    return approved


def page_ids(client, query: str) -> list[int]:
    response = client.get(f"/updates/?{query}")
    assert response.status_code == 200
    return [update.pk for update in response.context["updates"]]


def api_ids(client, query: str) -> list[int]:
    response = client.get(f"/api/v1/updates/?{query}&per_page=50")
    assert response.status_code == 200, response.content[:300]
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "state=NGA",
        "state=NGA&state=FRA&state=BRA",
        "region=african",
        "theme=protection&status=implemented&status=planned&status=in_progress",
        "actor=media&since=2015-01-01",
        "recommendation=R19&until=2016-12-31",
        "recommendation=R19&recommendation=R36&since=2010-01-01&until=2020-12-31",
        "q=shelters",
        "source=civil_society&region=eastern-european",
    ],
)
def test_api_updates_are_the_log_pages_first_page(client, history, query):
    expected = page_ids(client, query)
    assert expected, "a filter that selects nothing proves nothing"
    if query:
        assert expected != page_ids(client, ""), "the filter narrows the log"
    else:
        assert len(expected) == 50  # the page stops at 50 of 72: the order decides which
    assert api_ids(client, query) == expected


def test_the_rest_of_the_log_follows_the_cursor_as_the_second_page(client, history):
    """The second log page and the cursor's second page are the same updates."""
    second_page = client.get("/updates/?page=2")
    expected = [update.pk for update in second_page.context["updates"]]
    first = client.get("/api/v1/updates/?per_page=50").json()
    second = client.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == expected
    assert second["next"] is None
    assert len(expected) == 72 - 50


def as_counts(row) -> dict[str, int]:
    """A page's [(Status, n)] (or the heat map's [(Status, n, shade)]) as the API's dict."""
    return {str(status.value if isinstance(status, Status) else status): n for status, n, *_ in row}


def dashboard_figures(client, query: str) -> dict:
    context = client.get(f"/dashboard/?{query}").context
    by_year: dict[int, dict[str, int]] = {}
    for row in context["years"]:
        if row["n"]:
            by_year.setdefault(row["year"], {})[row["status"]] = row["n"]
    matrix = {rec.code: as_counts(row) for rec, row in context["matrix"]}
    return {
        "cells": context["total"],
        "status_counts": {
            status.value: sum(row[status.value] for row in matrix.values()) for status in Status
        },
        "by_recommendation": matrix,
        "by_theme": {theme.slug: as_counts(row) for theme, row in context["themes"]},
        "by_regional_group": {group.value: as_counts(row) for group, row in context["regions"]},
        "by_year": by_year,
        "stale_cells": context["stale_count"],
    }


def api_figures(client, query: str) -> dict:
    response = client.get(f"/api/v1/summary/?{query}")
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    return {
        "cells": body["cells"],
        "status_counts": body["status_counts"],
        "by_recommendation": {
            row["key"]: row["status_counts"] for row in body["by_recommendation"]
        },
        "by_theme": {row["key"]: row["status_counts"] for row in body["by_theme"]},
        "by_regional_group": {
            row["key"]: row["status_counts"] for row in body["by_regional_group"]
        },
        "by_year": {
            row["year"]: {status: n for status, n in row["status_counts"].items() if n}
            for row in body["by_year"]
            if any(row["status_counts"].values())
        },
        "stale_cells": body["stale_cells"],
    }


@pytest.mark.parametrize(
    "query",
    [
        "",
        "state=NGA",
        "state=NGA&state=FRA",
        "region=african",
        "theme=protection&status=implemented",
        "actor=media",
        "recommendation=R19&recommendation=R08",
        "stale=60",
        "region=eastern-european&theme=prevention",
        "status=planned&region=african",
    ],
)
def test_api_summary_counts_what_the_dashboard_counts(client, history, query):
    """Totals per status, per recommendation, per theme, per regional group and per year, and
    the stale cells."""
    expected = dashboard_figures(client, query)
    assert expected["by_year"], "approved updates in the selection, or the years prove nothing"
    assert expected["cells"] > 0
    assert api_figures(client, query) == expected
