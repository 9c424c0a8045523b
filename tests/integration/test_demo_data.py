"""`manage.py demo_data`: a realistic, reproducible history, consistent with the cells."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.utils import timezone

from recommendations.models import Cell, ProgressUpdate, ReviewState, Status
from tests.factories import (
    ProgressUpdateFactory,
    UserFactory,
    counted_from_the_log,
    month_counts_from_the_log,
    month_counts_kept,
    month_ends_from_the_log,
    month_ends_kept,
    year_counts,
)

pytestmark = pytest.mark.django_db

EVERY_COLUMN = [f.attname for f in ProgressUpdate._meta.concrete_fields if f.attname not in ("id",)]


@pytest.fixture(autouse=True)
def development_mode(settings):
    settings.DEBUG = True  # demo_data refuses in production mode (tested below)


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
    """Every cell, "no information" ones included, against the approved log read in Python."""
    load()
    latest = {}
    for update in ProgressUpdate.objects.approved().order_by("effective_date", "created_at", "id"):
        latest[update.cell_id] = update
    cells = list(Cell.objects.all())
    assert sum(cell.current_status == Status.NO_INFORMATION for cell in cells) > 100
    for cell in cells:
        newest = latest.get(cell.pk)
        assert (cell.current_update_id, cell.current_status, cell.status_date) == (
            (newest.pk, newest.status, newest.effective_date)
            if newest
            else (None, Status.NO_INFORMATION, None)
        )
    assert Cell.objects.exclude(current_status=Status.NO_INFORMATION).count() > 100
    assert year_counts() == counted_from_the_log()
    assert month_ends_kept() == month_ends_from_the_log()
    assert month_counts_kept() == month_counts_from_the_log()


def test_statuses_mostly_move_forward():
    load()
    forward = backward = 0
    cells = Cell.objects.exclude(current_update=None)[:300]
    for cell in cells:
        ranks = [
            Status(s).rank
            for s in cell.updates.order_by("effective_date", "id").values_list("status", flat=True)
            if s != Status.DECLINED
        ]
        forward += sum(b > a for a, b in zip(ranks, ranks[1:], strict=False))
        backward += sum(b < a for a, b in zip(ranks, ranks[1:], strict=False))
    assert forward > 3 * backward


def test_the_same_seed_gives_the_same_history_whatever_the_clock_says(monkeypatch):
    def history():
        rows = ProgressUpdate.objects.order_by("id").values_list(*EVERY_COLUMN)
        return [tuple(row) for row in rows]

    load(seed=3)
    first = history()
    later = timezone.now() + datetime.timedelta(days=400)
    monkeypatch.setattr(timezone, "now", lambda: later)
    load(seed=3)
    assert history() == first
    load(seed=4)
    assert history() != first


def test_a_second_run_replaces_the_earlier_demo_history():
    load(updates=100)
    load(updates=50, seed=2)
    assert ProgressUpdate.objects.count() == 50


@pytest.mark.parametrize("real", ["author", "reviewer", "look-alike username"])
def test_it_never_deletes_real_entries_unless_told_to_replace(real):
    """Updates a real person wrote, reviewed or withdrew stay, unless --replace."""
    load(updates=100)
    demo = ProgressUpdate.objects.filter(review_state=ReviewState.SUBMITTED).first()
    if real == "reviewer":
        demo.review_state, demo.reviewed_by = ReviewState.APPROVED, UserFactory()
        demo.reviewed_at = timezone.now()
        demo.save()
    else:
        name = "editor-of-fra" if real == "author" else "demo-editor-1x"
        ProgressUpdateFactory(reported_by=UserFactory(username=name))
    before = set(ProgressUpdate.objects.values_list("id", flat=True))
    with pytest.raises(CommandError, match="--replace"):
        load(updates=100)
    assert set(ProgressUpdate.objects.values_list("id", flat=True)) == before
    load(updates=100, replace=True)
    assert ProgressUpdate.objects.count() == 100
    assert not ProgressUpdate.objects.filter(id__in=before).exists()


def test_it_refuses_in_production_mode(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development mode only"):
        load(updates=100)
    assert not ProgressUpdate.objects.exists()
