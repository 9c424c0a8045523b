"""What changed (``/changes/``): the statuses approved in a window of days, each beside the
cell's status before it; and the log's filter by disagreeing sources."""

import csv
import datetime
import io
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recommendations.models import (
    AssessmentSource,
    MemberState,
    ProgressUpdate,
    ReviewState,
    Status,
)
from recommendations.services import cell_refresh_status, update_withdraw
from recommendations.views import CappedPaginator
from tests.factories import ProgressUpdateFactory, UserFactory, cell_at

pytestmark = pytest.mark.django_db

CHANGES = "/changes/"


def local(*args) -> datetime.datetime:
    """A moment of the site's time zone (settings.TIME_ZONE)."""
    return timezone.make_aware(datetime.datetime(*args))


def approved(
    code="R03",
    iso3="FRA",
    status=Status.IN_PROGRESS,
    day=datetime.date(2020, 1, 1),
    at=None,
    **fields,
):
    """An approved update of a cell, approved at ``at`` (now by default), the cell refreshed."""
    cell = cell_at(code, iso3)
    update = ProgressUpdateFactory(
        cell=cell,
        status=status,
        effective_date=day,
        approved=True,
        reviewed_at=at or timezone.now(),
        **fields,
    )
    cell_refresh_status(cell=cell)
    return update


def listed(response) -> list:
    assert response.status_code == 200, response.content[:500]
    return list(response.context["changes"])


def ids(response) -> list[int]:
    return [update.pk for update in listed(response)]


def csv_rows(client, query: str = "") -> list[dict]:
    response = client.get(f"{CHANGES}?{query}&format=csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


# The window ---------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Pacific/Auckland"])
def test_the_window_counts_whole_days_of_the_sites_time_zone(client, settings, zone):
    """An approval at 23:59:59 on ``until`` counts; one a second after midnight does not; the
    same on ``since``'s side. Days are the site's, not UTC's."""
    settings.TIME_ZONE = zone
    before = approved("R03", "FRA", at=local(2024, 3, 9, 23, 59, 59))
    first = approved("R03", "DEU", at=local(2024, 3, 10, 0, 0, 0))
    last = approved("R03", "ITA", at=local(2024, 3, 12, 23, 59, 59))
    after = approved("R03", "ESP", at=local(2024, 3, 13, 0, 0, 0))

    page = client.get(CHANGES, {"since": "2024-03-10", "until": "2024-03-12"})

    assert ids(page) == [last.pk, first.pk]
    assert before.pk not in ids(page)
    assert after.pk not in ids(page)
    one_day = client.get(CHANGES, {"since": "2024-03-12", "until": "2024-03-12"})
    assert ids(one_day) == [last.pk]
    assert zone in page.text  # the page says whose days these are


def test_a_late_evening_approval_in_new_york_counts_on_its_own_day_not_utcs(client, settings):
    settings.TIME_ZONE = "America/New_York"
    late = approved(at=datetime.datetime(2024, 6, 2, 3, 30, tzinfo=datetime.UTC))  # 1 June, 23:30

    assert ids(client.get(CHANGES, {"since": "2024-06-01", "until": "2024-06-01"})) == [late.pk]
    assert ids(client.get(CHANGES, {"since": "2024-06-02", "until": "2024-06-02"})) == []


def test_the_default_window_is_the_last_30_days_today_included(client):
    today = timezone.localdate()
    start = today - datetime.timedelta(days=29)
    inside = approved("R03", "FRA", at=local(start.year, start.month, start.day, 0, 0, 1))
    now = approved("R03", "DEU")
    outside = approved(
        "R03", "ITA", at=local(start.year, start.month, start.day) - datetime.timedelta(seconds=1)
    )

    page = client.get(CHANGES)

    assert ids(page) == [now.pk, inside.pk]
    assert outside.pk not in ids(page)
    assert page.context["filter"].window == (start, today)
    assert "Approved in the last 30 days" in page.text


def test_only_an_end_date_shows_the_30_days_before_it(client):
    page = client.get(CHANGES, {"until": "2024-03-31"})
    assert page.context["filter"].window == (datetime.date(2024, 3, 2), datetime.date(2024, 3, 31))


def test_only_a_start_date_runs_to_today(client):
    since = timezone.localdate() - datetime.timedelta(days=100)
    page = client.get(CHANGES, {"since": since.isoformat()})
    assert page.context["filter"].window == (since, timezone.localdate())


def test_the_newest_approval_comes_first_whatever_the_effective_dates(client):
    older_approval = approved("R03", "FRA", day=datetime.date(2023, 1, 1), at=local(2024, 1, 5, 9))
    newer_approval = approved("R19", "NGA", day=datetime.date(2010, 1, 1), at=local(2024, 1, 6, 9))
    same_moment = approved("R19", "GHA", day=datetime.date(2010, 1, 1), at=local(2024, 1, 6, 9))

    page = client.get(CHANGES, {"since": "2024-01-01", "until": "2024-01-31"})

    assert ids(page) == [same_moment.pk, newer_approval.pk, older_approval.pk]


# Before and after ---------------------------------------------------------------------------


def test_each_row_holds_the_cells_status_before_the_update(client):
    at = local(2024, 5, 1, 12)
    first = approved(status=Status.PLANNED, day=datetime.date(2019, 1, 1), at=at)
    second = approved(status=Status.IN_PROGRESS, day=datetime.date(2020, 1, 1), at=at)
    confirming = approved(
        status=Status.IN_PROGRESS,
        day=datetime.date(2021, 1, 1),
        at=at,
        source=AssessmentSource.CIVIL_SOCIETY,
    )
    backdated = approved(status=Status.DECLINED, day=datetime.date(2015, 1, 1), at=at)

    page = client.get(CHANGES, {"since": "2024-05-01", "until": "2024-05-01"})
    rows = {update.pk: update for update in listed(page)}

    assert rows[backdated.pk].previous_status == Status.NO_INFORMATION
    # The backdated update now stands before the first: its status is the first's "before".
    assert rows[first.pk].previous_status == Status.DECLINED
    assert rows[second.pk].previous_status == Status.PLANNED
    assert rows[confirming.pk].previous_status == Status.IN_PROGRESS
    assert [update.pk for update in listed(page) if update.confirms] == [confirming.pk]
    assert page.text.count("confirmed, unchanged") == 1
    assert "No information" in page.text


def test_updates_of_one_day_follow_their_creation_then_their_id(client):
    day = datetime.date(2020, 1, 1)
    made = local(2024, 5, 1, 8)
    later = approved(status=Status.IMPLEMENTED, day=day, created_at=made + datetime.timedelta(1))
    earlier = approved(status=Status.PLANNED, day=day, created_at=made)
    twin = approved(status=Status.IN_PROGRESS, day=day, created_at=made)  # same time, higher id

    rows = {update.pk: update.previous_status for update in listed(client.get(CHANGES))}

    assert rows[earlier.pk] == Status.NO_INFORMATION
    assert rows[twin.pk] == Status.PLANNED
    assert rows[later.pk] == Status.IN_PROGRESS


def test_withdrawn_and_unapproved_updates_are_no_change_and_no_before(client, superuser):
    at = timezone.now()
    base = approved(status=Status.PLANNED, day=datetime.date(2018, 1, 1), at=at)
    wrong = approved(status=Status.IMPLEMENTED, day=datetime.date(2019, 1, 1), at=at)
    update_withdraw(update=wrong, user=superuser, reason="A typing error.")
    later = approved(status=Status.IN_PROGRESS, day=datetime.date(2020, 1, 1), at=at)
    reviewer = UserFactory()
    for state in (ReviewState.RETURNED, ReviewState.SUBMITTED, ReviewState.DRAFT):
        ProgressUpdateFactory(
            cell=cell_at("R03", "FRA"),
            status=Status.IMPLEMENTED,
            effective_date=datetime.date(2019, 6, 1),
            review_state=state,
            reviewed_by=reviewer if state == ReviewState.RETURNED else None,
            reviewed_at=at if state == ReviewState.RETURNED else None,
        )

    rows = {update.pk: update.previous_status for update in listed(client.get(CHANGES))}

    assert rows == {base.pk: Status.NO_INFORMATION, later.pk: Status.PLANNED}


def test_nobody_sees_anothers_draft_or_a_submitted_update_here(client, superuser, reviewer):
    author = UserFactory(username="author")
    ProgressUpdateFactory(reported_by=author, review_state=ReviewState.DRAFT)
    ProgressUpdateFactory(reported_by=author, review_state=ReviewState.SUBMITTED)
    mine = ProgressUpdateFactory(reported_by=superuser, review_state=ReviewState.DRAFT)
    shown = approved()

    for user in (None, reviewer, superuser, author):
        if user:
            client.force_login(user)
        assert ids(client.get(CHANGES)) == [shown.pk]
        assert ids(client.get(CHANGES, {"changed": "yes"})) == [shown.pk]
    assert mine.pk not in [int(row["id"]) for row in csv_rows(client)]


def test_each_row_links_the_update_and_the_cell(client):
    update = approved("R19", "NGA", Status.IMPLEMENTED)
    page = client.get(CHANGES)
    assert f'href="/updates/{update.pk}/"' in page.text
    assert 'href="/recommendations/R19/NGA/"' in page.text
    assert update.cell.recommendation.title in page.text


# Filters ------------------------------------------------------------------------------------


@pytest.fixture
def window():
    """Approvals of the last days: two regions, themes, sources; one a confirmation."""
    return {
        "nga_protection": approved(
            "R19", "NGA", Status.IN_PROGRESS, source=AssessmentSource.CIVIL_SOCIETY
        ),
        "nga_protection_confirmed": approved(
            "R19", "NGA", Status.IN_PROGRESS, day=datetime.date(2021, 1, 1)
        ),
        "gha_protection": approved("R23", "GHA", Status.PLANNED),
        "fra_protection": approved("R19", "FRA", Status.IMPLEMENTED),
        "nga_prevention": approved("R08", "NGA", Status.IMPLEMENTED),
        "submitted": ProgressUpdateFactory(
            cell=cell_at("R19", "KEN"), review_state=ReviewState.SUBMITTED
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("theme=prevention", ["nga_prevention"]),
        ("actor=private-sector", []),
        ("recommendation=R23", ["gha_protection"]),
        ("state=FRA&state=GHA", ["fra_protection", "gha_protection"]),
        ("region=western-european-others", ["fra_protection"]),
        (
            "region=african&theme=protection",
            ["gha_protection", "nga_protection_confirmed", "nga_protection"],
        ),
        ("source=civil_society", ["nga_protection"]),
        ("status=planned", ["gha_protection"]),
        ("changed=no", ["nga_protection_confirmed"]),
        (
            "changed=yes",
            ["nga_prevention", "fra_protection", "gha_protection", "nga_protection"],
        ),
    ],
)
def test_each_filter(client, window, query, expected):
    page = client.get(f"{CHANGES}?{query}")
    assert sorted(ids(page)) == sorted(window[key].pk for key in expected)


def test_filters_keep_the_newest_approval_first(client, window):
    page = client.get(f"{CHANGES}?region=african")
    expected = [
        window[key].pk
        for key in [
            "nga_prevention",
            "gha_protection",
            "nga_protection_confirmed",
            "nga_protection",
        ]
    ]
    assert ids(page) == expected


def test_the_filter_by_disagreeing_sources(client):
    approved("R03", "FRA", Status.IMPLEMENTED)
    disputed = approved("R03", "FRA", Status.NOT_STARTED, source=AssessmentSource.CIVIL_SOCIETY)
    calm = approved("R03", "DEU", Status.IMPLEMENTED)

    assert disputed.pk in ids(client.get(CHANGES, {"disagreement": "yes"}))
    assert calm.pk not in ids(client.get(CHANGES, {"disagreement": "yes"}))
    assert ids(client.get(CHANGES, {"disagreement": "no"})) == [calm.pk]
    assert client.get(CHANGES).text.count("disagreement-marker") == 2  # France's two rows


# CSV ----------------------------------------------------------------------------------------


def test_the_csv_is_the_filtered_rows_with_before_and_after(client, settings, window):
    settings.TIME_ZONE = "Pacific/Auckland"
    page = client.get(f"{CHANGES}?region=african")
    rows = csv_rows(client, "region=african")

    assert [int(row["id"]) for row in rows] == ids(page)
    assert list(rows[0]) == [
        "id",
        "approved_at",
        "recommendation",
        "recommendation_title",
        "state",
        "iso3",
        "regional_group",
        "previous_status",
        "status",
        "changed",
        "effective_date",
        "source",
    ]
    confirmed = next(row for row in rows if int(row["id"]) == window["nga_protection_confirmed"].pk)
    assert (confirmed["previous_status"], confirmed["status"], confirmed["changed"]) == (
        "in_progress",
        "in_progress",
        "no",
    )
    first = next(row for row in rows if int(row["id"]) == window["nga_protection"].pk)
    assert (first["previous_status"], first["changed"], first["iso3"]) == (
        "no_information",
        "yes",
        "NGA",
    )
    # In the site's time zone, whose days the window counts.
    approved_at = datetime.datetime.fromisoformat(first["approved_at"])
    assert (
        approved_at.utcoffset()
        == timezone.localtime(
            window["nga_protection"].reviewed_at, zoneinfo.ZoneInfo("Pacific/Auckland")
        ).utcoffset()
    )
    assert approved_at == window["nga_protection"].reviewed_at


def test_the_csv_follows_the_window(client):
    approved(at=local(2024, 3, 1, 12))
    response = client.get(CHANGES, {"since": "2024-03-01", "until": "2024-03-31", "format": "csv"})
    assert "changes-2024-03-01-2024-03-31.csv" in response["Content-Disposition"]
    assert len(csv_rows(client, "since=2024-03-01&until=2024-03-31")) == 1
    assert csv_rows(client, "since=2024-04-01&until=2024-04-30") == []


# Hostile input ------------------------------------------------------------------------------


THIRTY_DAYS_TO_TODAY = "today"


@pytest.mark.parametrize(
    ("query", "message", "window"),
    [
        ("since=garbage", "Enter a valid date.", THIRTY_DAYS_TO_TODAY),
        ("since=03/01/2024", "Enter a valid date.", THIRTY_DAYS_TO_TODAY),
        ("since=0001-01-01", "Choose a date from 1945 onwards.", THIRTY_DAYS_TO_TODAY),
        ("until=1944-12-31", "Choose a date from 1945 onwards.", THIRTY_DAYS_TO_TODAY),
        ("until=9999-12-31", "Choose today or a date in the past.", THIRTY_DAYS_TO_TODAY),
        ("until=99999-01-01", "Enter a valid date.", THIRTY_DAYS_TO_TODAY),
        ("since=2024-02-30", "Enter a valid date.", THIRTY_DAYS_TO_TODAY),
        (
            "since=2024-03-01&until=2024-01-01",
            "The end date is before the start date.",
            THIRTY_DAYS_TO_TODAY,
        ),
        ("since=2010-01-01", "A window spans at most 366 days", THIRTY_DAYS_TO_TODAY),
        # The end date holds: the 30 days before it.
        (
            "since=2020-01-01&until=2024-01-01",
            "A window spans at most 366 days",
            (datetime.date(2023, 12, 3), datetime.date(2024, 1, 1)),
        ),
        ("changed=maybe", "Select a valid choice.", THIRTY_DAYS_TO_TODAY),
        ("disagreement=perhaps", "Select a valid choice.", THIRTY_DAYS_TO_TODAY),
        ("state=ZZZ", "Select a valid choice.", THIRTY_DAYS_TO_TODAY),
        ("region=mars", "Select a valid choice.", THIRTY_DAYS_TO_TODAY),
    ],
)
def test_bad_input_is_explained_never_a_500(client, query, message, window):
    shown = approved()
    page = client.get(f"{CHANGES}?{query}")
    assert page.status_code == 200
    assert "Some filters were not understood" in page.text
    assert message in page.text
    if window == THIRTY_DAYS_TO_TODAY:
        today = timezone.localdate()
        window = (today - datetime.timedelta(days=29), today)
        assert ids(page) == [shown.pk]
    assert page.context["filter"].window == window


def test_a_window_of_366_days_is_taken(client):
    page = client.get(CHANGES, {"since": "2023-01-01", "until": "2024-01-01"})
    assert not page.context["filter"].errors
    assert page.context["filter"].window == (datetime.date(2023, 1, 1), datetime.date(2024, 1, 1))


@pytest.mark.parametrize(
    "query",
    ["page=-3", "page=99999", "page=abc", "per_page=abc", "per_page=-1", "per_page=10000000"],
)
def test_malformed_page_parameters_never_break_the_page(client, query):
    approved()
    assert client.get(f"{CHANGES}?{query}").status_code == 200


def test_a_nul_byte_is_refused(client):
    assert client.get(f"{CHANGES}?theme=%00").status_code == 400


def test_htmx_gets_the_results_fragment(client):
    approved()
    response = client.get(CHANGES, headers={"HX-Request": "true"})
    assert "<html" not in response.text
    assert "approved update" in response.text


def test_the_log_and_what_changed_link_each_other(client):
    """Two readings of one log, as tabs on both pages (the header is full at 1280 px)."""
    log = client.get("/updates/").text
    changes = client.get(CHANGES).text
    assert 'href="/changes/">What changed</a>' in log
    assert 'aria-current="page" href="/updates/"' in log
    assert 'aria-current="page" href="/changes/"' in changes
    assert 'href="/updates/">All approved updates</a>' in changes


# Query counts -------------------------------------------------------------------------------


def grow(n: int) -> None:
    """n approvals over 40 states and four recommendations, some of them confirmations."""
    states = list(MemberState.objects.order_by("name").values_list("iso3", flat=True)[:40])
    codes = ["R19", "R23", "R08", "R03"]
    made = ProgressUpdate.objects.count()
    for i in range(made, made + n):
        approved(
            codes[(i // 40) % 4],
            states[i % 40],
            [Status.PLANNED, Status.IN_PROGRESS, Status.IN_PROGRESS][i % 3],
            day=datetime.date(2009 + i % 15, 1, 1),
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
        CHANGES,
        f"{CHANGES}?region=african&theme=protection&changed=yes&source=government",
        f"{CHANGES}?disagreement=no&changed=no",
        f"{CHANGES}?format=csv",
        "/updates/?disagreement=yes",
        "/updates/?disagreement=no&region=african",
    ],
)
def test_query_counts_do_not_grow_with_the_data(client, url, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 20)
    grow(5)
    small = query_count(client, url)
    grow(60)
    assert query_count(client, url) == small


# The log's filter by disagreement -----------------------------------------------------------


@pytest.fixture
def disputed_and_calm():
    """FRA's R03: the government says implemented, civil society not started (they disagree);
    DEU's R03: one source only."""
    government = approved("R03", "FRA", Status.IMPLEMENTED, day=datetime.date(2020, 1, 1))
    ngo = approved(
        "R03",
        "FRA",
        Status.NOT_STARTED,
        day=datetime.date(2021, 1, 1),
        source=AssessmentSource.CIVIL_SOCIETY,
    )
    calm = approved("R03", "DEU", Status.IMPLEMENTED, day=datetime.date(2022, 1, 1))
    return government, ngo, calm


def log_ids(response) -> list[int]:
    assert response.status_code == 200
    return [update.pk for update in response.context["updates"]]


def test_the_log_filters_by_disagreeing_sources(client, disputed_and_calm):
    government, ngo, calm = disputed_and_calm

    assert log_ids(client.get("/updates/?disagreement=yes")) == [ngo.pk, government.pk]
    assert log_ids(client.get("/updates/?disagreement=no")) == [calm.pk]
    assert log_ids(client.get("/updates/")) == [calm.pk, ngo.pk, government.pk]
    assert log_ids(client.get("/updates/?disagreement=yes&state=DEU")) == []
    assert log_ids(client.get("/updates/?disagreement=no&state=FRA")) == []
    assert log_ids(client.get("/updates/?disagreement=no&state=DEU&state=FRA")) == [calm.pk]


def test_the_logs_disagreement_filter_is_one_cell_subquery(client, disputed_and_calm):
    with CaptureQueriesContext(connection) as ctx:
        client.get("/updates/?disagreement=yes&region=western-european-others")
    rows = next(q["sql"] for q in ctx.captured_queries if "sources_disagree" in q["sql"])
    assert rows.count("sources_disagree") == 1  # one cell IN (...) with every cell-level filter


def test_the_logs_csv_follows_the_disagreement_filter(client, disputed_and_calm):
    government, ngo, _calm = disputed_and_calm
    response = client.get("/updates/?disagreement=yes&format=csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert [int(row["id"]) for row in csv.DictReader(io.StringIO(body))] == [ngo.pk, government.pk]


def test_log_rows_mark_disagreeing_sources_without_a_query_more(client, disputed_and_calm):
    page = client.get("/updates/")
    assert page.text.count("disagreement-marker") == 2  # FRA's two updates, not DEU's
    assert 'href="/recommendations/R03/FRA/"' in page.text
    # The cell's flag comes with the row: a page of disputed cells asks what a calm one does.
    assert query_count(client, "/updates/?state=FRA") == query_count(client, "/updates/?state=DEU")


def test_a_bad_disagreement_value_is_explained_on_the_log(client, disputed_and_calm):
    page = client.get("/updates/?disagreement=perhaps")
    assert "Some filters were not understood" in page.text
    assert len(log_ids(page)) == 3
