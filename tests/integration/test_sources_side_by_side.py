"""Several assessments side by side: each cell keeps the latest approved status of every
assessment source, maintained by the status service in the approval's (or withdrawal's)
transaction, and the recommendation and state pages show them beside the headline status,
each with its date and a link to its update's evidence, today or as of a date."""

import datetime

import pytest
from django.utils import timezone

from recommendations import selectors
from recommendations.models import (
    AssessmentSource,
    Cell,
    CellAssessment,
    CellDisagreement,
    ProgressUpdate,
    Status,
)
from recommendations.services import (
    cells_refresh_all,
    update_approve,
    update_log,
    update_withdraw,
)
from tests.factories import ProgressUpdateFactory, cell_at

pytestmark = pytest.mark.django_db

S = Status


def day(year, month=1, date=1):
    return datetime.date(year, month, date)


@pytest.fixture
def report(editor, reviewer):
    """Log and approve an update of R03 for France through the services."""

    def make(status, on, source="government", code="R03", iso3="FRA"):
        cell = cell_at(code, iso3)
        update = update_log(
            user=editor,
            recommendation=cell.recommendation,
            state=cell.state,
            status=status,
            effective_date=on,
            narrative=f"{source} says {status}.",
            evidence="https://example.org/evidence",
            source=source,
            submit=True,
        )
        return update_approve(update=update, user=reviewer)

    return make


def assessments(code="R03", iso3="FRA"):
    return {
        row.source: (row.status, row.status_date, row.update_id)
        for row in CellAssessment.objects.filter(cell=cell_at(code, iso3))
    }


def periods(code="R03", iso3="FRA"):
    return list(
        CellDisagreement.objects.filter(cell=cell_at(code, iso3))
        .order_by("since")
        .values_list("since", "until")
    )


def test_each_source_keeps_its_latest_approved_status(report, superuser):
    government = report(S.PLANNED, day(2019))
    assert assessments() == {"government": ("planned", day(2019), government.pk)}

    civil = report(S.NOT_STARTED, day(2020), source="civil_society")
    assert assessments() == {
        "government": ("planned", day(2019), government.pk),
        "civil_society": ("not_started", day(2020), civil.pk),
    }
    # the headline is the latest by effective date, whatever its source
    cell = cell_at("R03", "FRA")
    assert (cell.current_status, cell.current_update_id) == (S.NOT_STARTED, civil.pk)
    assert cell.sources_disagree is False  # one step apart

    newer = report(S.IN_PROGRESS, day(2021))
    assert assessments()["government"] == ("in_progress", day(2021), newer.pk)
    assert (
        cell_at("R03", "FRA").sources_disagree is True
    )  # in progress against not started: two steps
    assert periods() == [(day(2021), None)]

    # an older update of a source does not replace its newer one
    report(S.IMPLEMENTED, day(2018), source="government")
    assert assessments()["government"] == ("in_progress", day(2021), newer.pk)

    update_withdraw(update=newer, user=superuser, reason="Mistaken.")
    assert assessments()["government"] == ("planned", day(2019), government.pk)
    assert cell_at("R03", "FRA").sources_disagree is False
    assert periods() == []

    update_withdraw(update=civil, user=superuser, reason="Mistaken.")
    assert set(assessments()) == {"government"}  # no row for a source with none approved
    assert cell_at("R03", "FRA").current_status == S.PLANNED


def test_a_submitted_update_changes_no_source(report, editor):
    report(S.PLANNED, day(2019))
    cell = cell_at("R03", "FRA")
    update_log(
        user=editor,
        recommendation=cell.recommendation,
        state=cell.state,
        status=S.IMPLEMENTED,
        effective_date=day(2020),
        narrative="Not yet reviewed.",
        source="un_entity",
        submit=True,
    )
    assert set(assessments()) == {"government"}


def test_a_full_refresh_agrees_with_the_refresh_of_each_approval(report):
    report(S.PLANNED, day(2015))
    report(S.IMPLEMENTED, day(2016), source="un_entity")
    report(S.DECLINED, day(2017), source="civil_society")
    report(S.IN_PROGRESS, day(2018), source="un_entity")
    report(S.IN_PROGRESS, day(2019), code="R19", iso3="NGA")
    report(S.NOT_STARTED, day(2020), code="R19", iso3="NGA", source="independent_review")
    before = (
        set(
            CellAssessment.objects.values_list("cell", "source", "status", "status_date", "update")
        ),
        set(CellDisagreement.objects.values_list("cell", "since", "until")),
        set(Cell.objects.filter(sources_disagree=True).values_list("pk", flat=True)),
    )
    assert before[1]  # something to compare
    cells_refresh_all()
    after = (
        set(
            CellAssessment.objects.values_list("cell", "source", "status", "status_date", "update")
        ),
        set(CellDisagreement.objects.values_list("cell", "since", "until")),
        set(Cell.objects.filter(sources_disagree=True).values_list("pk", flat=True)),
    )
    assert after == before
    # the open periods are exactly the cells whose sources disagree now
    assert (
        set(CellDisagreement.objects.filter(until=None).values_list("cell", flat=True))
        == (before[2])
    )


def test_the_sources_of_a_past_date_are_each_sources_latest_on_or_before_it(report):
    old = report(S.PLANNED, day(2015))
    report(S.IMPLEMENTED, day(2020))
    un = report(S.IN_PROGRESS, day(2016, 6, 1), source="un_entity")
    cell = Cell.objects.as_of(day(2016, 6, 1)).get(pk=cell_at("R03", "FRA").pk)
    selectors.cells_with_sources([cell], day(2016, 6, 1))
    assert [(a.source, a.status, a.date, a.update_id) for a in cell.sources] == [
        (AssessmentSource.GOVERNMENT, S.PLANNED, day(2015), old.pk),
        (AssessmentSource.UN_ENTITY, S.IN_PROGRESS, day(2016, 6, 1), un.pk),
    ]
    assert [a and a.source for a in cell.source_columns] == [
        AssessmentSource.GOVERNMENT,
        AssessmentSource.UN_ENTITY,
        None,
        None,
    ]
    # today's, from the stored assessments, match the log read for today
    today = list(Cell.objects.filter(pk=cell.pk))
    from_log = list(Cell.objects.filter(pk=cell.pk))
    selectors.cells_with_sources(today)
    selectors.cells_with_sources(from_log, timezone.localdate())
    assert [(a.source, a.status, a.date, a.update_id) for a in today[0].sources] == [
        (a.source, a.status, a.date, a.update_id) for a in from_log[0].sources
    ]


def test_the_recommendation_page_shows_the_sources_beside_each_state(client, report):
    government = report(S.IN_PROGRESS, day(2019))
    civil = report(S.NOT_STARTED, day(2020), source="civil_society")
    page = client.get("/recommendations/R03/")
    france = next(cell for cell in page.context["cells"] if cell.state.iso3 == "FRA")
    assert [a.update_id for a in france.sources] == [government.pk, civil.pk]
    text = page.text
    for source in AssessmentSource:
        assert f">{source.label}</th>" in text  # a column per source
    assert f'href="/updates/{government.pk}/"' in text  # each source's evidence
    assert f'href="/updates/{civil.pk}/"' in text
    assert 'href="/recommendations/R03/FRA/"' in text  # the cell's page
    assert "Sources disagree" in text  # in progress against not started: text, not colour
    assert 'href="/recommendations/R03/feed/"' in text
    assert "Follow R03 (Atom feed)" in text
    # as of a date, the row's link keeps it
    past = client.get("/recommendations/R03/", {"as_of": "2019-06-30"})
    assert 'href="/recommendations/R03/FRA/?as_of=2019-06-30"' in past.text
    france = next(cell for cell in past.context["cells"] if cell.state.iso3 == "FRA")
    assert [a.update_id for a in france.sources] == [government.pk]
    assert not france.shown_disagreement


def test_the_state_page_shows_the_sources_beside_each_recommendation(client, report):
    government = report(S.IMPLEMENTED, day(2019))
    un = report(S.DECLINED, day(2020), source="un_entity")
    page = client.get("/states/FRA/")
    r03 = next(cell for cell in page.context["cells"] if cell.recommendation.code == "R03")
    assert [a.update_id for a in r03.sources] == [government.pk, un.pk]
    assert r03.shown_disagreement
    assert page.context["disagreeing"] == 1
    text = page.text
    assert f'href="/updates/{un.pk}/"' in text
    assert 'href="/recommendations/R03/FRA/"' in text
    assert 'href="/states/FRA/feed/"' in text
    assert "Follow France (Atom feed)" in text
    assert "The sources disagree on 1 recommendation." in text


def test_the_pages_sources_cost_one_query_whatever_their_number(client, django_assert_num_queries):
    """A source per row, or four for every row: the same queries."""
    cell = cell_at("R03", "FRA")
    ProgressUpdateFactory(cell=cell, approved=True)
    from recommendations.services import cell_refresh_status

    cell_refresh_status(cell=cell)
    cells = list(Cell.objects.filter(recommendation__code="R03"))
    with django_assert_num_queries(1):
        selectors.cells_with_sources(cells)
    with django_assert_num_queries(1):
        selectors.cells_with_sources(cells, day(2020, 6, 1))
    for other in Cell.objects.filter(recommendation__code="R03")[:30]:
        for source in AssessmentSource:
            ProgressUpdateFactory(cell=other, source=source, approved=True)
        cell_refresh_status(cell=other)
    cells = list(Cell.objects.filter(recommendation__code="R03"))
    with django_assert_num_queries(1):
        selectors.cells_with_sources(cells)
    with django_assert_num_queries(1):
        selectors.cells_with_sources(cells, day(2020, 6, 1))
    assert sum(len(cell.sources) for cell in cells) == 4 * 30 + 1
    assert ProgressUpdate.objects.approved().count() == 4 * 30 + 1
