"""The cell page (/recommendations/R03/FRA/): the headline status and each source's side by side,
the approved timeline and the chart of statuses over time, today or as of a past date."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from recommendations.models import AssessmentSource, ReviewState, Status
from recommendations.selectors import CELL_TIMELINE_SHOWN
from recommendations.services import cell_refresh_status, update_withdraw
from tests.factories import ProgressUpdateFactory, UserFactory, cell_at, in_group

pytestmark = pytest.mark.django_db

CELL_URL = "/recommendations/R03/FRA/"


def approved(cell, status, date, source=AssessmentSource.GOVERNMENT, **kwargs):
    """An approved update of the cell, the cell's statuses refreshed as the workflow does."""
    update = ProgressUpdateFactory(
        cell=cell, status=status, effective_date=date, source=source, approved=True, **kwargs
    )
    cell_refresh_status(cell=cell)
    return update


@pytest.fixture
def cell(seeded):
    return cell_at("R03", "FRA")


@pytest.fixture
def two_sources(cell):
    """The government says implemented; civil society, later, says not started."""
    government = approved(
        cell,
        Status.IMPLEMENTED,
        datetime.date(2023, 3, 12),
        narrative="The ministry reports the plan carried out.",
        evidence="https://gov.example.org/report\nhttps://gov.example.org/annex",
    )
    civil = approved(
        cell,
        Status.NOT_STARTED,
        datetime.date(2023, 5, 1),
        source=AssessmentSource.CIVIL_SOCIETY,
        narrative="Shelters say nothing has changed.",
        evidence="https://ngo.example.org/shadow-report",
    )
    return government, civil


def text(response) -> str:
    """The page's visible text, tags dropped and spaces squeezed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_cell_has_its_own_address(cell):
    assert cell.get_absolute_url() == CELL_URL
    assert reverse("recommendations:cell-detail", args=["R03", "FRA"]) == CELL_URL


def test_the_page_shows_the_headline_and_the_sources_side_by_side(client, two_sources):
    government, civil = two_sources
    response = client.get(CELL_URL)
    assert response.status_code == 200
    history = response.context["history"]
    # The headline: the latest approved update by effective date, whatever its source.
    assert history.status == Status.NOT_STARTED
    assert history.headline == civil
    assert [(a.source, a.status) for a in history.sources] == [
        (AssessmentSource.GOVERNMENT, Status.IMPLEMENTED),
        (AssessmentSource.CIVIL_SOCIETY, Status.NOT_STARTED),
    ]
    page = text(response)
    assert "whatever its source" in page  # the rule, in words
    assert "Government self-report" in page
    assert "Civil society" in page
    assert "12 March 2023" in page
    assert "1 May 2023" in page
    html = response.content.decode()
    for link in (
        "https://gov.example.org/report",
        "https://gov.example.org/annex",
        "https://ngo.example.org/shadow-report",
    ):
        assert f'href="{link}"' in html
    assert f'href="{government.get_absolute_url()}"' in html
    assert f'href="{civil.get_absolute_url()}"' in html
    # Implemented against not started: four steps apart.
    assert history.disagree
    assert "The sources disagree." in page
    assert "two or more steps apart" in page  # the rule, in words
    assert "No approved assessment from: UN entity; Independent review" in page


def test_sources_that_agree_are_not_flagged(client, cell):
    approved(cell, Status.IN_PROGRESS, datetime.date(2023, 1, 1))
    approved(
        cell, Status.PARTIALLY_IMPLEMENTED, datetime.date(2023, 2, 1), AssessmentSource.UN_ENTITY
    )
    response = client.get(CELL_URL)
    assert not response.context["history"].disagree
    assert "The sources disagree." not in text(response)


def test_a_cell_without_updates_says_so(client, cell):
    response = client.get(CELL_URL)
    assert response.status_code == 200
    assert response.context["history"].status == Status.NO_INFORMATION
    page = text(response)
    assert "No source has assessed this cell yet." in page
    assert "nothing to chart" in page


@pytest.fixture
def history(cell):
    """Planned in 2020 (government), implemented from 15 June 2021 (government), civil society
    saying in progress from 1 March 2021."""
    return {
        "planned": approved(cell, Status.PLANNED, datetime.date(2020, 1, 1), narrative="Plan."),
        "civil": approved(
            cell,
            Status.IN_PROGRESS,
            datetime.date(2021, 3, 1),
            AssessmentSource.CIVIL_SOCIETY,
            narrative="Work has begun.",
        ),
        "implemented": approved(
            cell, Status.IMPLEMENTED, datetime.date(2021, 6, 15), narrative="Law in force."
        ),
    }


def test_an_update_effective_on_the_as_of_day_counts(client, history):
    response = client.get(CELL_URL, {"as_of": "2021-06-15"})
    shown = response.context["history"]
    assert shown.as_of == datetime.date(2021, 6, 15)
    assert shown.status == Status.IMPLEMENTED
    assert shown.headline == history["implemented"]
    assert "Law in force." in text(response)


def test_an_update_effective_the_day_after_does_not(client, history):
    response = client.get(CELL_URL, {"as_of": "2021-06-14"})
    shown = response.context["history"]
    assert shown.status == Status.IN_PROGRESS  # civil society's, the latest by then
    assert shown.status_date == datetime.date(2021, 3, 1)
    assert [(a.source, a.status) for a in shown.sources] == [
        (AssessmentSource.GOVERNMENT, Status.PLANNED),
        (AssessmentSource.CIVIL_SOCIETY, Status.IN_PROGRESS),
    ]
    assert [u.pk for u in shown.timeline] == [history["civil"].pk, history["planned"].pk]
    page = text(response)
    assert "Law in force." not in page
    assert "A past date: the picture as it stood on 14 June 2021." in page
    assert "Back to today" in page
    assert "As of 14 June 2021" in page  # marked on the chart


def test_before_the_first_update_there_is_no_information(client, history):
    response = client.get(CELL_URL, {"as_of": "2019-12-31"})
    shown = response.context["history"]
    assert shown.status == Status.NO_INFORMATION
    assert shown.sources == []
    assert shown.timeline == []
    assert "No approved update had taken effect by that date." in text(response)


def test_a_withdrawn_update_leaves_the_past_intact_and_is_not_shown(client, history, superuser):
    update_withdraw(update=history["implemented"], user=superuser, reason="Typed the wrong cell.")
    today = client.get(CELL_URL)
    assert today.context["history"].status == Status.IN_PROGRESS
    assert "Law in force." not in text(today)
    government = today.context["history"].sources[0]
    assert (government.source, government.status) == (AssessmentSource.GOVERNMENT, Status.PLANNED)
    past = client.get(CELL_URL, {"as_of": "2021-01-01"})
    assert past.context["history"].status == Status.PLANNED
    assert [u.pk for u in past.context["history"].timeline] == [history["planned"].pk]
    later = client.get(CELL_URL, {"as_of": "2022-01-01"})
    assert later.context["history"].status == Status.IN_PROGRESS
    assert "Law in force." not in text(later)
    # Nor in the chart's data.
    points = [p for s in later.context["history"].chart["series"] for p in s.points]
    assert Status.IMPLEMENTED not in {p.status for p in points}


@pytest.mark.parametrize("state", [ReviewState.DRAFT, ReviewState.SUBMITTED, ReviewState.RETURNED])
def test_unapproved_updates_are_never_shown(client, cell, editor, state):
    ProgressUpdateFactory(
        cell=cell,
        reported_by=editor,
        review_state=state,
        status=Status.IMPLEMENTED,
        effective_date=datetime.date(2022, 1, 1),
        narrative="Not yet reviewed narrative.",
    )
    for who in (None, editor):  # the public, and the author
        if who:
            client.force_login(who)
        response = client.get(CELL_URL)
        assert response.context["history"].status == Status.NO_INFORMATION
        assert response.context["history"].chart is None
        assert "Not yet reviewed narrative." not in text(response)


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "0001-01-01",
        "9999-12-31",
        "2021-02-30",
        "1944-12-31",
        "2021-6-1x",
        "<script>",
        "2021-06-15T00:00",
    ],
)
def test_an_invalid_as_of_is_reported_and_today_is_shown(client, history, value):
    response = client.get(CELL_URL, {"as_of": value})
    assert response.status_code == 200
    shown = response.context["history"]
    assert shown.as_of is None
    assert shown.status == Status.IMPLEMENTED  # today's
    assert response.context["as_of_form"].errors
    assert 'class="invalid-feedback"' in response.content.decode()
    assert "A past date" not in text(response)


def test_tomorrow_is_refused_and_today_accepted(client, history):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    refused = client.get(CELL_URL, {"as_of": tomorrow.isoformat()})
    assert refused.context["history"].as_of is None
    assert "Choose today or a date in the past." in text(refused)
    today = client.get(CELL_URL, {"as_of": timezone.localdate().isoformat()})
    assert today.context["history"].as_of == timezone.localdate()
    assert today.context["history"].status == Status.IMPLEMENTED


def test_the_first_possible_day_is_accepted(client, history):
    response = client.get(CELL_URL, {"as_of": "1945-01-01"})
    assert response.context["history"].as_of == datetime.date(1945, 1, 1)
    assert response.context["history"].status == Status.NO_INFORMATION


@pytest.mark.parametrize(
    "path",
    [
        "/recommendations/R99/FRA/",  # no such recommendation
        "/recommendations/R03/QQQ/",  # no such state
        "/recommendations/R03/FR/",  # not an ISO3 code
        "/recommendations/R03/FRA1/",
        "/recommendations/X03/FRA/",
    ],
)
def test_an_unknown_cell_is_a_404(client, seeded, path):
    assert client.get(path).status_code == 404


def test_lower_case_codes_find_the_cell(client, seeded):
    assert client.get("/recommendations/r03/fra/").status_code == 200


def test_the_chart_reads_without_colour(client, history):
    response = client.get(CELL_URL, {"as_of": "2021-06-14"})
    html = response.content.decode()
    svg = html[
        html.index('<svg class="chart step-chart"') : html.index("</svg>", html.index("step-chart"))
    ]
    assert 'role="img"' in svg
    assert "aria-labelledby" in svg
    assert "<title" in svg
    # The statuses are written on the axis; each source has its own dash and marker.
    for status in ("Implemented", "Planned", "Not started", "Declined"):
        assert f">{status}</text>" in svg
    assert 'stroke-dasharray="2 3"' in svg  # civil society's dots
    assert "as-of-line" in svg
    # The same data as a table.
    details = html[html.index("The chart's data") :]
    assert "15 June 2021" in details
    assert "1 March 2021" in details
    series = response.context["history"].chart["series"]
    assert [s.source for s in series] == [
        AssessmentSource.GOVERNMENT,
        AssessmentSource.CIVIL_SOCIETY,
    ]
    assert len({(s.dash, s.marker_kind) for s in series}) == 2


def test_the_timeline_lists_every_source_newest_first(client, history):
    shown = client.get(CELL_URL).context["history"]
    assert [u.pk for u in shown.timeline] == [
        history["implemented"].pk,
        history["civil"].pk,
        history["planned"].pk,
    ]
    assert not shown.timeline_truncated


def test_a_long_history_is_cut_with_a_link_to_the_log(client, cell, settings):
    reviewer = UserFactory()
    author = UserFactory()
    ProgressUpdateFactory.create_batch(
        CELL_TIMELINE_SHOWN + 1,
        cell=cell,
        approved=True,
        reviewed_by=reviewer,
        reported_by=author,
        effective_date=datetime.date(2022, 1, 1),
    )
    response = client.get(CELL_URL)
    shown = response.context["history"]
    assert len(shown.timeline) == CELL_TIMELINE_SHOWN
    assert shown.timeline_truncated
    assert f"Only the newest {CELL_TIMELINE_SHOWN} approved updates" in text(response)
    assert "/updates/?recommendation=R03&amp;state=FRA" in response.content.decode()


def test_the_page_links_to_the_log_cut_at_the_as_of_date(client, history):
    response = client.get(CELL_URL, {"as_of": "2021-06-14"})
    assert (
        "/updates/?recommendation=R03&amp;state=FRA&amp;until=2021-06-14"
        in response.content.decode()
    )


def many_updates(cell, n):
    reviewer, author = UserFactory(), UserFactory()
    sources = list(AssessmentSource)
    statuses = [s for s in Status if s != Status.NO_INFORMATION]
    for index in range(n):
        ProgressUpdateFactory(
            cell=cell,
            approved=True,
            reviewed_by=reviewer,
            reported_by=author,
            source=sources[index % len(sources)],
            status=statuses[index % len(statuses)],
            effective_date=datetime.date(2000 + index % 20, 1 + index % 12, 1),
            evidence="https://example.org/a\nhttps://example.org/b",
        )
    cell_refresh_status(cell=cell)


@pytest.mark.parametrize("query", [{}, {"as_of": "2015-06-30"}])
def test_queries_do_not_grow_with_the_history(
    client, cell, editor, django_assert_num_queries, query
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(editor)
    many_updates(cell, 1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(CELL_URL, query).status_code == 200
    many_updates(cell, 30)
    with django_assert_num_queries(len(few)):
        response = client.get(CELL_URL, query)
    assert len(response.context["history"].timeline) > 1


def test_a_scoped_editor_sees_the_log_link_only_in_scope(client, scoped_editor, seeded):
    client.force_login(scoped_editor)
    log = "/updates/new/?recommendation=R03&amp;state=FRA"
    assert log in client.get(CELL_URL).content.decode()
    other = client.get("/recommendations/R03/DEU/").content.decode()
    assert "/updates/new/?" not in other


def test_an_editor_without_scope_sees_the_log_link_and_the_public_does_not(client, editor, seeded):
    log = "/updates/new/?recommendation=R03&amp;state=DEU"
    assert log not in client.get("/recommendations/R03/DEU/").content.decode()
    client.force_login(editor)
    assert log in client.get("/recommendations/R03/DEU/").content.decode()


def test_the_page_offers_the_feeds(client, cell):
    html = client.get(CELL_URL).content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" href="/recommendations/R03/feed/"'
        in html
    )
    assert '<link rel="alternate" type="application/atom+xml" href="/states/FRA/feed/"' in html
    assert "Follow R03 (Atom feed)" in html
    assert "Follow France (Atom feed)" in html


def test_the_page_speaks_french(client, history):
    response = client.get("/fr" + CELL_URL, {"as_of": "2021-06-14"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr"' in html
    # SVG coordinates keep their decimal point whatever the language writes.
    svg = html[html.index('<svg class="chart step-chart"') :]
    svg = svg[: svg.index("</svg>")]
    assert not re.search(r'(x|y)\d?="\d+,\d', svg)


# The places that show a cell link to its page.


def test_the_progress_log_links_each_row_to_its_cell(client, history):
    html = client.get("/updates/").content.decode()
    assert f'href="{CELL_URL}"' in html


def test_an_update_page_links_to_its_cell(client, history):
    html = client.get(history["planned"].get_absolute_url()).content.decode()
    assert f'href="{CELL_URL}"' in html


@pytest.mark.parametrize("path", ["/recommendations/R03/", "/states/FRA/"])
def test_the_timelines_link_to_the_cells(client, history, path):
    assert f'href="{CELL_URL}"' in client.get(path).content.decode()


def test_my_updates_link_to_the_cells(client, editor, cell):
    ProgressUpdateFactory(cell=cell, reported_by=editor)
    client.force_login(editor)
    assert f'href="{CELL_URL}"' in client.get("/updates/mine/").content.decode()


def test_reviewers_see_the_unapproved_log_linked_too(client, cell, editor):
    """A reviewer's progress log lists submitted updates; their cells link all the same."""
    reviewer = in_group(UserFactory(username="rev-cell"), "Reviewers")
    ProgressUpdateFactory(cell=cell, reported_by=editor, review_state=ReviewState.SUBMITTED)
    client.force_login(reviewer)
    assert f'href="{CELL_URL}"' in client.get("/updates/", {"review": "submitted"}).content.decode()


def test_of_two_updates_the_same_day_the_one_logged_last_heads(client, cell):
    first = approved(cell, Status.PLANNED, datetime.date(2022, 5, 5), narrative="First.")
    second = approved(
        cell,
        Status.IN_PROGRESS,
        datetime.date(2022, 5, 5),
        AssessmentSource.UN_ENTITY,
        narrative="Second.",
    )
    assert second.created_at >= first.created_at
    for query in ({}, {"as_of": "2022-05-05"}):
        shown = client.get(CELL_URL, query).context["history"]
        assert shown.headline == second
        assert shown.status == Status.IN_PROGRESS


def test_the_chart_marks_only_the_changes_of_each_source(client, cell):
    """A source repeating its status draws no new mark; another source's report does not
    interrupt it."""
    dates = [datetime.date(2020, month, 1) for month in range(1, 8)]
    approved(cell, Status.PLANNED, dates[0])
    approved(cell, Status.PLANNED, dates[1])
    approved(cell, Status.IMPLEMENTED, dates[2], AssessmentSource.UN_ENTITY)
    approved(cell, Status.PLANNED, dates[3])
    approved(cell, Status.IN_PROGRESS, dates[4])
    approved(cell, Status.IN_PROGRESS, dates[5])
    approved(cell, Status.PLANNED, dates[6])
    series = client.get(CELL_URL).context["history"].chart["series"]
    marks = {s.source: [(p.date, p.status) for p in s.points] for s in series}
    assert marks == {
        AssessmentSource.GOVERNMENT: [
            (dates[0], Status.PLANNED),
            (dates[4], Status.IN_PROGRESS),
            (dates[6], Status.PLANNED),
        ],
        AssessmentSource.UN_ENTITY: [(dates[2], Status.IMPLEMENTED)],
    }
    # The timeline still lists every approved update.
    assert len(client.get(CELL_URL).context["history"].timeline) == 7


def test_the_chart_runs_from_the_first_year_to_today():
    from recommendations.charts import status_steps

    today = datetime.date(2024, 7, 1)
    chart = status_steps(
        [
            ("government", "planned", datetime.date(2019, 3, 1)),
            ("government", "declined", datetime.date(2021, 3, 1)),
        ],
        today=today,
        as_of=datetime.date(2017, 6, 30),
    )
    assert chart["start"] == datetime.date(2017, 1, 1)  # the as-of date, before the first update
    assert chart["end"] == today
    assert chart["left"] < chart["as_of_x"] < chart["series"][0].points[0].x < chart["right"]
    (line,) = chart["series"]
    assert line.path.endswith(f"H{chart['right']}")  # held up to today
    rows = {status: y for status, y, _label_y in chart["rows"]}
    # Declined stands apart, below the scale; implemented on top.
    assert rows[Status.IMPLEMENTED] < rows[Status.PLANNED] < rows[Status.NOT_STARTED]
    assert rows[Status.DECLINED] - rows[Status.NOT_STARTED] > (
        rows[Status.NOT_STARTED] - rows[Status.PLANNED]
    )
    assert status_steps([], today=today) is None


def test_the_admin_views_a_cell_on_the_site(client, superuser, cell):
    client.force_login(superuser)
    change = client.get(f"/admin/recommendations/cell/{cell.pk}/change/")
    assert "View on site" in change.content.decode()
    response = client.get(f"/admin/r/{change.context['content_type_id']}/{cell.pk}/")
    assert response.status_code == 302
    assert response["Location"].endswith(CELL_URL)
