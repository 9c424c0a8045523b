import calendar
import datetime
from collections import Counter

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from recommendations.models import (
    LATEST_FIRST,
    AssessmentSource,
    Cell,
    CellYearCount,
    MemberState,
    MonthCount,
    MonthEndGrid,
    ProgressUpdate,
    Recommendation,
    ReviewState,
    Status,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct-horse-battery")
    is_staff = True


def in_group(user, name: str):
    """Put a user in one of the seeded role groups (Editors, Reviewers)."""
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=name))
    return user


def cell_at(code: str = "R01", iso3: str = "FRA") -> Cell:
    """The seeded cell for a recommendation code and a state's ISO3 code."""
    return Cell.objects.get(recommendation__code=code, state__iso3=iso3)


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    """A draft update; pass review_state/reviewed_by to build other states directly."""

    class Meta:
        model = ProgressUpdate

    cell = factory.LazyFunction(cell_at)
    status = Status.IN_PROGRESS
    effective_date = datetime.date(2020, 1, 1)
    narrative = factory.Sequence(lambda n: f"Progress report number {n}.")
    source = AssessmentSource.GOVERNMENT
    reported_by = factory.SubFactory(UserFactory)
    review_state = ReviewState.DRAFT

    class Params:
        # Built straight into the approved state, bypassing the workflow: for read-side tests.
        approved = factory.Trait(
            review_state=ReviewState.APPROVED,
            reviewed_by=factory.SubFactory(UserFactory),
            reviewed_at=factory.LazyFunction(timezone.now),
        )


def approved_update(
    code: str, iso3: str, status: Status, on: datetime.date = datetime.date(2020, 1, 1), **fields
) -> ProgressUpdate:
    """An approved update on a seeded cell, the cell's headline refreshed as the workflow
    would (``fields``: the update's other fields, e.g. ``source``, ``narrative``)."""
    from recommendations.services import cell_refresh_status, month_counts_rebuild

    cell = cell_at(code, iso3)
    update = ProgressUpdateFactory(
        cell=cell, status=status, effective_date=on, approved=True, **fields
    )
    cell_refresh_status(cell=cell)
    month_counts_rebuild(day=on)
    return update


# The main pages, as a visitor reaches them: checked for headers, errors and accessibility.
MAIN_PAGES = [
    "/",
    "/recommendations/",
    "/recommendations/R03/",
    "/states/",
    "/states/FRA/",
    "/updates/",
    "/dashboard/",
    "/accounts/login/",
]


def year_counts() -> set[tuple]:
    """The dashboard's yearly summary, as (cell, year, status, approved updates) rows."""
    return set(CellYearCount.objects.values_list("cell_id", "year", "status", "updates"))


def counted_from_the_log() -> set[tuple]:
    """The same rows counted straight from the approved log, to compare with year_counts()."""
    counts = Counter(
        (u.cell_id, u.effective_date.year, u.status) for u in ProgressUpdate.objects.approved()
    )
    return {(*key, n) for key, n in counts.items()}


def month_counts_kept() -> set[tuple]:
    """The approved updates of each month per status, as stored: (month, status, updates)."""
    return set(MonthCount.objects.values_list("month", "status", "updates"))


def month_counts_from_the_log() -> set[tuple]:
    """The same rows counted straight from the approved log."""
    counts = Counter(
        (u.effective_date.replace(day=1), u.status) for u in ProgressUpdate.objects.approved()
    )
    return {(*key, n) for key, n in counts.items()}


def month_ends_kept() -> set[tuple]:
    """Each cell's status at each month's end, as the grid keeps it (``MonthEndGrid``):
    (cell, day, status, status date) for every cell with an approved update by then."""
    return {
        (cell, grid.day, status, datetime.date.fromisoformat(day))
        for grid in MonthEndGrid.objects.all()
        for cell, status, day in zip(
            grid.cells["id"], grid.cells["status"], grid.cells["date"], strict=True
        )
        if day is not None
    }


def month_ends_from_the_log() -> set[tuple]:
    """The same rows read the slow way: for every month from the first approved update of any
    cell to the latest, each cell's latest approved update on or before the month's last day
    (cells without one left out)."""
    rows = set()
    updates = list(ProgressUpdate.objects.approved().order_by(*LATEST_FIRST))
    if not updates:
        return rows
    first, last = updates[-1].effective_date, updates[0].effective_date
    by_cell: dict[int, list] = {}
    for update in updates:
        by_cell.setdefault(update.cell_id, []).append(update)  # each list latest first
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        end = datetime.date(year, month, calendar.monthrange(year, month)[1])
        for cell, own in by_cell.items():
            standing = next((u for u in own if u.effective_date <= end), None)
            if standing is not None:
                rows.add((cell, end, standing.status, standing.effective_date))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return rows


__all__ = [
    "MemberState",
    "ProgressUpdateFactory",
    "Recommendation",
    "UserFactory",
    "cell_at",
]
