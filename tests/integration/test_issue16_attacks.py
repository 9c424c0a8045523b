"""Issue 16's new doors tried as a hostile visitor would: ``?as_of=`` on the recommendation,
state, cell and dashboard pages, their CSV exports and the API; ``/changes/``; the Atom feeds.
Never a 500: a page explains, the API answers 400 naming the parameter; nothing unapproved
shows anywhere; and the derived tables (sources side by side, periods of disagreement) follow
every path that writes the log."""

import csv
import datetime
import io
import json
import random
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import caches
from django.utils import timezone

from recommendations.backups import backup_json, check, restore
from recommendations.demo import demo_history_load
from recommendations.models import (
    Cell,
    CellAssessment,
    CellDisagreement,
    ProgressUpdate,
    ReviewState,
    Status,
    disagreement_spans,
)
from recommendations.services import (
    WorkflowError,
    cell_refresh_status,
    update_approve,
    update_log,
    update_return,
    update_withdraw,
)
from tests.conftest import run_manage
from tests.factories import ProgressUpdateFactory, cell_at

pytestmark = pytest.mark.django_db

S = Status
ATOM = "{http://www.w3.org/2005/Atom}"
PAGES = ["/recommendations/R03/", "/states/FRA/", "/recommendations/R03/FRA/", "/dashboard/"]
API = ["cells/", "summary/", "states/FRA/", "recommendations/R03/"]
CSV_PAGES = ["/recommendations/R03/", "/states/FRA/"]


def tomorrow() -> str:
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


# What a hostile visitor types into ?as_of= (a NUL byte is refused before any view: see below).
HOSTILE_DATES = [
    "1",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "99999-01-01",
    "-0001-01-01",
    "1944-12-31",
    "2020-02-30",
    "2020-01-01T00:00",
    "20200101",
    "x" * 10_000,
    "٢٠٢٠-٠١-٠١",  # Arabic-Indic digits
    "１９９０-０１-０１",  # full-width digits
    "'; DROP TABLE recommendations_cell; --",
]
MESSAGES = (
    "Enter a valid date.",
    "Choose a date from 1945 onwards.",
    "Choose today or a date in the past.",
)


def text(response) -> str:
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def api(client, url, **params):
    caches["default"].clear()  # the anonymous throttle counts in the cache
    return client.get(f"/api/v1/{url}", params)


def csv_rows(response) -> list[dict[str, str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def approved(code="R03", iso3="FRA", status=S.IN_PROGRESS, on=None, source="government", **kw):
    cell = cell_at(code, iso3)
    update = ProgressUpdateFactory(
        cell=cell,
        status=status,
        effective_date=on or datetime.date(2020, 1, 1),
        source=source,
        approved=True,
        **kw,
    )
    cell_refresh_status(cell=cell)
    return update


@pytest.fixture
def history():
    """R03 for France: planned (government) in 2018, then implemented (UN entity) in 2021."""
    return [
        approved(status=S.PLANNED, on=datetime.date(2018, 3, 1)),
        approved(status=S.IMPLEMENTED, on=datetime.date(2021, 6, 15), source="un_entity"),
    ]


# ?as_of= on the pages, their CSV and the API -------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("value", [*HOSTILE_DATES, "tomorrow"])
def test_a_hostile_as_of_is_explained_on_the_page_which_shows_today(client, history, page, value):
    value = tomorrow() if value == "tomorrow" else value
    html = text(client.get(page, {"as_of": value}))
    assert any(message in html for message in MESSAGES)
    assert "A past date" not in html


@pytest.mark.parametrize("page", CSV_PAGES)
@pytest.mark.parametrize("value", ["2020-02-30", "x" * 10_000, "٢٠٢٠-٠١-٠١", "tomorrow"])
def test_a_hostile_as_of_exports_todays_csv(client, history, page, value):
    value = tomorrow() if value == "tomorrow" else value
    response = client.get(page, {"as_of": value, "format": "csv"})
    assert response.status_code == 200
    assert re.fullmatch(
        r'attachment; filename="[A-Z0-9]+-[a-z]+\.csv"', response["Content-Disposition"]
    )
    rows = csv_rows(response)
    france = [
        row
        for row in rows
        if row.get("iso3", "FRA") == "FRA" and row.get("recommendation", "R03") == "R03"
    ]
    assert [row["status"] for row in france] == ["implemented"]


@pytest.mark.parametrize("url", API)
@pytest.mark.parametrize("value", [*HOSTILE_DATES, "tomorrow"])
def test_a_hostile_as_of_is_a_400_naming_it_in_the_api(client, history, url, value):
    value = tomorrow() if value == "tomorrow" else value
    response = api(client, url, as_of=value)
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert list(body["fields"]) == ["as_of"]
    assert body["fields"]["as_of"][0] in MESSAGES


@pytest.mark.parametrize("path", [*PAGES, *(f"/api/v1/{url}" for url in API)])
def test_a_nul_byte_in_as_of_is_refused_before_any_view(client, path):
    assert client.get(path, {"as_of": "2020-01-01\x00"}).status_code == 400


def test_repeated_as_of_reads_the_last_one_on_pages_and_api_alike(client, history):
    """``?as_of=a&as_of=b`` is ``b`` everywhere (Django's QueryDict), never a mixture."""
    past = "?as_of=garbage&as_of=2019-01-01"
    html = text(client.get("/recommendations/R03/FRA/" + past))
    assert "A past date: the picture as it stood on 1 January 2019." in html
    caches["default"].clear()
    body = client.get("/api/v1/states/FRA/" + past).json()
    assert body["as_of"] == "2019-01-01"
    assert [c["status"] for c in body["cells"] if c["recommendation"] == "R03"] == ["planned"]

    broken = "?as_of=2019-01-01&as_of=garbage"
    html = text(client.get("/recommendations/R03/FRA/" + broken))
    assert "Enter a valid date." in html
    assert "A past date" not in html
    caches["default"].clear()
    assert client.get("/api/v1/states/FRA/" + broken).status_code == 400


@pytest.mark.parametrize("value", [" 2019-01-01 ", "2019-01-01\n", "2019-1-1"])
def test_harmless_spellings_of_a_date_are_read_the_same_everywhere(client, history, value):
    html = text(client.get("/recommendations/R03/FRA/", {"as_of": value}))
    assert "A past date: the picture as it stood on 1 January 2019." in html
    body = api(client, "states/FRA/", as_of=value).json()
    assert body["as_of"] == "2019-01-01"


@pytest.mark.parametrize("page", PAGES)
def test_as_of_today_is_today_not_a_past_date(client, history, page):
    today = timezone.localdate().isoformat()
    html = text(client.get(page, {"as_of": today}))
    assert "A past date" not in html
    assert "Back to today" not in html
    assert "Implemented" in html


def test_the_first_day_shows_no_information_anywhere(client, history):
    first = "1945-01-01"
    for page in PAGES:
        assert "A past date" in text(client.get(page, {"as_of": first}))
    rows = csv_rows(client.get("/states/FRA/", {"as_of": first, "format": "csv"}))
    assert {row["status"] for row in rows} == {"no_information"}
    assert all(row["government_update"] == "" for row in rows)
    body = api(client, "summary/", as_of=first).json()
    assert body["status_counts"]["no_information"] == body["cells"]
    assert body["disagreeing_cells"] == 0


# What changed: the window and its pages -----------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"since": "x" * 10_000},
        {"until": "٢٠٢٠-٠١-٠١"},
        {"since": "0000-00-00", "until": "9999-12-31"},
        {"since": "2020-02-30"},
        {"since": "2026-01-01", "until": "2025-01-01"},
        {"page": str(10**20), "per_page": str(10**30)},
        {"per_page": "-1", "page": "-1"},
        {"changed": "maybe", "disagreement": "maybe", "source": "nonsense"},
        {"state": "fra", "recommendation": "R3", "region": "<script>"},
    ],
)
def test_what_changed_never_breaks(client, history, query):
    for params in (query, {**query, "format": "csv"}):
        assert client.get("/changes/", params).status_code == 200
    response = api(client, "changes/", **query)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert set(response.json()["fields"]) & {*query, "per_page"}


def test_a_window_ending_in_1945_does_not_start_in_1944(client):
    page = client.get("/changes/", {"until": "1945-01-10"})
    assert page.context["filter"].window == (
        datetime.date(1945, 1, 1),
        datetime.date(1945, 1, 10),
    )
    assert "1944" not in text(page)


# The feeds ------------------------------------------------------------------------------------


RTL = "\u202eevil\u202c \u2066isolate\u2069"
C1 = "\x7f\x80\x85\x9f"


def feed_entries(response):
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # a malformed feed fails here
    return root.findall(f"{ATOM}entry")


@pytest.mark.parametrize("path", ["/recommendations/R03/feed/", "/states/FRA/feed/"])
def test_a_feed_carries_rtl_overrides_c1_controls_and_long_narratives_as_text(client, path):
    long = "<b>" + "word " * 1_990 + "]]></b>"
    assert len(long) <= 10_000
    approved(narrative=f"{RTL} {C1} end", reviewed_at=timezone.now())
    approved(narrative=long, reviewed_at=timezone.now() + datetime.timedelta(seconds=1))
    newest, older = feed_entries(client.get(path))
    assert newest.find(f"{ATOM}summary").text.startswith("&lt;b&gt;word word")
    assert newest.find(f"{ATOM}summary").text.endswith("]]&gt;&lt;/b&gt;")
    assert older.find(f"{ATOM}summary").text == f"{RTL} {C1} end"


def test_lower_case_feeds_are_the_same_feed_and_malformed_codes_404(client, history):
    """The same feed, down to its address for itself (a reader subscribed twice dedupes)."""
    for lower, upper in [
        ("/recommendations/r03/feed/", "/recommendations/R03/feed/"),
        ("/states/fra/feed/", "/states/FRA/feed/"),
    ]:
        assert client.get(lower).content == client.get(upper).content
        self_link = ET.fromstring(client.get(lower).content).find(f"{ATOM}link[@rel='self']")
        assert self_link.get("href") == f"http://testserver{upper}"
    for path in [
        "/recommendations/R3/feed/",
        "/recommendations/R99/feed/",
        "/recommendations/R0003/feed/",
        "/states/QQQ/feed/",
        "/states/FRAN/feed/",
        "/recommendations/R03/FRA/feed/",
    ]:
        assert client.get(path).status_code == 404, path


def test_the_cell_page_shows_a_hostile_narrative_as_text(client):
    approved(narrative=f"<script>alert(1)</script> ]]> {RTL}\n<img src=x onerror=alert(1)>")
    html = text(client.get("/recommendations/R03/FRA/"))
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert RTL in html  # kept, inside a paragraph whose direction is its own (dir="auto")


# Nothing unapproved, anywhere new ------------------------------------------------------------

SECRET = "SECRET-unapproved-narrative"


@pytest.fixture
def unapproved(editor, reviewer, superuser, history):
    """Of another editor, on R03 for France, each saying "declined" on 1 January 2020: a draft,
    a submitted update, a returned one and a withdrawn one (approved, then withdrawn)."""

    def log(submit):
        cell = cell_at("R03", "FRA")
        return update_log(
            user=editor,
            recommendation=cell.recommendation,
            state=cell.state,
            status=S.DECLINED,
            effective_date=datetime.date(2020, 1, 1),
            narrative=SECRET,
            evidence="https://example.org/secret",
            source="civil_society",
            submit=submit,
        )

    draft, submitted = log(False), log(True)
    returned = update_return(update=log(True), user=reviewer, comment="Not yet.")
    withdrawn = update_withdraw(
        update=update_approve(update=log(True), user=reviewer), user=superuser, reason="Wrong."
    )
    return {draft.pk, submitted.pk, returned.pk, withdrawn.pk}


def test_unapproved_updates_show_nowhere_new(client, django_user_model, unapproved):
    """Signed in as another editor or not at all: the cell page, the recommendation and state
    pages and their CSVs (today and as of the day the hidden updates say), the feeds, what
    changed (page, CSV, API) and the API's cells, state and summary never show them, their
    text, their ids or the status they say."""
    other = django_user_model.objects.create_user("another-editor", password="x")
    ids = {str(pk) for pk in unapproved}
    as_ofs = [{}, {"as_of": "2020-01-01"}, {"as_of": "2020-06-30"}]

    def clean(body: str, where: str):
        assert SECRET not in body, where
        assert "example.org/secret" not in body, where
        for pk in re.findall(r"/updates/(\d+)/", body):
            assert pk not in ids, where

    for who in (None, other):
        client.logout()
        if who:
            client.force_login(who)
        for query in as_ofs:
            for page in PAGES:
                clean(text(client.get(page, query)), page)
            for page in CSV_PAGES:
                for row in csv_rows(client.get(page, {**query, "format": "csv"})):
                    clean(str(row), page)
                    assert not ids & {
                        value for key, value in row.items() if key.endswith("_update")
                    }
                    assert row["status"] != "declined"
                    assert row["civil_society_status"] == ""
            body = api(client, "cells/", recommendation="R03", state="FRA", **query).json()
            clean(str(body), "api cells")
            (cell,) = body["results"]
            assert {s["source"] for s in cell["sources"]} <= {"government", "un_entity"}
            state = api(client, "states/FRA/", **query).json()
            clean(str(state), "api state")
            assert state["status_counts"]["declined"] == 0
            summary = api(client, "summary/", state="FRA", **query).json()
            assert summary["status_counts"]["declined"] == 0
        for path in ["/recommendations/R03/feed/", "/states/FRA/feed/"]:
            clean(client.get(path).content.decode(), path)
        clean(text(client.get("/changes/", {"per_page": 200})), "changes")
        rows = csv_rows(client.get("/changes/", {"format": "csv"}))
        assert not ids & {row["id"] for row in rows}
        changes = api(client, "changes/", per_page=200).json()
        assert not ids & {str(row["id"]) for row in changes["results"]}


# The derived tables follow every path that writes the log ------------------------------------


def derived() -> tuple[set, set, set]:
    return (
        set(
            CellAssessment.objects.values_list("cell", "source", "status", "status_date", "update")
        ),
        set(CellDisagreement.objects.values_list("cell", "since", "until")),
        set(Cell.objects.filter(sources_disagree=True).values_list("pk", flat=True)),
    )


def from_the_log() -> tuple[set, set, set]:
    """The same three, read the slow way from the approved log."""
    log = ProgressUpdate.objects.approved().order_by("cell", "effective_date", "created_at", "id")
    latest: dict[int, dict[str, ProgressUpdate]] = {}
    rows: dict[int, list] = {}
    for update in log:
        latest.setdefault(update.cell_id, {})[update.source] = update
        rows.setdefault(update.cell_id, []).append(
            (update.effective_date, update.source, update.status)
        )
    assessments = {
        (cell, source, u.status, u.effective_date, u.pk)
        for cell, by_source in latest.items()
        for source, u in by_source.items()
    }
    periods = {
        (cell, since, until)
        for cell, log in rows.items()
        for since, until in disagreement_spans(log)
    }
    return assessments, periods, {cell for cell, _since, until in periods if until is None}


def test_a_demo_reload_rebuilds_the_sources_and_periods_from_its_own_log():
    """The first demo's assessments point at updates a reload deletes (a protected foreign
    key): the reload rebuilds them in the same transaction."""
    demo_history_load(updates=400, seed=3, replace=False)
    assert derived() == from_the_log()
    demo_history_load(updates=300, seed=4, replace=False)
    assert derived() == from_the_log()
    assert derived()[0]


def test_an_approved_update_cannot_be_returned_and_its_source_stays(reviewer, editor):
    cell = cell_at("R03", "FRA")
    update = update_approve(
        update=update_log(
            user=editor,
            recommendation=cell.recommendation,
            state=cell.state,
            status=S.PLANNED,
            effective_date=datetime.date(2020, 1, 1),
            narrative="Planned.",
            source="government",
            submit=True,
        ),
        user=reviewer,
    )
    before = derived()
    with pytest.raises(WorkflowError):
        update_return(update=update, user=reviewer, comment="Changed my mind.")
    assert derived() == before == from_the_log()
    assert ProgressUpdate.objects.get(pk=update.pk).review_state == ReviewState.APPROVED


@pytest.mark.django_db(transaction=True)
def test_a_json_backup_from_before_the_sources_restores_them_from_its_log(seeded, tmp_path):
    """A backup written before issue 16 holds no assessments, no periods of disagreement and
    no flag on the cells: the restore derives all three from the restored log."""
    approved(status=S.IMPLEMENTED, on=datetime.date(2019, 1, 1))
    approved(status=S.NOT_STARTED, on=datetime.date(2020, 1, 1), source="civil_society")
    approved(status=S.PLANNED, on=datetime.date(2021, 1, 1), source="civil_society")
    expected = derived()
    assert expected == from_the_log()
    assert expected[1] == {(cell_at("R03", "FRA").pk, datetime.date(2020, 1, 1), None)}
    path = tmp_path / "backup.json"
    backup_json(path)
    rows = [
        row
        for row in json.loads(path.read_text(encoding="utf-8"))
        if row["model"]
        not in {"recommendations.cellassessment", "recommendations.celldisagreement"}
    ]
    for row in rows:
        if row["model"] in {"recommendations.cell", "recommendations.historicalcell"}:
            row["fields"].pop("sources_disagree", None)
    path.write_text(json.dumps(rows), encoding="utf-8")

    restore(check(path), safety_dir=tmp_path / "safety")

    assert derived() == expected


# One date, one picture: every surface agrees ------------------------------------------------


def test_every_surface_shows_the_same_picture_on_the_same_day(client):
    """A random log of four cells (same-day updates, every source, some withdrawn): on each
    effective date and the day before it, the cell pages, the recommendation and state pages'
    CSVs, the API's cells, state and recommendation, and the dashboard's counts agree."""
    rng = random.Random(16)
    cells = [cell_at(code, iso3) for code in ("R03", "R05") for iso3 in ("FRA", "NGA")]
    days = [datetime.date(2015 + rng.randrange(5), 1 + rng.randrange(12), 1) for _ in range(8)]
    made = [
        ProgressUpdateFactory(
            cell=rng.choice(cells),
            status=rng.choice([s for s in S if s is not S.NO_INFORMATION]),
            effective_date=rng.choice(days),
            source=rng.choice(["government", "un_entity", "civil_society", "independent_review"]),
            approved=True,
        )
        for _ in range(30)
    ]
    for update in rng.sample(made, 4):
        update.review_state = ReviewState.WITHDRAWN
        update.save()
    for cell in cells:
        cell_refresh_status(cell=cell)
    assert derived() == from_the_log()

    for when in sorted({*days, *(d - datetime.timedelta(days=1) for d in days)}):
        as_of = when.isoformat()
        picture = {}  # (code, iso3) -> (status, {source: (status, date, update id)}, disagree)
        for cell in cells:
            code, iso3 = cell.recommendation.code, cell.state.iso3
            history = client.get(f"/recommendations/{code}/{iso3}/", {"as_of": as_of}).context[
                "history"
            ]
            sources = {
                a.source.value: (a.status.value, a.date.isoformat(), str(a.update.pk))
                for a in history.sources
            }
            picture[code, iso3] = (history.status.value, sources, history.disagree)

        def from_csv(row, code, iso3):
            sources = {
                source: (row[f"{source}_status"], row[f"{source}_date"], row[f"{source}_update"])
                for source in ("government", "un_entity", "civil_society", "independent_review")
                if row[f"{source}_status"]
            }
            return (row["status"], sources, row["sources_disagree"] == "yes")

        for code in ("R03", "R05"):
            rows = csv_rows(
                client.get(f"/recommendations/{code}/", {"as_of": as_of, "format": "csv"})
            )
            for row in rows:
                if row["iso3"] in ("FRA", "NGA"):
                    assert from_csv(row, code, row["iso3"]) == picture[code, row["iso3"]], when
        for iso3 in ("FRA", "NGA"):
            rows = csv_rows(client.get(f"/states/{iso3}/", {"as_of": as_of, "format": "csv"}))
            for row in rows:
                if row["recommendation"] in ("R03", "R05"):
                    assert (
                        from_csv(row, row["recommendation"], iso3)
                        == picture[row["recommendation"], iso3]
                    ), when
        body = api(
            client, "cells/", recommendation=["R03", "R05"], state=["FRA", "NGA"], as_of=as_of
        )
        for row in body.json()["results"]:
            sources = {
                s["source"]: (s["status"], s["status_date"], str(s["update"]))
                for s in row["sources"]
            }
            assert (row["status"], sources, row["sources_disagree"]) == picture[
                row["recommendation"], row["state"]
            ], when
        for code in ("R03", "R05"):
            counts = api(client, f"recommendations/{code}/", as_of=as_of).json()["status_counts"]
            summary = api(client, "summary/", recommendation=code, as_of=as_of).json()
            assert summary["status_counts"] == counts, when
            dashboard = client.get("/dashboard/", {"recommendation": code, "as_of": as_of})
            ((_rec, row),) = dashboard.context["matrix"]
            assert {status.value: n for status, n, _level in row} == counts, when
            disagreeing = sum(picture[code, iso3][2] for iso3 in ("FRA", "NGA"))
            assert summary["disagreeing_cells"] == disagreeing, when


DERIVED_AS_JSON = """
import json
from recommendations.models import GRID_COLUMNS, Cell, CellAssessment, CellDisagreement
from recommendations.models import MonthEndGrid
print(json.dumps([
    sorted(map(list, CellAssessment.objects.values_list(
        "cell", "source", "status", "status_date", "update"))),
    sorted(map(list, CellDisagreement.objects.values_list("cell", "since", "until"))),
    sorted(Cell.objects.filter(sources_disagree=True).values_list("pk", flat=True)),
    sorted(
        [row.day, row.recommendation_id, sorted(zip(*(row.cells[name] for name in GRID_COLUMNS)))]
        for row in MonthEndGrid.objects.all()
    ),
], default=str))
"""


def test_the_migrations_derive_the_sources_and_periods_of_an_existing_log(scratch_database_url):
    """A database from before issue 16 gets, from 0012, 0013 and 0017, the assessments, flags,
    periods and statuses at months' ends that the status service would have kept."""
    url = scratch_database_url
    run_manage(url, "migrate", "--no-input", "-v", "0")
    run_manage(url, "seed", "-v", "0")
    run_manage(url, "demo_data", "--updates", "600", "--seed", "5")
    kept = run_manage(url, "shell", "-v", "0", "-c", DERIVED_AS_JSON).stdout
    assert json.loads(kept)[1]  # some periods of disagreement to derive
    assert json.loads(kept)[3]  # and months' ends

    run_manage(url, "migrate", "recommendations", "0011", "--no-input", "-v", "0")
    run_manage(url, "migrate", "--no-input", "-v", "0")

    assert run_manage(url, "shell", "-v", "0", "-c", DERIVED_AS_JSON).stdout == kept
