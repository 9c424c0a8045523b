"""Reading the API: every read endpoint answers JSON of its documented shape, filters as the
pages filter, pages with ``next`` and ``Link``, walks the log with a cursor, answers 304 to a
client that has the body already, speaks the reader's language, hands CSV over to the pages,
shows the approved picture only, and throttles."""

import base64
import datetime
import json
import math

import pytest
from django.db.models import Q
from django.utils.http import http_date

from recommendations.models import (
    Actor,
    Cell,
    MemberState,
    ProgressUpdate,
    Recommendation,
    ReviewState,
    Status,
    Theme,
)
from tests.factories import ProgressUpdateFactory, UserFactory, cell_at

pytestmark = pytest.mark.django_db

API = "/api/v1/"
AUTHOR_FIELDS = ("reported_by", "reviewed_by", "review_comment")
UPDATE_FIELDS = {
    "id",
    "url",
    "recommendation",
    "state",
    "status",
    "effective_date",
    "narrative",
    "evidence",
    "source",
    "review_state",
    "submitted_at",
    "reviewed_at",
    "created_at",
    "updated_at",
    *AUTHOR_FIELDS,
}


def read(client, url, status=200, **headers):
    """GET an API url; check the status and that the answer is JSON; return the body."""
    response = client.get(url, headers=headers)
    assert response.status_code == status, (url, response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return response.json()


def ids_of(body) -> list[int]:
    return [row["id"] for row in body["results"]]


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def every_status_counted(counts: dict) -> bool:
    return set(counts) == set(Status.values) and all(isinstance(n, int) for n in counts.values())


@pytest.fixture
def log(approved_update):
    """A small log: approved updates in two regions, themes and years (Nigeria's reported by
    civil society, with a searchable narrative), and unapproved updates around them."""
    entries = {
        "nga_r19_2018": approved_update(
            "R19",
            "NGA",
            Status.IN_PROGRESS,
            datetime.date(2018, 3, 1),
            source="civil_society",
            narrative="Nigeria opened two shelters for survivors.",
        ),
        "gha_r23_2012": approved_update("R23", "GHA", Status.PLANNED, datetime.date(2012, 5, 1)),
        "fra_r19_2019": approved_update(
            "R19", "FRA", Status.IMPLEMENTED, datetime.date(2019, 1, 1)
        ),
        "nga_r08_2020": approved_update(
            "R08", "NGA", Status.IMPLEMENTED, datetime.date(2020, 1, 1)
        ),
    }
    for state in (ReviewState.DRAFT, ReviewState.SUBMITTED, ReviewState.RETURNED):
        ProgressUpdateFactory(
            cell=cell_at("R19", "KEN"),
            review_state=state,
            effective_date=datetime.date(2021, 1, 1),
            narrative=f"Kenya's {state} update on shelters.",
        )
    return entries


def pks(log, *keys) -> list[int]:
    return [log[key].pk for key in keys]


# The catalogue ------------------------------------------------------------------------------


def test_recommendations_list_every_recommendation_with_its_states_status_counts(
    client, approved_update
):
    """Each recommendation carries its tags and, for every status of the scale, how many
    Member States are at it: the counts add up to the number of states."""
    approved_update("R03", "FRA", Status.PLANNED)
    body = read(client, f"{API}recommendations/?per_page=200")
    assert body["count"] == Recommendation.objects.count()
    rows = {row["code"]: row for row in body["results"]}
    assert list(rows) == list(
        Recommendation.objects.order_by("order").values_list("code", flat=True)
    )
    states = MemberState.objects.count()
    for row in rows.values():
        assert set(row) >= {
            "code", "url", "page", "title", "text", "source_document", "source_reference",
            "themes", "actors", "instruments", "status_counts",
        }  # fmt: skip
        assert every_status_counted(row["status_counts"])
        assert sum(row["status_counts"].values()) == states, row["code"]
    assert rows["R03"]["status_counts"]["planned"] == 1
    assert rows["R03"]["themes"] == ["cross-cutting"]
    assert rows["R03"]["actors"] == ["member-states", "conference-of-parties"]
    assert rows["R03"]["url"] == "http://testserver/api/v1/recommendations/R03/"


def test_a_recommendation_in_detail(client, approved_update):
    approved_update("R19", "NGA", Status.IMPLEMENTED)
    approved_update("R19", "FRA", Status.IMPLEMENTED)
    body = read(client, f"{API}recommendations/R19/")
    rec = Recommendation.objects.get(code="R19")
    assert body["code"] == "R19"
    assert body["title"] == rec.title
    assert body["source_reference"] == rec.source_reference
    assert body["page"] == "http://testserver/recommendations/R19/"
    assert every_status_counted(body["status_counts"])
    assert body["status_counts"]["implemented"] == 2
    assert sum(body["status_counts"].values()) == MemberState.objects.count()


@pytest.mark.parametrize(
    ("endpoint", "model", "keys"),
    [
        ("themes", Theme, {"slug", "name", "description"}),
        ("actors", Actor, {"slug", "name", "description"}),
        ("documents", None, {"slug", "title", "short_title", "date"}),
    ],
)
def test_reference_lists_have_their_rows_and_fields(client, endpoint, model, keys):
    body = read(client, f"{API}{endpoint}/?per_page=200")
    assert all(set(row) == keys for row in body["results"])
    if model is not None:
        assert [row["slug"] for row in body["results"]] == [t.slug for t in model.objects.all()]
    assert body["count"] == len(body["results"]) > 0


def test_states_list_names_iso3_regional_group_and_membership(client):
    body = read(client, f"{API}states/?per_page=200")
    assert body["count"] == MemberState.objects.count()
    france = next(row for row in body["results"] if row["iso3"] == "FRA")
    assert france == {
        "iso3": "FRA",
        "url": "http://testserver/api/v1/states/FRA/",
        "name": "France",
        "regional_group": "western-european-others",
        "membership": "member",
    }


def test_a_state_in_detail_holds_the_current_status_of_every_recommendation(
    client, approved_update
):
    latest = approved_update("R03", "FRA", Status.PLANNED, datetime.date(2021, 4, 1))
    approved_update("R03", "FRA", Status.NOT_STARTED, datetime.date(2019, 1, 1))  # older
    body = read(client, f"{API}states/FRA/")
    codes = list(Recommendation.objects.order_by("order").values_list("code", flat=True))
    assert [cell["recommendation"] for cell in body["cells"]] == codes
    cells = {cell["recommendation"]: cell for cell in body["cells"]}
    assert cells["R03"] == {
        "recommendation": "R03",
        "status": "planned",
        "status_date": "2021-04-01",
        "latest_update": latest.pk,
        "sources": [
            {
                "source": "government",
                "status": "planned",
                "status_date": "2021-04-01",
                "update": latest.pk,
            }
        ],
        "sources_disagree": False,
    }
    assert body["as_of"] is None
    assert cells["R01"]["status"] == "no_information"
    assert cells["R01"]["latest_update"] is None
    assert every_status_counted(body["status_counts"])
    assert sum(body["status_counts"].values()) == len(codes)
    assert body["status_counts"]["planned"] == 1


def test_a_state_is_found_by_its_iso3_in_either_case(client):
    assert read(client, f"{API}states/fra/")["iso3"] == "FRA"


# Cells and the summary ----------------------------------------------------------------------


def test_cells_list_one_row_per_recommendation_and_state(client, approved_update):
    update = approved_update("R19", "NGA", Status.IMPLEMENTED, datetime.date(2022, 2, 2))
    body = read(client, f"{API}cells/?recommendation=R19&state=NGA")
    assert body["results"] == [
        {
            "recommendation": "R19",
            "state": "NGA",
            "status": "implemented",
            "status_date": "2022-02-02",
            "latest_update": update.pk,
            "sources": [
                {
                    "source": "government",
                    "status": "implemented",
                    "status_date": "2022-02-02",
                    "update": update.pk,
                }
            ],
            "sources_disagree": False,
        }
    ]
    assert read(client, f"{API}cells/?per_page=1")["count"] == Cell.objects.count()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("recommendation=R19&region=african&status=implemented", {("R19", "NGA")}),
        ("recommendation=R19&status=implemented", {("R19", "NGA"), ("R19", "FRA")}),
        ("state=FRA&status=implemented&status=in_progress", {("R19", "FRA")}),
        ("status=planned", {("R23", "GHA")}),
        ("theme=prevention&status=implemented", {("R08", "NGA")}),
        ("actor=media&status=implemented", {("R08", "NGA")}),
        ("region=western-european-others&status=implemented", {("R19", "FRA")}),
        ("stale=120&status=planned", {("R23", "GHA")}),
    ],
)
def test_cells_filter_like_the_dashboard(client, approved_update, query, expected):
    approved_update("R19", "NGA", Status.IMPLEMENTED, datetime.date(2022, 1, 1))
    approved_update("R19", "FRA", Status.IMPLEMENTED, datetime.date(2022, 1, 1))
    approved_update("R23", "GHA", Status.PLANNED, datetime.date(2012, 1, 1))
    approved_update("R08", "NGA", Status.IMPLEMENTED, datetime.date(2021, 1, 1))
    rows = read(client, f"{API}cells/?{query}&per_page=200")["results"]
    assert {(row["recommendation"], row["state"]) for row in rows} == expected


def test_cells_filtered_by_theme_are_that_themes_recommendations_in_every_state(client):
    body = read(client, f"{API}cells/?theme=protection&per_page=1")
    protection = Recommendation.objects.filter(themes__slug="protection").count()
    assert body["count"] == protection * MemberState.objects.count()


def test_summary_has_the_dashboards_figures(client, log):
    body = read(client, f"{API}summary/")
    assert set(body) == {
        "as_of", "cells", "status_counts", "by_recommendation", "by_theme", "by_regional_group",
        "by_year", "stale_cells", "disagreeing_cells", "disagreement_by_theme",
        "disagreement_by_regional_group",
    }  # fmt: skip
    assert body["as_of"] is None
    assert body["cells"] == Cell.objects.count()
    assert every_status_counted(body["status_counts"])
    assert sum(body["status_counts"].values()) == body["cells"]
    assert body["status_counts"]["implemented"] == 2
    assert [row["key"] for row in body["by_recommendation"]] == list(
        Recommendation.objects.order_by("order").values_list("code", flat=True)
    )
    for group in ("by_recommendation", "by_theme", "by_regional_group"):
        for row in body[group]:
            assert set(row) == {"key", "name", "status_counts"}
            assert every_status_counted(row["status_counts"])
    years = {row["year"]: row["status_counts"] for row in body["by_year"]}
    assert years[2012]["planned"] == 1
    assert years[2020]["implemented"] == 1
    assert 2021 not in years  # Kenya's 2021 updates are not approved
    assert isinstance(body["stale_cells"], int)


def test_summary_counts_only_the_filtered_cells(client, log):
    body = read(client, f"{API}summary/?region=african&theme=protection")
    protection = Recommendation.objects.filter(themes__slug="protection").count()
    african = MemberState.objects.filter(regional_group="african").count()
    assert body["cells"] == protection * african
    assert [row["key"] for row in body["by_regional_group"]] == ["african"]
    themes = {row["key"]: row["status_counts"] for row in body["by_theme"]}
    assert sum(themes["protection"].values()) == body["cells"]  # others: tagged with both
    assert body["status_counts"]["in_progress"] == 1  # Nigeria's R19; France is not African
    assert body["status_counts"]["implemented"] == 0  # Nigeria's R08 is prevention


# The log ------------------------------------------------------------------------------------


def test_updates_list_the_approved_log_newest_first(client, log):
    body = read(client, f"{API}updates/")
    assert ids_of(body) == pks(log, "nga_r08_2020", "fra_r19_2019", "nga_r19_2018", "gha_r23_2012")
    assert all(set(row) == UPDATE_FIELDS for row in body["results"])
    assert set(body) == {"next", "first", "results"}
    assert body["next"] is None


def test_an_update_in_detail(client, log):
    update = log["nga_r19_2018"]
    body = read(client, f"{API}updates/{update.pk}/")
    assert body["id"] == update.pk
    assert body["url"] == f"http://testserver/api/v1/updates/{update.pk}/"
    assert (body["recommendation"], body["state"]) == ("R19", "NGA")
    assert (body["status"], body["effective_date"]) == ("in_progress", "2018-03-01")
    assert (body["source"], body["review_state"]) == ("civil_society", "approved")
    assert body["narrative"] == "Nigeria opened two shelters for survivors."


def test_evidence_is_a_list_of_links(client, approved_update):
    update = approved_update(evidence="https://example.org/a\nhttps://example.org/b")
    assert read(client, f"{API}updates/{update.pk}/")["evidence"] == [
        "https://example.org/a",
        "https://example.org/b",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("theme=prevention", ["nga_r08_2020"]),
        ("theme=protection", ["fra_r19_2019", "nga_r19_2018", "gha_r23_2012"]),
        ("actor=media", ["nga_r08_2020"]),
        ("actor=private-sector", []),
        ("recommendation=R23", ["gha_r23_2012"]),
        ("state=FRA&state=GHA", ["fra_r19_2019", "gha_r23_2012"]),
        ("region=western-european-others", ["fra_r19_2019"]),
        ("region=african&theme=protection", ["nga_r19_2018", "gha_r23_2012"]),
        ("status=planned", ["gha_r23_2012"]),
        ("status=implemented&status=planned", ["nga_r08_2020", "fra_r19_2019", "gha_r23_2012"]),
        ("source=civil_society", ["nga_r19_2018"]),
        ("since=2019-01-01", ["nga_r08_2020", "fra_r19_2019"]),
        ("until=2018-03-01", ["nga_r19_2018", "gha_r23_2012"]),
        ("since=2019-01-01&until=2019-12-31", ["fra_r19_2019"]),
        ("q=shelters", ["nga_r19_2018"]),  # Kenya's unapproved updates say shelters too
        ("q=SHELTERS", ["nga_r19_2018"]),
    ],
)
def test_each_log_filter(client, log, query, expected):
    assert ids_of(read(client, f"{API}updates/?{query}")) == pks(log, *expected)


def test_the_logs_sort_is_not_offered_the_cursor_keeps_the_newest_first(client, log):
    """``sort`` would break the cursor's order: the API ignores it."""
    assert ids_of(read(client, f"{API}updates/?sort=oldest")) == ids_of(
        read(client, f"{API}updates/")
    )


@pytest.mark.parametrize(
    ("query", "matching"),
    [
        ("theme=protection", {"themes__slug": "protection"}),
        ("theme=protection&theme=prevention", {"themes__slug__in": ["protection", "prevention"]}),
        ("actor=media", {"actors__slug": "media"}),
        ("document=background", {"source_document__slug": "background"}),
        ("theme=protection&document=summary",
         {"themes__slug": "protection", "source_document__slug": "summary"}),
        ("q=r03", {"code": "R03"}),
        ("q=ICAT", {"pk__in": Recommendation.objects.filter(
            Q(text__icontains="ICAT") | Q(title__icontains="ICAT")).values("pk")}),
    ],
)  # fmt: skip
def test_recommendations_filter_like_the_catalogue(client, query, matching):
    """Each recommendation once, even when it has several of the themes asked for."""
    rows = read(client, f"{API}recommendations/?{query}&per_page=200")["results"]
    codes = [row["code"] for row in rows]
    expected = set(Recommendation.objects.filter(**matching).values_list("code", flat=True))
    assert expected
    assert set(codes) == expected
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("region=eastern-european", 23),
        ("region=african&region=eastern-european", 54 + 23),
        ("membership=observer", 2),
        ("q=guinea", 4),
        ("q=fra", 1),
    ],
)
def test_states_filter_like_the_states_page(client, query, expected):
    body = read(client, f"{API}states/?{query}&per_page=200")
    assert body["count"] == len(body["results"]) == expected


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("updates/?since=garbage", "since"),
        ("updates/?until=2020-13-01", "until"),
        ("updates/?since=2020-01-01&until=2010-01-01", "until"),
        ("updates/?state=ZZZ", "state"),
        ("updates/?status=nope", "status"),
        ("updates/?status=no_information", "status"),
        ("updates/?region=mars", "region"),
        ("updates/?theme=astrology", "theme"),
        ("updates/?actor=astrologers", "actor"),
        ("updates/?recommendation=R99", "recommendation"),
        ("updates/?source=rumour", "source"),
        ("updates/?q=" + "x" * 300, "q"),
        ("updates/?per_page=abc", "per_page"),
        ("recommendations/?theme=astrology", "theme"),
        ("recommendations/?document=nowhere", "document"),
        ("states/?region=mars", "region"),
        ("states/?membership=alien", "membership"),
        ("cells/?status=nope", "status"),
        ("cells/?state=ZZZ", "state"),
        ("cells/?stale=0", "stale"),
        ("cells/?stale=many", "stale"),
        ("summary/?region=mars", "region"),
        ("summary/?theme=astrology", "theme"),
    ],
)
def test_a_malformed_filter_answers_400_naming_the_field(client, url, field):
    """The pages show such a value as a form error; a program is told which field is wrong."""
    body = read(client, API + url, status=400)
    assert body["status"] == 400
    assert body["rule"] == "invalid"
    assert list(body["fields"]) == [field]
    assert body["fields"][field]
    assert all(isinstance(message, str) for message in body["fields"][field])
    assert body["detail"]


# The cursor ---------------------------------------------------------------------------------


@pytest.fixture
def tied_log(approved_update):
    """Thirteen approved updates with ties: several on one effective date, some of those
    created at the same instant (the id decides), and unapproved updates in between."""
    moment = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.UTC)
    later = moment + datetime.timedelta(seconds=1)
    states = ["FRA", "NGA", "GHA", "KEN", "BRA", "IND", "DEU"]
    plan = [
        # (state, effective date, created at)
        ("FRA", datetime.date(2021, 5, 1), moment),
        ("NGA", datetime.date(2021, 5, 1), moment),
        ("GHA", datetime.date(2021, 5, 1), later),
        ("KEN", datetime.date(2021, 5, 1), moment),
        ("BRA", datetime.date(2020, 1, 1), moment),
        ("IND", datetime.date(2020, 1, 1), moment),
        ("DEU", datetime.date(2020, 1, 1), moment),
        ("FRA", datetime.date(2020, 1, 1), later),
        ("NGA", datetime.date(2019, 7, 1), later),
        ("GHA", datetime.date(2022, 1, 1), moment),
        ("KEN", datetime.date(2018, 1, 1), moment),
        ("BRA", datetime.date(2021, 5, 1), moment),
        ("IND", datetime.date(2021, 5, 2), moment),
    ]
    updates = [
        approved_update("R19", iso3, day=day, created_at=created) for iso3, day, created in plan
    ]
    for i, state in enumerate(ReviewState):
        if state != ReviewState.APPROVED:
            ProgressUpdateFactory(
                cell=cell_at("R19", states[i]),
                review_state=state,
                effective_date=datetime.date(2021, 5, 1),
                created_at=moment,
                withdrawn_at=moment if state == ReviewState.WITHDRAWN else None,
            )
    return updates


def newest_first(updates) -> list[int]:
    """LATEST_FIRST, computed here: effective date, then creation time, then id, descending."""
    ordered = sorted(updates, key=lambda u: (u.effective_date, u.created_at, u.pk), reverse=True)
    return [u.pk for u in ordered]


def walk(client, url, **headers) -> tuple[list[int], int]:
    """Follow ``next`` from the first page to the last; return the ids seen and the pages. Every
    page with a next page says so in ``Link`` as well."""
    seen, pages = [], 0
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        if body["next"]:
            assert response["Link"] == f'<{body["next"]}>; rel="next"'
        else:
            assert "Link" not in response
        seen += ids_of(body)
        url = body["next"]
        pages += 1
        assert pages < 100, "the cursor does not end"
    return seen, pages


@pytest.mark.parametrize("per_page", [1, 2, 3, 5, 13, 50])
def test_the_cursor_walks_every_approved_update_once_newest_first(client, tied_log, per_page):
    """Ties on the date and on the creation time included; no empty last page."""
    seen, pages = walk(client, f"{API}updates/?per_page={per_page}")
    assert seen == newest_first(tied_log)
    assert len(set(seen)) == len(seen) == len(tied_log)
    assert pages == math.ceil(len(tied_log) / per_page)


def test_the_cursor_keeps_the_filters(client, tied_log):
    expected = newest_first([u for u in tied_log if u.cell.state.iso3 in ("FRA", "NGA")])
    seen, pages = walk(client, f"{API}updates/?state=FRA&state=NGA&per_page=2")
    assert seen == expected
    assert pages == 2


def test_an_update_approved_during_a_walk_does_not_repeat_or_hide_older_rows(
    client, tied_log, approved_update
):
    first = client.get(f"{API}updates/?per_page=4").json()
    approved_update("R19", "FRA", day=datetime.date(2023, 1, 1))  # newer than the walk's place
    rest, _pages = walk(client, first["next"])
    assert ids_of(first) + rest == newest_first(tied_log)


def cursor_cases():
    good_date, good_time = "2021-05-01", "2024-05-01T12:00:00+00:00"
    return {
        "not base64": "!!!%%%",
        "base64 of text": b64("not json at all"),
        "base64 of bytes": base64.urlsafe_b64encode(b"\xff\xfe\x00\x01").decode(),
        "an object": b64(json.dumps({"a": 1, "b": 2, "c": 3})),
        "two items": b64(json.dumps([good_date, good_time])),
        "four items": b64(json.dumps([good_date, good_time, 1, 2])),
        "numbers": b64(json.dumps([1, 2, 3])),
        "null id": b64(json.dumps([good_date, good_time, None])),
        "text id": b64(json.dumps([good_date, good_time, "seven"])),
        "huge id": b64(json.dumps([good_date, good_time, 10**30])),
        "id past the largest": b64(json.dumps([good_date, good_time, 2**63])),
        "float id": b64(f'["{good_date}", "{good_time}", 1e308]'),
        "negative id": b64(json.dumps([good_date, good_time, -5])),
        "naive datetime": b64(json.dumps([good_date, "2024-05-01T12:00:00", 5])),
        "date not a date": b64(json.dumps(["2021-02-30", good_time, 5])),
        "year 10000": b64(json.dumps(["10000-01-01", good_time, 5])),
        "time before the calendar in UTC": b64(
            json.dumps([good_date, "0001-01-01T00:00:00+05:00", 5])
        ),
        "time past the calendar in UTC": b64(
            json.dumps([good_date, "9999-12-31T23:59:59-05:00", 5])
        ),
        "deep nesting": b64("[" * 100_000),
    }


@pytest.mark.parametrize("cursor", list(cursor_cases()))
def test_a_cursor_the_api_did_not_give_answers_400_not_500(client, tied_log, cursor):
    body = read(client, f"{API}updates/?cursor={cursor_cases()[cursor]}", status=400)
    assert body["rule"] == "invalid"
    assert list(body["fields"]) == ["cursor"]


def test_the_cursor_given_by_the_api_is_accepted_with_its_filters_changed(client, tied_log):
    """A cursor names a place in the log's order, not a result: it holds with other filters."""
    first = client.get(f"{API}updates/?per_page=3").json()
    cursor = first["next"].split("cursor=")[1].split("&")[0]
    body = read(client, f"{API}updates/?cursor={cursor}&state=FRA")
    last = next(u for u in tied_log if u.pk == ids_of(first)[-1])
    key = (last.effective_date, last.created_at, last.pk)
    expected = newest_first(
        [
            u
            for u in tied_log
            if u.cell.state.iso3 == "FRA" and (u.effective_date, u.created_at, u.pk) < key
        ]
    )
    assert ids_of(body) == expected


# next and Link on every list ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "themes/?per_page=2",
        "actors/?per_page=2",
        "documents/?per_page=1",
        "recommendations/?per_page=5&theme=protection",
        "states/?per_page=10&region=african",
        "cells/?per_page=10&state=FRA",
        "updates/?per_page=2",
    ],
)
def test_every_list_with_more_rows_links_the_next_page(client, log, url):
    response = client.get(API + url)
    body = response.json()
    assert body["next"], "more rows, so a next page"
    assert response["Link"] == f'<{body["next"]}>; rel="next"'
    assert body["next"].startswith("http://testserver/api/v1/")
    following = client.get(body["next"])
    assert following.status_code == 200
    assert following.json()["results"]
    assert following.json()["results"] != body["results"]


@pytest.mark.parametrize(
    "url", ["themes/", "documents/", "recommendations/?q=R03", "states/?q=FRA", "updates/"]
)
def test_a_list_that_fits_on_its_page_has_no_next(client, log, url):
    response = client.get(API + url)
    assert response.json()["next"] is None
    assert "Link" not in response


# Conditional requests -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "recommendations/",
        "recommendations/R19/",
        "states/FRA/",
        "cells/?state=NGA",
        "updates/",
        "summary/?region=african",
        "themes/",
    ],
)
def test_a_client_holding_the_current_body_gets_304(client, log, approved_update, url):
    """The ETag names the body: sent back, it answers 304 with nothing; after a change to the
    data the same ETag answers the new body."""
    first = client.get(API + url)
    etag = first["ETag"]
    assert etag
    again = client.get(API + url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    if url != "themes/":
        approved_update("R19", "NGA", Status.DECLINED, datetime.date(2024, 1, 1))
        approved_update("R19", "FRA", Status.DECLINED, datetime.date(2024, 1, 1))
        changed = client.get(API + url, headers={"If-None-Match": etag})
        assert changed.status_code == 200
        assert changed["ETag"] != etag


def test_an_update_says_when_it_last_changed(client, log):
    update = ProgressUpdate.objects.get(pk=log["fra_r19_2019"].pk)
    response = client.get(f"{API}updates/{update.pk}/")
    assert response["Last-Modified"] == http_date(update.updated_at.timestamp())
    unchanged = client.get(
        f"{API}updates/{update.pk}/", headers={"If-Modified-Since": response["Last-Modified"]}
    )
    assert unchanged.status_code == 304
    earlier = http_date(update.updated_at.timestamp() - 3600)
    assert (
        client.get(f"{API}updates/{update.pk}/", headers={"If-Modified-Since": earlier}).status_code
        == 200
    )


# Languages ----------------------------------------------------------------------------------


def test_accept_language_gives_names_and_labels_in_that_language(client, log):
    french = {"Accept-Language": "fr"}
    response = client.get(f"{API}themes/", headers=french)
    assert response["Content-Language"] == "fr"
    assert "Accept-Language" in response["Vary"]
    names = {row["slug"]: row["name"] for row in response.json()["results"]}
    assert names["prevention"] == "Prévention"
    assert read(client, f"{API}actors/", **french)["results"][0]["name"] == "États Membres"
    assert read(client, f"{API}states/DEU/", **french)["name"] == "Allemagne"
    assert read(client, f"{API}recommendations/R03/", **french)["title"].startswith(
        "Mécanisme d'examen"
    )
    summary = read(client, f"{API}summary/?region=african", **french)
    assert summary["by_regional_group"][0]["name"] == "Groupe des États d'Afrique"
    error = client.get(f"{API}updates/?since=garbage", headers=french)
    assert error["Content-Language"] == "fr"
    assert error.json()["fields"]["since"] == ["Saisissez une date valide."]


def test_without_accept_language_the_answer_is_english_again(client):
    """The language is the request's, not left over from the one before."""
    client.get(f"{API}themes/", headers={"Accept-Language": "fr"})
    response = client.get(f"{API}themes/")
    assert response["Content-Language"] == "en"
    assert response.json()["results"][0]["name"] == "Prevention"


# CSV: the pages' own export -----------------------------------------------------------------


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(
    ("api", "page"),
    [
        ("recommendations/?theme=protection&actor=member-states", "/recommendations/"),
        ("recommendations/", "/recommendations/"),
        ("states/?region=african", "/states/"),
        ("states/", "/states/"),
        ("updates/?region=african&theme=protection", "/updates/"),
        ("updates/", "/updates/"),
    ],
)
def test_format_csv_is_the_pages_own_csv(client, log, api, page):
    query = api.partition("?")[2]
    expected = client.get(f"{page}?{query}&format=csv" if query else f"{page}?format=csv")
    assert expected.status_code == 200
    expected_bytes = content(expected)
    for answer in (
        client.get(f"{API}{api}{'&' if query else '?'}format=csv"),
        client.get(API + api, headers={"Accept": "text/csv"}),
    ):
        assert answer.status_code == 200
        assert answer["Content-Type"].startswith("text/csv")
        assert content(answer) == expected_bytes
    assert expected_bytes.count(b"\n") > 1


def test_the_logs_csv_through_the_api_holds_the_filtered_updates(client, log):
    rows = content(client.get(f"{API}updates/?state=FRA&format=csv")).decode().splitlines()
    assert rows[0].startswith("id,")
    assert [int(row.split(",")[0]) for row in rows[1:]] == pks(log, "fra_r19_2019")


def test_csv_is_offered_only_where_a_page_exports_it(client):
    """cells/ has no page that exports it: CSV asked of it is Not Acceptable, said in JSON."""
    for response in (
        client.get(f"{API}cells/?format=csv"),
        client.get(f"{API}cells/", headers={"Accept": "text/csv"}),
    ):
        assert response.status_code == 406
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["status"] == 406


# Not found ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/",
        "/api/nope/",
        "/api/v2/updates/",
        "/api/v1/nope/",
        "/api/v1/recommendations/R99/",
        "/api/v1/states/ZZZ/",
        "/api/v1/updates/999999/",
        "/api/v1/updates/9223372036854775808/",
        "/api/v1/updates/99999999999999999999999/",
        "/api/v1/updates/abc/",
    ],
)
def test_a_path_under_api_that_does_not_exist_is_a_json_404(client, url):
    body = read(client, url, status=404)
    assert body["status"] == 404
    assert body["rule"] == "not_found"
    assert body["detail"]


# Who sees what ------------------------------------------------------------------------------


@pytest.fixture
def reviewed(approved_update, reviewer):
    return approved_update(
        "R19", "NGA", reviewed_by=reviewer, review_comment="Checked against the gazette."
    )


def test_the_public_never_sees_who_reported_or_reviewed(client, reviewed):
    for body in (
        read(client, f"{API}updates/{reviewed.pk}/"),
        read(client, f"{API}updates/")["results"][0],
    ):
        assert body["id"] == reviewed.pk
        assert {field: body[field] for field in AUTHOR_FIELDS} == dict.fromkeys(AUTHOR_FIELDS)


def test_a_signed_in_editor_sees_who_reported_and_reviewed(client, reviewed, editor, token_header):
    expected = {
        "reported_by": reviewed.reported_by.username,
        "reviewed_by": "reviewer",
        "review_comment": "Checked against the gazette.",
    }
    with_token = token_header(editor)
    for body in (
        read(client, f"{API}updates/{reviewed.pk}/", **with_token),
        read(client, f"{API}updates/", **with_token)["results"][0],
    ):
        assert {field: body[field] for field in AUTHOR_FIELDS} == expected
    client.force_login(editor)
    assert read(client, f"{API}updates/{reviewed.pk}/")["reported_by"] == expected["reported_by"]


@pytest.fixture
def unapproved(editor):
    """Another person's updates in every state but approved, beside one approved update."""
    other = UserFactory(username="other-editor", is_staff=False)
    made = {
        state: ProgressUpdateFactory(
            cell=cell_at("R19", "KEN"),
            reported_by=other,
            review_state=state,
            reviewed_by=UserFactory() if state == ReviewState.RETURNED else None,
            withdrawn_at=datetime.datetime.now(datetime.UTC)
            if state == ReviewState.WITHDRAWN
            else None,
            effective_date=datetime.date(2022, 1, 1),
        )
        for state in ReviewState
        if state != ReviewState.APPROVED
    }
    made["approved"] = ProgressUpdateFactory(
        cell=cell_at("R19", "KEN"), reported_by=other, approved=True
    )
    return made


def test_the_updates_list_holds_approved_updates_only(client, unapproved, editor, token_header):
    for headers in ({}, token_header(editor)):
        for query in ("", "?review=draft&review=submitted&review=returned&review=withdrawn"):
            assert ids_of(read(client, f"{API}updates/{query}", **headers)) == [
                unapproved["approved"].pk
            ]


@pytest.mark.parametrize(
    "state",
    [ReviewState.DRAFT, ReviewState.SUBMITTED, ReviewState.RETURNED, ReviewState.WITHDRAWN],
)
def test_anonymous_readers_and_editor_tokens_cannot_read_anothers_unapproved_update(
    client, unapproved, editor, token_header, state
):
    url = f"{API}updates/{unapproved[state].pk}/"
    assert read(client, url, status=404)["rule"] == "not_found"
    assert read(client, url, status=404, **token_header(editor))["rule"] == "not_found"
    approved = f"{API}updates/{unapproved['approved'].pk}/"
    assert read(client, approved, **token_header(editor))["review_state"] == "approved"


def test_an_author_reads_their_own_draft_by_token(client, editor, token_header):
    """The other side of the rule: the draft exists and its author may read it."""
    draft = ProgressUpdateFactory(reported_by=editor)
    url = f"{API}updates/{draft.pk}/"
    assert read(client, url, **token_header(editor))["review_state"] == "draft"
    read(client, url, status=404)


# Throttling ---------------------------------------------------------------------------------


@pytest.fixture
def three_anonymous_requests_a_minute(settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "3/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def test_an_anonymous_client_past_its_rate_gets_429_with_retry_after(
    client, three_anonymous_requests_a_minute, editor, token_header
):
    for url in ("themes/", "states/FRA/", "updates/"):
        assert client.get(API + url).status_code == 200
    response = client.get(f"{API}summary/")
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert (body["status"], body["rule"]) == (429, "throttled")
    assert body["detail"]
    assert 0 < int(response["Retry-After"]) <= 60
    # A token's requests count at the user rate, apart from the address's anonymous ones.
    assert client.get(f"{API}summary/", headers=token_header(editor)).status_code == 200


def test_a_recommendation_is_found_by_its_code_in_either_case(client):
    assert read(client, f"{API}recommendations/r03/")["code"] == "R03"


def test_the_root_lists_every_endpoint_the_summary_included(client):
    listed = read(client, API)
    assert {"recommendations", "themes", "actors", "documents", "states", "cells", "updates"} < set(
        listed
    )
    assert listed["summary"].endswith("/api/v1/summary/")


@pytest.mark.parametrize("value", ["03/01/2021", "01.03.2021", "1 March 2021", "20210301"])
def test_dates_are_taken_as_yyyy_mm_dd_only_the_same_in_every_language(client, value):
    """A date that reads one way in English and another in French is refused, not guessed."""
    for language in ("en", "fr"):
        response = client.get(
            f"{API}updates/", {"since": value}, headers={"Accept-Language": language}
        )
        assert response.status_code == 400, (language, response.content)
        assert list(response.json()["fields"]) == ["since"]


def test_a_signed_in_readers_answers_are_for_their_own_cache_alone(
    client, editor, token_header, approved_update
):
    approved_update()
    anonymous = client.get(f"{API}updates/")
    assert "private" not in anonymous.get("Cache-Control", "")
    signed_in = client.get(f"{API}updates/", headers=token_header(editor))
    assert "private" in signed_in["Cache-Control"]
    assert signed_in.json()["results"][0]["reported_by"]  # what makes it private
