"""As of a date: ``?as_of=YYYY-MM-DD`` on the recommendation, state and dashboard pages, their
CSV exports and the API gives the picture in effect on that day: approved updates that took
effect on or before it, whatever was approved later. Checked against the log read the slow way."""

import csv
import datetime
import io
import random
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recommendations import matrix, selectors
from recommendations.filters import CellFilter
from recommendations.models import (
    AssessmentSource,
    Cell,
    MemberState,
    MonthEndGrid,
    ProgressUpdate,
    RegionalGroup,
    Status,
    months_ago,
    sources_disagree,
)
from recommendations.services import (
    cell_refresh_status,
    month_counts_rebuild,
    update_approve,
    update_log,
    update_withdraw,
)
from tests.factories import ProgressUpdateFactory, cell_at

pytestmark = pytest.mark.django_db

S = Status


def day(year, month=1, date=1):
    return datetime.date(year, month, date)


def approved(code="R03", iso3="FRA", status=S.IN_PROGRESS, on=None, source="government"):
    on = on or day(2020)
    cell = cell_at(code, iso3)
    update = ProgressUpdateFactory(
        cell=cell, status=status, effective_date=on, source=source, approved=True
    )
    cell_refresh_status(cell=cell)
    month_counts_rebuild(day=on)
    return update


def shown(as_of, **filters):
    """(status, date, update, disagree) of each cell, as ``Cell.objects.as_of`` gives them."""
    return {
        cell.pk: (cell.status, cell.shown_date, cell.shown_update, cell.shown_disagreement)
        for cell in Cell.objects.filter(**filters).as_of(as_of)
    }


def the_slow_way(as_of=None, **filters):
    """The same, from the approved log read update by update in the current status's order."""
    log = ProgressUpdate.objects.approved().order_by("effective_date", "created_at", "id")
    if as_of is not None:
        log = log.filter(effective_date__lte=as_of)
    cells = Cell.objects.filter(**filters).values_list("pk", flat=True)
    picture = {pk: (S.NO_INFORMATION, None, None, {}) for pk in cells}
    for update in log:
        if update.cell_id in picture:
            sources = picture[update.cell_id][3]
            sources[update.source] = update.status
            picture[update.cell_id] = (S(update.status), update.effective_date, update.pk, sources)
    return {
        pk: (status, date, update, sources_disagree(sources.values()))
        for pk, (status, date, update, sources) in picture.items()
    }


def csv_rows(response) -> list[dict[str, str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


# The rule at its boundaries ------------------------------------------------------------------


def test_the_status_on_a_date_counts_updates_that_took_effect_that_very_day():
    planned = approved(status=S.PLANNED, on=day(2019, 3, 1))
    implemented = approved(status=S.IMPLEMENTED, on=day(2021, 6, 15))
    cell = cell_at("R03", "FRA").pk
    assert shown(day(2019, 2, 28), pk=cell)[cell] == (S.NO_INFORMATION, None, None, False)
    assert shown(day(2019, 3, 1), pk=cell)[cell] == (S.PLANNED, day(2019, 3, 1), planned.pk, False)
    assert shown(day(2021, 6, 14), pk=cell)[cell][0] == S.PLANNED
    assert shown(day(2021, 6, 15), pk=cell)[cell] == (
        S.IMPLEMENTED,
        day(2021, 6, 15),
        implemented.pk,
        False,
    )
    assert shown(None, pk=cell)[cell] == shown(timezone.localdate(), pk=cell)[cell]


def test_updates_of_one_day_are_ordered_as_the_current_status_orders_them():
    approved(status=S.PLANNED, on=day(2020, 5, 5))
    last = approved(status=S.IN_PROGRESS, on=day(2020, 5, 5), source="civil_society")
    cell = cell_at("R03", "FRA").pk
    assert shown(day(2020, 5, 5), pk=cell)[cell][:3] == (S.IN_PROGRESS, day(2020, 5, 5), last.pk)


def test_a_withdrawn_update_leaves_the_past_intact(editor, reviewer, superuser):
    cell = cell_at("R03", "FRA")

    def logged(status, on, source="government"):
        update = update_log(
            user=editor,
            recommendation=cell.recommendation,
            state=cell.state,
            status=status,
            effective_date=on,
            narrative="Reported.",
            source=source,
            submit=True,
        )
        return update_approve(update=update, user=reviewer)

    planned = logged(S.PLANNED, day(2019))
    implemented = logged(S.IMPLEMENTED, day(2021), source="civil_society")
    before = {when: shown(when, pk=cell.pk) for when in (day(2020), day(2022), None)}
    assert before[day(2022)][cell.pk][0] == S.IMPLEMENTED
    assert before[day(2022)][cell.pk][3] is True  # planned against implemented: disagree

    update_withdraw(update=implemented, user=superuser, reason="Reported in error.")

    assert shown(day(2020), pk=cell.pk) == before[day(2020)]  # the past before it: intact
    # after it, as if it had never been approved
    assert shown(day(2022), pk=cell.pk)[cell.pk] == (S.PLANNED, day(2019), planned.pk, False)
    assert shown(None, pk=cell.pk)[cell.pk] == (S.PLANNED, day(2019), planned.pk, False)


def test_updates_approved_later_count_from_their_effective_date():
    """As of a date means "effective on or before it", as the log knows it today: an update
    approved this year about 2018 is part of the picture of 2019."""
    update = approved(status=S.IN_PROGRESS, on=day(2018))
    cell = cell_at("R03", "FRA").pk
    assert update.reviewed_at.date() == timezone.localdate()
    assert shown(day(2019), pk=cell)[cell][0] == S.IN_PROGRESS


def random_log(seed: int, n: int = 60) -> None:
    """Approved updates of a few cells from every source, some on the same days, a few
    withdrawn afterwards."""
    rng = random.Random(seed)
    cells = [cell_at(code, iso3) for code in ("R03", "R19") for iso3 in ("FRA", "NGA", "KEN")]
    sources = list(AssessmentSource)
    days = [day(2010 + rng.randrange(12), 1 + rng.randrange(12), 1) for _ in range(n // 3)]
    made = []
    for _ in range(n):
        made.append(
            ProgressUpdateFactory(
                cell=rng.choice(cells),
                status=rng.choice([s for s in S if s is not S.NO_INFORMATION]),
                effective_date=rng.choice(days),
                source=rng.choice(sources),
                approved=True,
            )
        )
    for update in rng.sample(made, n // 10):
        update.review_state = "withdrawn"
        update.save()
    for cell in cells:
        cell_refresh_status(cell=cell)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_picture_on_any_date_is_the_log_read_up_to_that_date(seed):
    random_log(seed)
    cells = {"recommendation__code__in": ["R03", "R19"], "state__iso3__in": ["FRA", "NGA", "KEN"]}
    dates = sorted(set(ProgressUpdate.objects.values_list("effective_date", flat=True)))
    for when in [day(2009), *dates, *(d - datetime.timedelta(days=1) for d in dates), None]:
        assert shown(when, **cells) == the_slow_way(when, **cells), when


def days_to_read() -> list[datetime.date]:
    """Each day the log moved, the day before, a fortnight after, and a day before it began."""
    dates = sorted(set(ProgressUpdate.objects.values_list("effective_date", flat=True)))
    return [
        day(2009),
        *dates,
        *(d - datetime.timedelta(days=1) for d in dates),
        *(d + datetime.timedelta(days=14) for d in dates),
    ]


def as_of_statuses(cells, when) -> dict:
    """Each cell's (status, date as YYYY-MM-DD) on ``when``, by ``as_of``."""
    return {
        cell.pk: (cell.status_on, cell.status_date_on and cell.status_date_on.isoformat())
        for cell in cells.as_of(when)
    }


def past_statuses(cells, when) -> dict:
    """The same, as the pages of every cell read them (``statuses_on``)."""
    return {pk: (status, day) for pk, _rec, _state, status, day in cells.statuses_on(when)}


@pytest.mark.parametrize("seed", [1, 2])
def test_a_past_status_read_from_the_months_ends_is_the_as_of_status(seed):
    """The dashboard of a past day reads each cell's status and date of that day from the
    statuses at the end of the month before and that month's log (``statuses_on``): the same
    figures as ``as_of``, on every day the log moved, the day before (a month's last day), a
    fortnight after, and before it began."""
    random_log(seed)
    assert MonthEndGrid.objects.exists()
    cells = Cell.objects.filter(recommendation__code__in=["R03", "R19"])
    for when in days_to_read():
        expected = as_of_statuses(cells, when)
        assert past_statuses(cells, when) == expected, when
        # Every cell at once: counted from the grid as it is, the others without an update.
        every = past_statuses(Cell.objects.all(), when)
        assert len(every) == Cell.objects.count()
        assert {pk: every.pop(pk) for pk in expected} == expected, when
        assert set(every.values()) == {(S.NO_INFORMATION.value, None)}, when
    last = past_statuses(cells, days_to_read()[-1]).values()
    assert any(status != S.NO_INFORMATION.value for status, _ in last)


def day_figures(cells) -> dict:
    """Each cell's status, date, update and disagreement of the day read."""
    return {
        cell.pk: (cell.status_on, cell.status_date_on, cell.update_on, cell.disagree_on)
        for cell in cells
    }


@pytest.mark.parametrize("seed", [1, 2, 5])
def test_a_past_day_read_from_the_cells_sources_is_the_as_of_day(seed):
    """The recommendation page and the country profile of a past day date their cells from
    their sources' latest updates of that day (``cells_with_sources``: the latest of those is
    the cell's latest, every update having a source): the status, date, update and
    disagreement ``as_of`` gives, on every day the log moved, the day before, a fortnight after
    and before it began, ties of a day between sources included."""
    random_log(seed)
    cells = Cell.objects.filter(recommendation__code__in=["R03", "R19"]).order_by("pk")
    seen = set()  # the figures met: the log is varied enough to hold the rule to each kind
    for when in days_to_read():
        expected = day_figures(cells.as_of(when))
        assert day_figures(selectors.cells_with_sources(list(cells), when)) == expected, when
        seen |= {(status, disagree) for status, _date, _update, disagree in expected.values()}
    assert {disagree for _status, disagree in seen} == {True, False}
    assert {status for status, _disagree in seen} == {status.value for status in S}


def grid_statuses(cells, when):
    """The matrix's cells (status, day as YYYY-MM-DD), and as_of's written the same way."""
    expected = {
        (cell.recommendation_id, cell.state_id): (
            cell.status_on,
            cell.status_date_on and cell.status_date_on.isoformat(),
        )
        for cell in cells.as_of(when)
    }
    return matrix.grid(cells, as_of=when).statuses, expected


@pytest.mark.parametrize("seed", [3, 4])
def test_the_matrix_of_a_past_day_shows_each_cells_status_and_date_of_that_day(seed):
    """The grid of a past day reads its cells as the dashboard does (one probe a moved cell):
    the statuses and dates ``as_of`` gives, on every day the log moved and the day before."""
    random_log(seed)
    cells = Cell.objects.filter(recommendation__code__in=["R03", "R19"])
    for when in days_to_read():
        shown, expected = grid_statuses(cells, when)
        assert shown == expected, when
    today, expected = grid_statuses(cells, None)
    assert today == expected


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's DateStyle")
def test_a_past_status_reads_whatever_the_servers_date_style():
    """A server that writes dates day first (``SET datestyle``, or its configuration) gives the
    same past statuses: the day is written as ISO text by the query itself."""
    random_log(1)
    when = sorted(set(ProgressUpdate.objects.values_list("effective_date", flat=True)))[5]
    cells = Cell.objects.filter(recommendation__code__in=["R03", "R19"])
    expected = as_of_statuses(cells, when)
    grid, grid_expected = grid_statuses(cells, when)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL datestyle = 'SQL, DMY'")
    assert past_statuses(cells, when) == expected
    assert matrix.grid(cells, as_of=when).statuses == grid == grid_expected
    assert any(day is not None for _, day in grid.values())


# Stale, counted back from the date -----------------------------------------------------------


def test_stale_is_counted_back_from_the_date_shown(client, settings):
    settings.TRACKER_STALE_MONTHS = 24
    approved("R03", "FRA", S.PLANNED, day(2015))
    recent = {"as_of": "2016-06-30"}
    later = {"as_of": "2018-06-30"}
    assert client.get("/dashboard/", recent).context["stale_count"] == 0
    page = client.get("/dashboard/", later)
    assert page.context["stale_count"] == 1
    assert [(c.recommendation.code, c.state.iso3) for c in page.context["stale_cells"]] == [
        ("R03", "FRA")
    ]
    assert page.context["stale_cells"][0].shown_date == day(2015)
    # the filter too: "no update for 12 months" on that day
    assert client.get("/dashboard/", {"stale": 12, **recent}).context["total"] == 1
    assert client.get("/dashboard/", {"stale": 24, **recent}).context["total"] == 0
    # and the API's
    rows = client.get("/api/v1/cells/", {"stale": 12, **recent}).json()["results"]
    assert [(row["recommendation"], row["state"]) for row in rows] == [("R03", "FRA")]


# The dashboard, as of a date ------------------------------------------------------------------


@pytest.fixture
def history():
    """A log over years, sources and regions; two of its cells disagree in 2019, one still."""
    approved("R19", "NGA", S.NOT_STARTED, day(2014, 2, 1))
    approved("R19", "NGA", S.IMPLEMENTED, day(2019, 5, 1), source="civil_society")
    approved("R19", "NGA", S.PARTIALLY_IMPLEMENTED, day(2021, 3, 1))  # agree again
    approved("R23", "GHA", S.PLANNED, day(2012, 5, 1))
    approved("R23", "GHA", S.DECLINED, day(2019, 8, 1), source="un_entity")  # disagree, still
    approved("R19", "FRA", S.IMPLEMENTED, day(2019, 1, 1))
    approved("R08", "NGA", S.PARTIALLY_IMPLEMENTED, day(2019, 11, 20), source="independent_review")
    approved("R08", "NGA", S.IMPLEMENTED, day(2020, 1, 1))
    approved("R03", "KEN", S.PLANNED, day(2019, 2, 2))
    withdrawn = approved("R03", "KEN", S.NOT_STARTED, day(2019, 3, 3))
    withdrawn.review_state = "withdrawn"
    withdrawn.save()
    cell_refresh_status(cell=withdrawn.cell)
    month_counts_rebuild(day=withdrawn.effective_date)


def expected_dashboard(as_of, region=None):
    """The dashboard's status and disagreement counts, the slow way."""
    picture = the_slow_way(as_of)
    cells = Cell.objects.select_related("state")
    if region:
        cells = cells.filter(state__regional_group=region)
    by_rec, by_region, disagreeing = Counter(), Counter(), Counter()
    for cell in cells:
        status, _date, _update, disagree = picture[cell.pk]
        by_rec[cell.recommendation_id, status] += 1
        by_region[cell.state.regional_group, status] += 1
        disagreeing[cell.state.regional_group] += disagree
    return by_rec, by_region, disagreeing


def figures(page):
    by_rec = Counter()
    for rec, row in page.context["matrix"]:
        for status, n, _level in row:
            by_rec[rec.pk, status] += n
    by_region = Counter()
    for group, row in page.context["regions"]:
        for status, n in row:
            by_region[group.value, status] += n
    disagreeing = Counter({group.value: n for group, n in page.context["disagreement_regions"]})
    return +by_rec, +by_region, +disagreeing


@pytest.mark.parametrize(
    "as_of", [day(2012, 5, 1), day(2019, 6, 30), day(2019, 8, 1), day(2020, 12, 31), None]
)
@pytest.mark.parametrize("region", [None, "african"])
def test_the_dashboards_figures_as_of_a_date_are_the_logs(client, history, as_of, region):
    params = {"as_of": as_of.isoformat()} if as_of else {}
    if region:
        params["region"] = region
    page = client.get("/dashboard/", params)
    assert page.status_code == 200
    by_rec, by_region, disagreeing = expected_dashboard(as_of, region)
    assert figures(page) == (+by_rec, +by_region, +disagreeing)
    assert page.context["total"] == sum(by_rec.values())
    assert page.context["as_of"] == as_of


DAY_FILTERS = {
    "status": (
        {"status": "implemented"},
        lambda status, date, disagree, as_of: status == "implemented",
    ),
    "disagreement": ({"disagreement": "yes"}, lambda status, date, disagree, as_of: disagree),
    "stale": (
        {"stale": "12"},
        lambda status, date, disagree, as_of: date is not None and date < months_ago(12, as_of),
    ),
}


@pytest.mark.parametrize("as_of", [day(2019, 6, 30), day(2019, 8, 1), day(2020, 12, 31)])
@pytest.mark.parametrize("name", list(DAY_FILTERS))
def test_a_filter_that_reads_the_day_selects_by_that_days_figures(client, history, as_of, name):
    """The dashboard, the matrix and the recommendation page read a past day's figures apart
    from their query (``CellFilter(dated_apart=True)``); a filter on the status, staleness or
    disagreement still selects the cells by that day's figures."""
    query, wanted = DAY_FILTERS[name]
    params = {"as_of": as_of.isoformat(), **query}
    picture = the_slow_way(as_of)
    chosen = {
        pk
        for pk, (status, date, _update, disagree) in picture.items()
        if wanted(status, date, disagree, as_of)
    }
    assert client.get("/dashboard/", params).context["total"] == len(chosen)
    if name == "stale":
        return  # the matrix and the recommendation page offer no staleness filter
    grid = client.get("/matrix/", params).context["grid"]
    assert len(grid.statuses) == len(chosen)
    listed = client.get("/recommendations/R19/", params).context["cells"]
    r19 = set(Cell.objects.filter(recommendation__code="R19").values_list("pk", flat=True))
    assert {cell.pk for cell in listed} == chosen & r19
    assert all(
        wanted(cell.status, cell.shown_date, cell.shown_disagreement, as_of) for cell in listed
    )


def test_disagreement_on_the_dashboard_follows_the_date(client, history):
    def disagreeing(as_of):
        page = client.get("/dashboard/", {"as_of": as_of} if as_of else {})
        return page.context["disagreeing"], dict(
            (group.value, n) for group, n in page.context["disagreement_regions"] if n
        )

    assert disagreeing("2019-04-30") == (0, {})
    assert disagreeing("2019-05-01") == (1, {"african": 1})  # Nigeria's R19
    assert disagreeing("2019-08-01") == (2, {"african": 2})  # and Ghana's R23
    assert disagreeing("2021-03-01") == (1, {"african": 1})  # Nigeria's sources agree again
    assert disagreeing(None) == (1, {"african": 1})


def test_as_of_today_gives_todays_dashboard(client, history):
    """Two ways to the same figures: today's from the stored statuses, a date's from the log."""
    today = client.get("/dashboard/").context
    dated = client.get("/dashboard/", {"as_of": timezone.localdate().isoformat()}).context
    for name in ("total", "themes", "regions", "stale_count", "stale_cells", "disagreeing"):
        assert dated[name] == today[name], name
    assert [(rec, row) for rec, row in dated["matrix"]] == list(today["matrix"])
    assert dated["disagreement_themes"] == today["disagreement_themes"]
    assert dated["disagreement_regions"] == today["disagreement_regions"]
    assert dated["years"] == today["years"]


@pytest.mark.parametrize(
    "as_of",
    [day(2019, 1, 1), day(2019, 3, 2), day(2019, 6, 30), day(2019, 11, 19), day(2019, 12, 31)],
)
@pytest.mark.parametrize("filtered", [False, True])
def test_the_years_chart_stops_at_the_date(history, as_of, filtered):
    """The year of the date is counted from its part of the log, whichever part is shorter."""
    cells = Cell.objects.all()
    if filtered:
        cells = cells.filter(state__regional_group="african")
    figures = selectors.dashboard(
        cells, filtered=filtered, stale_since=months_ago(24, as_of), as_of=as_of
    )
    log = ProgressUpdate.objects.approved().filter(effective_date__lte=as_of, cell__in=cells)
    expected = Counter((u.effective_date.year, u.status) for u in log)
    assert {(row["year"], row["status"]): row["n"] for row in figures.years} == expected


def test_the_dashboard_says_it_shows_a_past_date(client, history):
    page = client.get("/dashboard/", {"as_of": "2019-06-30", "region": "african"})
    text = page.text
    assert "A past date" in text
    assert "Back to today" in text
    assert 'href="/dashboard/?region=african"' in text  # back to today keeps the filters
    # the filters keep the date
    assert '<input type="hidden" name="as_of" value="2019-06-30">' in text
    assert "A past date" not in client.get("/dashboard/").text


@pytest.mark.parametrize(
    "value", ["2019-13-01", "30/06/2019", "1944-12-31", "2999-01-01", "yesterday", "2019-6-31"]
)
def test_a_malformed_date_is_explained_and_today_shown(client, history, value):
    for url in ("/dashboard/", "/recommendations/R19/", "/states/NGA/"):
        page = client.get(url, {"as_of": value})
        assert page.status_code == 200, url
        assert page.context["as_of_form"].errors, url
        assert "A past date" not in page.text
        assert 'class="invalid-feedback" id="as_of_error"' in page.text
    today = client.get("/dashboard/")
    assert client.get("/dashboard/", {"as_of": value}).context["total"] == today.context["total"]


# The recommendation's and the state's pages, and their CSV ---------------------------------------


def test_the_recommendation_page_as_of_a_date(client, history):
    page = client.get("/recommendations/R19/", {"as_of": "2019-06-30"})
    cells = {cell.state.iso3: cell for cell in page.context["cells"]}
    assert cells["NGA"].status == S.IMPLEMENTED
    assert cells["NGA"].shown_date == day(2019, 5, 1)
    assert cells["NGA"].shown_disagreement is True
    assert [a.status for a in cells["NGA"].sources] == [S.NOT_STARTED, S.IMPLEMENTED]
    distribution = dict(page.context["distribution"])
    assert distribution[S.IMPLEMENTED] == 2  # Nigeria and France
    assert [u.effective_date for u in page.context["timeline"]] == [
        day(2019, 5, 1),
        day(2019, 1, 1),
        day(2014, 2, 1),
    ]
    assert "A past date" in page.text
    # the filters read the statuses of that day
    only = client.get("/recommendations/R19/", {"as_of": "2014-06-30", "status": "not_started"})
    assert [cell.state.iso3 for cell in only.context["cells"]] == ["NGA"]


@pytest.mark.parametrize(
    "narrowed",
    [{}, {"status": "implemented"}, {"region": "african"}, {"per_page": "2"}, {"per_page": "x"}],
)
def test_the_recommendation_pages_distribution_counts_every_state(client, history, narrowed):
    """Counted from the list when it holds every state's cell, read apart when a filter or the
    page size leaves some out: the same figures either way."""
    for as_of in ("2019-06-30", None):
        query = {"as_of": as_of} if as_of else {}
        page = client.get("/recommendations/R19/", {**query, **narrowed})
        distribution = dict(page.context["distribution"])
        assert sum(distribution.values()) == MemberState.objects.count()
        expected = Counter(
            cell.status
            for cell in Cell.objects.filter(recommendation__code="R19").as_of(
                datetime.date.fromisoformat(as_of) if as_of else None
            )
        )
        assert distribution == {status: expected.get(status, 0) for status in S}


def test_the_recommendation_csv_as_of_a_date(client, history):
    rows = csv_rows(client.get("/recommendations/R19/", {"as_of": "2019-06-30", "format": "csv"}))
    assert list(rows[0]) == [
        "state", "iso3", "regional_group", "status", "status_date", "sources_disagree",
        "government_status", "government_date", "government_update",
        "un_entity_status", "un_entity_date", "un_entity_update",
        "civil_society_status", "civil_society_date", "civil_society_update",
        "independent_review_status", "independent_review_date", "independent_review_update",
    ]  # fmt: skip
    nigeria = next(row for row in rows if row["iso3"] == "NGA")
    assert nigeria["status"] == "implemented"
    assert nigeria["status_date"] == "2019-05-01"
    assert nigeria["sources_disagree"] == "yes"
    assert nigeria["government_status"] == "not_started"
    assert nigeria["government_date"] == "2014-02-01"
    assert nigeria["civil_society_status"] == "implemented"
    assert nigeria["un_entity_status"] == ""
    rows = csv_rows(client.get("/recommendations/R19/?format=csv"))
    today = next(row for row in rows if row["iso3"] == "NGA")
    assert (today["status"], today["sources_disagree"]) == ("partially_implemented", "no")
    assert today["government_status"] == "partially_implemented"
    response = client.get("/recommendations/R19/", {"as_of": "2019-06-30", "format": "csv"})
    assert "R19-states-2019-06-30.csv" in response["Content-Disposition"]


def test_the_state_page_and_its_csv_as_of_a_date(client, history):
    page = client.get("/states/GHA/", {"as_of": "2019-06-30"})
    r23 = next(cell for cell in page.context["cells"] if cell.recommendation.code == "R23")
    assert (r23.status, r23.shown_disagreement) == (S.PLANNED, False)
    assert page.context["disagreeing"] == 0
    page = client.get("/states/GHA/", {"as_of": "2019-08-01"})
    r23 = next(cell for cell in page.context["cells"] if cell.recommendation.code == "R23")
    assert (r23.status, r23.shown_disagreement) == (S.DECLINED, True)
    assert "Sources disagree" in page.text
    assert dict(page.context["distribution"])[S.DECLINED] == 1

    rows = csv_rows(client.get("/states/GHA/", {"as_of": "2019-06-30", "format": "csv"}))
    assert list(rows[0])[:5] == [
        "recommendation", "recommendation_title", "status", "status_date", "sources_disagree",
    ]  # fmt: skip
    row = next(row for row in rows if row["recommendation"] == "R23")
    assert (row["status"], row["government_status"], row["un_entity_status"]) == (
        "planned",
        "planned",
        "",
    )
    assert len(rows) == cell_at("R23", "GHA").state.cells.count()


# The API, as of a date ------------------------------------------------------------------------


def test_the_api_as_of_a_date(client, history):
    query = {"state": "NGA", "recommendation": "R19", "as_of": "2019-06-30"}
    cells = client.get("/api/v1/cells/", query)
    (row,) = cells.json()["results"]
    assert row["status"] == "implemented"
    assert row["status_date"] == "2019-05-01"
    assert row["sources_disagree"] is True
    assert [(s["source"], s["status"], s["status_date"]) for s in row["sources"]] == [
        ("government", "not_started", "2014-02-01"),
        ("civil_society", "implemented", "2019-05-01"),
    ]
    latest = ProgressUpdate.objects.get(cell=cell_at("R19", "NGA"), effective_date=day(2019, 5, 1))
    assert row["latest_update"] == latest.pk

    state = client.get("/api/v1/states/GHA/", {"as_of": "2019-08-01"}).json()
    assert state["as_of"] == "2019-08-01"
    r23 = next(cell for cell in state["cells"] if cell["recommendation"] == "R23")
    assert (r23["status"], r23["sources_disagree"]) == ("declined", True)
    assert state["status_counts"]["declined"] == 1

    rec = client.get("/api/v1/recommendations/R19/", {"as_of": "2014-06-30"}).json()
    assert rec["status_counts"]["not_started"] == 1
    assert rec["status_counts"]["implemented"] == 0

    summary = client.get("/api/v1/summary/", {"as_of": "2019-08-01"}).json()
    assert summary["as_of"] == "2019-08-01"
    assert summary["disagreeing_cells"] == 2
    regions = {row["key"]: row["cells"] for row in summary["disagreement_by_regional_group"]}
    assert regions["african"] == 2
    assert {row["year"] for row in summary["by_year"]} == {2012, 2014, 2019}


@pytest.mark.parametrize("url", ["cells/", "summary/", "states/FRA/", "recommendations/R03/"])
@pytest.mark.parametrize("value", ["2019-13-01", "30/06/2019", "1944-12-31", "2999-01-01"])
def test_a_malformed_date_answers_400_naming_as_of(client, url, value):
    response = client.get(f"/api/v1/{url}", {"as_of": value})
    assert response.status_code == 400, (url, value, response.content[:300])
    body = response.json()
    assert list(body["fields"]) == ["as_of"]
    assert all(isinstance(message, str) for message in body["fields"]["as_of"])


# Query counts: constant in the size of the data ---------------------------------------------------


def grow(n):
    states = list(MemberState.objects.order_by("name")[:40])
    codes = ["R19", "R23", "R08", "R03"]
    sources = list(AssessmentSource)
    for i in range(n):
        approved(
            codes[(i // 40) % 4],
            states[i % 40].iso3,
            [S.PLANNED, S.IMPLEMENTED, S.DECLINED][i % 3],
            day(2009 + i % 15, 1 + i % 12, 1),
            source=sources[i % 4],
        )


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(ctx)


@pytest.mark.parametrize(
    "url",
    [
        "/recommendations/R19/?as_of=2016-06-30",
        "/recommendations/R19/?as_of=2016-06-30&disagreement=yes&region=african",
        "/recommendations/R19/?as_of=2016-06-30&format=csv",
        "/recommendations/R19/?format=csv",
        "/states/NGA/?as_of=2016-06-30",
        "/states/NGA/?as_of=2016-06-30&format=csv",
        "/states/NGA/?format=csv",
        "/dashboard/?as_of=2016-06-30",
        "/dashboard/?as_of=2016-06-30&region=african&disagreement=yes",
        "/dashboard/?as_of=2016-11-30&theme=protection",
        "/dashboard/?disagreement=yes",
    ],
)
def test_as_of_query_counts_do_not_grow_with_the_data(client, url):
    grow(5)
    small = query_count(client, url)
    grow(60)
    assert query_count(client, url) == small


def test_filter_values_are_the_date_shown(history):
    """The FilterSet is where pages and the API read the date: one parser, one annotation."""
    filterset = CellFilter(
        {"as_of": "2019-08-01", "disagreement": "yes"}, queryset=Cell.objects.all()
    )
    assert filterset.as_of_date == day(2019, 8, 1)
    assert filterset.active  # the disagreement filter narrows; the date alone does not
    assert not CellFilter({"as_of": "2019-08-01"}, queryset=Cell.objects.all()).active
    cells = filterset.qs.select_related("recommendation", "state")
    assert {(c.recommendation.code, c.state.iso3) for c in cells} == {
        ("R19", "NGA"),
        ("R23", "GHA"),
    }
    assert {c.state.regional_group for c in cells} == {RegionalGroup.AFRICAN}
