"""Invariants the database and the models keep, whatever path writes."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from recommendations.models import Cell, MemberState, Recommendation, ReviewState, Status
from recommendations.services import cell_refresh_status
from tests.factories import ProgressUpdateFactory, UserFactory, cell_at

pytestmark = pytest.mark.django_db


def test_a_cell_is_unique_per_recommendation_and_state():
    cell = cell_at("R01", "FRA")
    with pytest.raises(IntegrityError), transaction.atomic():
        Cell.objects.create(recommendation=cell.recommendation, state=cell.state)


def test_recommendation_codes_are_unique():
    with pytest.raises(IntegrityError), transaction.atomic():
        Recommendation.objects.create(
            code="R01",
            title="x",
            text="x",
            source_reference="para. 1",
            source_document=Recommendation.objects.first().source_document,
            voiced_by="conclusion",  # valid: only the code breaks a rule
            strength="agreed",
            order=99,
        )


def test_an_update_cannot_report_no_information():
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressUpdateFactory(status=Status.NO_INFORMATION)


def test_an_approved_update_needs_a_reviewer():
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressUpdateFactory(review_state=ReviewState.APPROVED)


def test_the_database_refuses_an_update_approved_by_its_author():
    author = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressUpdateFactory(
            reported_by=author,
            review_state=ReviewState.APPROVED,
            reviewed_by=author,
            reviewed_at=timezone.now(),
        )


def test_evidence_must_be_one_valid_url_per_line():
    update = ProgressUpdateFactory.build(
        evidence="https://example.org/report.pdf\nnot a url", reported_by=UserFactory()
    )
    with pytest.raises(ValidationError, match="Line 2 is not a valid http"):
        update.full_clean()


def test_valid_evidence_links_are_listed():
    update = ProgressUpdateFactory.build(evidence="https://a.example/1\n\n http://b.example/2 ")
    assert update.evidence_links == ["https://a.example/1", "http://b.example/2"]


def test_an_effective_date_in_the_future_is_refused():
    update = ProgressUpdateFactory.build(
        effective_date=timezone.localdate() + datetime.timedelta(days=1), reported_by=UserFactory()
    )
    with pytest.raises(ValidationError) as error:
        update.full_clean()
    assert "cannot be in the future" in str(error.value.message_dict["effective_date"])


def test_a_blank_narrative_is_refused():
    update = ProgressUpdateFactory.build(narrative="   ", reported_by=UserFactory())
    with pytest.raises(ValidationError) as error:
        update.full_clean()
    assert "narrative" in error.value.message_dict


def test_states_and_recommendations_with_follow_up_cannot_be_deleted():
    with pytest.raises(ProtectedError):
        MemberState.objects.get(iso3="FRA").delete()
    with pytest.raises(ProtectedError):
        Recommendation.objects.get(code="R01").delete()


def test_current_status_is_the_latest_approved_update_by_effective_date():
    cell = cell_at("R05", "BRA")
    ProgressUpdateFactory(
        cell=cell,
        status=Status.IN_PROGRESS,
        approved=True,
        effective_date=datetime.date(2019, 1, 1),
    )
    ProgressUpdateFactory(
        cell=cell,
        status=Status.PLANNED,
        approved=True,
        effective_date=datetime.date(2015, 1, 1),
    )
    ProgressUpdateFactory(
        cell=cell, status=Status.IMPLEMENTED, effective_date=datetime.date(2021, 1, 1)
    )  # a draft does not count
    cell_refresh_status(cell=cell)
    assert cell.current_status == Status.IN_PROGRESS
    assert cell.status_date == datetime.date(2019, 1, 1)


def test_creation_time_breaks_ties_between_same_day_updates():
    cell = cell_at("R05", "BRA")
    day = datetime.date(2020, 6, 1)
    ProgressUpdateFactory(
        cell=cell,
        status=Status.PLANNED,
        approved=True,
        effective_date=day,
        created_at=timezone.now() - datetime.timedelta(hours=1),
    )
    ProgressUpdateFactory(cell=cell, status=Status.DECLINED, approved=True, effective_date=day)
    assert cell_refresh_status(cell=cell).current_status == Status.DECLINED


def test_a_cell_without_approved_updates_has_no_information():
    cell = cell_refresh_status(cell=cell_at("R05", "BRA"))
    assert cell.current_status == Status.NO_INFORMATION
    assert cell.status_date is None


@pytest.mark.parametrize("cells_with_updates", [3, 30])
def test_a_timeline_is_the_newest_approved_updates_of_its_cells(cells_with_updates):
    """The bounded timeline query returns exactly what sorting the whole history returns,
    whether fewer or more cells than its size have updates, with busy cells and drafts."""
    import random

    from recommendations.models import ProgressUpdate

    rng = random.Random(cells_with_updates)
    states = list(MemberState.objects.order_by("iso3")[:cells_with_updates])
    for index, state in enumerate(states):
        cell = cell_at("R05", state.iso3)
        for _ in range(12 if index == 0 else rng.randrange(1, 4)):
            ProgressUpdateFactory(
                cell=cell,
                effective_date=datetime.date(2009, 1, 1)
                + datetime.timedelta(days=rng.randrange(5000)),
                approved=rng.random() < 0.8,
            )
        cell_refresh_status(cell=cell)
    cells = Cell.objects.filter(recommendation__code="R05")
    everything = ProgressUpdate.objects.approved().filter(cell__in=cells).latest_first()
    assert list(ProgressUpdate.objects.timeline(cells)) == list(everything[:20])
    assert list(ProgressUpdate.objects.timeline(cells, size=5)) == list(everything[:5])


@pytest.mark.parametrize("day", [datetime.date(1, 1, 1), datetime.date(1944, 12, 31)])
def test_an_effective_date_before_1945_is_refused_by_the_model_and_the_database(day):
    update = ProgressUpdateFactory.build(cell=cell_at("R03", "FRA"), effective_date=day)
    update.reported_by.save()
    with pytest.raises(ValidationError, match="cannot be before 1945"):
        update.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        update.save()


def test_the_first_accepted_effective_date_is_1_january_1945():
    update = ProgressUpdateFactory(effective_date=datetime.date(1945, 1, 1))
    update.full_clean()


def test_a_future_effective_date_is_refused_by_the_model():
    update = ProgressUpdateFactory(effective_date=timezone.localdate())
    update.effective_date = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        update.full_clean()
