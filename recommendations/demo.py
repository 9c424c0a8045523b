"""Realistic, reproducible demo history: what ``manage.py demo_data`` writes.

Each active cell gets a sequence of updates over 2008-2026 whose statuses mostly move forward
along the scale, from a mix of sources; most are approved, some are drafts, submitted or returned.
A few demo editors and reviewers author and review them (never their own). Rows are written with
``executemany`` in batches, bypassing model instances and history (a bulk load is not a person's
edit), and every cell's current status is then recomputed by ``cells_refresh_all`` from the
approved log, so the two agree exactly as they do after the workflow.
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections.abc import Callable, Iterator

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Q

from .models import AssessmentSource, Cell, ProgressUpdate, ReviewState, Status
from .services import EDITORS, REVIEWERS, cells_refresh_all

SCALE = [
    Status.NOT_STARTED,
    Status.PLANNED,
    Status.IN_PROGRESS,
    Status.PARTIALLY_IMPLEMENTED,
    Status.IMPLEMENTED,
]
SOURCES = [
    (AssessmentSource.GOVERNMENT, 0.55),
    (AssessmentSource.UN_ENTITY, 0.2),
    (AssessmentSource.CIVIL_SOCIETY, 0.17),
    (AssessmentSource.INDEPENDENT_REVIEW, 0.08),
]
REVIEW = [
    (ReviewState.APPROVED, 0.88),
    (ReviewState.SUBMITTED, 0.05),
    (ReviewState.DRAFT, 0.04),
    (ReviewState.RETURNED, 0.03),
]
# A fixed span and a fixed last instant: a seed gives the same history whatever the clock says.
START = datetime.date(2008, 6, 3)  # the debate
END = datetime.date(2026, 10, 31)
LAST = datetime.datetime.combine(END, datetime.time(18), tzinfo=datetime.UTC)
DEMO_EDITORS = [f"demo-editor-{n}" for n in range(1, 6)]
DEMO_REVIEWERS = [f"demo-reviewer-{n}" for n in range(1, 4)]


class DemoDataRefused(Exception):
    """Loading the demo history would delete somebody's real progress updates."""


NARRATIVES = [
    "The national action plan against trafficking in persons was {verb}.",
    "A national rapporteur reported that work on this recommendation was {verb}.",
    "The labour inspectorate's annual report states that measures were {verb}.",
    "Civil society monitoring found that commitments were {verb}.",
    "The government's report to the Conference of the Parties says the measure was {verb}.",
]
VERBS = {
    Status.NOT_STARTED: "not yet begun",
    Status.PLANNED: "planned for the coming budget cycle",
    Status.IN_PROGRESS: "under way",
    Status.PARTIALLY_IMPLEMENTED: "partly carried out",
    Status.IMPLEMENTED: "carried out in full",
    Status.DECLINED: "declined by the authorities",
}
COLUMNS = [
    "cell_id",
    "status",
    "effective_date",
    "narrative",
    "evidence",
    "source",
    "reported_by_id",
    "review_state",
    "submitted_at",
    "reviewed_by_id",
    "reviewed_at",
    "review_comment",
    "withdrawal_reason",
    "external_id",
    "created_at",
    "updated_at",
]


def demo_users() -> tuple[list[int], list[int]]:
    """The demo editors and reviewers (unusable passwords: nobody signs in as them), created
    if missing; returns their ids."""
    User = get_user_model()
    ids: dict[str, list[int]] = {EDITORS: [], REVIEWERS: []}
    for group_name, usernames in [(EDITORS, DEMO_EDITORS), (REVIEWERS, DEMO_REVIEWERS)]:
        group = Group.objects.get(name=group_name)
        for username in usernames:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"email": f"{username}@example.org", "is_staff": group_name == REVIEWERS},
            )
            if created:
                user.set_unusable_password()
                user.save()
                user.groups.add(group)
            ids[group_name].append(user.pk)
    return ids[EDITORS], ids[REVIEWERS]


def not_demo_data() -> Q:
    """Updates that a real person wrote, reviewed or withdrew: never deleted by a demo reload."""
    demo = DEMO_EDITORS + DEMO_REVIEWERS
    return (
        ~Q(reported_by__username__in=demo)
        | (Q(reviewed_by__isnull=False) & ~Q(reviewed_by__username__in=demo))
        | (Q(withdrawn_by__isnull=False) & ~Q(withdrawn_by__username__in=demo))
    )


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    roll = rng.random()
    for value, weight in weighted:
        roll -= weight
        if roll < 0:
            return value
    return weighted[-1][0]


def generate(
    *, updates: int, seed: int, cells: list[int], editors: list[int], reviewers: list[int]
) -> Iterator[tuple]:
    """Yield rows (in COLUMNS order) for ``updates`` updates, reproducibly from ``seed``."""
    rng = random.Random(seed)
    span = (END - START).days + 1
    # About two cells in three have any follow-up; activity per cell is skewed. Shares are
    # rounded by largest remainder, so the total is exact and a small run touches fewer cells.
    active = [cell for cell in cells if rng.random() < 0.67] or cells
    weights = [rng.paretovariate(1.5) for _ in active]
    total_weight = sum(weights)
    shares = [updates * w / total_weight for w in weights]
    counts = [int(share) for share in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: counts[i] - shares[i])
    for i in by_remainder[: updates - sum(counts)]:
        counts[i] += 1
    adapt_date = connection.ops.adapt_datefield_value
    adapt_dt = connection.ops.adapt_datetimefield_value
    tz = datetime.UTC
    for cell, count in zip(active, counts, strict=True):
        if not count:
            continue
        days = sorted(rng.randrange(span) for _ in range(count))
        rank = rng.randrange(3)
        declined = False
        for day in days:
            effective = START + datetime.timedelta(days=day)
            if not declined and rng.random() < 0.01:
                declined = True
            if declined:
                status = Status.DECLINED
            else:
                move = rng.random()
                if move < 0.55:
                    rank = min(rank + 1, len(SCALE) - 1)
                elif move < 0.62:
                    rank = max(rank - 1, 0)
                status = SCALE[rank]
            lag = datetime.timedelta(days=rng.randrange(1, 90), seconds=rng.randrange(86_400))
            created = min(
                datetime.datetime.combine(effective, datetime.time(9), tzinfo=tz) + lag, LAST
            )
            reviewed_at = min(created + datetime.timedelta(days=3), LAST)
            review = _pick(rng, REVIEW)
            author = rng.choice(editors)
            reviewer = rng.choice(reviewers)
            reviewed = review in (ReviewState.APPROVED, ReviewState.RETURNED)
            submitted = review != ReviewState.DRAFT
            yield (
                cell,
                status.value,
                adapt_date(effective),
                rng.choice(NARRATIVES).format(verb=VERBS[status]),
                f"https://example.org/reports/{cell}/{effective:%Y-%m-%d}"
                if rng.random() < 0.6
                else "",
                _pick(rng, SOURCES),
                author,
                review,
                adapt_dt(created) if submitted else None,
                reviewer if reviewed else None,
                adapt_dt(reviewed_at) if reviewed else None,
                "Please cite the official source." if review == ReviewState.RETURNED else "",
                "",
                "",
                adapt_dt(created),
                adapt_dt(created),
            )


@transaction.atomic
def demo_history_load(
    *,
    updates: int,
    seed: int,
    replace: bool,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 20_000,
) -> int:
    """Write the demo history; returns how many updates. An earlier demo history is replaced;
    if any update was written, reviewed or withdrawn by a real person, nothing is deleted
    unless ``replace``, which deletes every progress update (for a scratch database). Their
    history rows are kept either way."""
    existing = ProgressUpdate.objects.all()
    if existing.exists():
        if not replace and existing.filter(not_demo_data()).exists():
            raise DemoDataRefused(
                "The database already has progress updates that are not demo data; pass "
                "--replace to delete them and load the demo history instead."
            )
        Cell.objects.update(current_update=None)  # PROTECTed: let go before deleting
        existing._raw_delete(existing.db)
    editors, reviewers = demo_users()
    cells = list(Cell.objects.order_by("pk").values_list("pk", flat=True))
    table = ProgressUpdate._meta.db_table
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * len(COLUMNS))})"
    )
    rows = generate(updates=updates, seed=seed, cells=cells, editors=editors, reviewers=reviewers)
    written = 0
    with connection.cursor() as cursor:
        while batch := list(itertools.islice(rows, batch_size)):
            cursor.executemany(sql, batch)
            written += len(batch)
            if progress:
                progress(written)
    cells_refresh_all()
    return written
