"""Many staff at once: 16 writer threads log and approve updates on a few shared cells, from
every assessment source.

Run in its own process against a scratch database (``DATABASE_URL``) by
``tests/integration/test_concurrency.py``; prints one JSON line with what it saw. Each thread
has its own database connection, as gunicorn workers would.
"""

import datetime
import io
import json
import os
import random
import sys
import threading

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import OperationalError, connection  # noqa: E402

from recommendations.models import (  # noqa: E402
    AssessmentSource,
    Cell,
    CellAssessment,
    CellDisagreement,
    ProgressUpdate,
    ReviewState,
    Status,
    disagreement_spans,
    sources_disagree,
)
from recommendations.services import update_approve, update_log, update_return  # noqa: E402
from tests.factories import (  # noqa: E402
    counted_from_the_log,
    month_counts_from_the_log,
    month_counts_kept,
    month_ends_from_the_log,
    month_ends_kept,
    year_counts,
)

WRITERS = int(sys.argv[1]) if len(sys.argv) > 1 else 16
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 6
CELLS = [("R03", "FRA"), ("R03", "NGA"), ("R19", "BRA"), ("R19", "JPN")]
STATUSES = [s for s in Status if s is not Status.NO_INFORMATION]


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("seed", create_only=True, stdout=io.StringIO())
    editors_group = Group.objects.get(name="Editors")
    reviewers_group = Group.objects.get(name="Reviewers")
    editors = []
    for i in range(WRITERS):
        user = User.objects.create_user(f"editor{i}", f"editor{i}@example.org", "x")
        user.groups.add(editors_group)
        editors.append(user.pk)
    reviewers = []
    for i in range(4):
        user = User.objects.create_user(f"reviewer{i}", f"reviewer{i}@example.org", "x")
        user.groups.add(reviewers_group)
        reviewers.append(user.pk)
    cells = [
        Cell.objects.select_related("recommendation", "state").get(
            recommendation__code=code, state__iso3=iso3
        )
        for code, iso3 in CELLS
    ]
    connection.close()

    errors: list[str] = []
    done = {"logged": 0, "approved": 0, "returned": 0}
    lock = threading.Lock()
    barrier = threading.Barrier(WRITERS)

    def writer(index: int) -> None:
        rng = random.Random(index)
        author = User.objects.get(pk=editors[index])
        reviewer = User.objects.get(pk=reviewers[index % len(reviewers)])
        barrier.wait()
        try:
            for round_ in range(ROUNDS):
                cell = cells[rng.randrange(len(cells))]
                try:
                    update = update_log(
                        user=author,
                        recommendation=cell.recommendation,
                        state=cell.state,
                        status=rng.choice(STATUSES),
                        # Six months: writers approving in one month at once recount it
                        # one after the other (services.month_counts_rebuild).
                        effective_date=datetime.date(
                            2019 + rng.randrange(2), 1 + rng.randrange(3), 1 + rng.randrange(28)
                        ),
                        narrative=f"Writer {index}, round {round_}.",
                        source=rng.choice(list(AssessmentSource)),
                        submit=True,
                    )
                    with lock:
                        done["logged"] += 1
                    if round_ % 5 == 4:
                        update_return(update=update, user=reviewer, comment="Needs a source.")
                        with lock:
                            done["returned"] += 1
                    else:
                        update_approve(update=update, user=reviewer)
                        with lock:
                            done["approved"] += 1
                except OperationalError as error:
                    with lock:
                        errors.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    wrong = []
    for cell in cells:
        cell.refresh_from_db()
        latest = (
            ProgressUpdate.objects.filter(cell=cell, review_state=ReviewState.APPROVED)
            .order_by("-effective_date", "-created_at", "-id")
            .first()
        )
        expected = latest.status if latest else Status.NO_INFORMATION
        if cell.current_status != expected or cell.current_update_id != (latest and latest.pk):
            wrong.append(f"{cell}: stored {cell.current_status}, expected {expected}")
        # Beside it, each source's latest approved update, and whether the sources disagree.
        expected_sources = {}
        for source in AssessmentSource:
            latest = (
                ProgressUpdate.objects.filter(
                    cell=cell, review_state=ReviewState.APPROVED, source=source
                )
                .order_by("-effective_date", "-created_at", "-id")
                .first()
            )
            if latest:
                expected_sources[source.value] = latest.pk
        stored_sources = dict(
            CellAssessment.objects.filter(cell=cell).values_list("source", "update_id")
        )
        if stored_sources != expected_sources:
            wrong.append(f"{cell}: sources {stored_sources}, expected {expected_sources}")
        statuses = ProgressUpdate.objects.filter(pk__in=expected_sources.values())
        if cell.sources_disagree != sources_disagree(statuses.values_list("status", flat=True)):
            wrong.append(f"{cell}: disagreement flag {cell.sources_disagree} is stale")
        log = (
            ProgressUpdate.objects.filter(cell=cell, review_state=ReviewState.APPROVED)
            .order_by("effective_date", "created_at", "id")
            .values_list("effective_date", "source", "status")
        )
        periods = list(
            CellDisagreement.objects.filter(cell=cell)
            .order_by("since")
            .values_list("since", "until")
        )
        if periods != disagreement_spans(log):
            wrong.append(f"{cell}: periods of disagreement {periods} differ from the log's")
    if year_counts() != counted_from_the_log():
        wrong.append("the yearly counts differ from the approved log")
    if month_counts_kept() != month_counts_from_the_log():
        wrong.append("the monthly counts differ from the approved log")
    if month_ends_kept() != month_ends_from_the_log():
        wrong.append("the statuses at months' ends differ from the approved log")
    result = {
        "writers": WRITERS,
        "attempted": WRITERS * ROUNDS,
        **done,
        "stored": ProgressUpdate.objects.count(),
        "stored_approved": ProgressUpdate.objects.approved().count(),
        "locked_errors": sum("locked" in e for e in errors),
        "errors": errors[:5],
        "wrong_cells": wrong,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
