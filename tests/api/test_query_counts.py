"""Each endpoint reads the database a fixed number of times, whatever the size of the data:
the same count with 5 approved updates as with 65 over many more cells and states, and no more
than a stated bound (raise it only with a reason: it is how a regression shows)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations.models import MemberState, ProgressUpdate

pytestmark = pytest.mark.django_db

CODES = ["R19", "R23", "R08", "R03"]


@pytest.fixture
def grow(approved_update):
    """Add n approved updates over many cells: up to 40 states for each of four
    recommendations, in fifteen years."""
    states = list(MemberState.objects.order_by("name").values_list("iso3", flat=True)[:40])
    made = [0]

    def add(n: int) -> None:
        for i in range(made[0], made[0] + n):
            approved_update(
                CODES[(i // 40) % len(CODES)],
                states[i % len(states)],
                day=datetime.date(2009 + i % 15, 1 + i % 12, 1),
            )
        made[0] += n

    return add


def queries(client, url: str, headers: dict) -> int:
    """The queries of one request; a list must have rows, or its serializer proves nothing."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content[:300]
    assert response.json().get("results", True), f"{url}: no rows"
    return len(ctx)


def cursor_page(client) -> str:
    """The log's third page by the cursor (newest first, two a page)."""
    url = client.get("/api/v1/updates/?per_page=2").json()["next"]
    return client.get(url).json()["next"]


def oldest_update(client) -> str:
    update = ProgressUpdate.objects.approved().order_by("effective_date", "id").first()
    return f"/api/v1/updates/{update.pk}/"


#: endpoint -> (its address, the queries it makes anonymously: a filter's values checked, a
#: count for numbered pages, the rows, their prefetched tags, one aggregate per figure)
ENDPOINTS = {
    "recommendations list": ("/api/v1/recommendations/?theme=protection", 7),
    "recommendations detail": ("/api/v1/recommendations/R19/", 5),
    "states list": ("/api/v1/states/?region=african", 2),
    "states detail": ("/api/v1/states/DZA/", 3),
    # + 1: the page's sources side by side
    "cells": ("/api/v1/cells/?recommendation=R19&region=african", 4),
    "cells as of a date": ("/api/v1/cells/?recommendation=R19&as_of=2016-06-30", 4),
    "cells whose sources disagree": ("/api/v1/cells/?disagreement=no&as_of=2016-06-30", 4),
    "states detail as of a date": ("/api/v1/states/DZA/?as_of=2016-06-30", 3),
    "recommendations detail as of a date": ("/api/v1/recommendations/R19/?as_of=2016-06-30", 5),
    "updates first page": (
        "/api/v1/updates/?region=african&theme=protection&since=2010-01-01",
        2,
    ),
    "updates unfiltered": ("/api/v1/updates/", 1),
    "updates cursor page": (cursor_page, 1),
    "updates detail": (oldest_update, 1),
    # + 1: the cells whose sources disagree, by recommendation and regional group
    # + 1: the data version, under which the unfiltered years' counts are kept in the cache and
    # the catalogue's lists in the process (each read once a version: here, in every count, as
    # both are emptied); the catalogue is five of them (the recommendations with their source,
    # themes, actors and instruments, and the themes), which the pages read too
    "summary": ("/api/v1/summary/", 11),
    "summary filtered": ("/api/v1/summary/?region=african&theme=protection", 12),
    # one pass over the cells on that day (with the month before's ends and that month's log:
    # + 2), that day's periods of disagreement, its year's part of the log (unfiltered: the
    # months before the day's from their counts, + 1), the stale cells shown
    "summary as of a date": ("/api/v1/summary/?as_of=2016-06-30", 14),
    "summary as of a date, filtered": (
        "/api/v1/summary/?as_of=2016-06-30&region=african&disagreement=no",
        13,
    ),
    "themes": ("/api/v1/themes/", 2),
}


def resolve(client, url) -> str:
    return url(client) if callable(url) else url


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_anonymous_query_counts_do_not_grow_with_the_data(client, grow, name):
    url, bound = ENDPOINTS[name]
    grow(5)
    small = queries(client, resolve(client, url), {})
    grow(60)
    large = queries(client, resolve(client, url), {})
    assert large == small
    assert small <= bound, f"{name}: {small} queries, more than {bound}"


#: with a token, two more for knox's look-up of it and two for the reader's permissions (may
#: they see authors' names?), once a request
TOKEN_ENDPOINTS = {
    "updates first page": ("/api/v1/updates/?theme=protection", 6),
    "updates cursor page": (cursor_page, 5),
    "updates detail": (oldest_update, 5),
}


@pytest.mark.parametrize("name", list(TOKEN_ENDPOINTS))
def test_a_token_readers_query_counts_do_not_grow_with_the_data(
    client, grow, editor, token_header, name
):
    """Signed in, the updates carry their authors' and reviewers' names: still no query a row."""
    url, bound = TOKEN_ENDPOINTS[name]
    headers = token_header(editor)
    grow(5)
    small = queries(client, resolve(client, url), headers)
    grow(60)
    large = queries(client, resolve(client, url), headers)
    assert large == small
    assert small <= bound, f"{name}: {small} queries, more than {bound}"
