"""`manage.py demo_data`: a realistic, reproducible history, consistent with the cells."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F

from recommendations.models import FollowUp, ProgressUpdate, ReviewState, Status
from recommendations.services import followup_refresh_status
from tests.factories import ProgressUpdateFactory, counted_from_the_log, year_counts

pytestmark = pytest.mark.django_db


def load(updates=3000, seed=7, **options):
    out = io.StringIO()
    call_command("demo_data", updates=updates, seed=seed, stdout=out, **options)
    return out.getvalue()


def test_demo_data_writes_the_requested_history_and_reports_progress():
    output = load()
    assert ProgressUpdate.objects.count() == 3000
    assert "3,000 / 3,000 updates" in output
    states = dict(ProgressUpdate.objects.values_list("review_state").annotate(n=Count("id")))
    assert states[ReviewState.APPROVED] / 3000 > 0.8
    assert {ReviewState.DRAFT, ReviewState.SUBMITTED, ReviewState.RETURNED} <= set(states)
    assert ProgressUpdate.objects.values("source").distinct().count() == 4
    assert ProgressUpdate.objects.values("reported_by").distinct().count() == 5
    assert not ProgressUpdate.objects.filter(reviewed_by=F("reported_by")).exists()


def test_current_statuses_agree_with_the_approved_log():
    load()
    for cell in FollowUp.objects.exclude(current_update=None)[:200]:
        stored = (cell.current_status, cell.status_date, cell.current_update_id)
        followup_refresh_status(followup=cell)
        assert (cell.current_status, cell.status_date, cell.current_update_id) == stored
    assert FollowUp.objects.exclude(current_status=Status.NO_INFORMATION).count() > 100
    assert year_counts() == counted_from_the_log()


def test_statuses_mostly_move_forward():
    load()
    forward = backward = 0
    cells = FollowUp.objects.exclude(current_update=None)[:300]
    for cell in cells:
        ranks = [
            Status(s).rank
            for s in cell.updates.order_by("effective_date", "id").values_list("status", flat=True)
            if s != Status.DECLINED
        ]
        forward += sum(b > a for a, b in zip(ranks, ranks[1:], strict=False))
        backward += sum(b < a for a, b in zip(ranks, ranks[1:], strict=False))
    assert forward > 3 * backward


def test_the_same_seed_gives_the_same_history():
    load(seed=3)
    first = list(
        ProgressUpdate.objects.order_by("id").values_list("followup_id", "status", "effective_date")
    )
    load(seed=3, replace=True)
    second = list(
        ProgressUpdate.objects.order_by("id").values_list("followup_id", "status", "effective_date")
    )
    assert first == second


def test_a_second_run_replaces_the_earlier_demo_history():
    load(updates=100)
    load(updates=50, seed=2)
    assert ProgressUpdate.objects.count() == 50


def test_it_never_deletes_real_entries_unless_told_to_replace():
    real = ProgressUpdateFactory(approved=True)
    with pytest.raises(CommandError, match="--replace"):
        load(updates=100)
    assert list(ProgressUpdate.objects.all()) == [real]
    load(updates=100, replace=True)
    assert ProgressUpdate.objects.count() == 100
    assert not ProgressUpdate.objects.filter(pk=real.pk).exists()
