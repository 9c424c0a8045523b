"""The state page as a country brief: beside each recommendation's status and sources, the
narrative of the approved update that status comes from (today's, or a past date's), read in
the same queries whatever the number of narratives; and the print header of the printable
pages, which says the day printed and the date shown."""

import datetime
import re

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from recommendations import selectors
from recommendations.models import AssessmentSource, MemberState, Recommendation, Status
from tests.factories import approved_update

pytestmark = pytest.mark.django_db


def approved(code, status, year, narrative, **kwargs):
    return approved_update(
        code, "FRA", status, datetime.date(year, 1, 1), narrative=narrative, **kwargs
    )


def narratives(html: str) -> str:
    """The narrative rows of the state page's tables (the timeline below lists every update)."""
    return "".join(re.findall(r'<tr class="cell-narrative">.*?</tr>', html, flags=re.S))


def print_header(html: str) -> str:
    return re.search(r'<div class="print-header d-none d-print-block">.*?</div>', html, re.S)[0]


def test_each_cell_carries_the_narrative_of_its_status_shown():
    approved("R03", Status.PLANNED, 2019, "A plan was announced.")
    approved("R03", Status.IN_PROGRESS, 2023, "The law was drafted.")
    france = MemberState.objects.get(iso3="FRA")

    today = {cell.recommendation.code: cell for cell in selectors.state_profile(france)["cells"]}
    assert today["R03"].narrative_on == "The law was drafted."
    assert today["R01"].narrative_on is None
    past = selectors.state_profile(france, as_of=datetime.date(2021, 1, 1))["cells"]
    assert {cell.recommendation.code: cell.narrative_on for cell in past}["R03"] == (
        "A plan was announced."
    )
    before = selectors.state_profile(france, as_of=datetime.date(2018, 1, 1))["cells"]
    assert all(cell.narrative_on is None for cell in before)


def test_the_state_page_shows_the_latest_narrative_of_each_recommendation(client):
    approved("R03", Status.PLANNED, 2019, "A plan was announced.")
    approved("R03", Status.IN_PROGRESS, 2023, "The law was drafted.")
    text = narratives(client.get("/states/FRA/").text)
    assert "The law was drafted." in text
    assert "A plan was announced." not in text
    past = narratives(client.get("/states/FRA/?as_of=2021-06-30").text)
    assert "A plan was announced." in past
    assert "The law was drafted." not in past


def test_the_screen_shows_an_excerpt_and_paper_the_whole_narrative(client):
    words = " ".join(f"word{n}" for n in range(60))
    approved("R03", Status.PLANNED, 2019, words)
    text = narratives(client.get("/states/FRA/").text)
    assert "word29 …" in text  # the excerpt, on screen
    assert "word59" in text  # the whole, in print


def test_the_briefs_narratives_cost_no_query_whatever_their_number(client):
    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/states/FRA/?as_of=2024-01-01").status_code == 200
            assert client.get("/states/FRA/").status_code == 200
        return len(ctx)

    none = queries()
    for rec in Recommendation.objects.all():
        approved(rec.code, Status.IN_PROGRESS, 2020, f"Narrative of {rec.code}.")
        approved(rec.code, Status.PLANNED, 2022, f"Later narrative of {rec.code}.")
    assert queries() == none


@pytest.mark.parametrize("path", ["/recommendations/R03/", "/states/FRA/", "/dashboard/"])
def test_the_printable_pages_say_when_they_were_printed_and_the_date_shown(client, path):
    today = print_header(client.get(path).text)
    assert f"Printed on {date_format(timezone.localdate(), 'DATE_FORMAT')}" in today
    assert f"http://testserver{path}" in today
    assert "Status as of" not in today
    past = print_header(client.get(f"{path}?as_of=2021-06-30").text)
    assert f"Status as of {date_format(datetime.date(2021, 6, 30), 'DATE_FORMAT')}" in past
    # A date that is no date shows today's picture, and says no other date.
    assert "Status as of" not in print_header(client.get(f"{path}?as_of=2021-13-45").text)


def test_the_narrative_spans_the_whole_row_with_or_without_the_log_column(client, editor):
    approved("R03", Status.PLANNED, 2019, "A plan was announced.")
    columns = 3 + len(AssessmentSource) + 1  # recommendation, status, date; sources; flag
    assert f'<td colspan="{columns}"' in narratives(client.get("/states/FRA/").text)
    client.force_login(editor)
    assert f'<td colspan="{columns + 1}"' in narratives(client.get("/states/FRA/").text)
