"""``/api/v1/changes/``: the "What changed" page's rows as JSON, a cursor over the approvals
(newest first), the page's CSV; and the log's ``disagreement`` filter in ``updates/``."""

import base64
import csv
import datetime
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recommendations.api.pagination import ApprovalCursor
from recommendations.models import AssessmentSource, MemberState, ReviewState, Status
from tests.api.requests import assert_error
from tests.factories import ProgressUpdateFactory, UserFactory, cell_at

pytestmark = pytest.mark.django_db

CHANGES = "/api/v1/changes/"


def read(client, url, **headers) -> dict:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def ids_of(body) -> list[int]:
    return [row["id"] for row in body["results"]]


def walk(client, url) -> tuple[list[int], int]:
    seen, pages = [], 0
    while url:
        body = read(client, url)
        seen += ids_of(body)
        url = body["next"]
        pages += 1
        assert pages < 100, "the cursor does not end"
    return seen, pages


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.fixture
def approvals(approved_update):
    """Twelve approvals of the last days, several at the same moment (ties on the time), and
    unapproved updates that must never show."""
    moment = timezone.now() - datetime.timedelta(days=2)
    made = []
    for i, iso3 in enumerate(["FRA", "NGA", "GHA", "KEN", "BRA", "IND"] * 2):
        made.append(
            approved_update(
                "R19",
                iso3,
                Status.IN_PROGRESS if i < 6 else Status.IMPLEMENTED,
                datetime.date(2018 + i // 6, 1, 1),
                reviewed_at=moment + datetime.timedelta(hours=i // 3),
            )
        )
    for state in (ReviewState.DRAFT, ReviewState.SUBMITTED, ReviewState.RETURNED):
        ProgressUpdateFactory(
            cell=cell_at("R19", "FRA"),
            review_state=state,
            reviewed_by=UserFactory() if state == ReviewState.RETURNED else None,
            reviewed_at=moment if state == ReviewState.RETURNED else None,
        )
    return made


def newest_approval_first(updates) -> list[int]:
    return [u.pk for u in sorted(updates, key=lambda u: (u.reviewed_at, u.pk), reverse=True)]


def test_a_change_says_what_the_status_was_and_became(client, approved_update):
    first = approved_update("R03", "FRA", Status.PLANNED, datetime.date(2020, 1, 1))
    second = approved_update("R03", "FRA", Status.IMPLEMENTED, datetime.date(2021, 1, 1))
    same = approved_update(
        "R03",
        "FRA",
        Status.IMPLEMENTED,
        datetime.date(2022, 1, 1),
        source=AssessmentSource.INDEPENDENT_REVIEW,
    )

    rows = {row["id"]: row for row in read(client, CHANGES)["results"]}

    assert rows[second.pk] == {
        "id": second.pk,
        "url": f"http://testserver/api/v1/updates/{second.pk}/",
        "page": f"http://testserver/updates/{second.pk}/",
        "cell_page": "http://testserver/recommendations/R03/FRA/",
        "recommendation": "R03",
        "state": "FRA",
        "previous_status": "planned",
        "status": "implemented",
        "changed": True,
        "effective_date": "2021-01-01",
        "source": "government",
        "approved_at": rows[second.pk]["approved_at"],
    }
    assert datetime.datetime.fromisoformat(rows[second.pk]["approved_at"]) == second.reviewed_at
    assert (rows[first.pk]["previous_status"], rows[first.pk]["changed"]) == (
        "no_information",
        True,
    )
    assert (rows[same.pk]["previous_status"], rows[same.pk]["changed"]) == ("implemented", False)


@pytest.mark.parametrize("per_page", [1, 2, 5, 50])
def test_the_cursor_walks_every_approval_once_newest_first(client, approvals, per_page):
    seen, pages = walk(client, f"{CHANGES}?per_page={per_page}")
    assert seen == newest_approval_first(approvals)
    assert pages == -(-len(approvals) // per_page)


def test_the_api_lists_what_the_page_lists(client, approvals):
    for query in ("", "state=FRA&state=NGA", "changed=yes", "changed=no", "region=african"):
        page = client.get(f"/changes/?{query}&per_page=50")
        expected = [update.pk for update in page.context["changes"]]
        assert ids_of(read(client, f"{CHANGES}?{query}&per_page=50")) == expected, query
        assert expected or query == "changed=no"


def test_the_cursor_keeps_the_filters_and_the_window(client, approvals):
    african = [u for u in approvals if u.cell.state.regional_group == "african"]
    seen, _pages = walk(client, f"{CHANGES}?region=african&per_page=2")
    assert seen == newest_approval_first(african)
    day = timezone.localdate() - datetime.timedelta(days=40)
    assert read(client, f"{CHANGES}?since={day}&until={day}")["results"] == []


def test_filters(client, approvals, approved_update):
    old = approved_update("R23", "DEU", reviewed_at=timezone.now() - datetime.timedelta(days=90))

    assert set(ids_of(read(client, f"{CHANGES}?state=KEN"))) == {
        u.pk for u in approvals if u.cell.state.iso3 == "KEN"
    }
    assert ids_of(read(client, f"{CHANGES}?theme=prevention")) == []
    assert ids_of(read(client, f"{CHANGES}?status=implemented&changed=yes")) == (
        newest_approval_first(approvals[6:])
    )
    assert ids_of(read(client, f"{CHANGES}?source=civil_society")) == []
    assert old.pk not in ids_of(read(client, CHANGES))
    since = (timezone.localdate() - datetime.timedelta(days=100)).isoformat()
    assert ids_of(read(client, f"{CHANGES}?since={since}&recommendation=R23")) == [old.pk]


def test_drafts_and_unapproved_updates_never_show_even_to_their_author(
    client, approvals, token_header
):
    author = UserFactory(username="drafter")
    ProgressUpdateFactory(reported_by=author, review_state=ReviewState.DRAFT)
    seen = ids_of(read(client, f"{CHANGES}?per_page=200", **token_header(author)))
    assert sorted(seen) == sorted(u.pk for u in approvals)


def test_the_csv_is_the_pages_and_holds_what_the_json_holds(client, approvals):
    query = "region=african&changed=yes"
    listed = ids_of(read(client, f"{CHANGES}?{query}&per_page=200"))
    response = client.get(f"{CHANGES}?{query}&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [int(row["id"]) for row in rows] == listed
    assert {row["changed"] for row in rows} == {"yes"}


# Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("since=garbage", "since"),
        ("since=03/01/2024", "since"),
        ("since=0001-01-01", "since"),
        ("until=9999-12-31", "until"),
        ("until=99999-01-01", "until"),
        ("since=2024-03-01&until=2024-01-01", "until"),
        ("since=2020-01-01&until=2024-01-01", "since"),
        ("changed=maybe", "changed"),
        ("disagreement=perhaps", "disagreement"),
        ("state=ZZZ", "state"),
        ("per_page=0", "per_page"),
        ("per_page=201", "per_page"),
        ("cursor=!!!", "cursor"),
        (f"cursor={b64(json.dumps(['2021-05-01', '2024-05-01T12:00:00+00:00', 5]))}", "cursor"),
        (f"cursor={b64(json.dumps(['2024-05-01T12:00:00', 5]))}", "cursor"),
        (f"cursor={b64(json.dumps(['9999-12-31T23:59:59-05:00', 5]))}", "cursor"),
        (f"cursor={b64(json.dumps(['2024-05-01T12:00:00+00:00', 2**63]))}", "cursor"),
        (f"cursor={b64('[' * 100_000)}", "cursor"),
    ],
)
def test_bad_input_is_a_400_naming_it(client, approvals, query, field):
    for url in (f"{CHANGES}?{query}", f"{CHANGES}?{query}&format=csv"):
        error = assert_error(client.get(url), 400, "invalid")
        assert list(error["fields"]) == [field], url


def test_the_cursor_given_by_the_api_is_taken(client, approvals):
    last = max(approvals, key=lambda u: (u.reviewed_at, u.pk))
    body = read(client, f"{CHANGES}?cursor={ApprovalCursor.encode(last)}&per_page=200")
    assert body["results"]
    assert last.pk not in ids_of(body)


# The log's disagreement filter ----------------------------------------------------------------


def test_the_logs_api_filters_by_disagreeing_sources(client, approved_update):
    government = approved_update("R03", "FRA", Status.IMPLEMENTED, datetime.date(2020, 1, 1))
    ngo = approved_update(
        "R03",
        "FRA",
        Status.NOT_STARTED,
        datetime.date(2021, 1, 1),
        source=AssessmentSource.CIVIL_SOCIETY,
    )
    calm = approved_update("R03", "DEU", Status.IMPLEMENTED, datetime.date(2022, 1, 1))

    assert ids_of(read(client, "/api/v1/updates/?disagreement=yes")) == [ngo.pk, government.pk]
    assert ids_of(read(client, "/api/v1/updates/?disagreement=no")) == [calm.pk]
    assert ids_of(read(client, "/api/v1/changes/?disagreement=yes")) == [ngo.pk, government.pk]
    error = assert_error(client.get("/api/v1/updates/?disagreement=1"), 400, "invalid")
    assert list(error["fields"]) == ["disagreement"]


# Query counts -------------------------------------------------------------------------------


def grow(approved_update, start: int, n: int) -> None:
    states = list(MemberState.objects.order_by("name").values_list("iso3", flat=True)[:40])
    codes = ["R19", "R23", "R08", "R03"]
    for i in range(start, start + n):
        approved_update(
            codes[(i // 40) % 4],
            states[i % 40],
            [Status.PLANNED, Status.IN_PROGRESS][i % 2],
            datetime.date(2009 + i % 15, 1, 1),
        )


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    assert response.json()["results"], url
    return len(ctx)


@pytest.mark.parametrize(
    ("url", "bound"),
    [
        (CHANGES, 1),
        (f"{CHANGES}?region=african&theme=protection&changed=yes", 2),
        (f"{CHANGES}?disagreement=no&per_page=2", 1),
        ("/api/v1/updates/?disagreement=no&region=african", 1),
    ],
)
def test_query_counts_do_not_grow_with_the_data(client, approved_update, url, bound):
    grow(approved_update, 0, 5)
    small = queries(client, url)
    grow(approved_update, 5, 60)
    assert queries(client, url) == small
    assert small <= bound, f"{url}: {small} queries"


def test_a_cursor_page_costs_what_the_first_does(client, approved_update):
    grow(approved_update, 0, 30)
    first = client.get(f"{CHANGES}?per_page=5").json()
    assert queries(client, first["next"]) == queries(client, f"{CHANGES}?per_page=5")
