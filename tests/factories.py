import datetime
from collections import Counter

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from recommendations.models import (
    AssessmentSource,
    Cell,
    CellYearCount,
    MemberState,
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
    from recommendations.services import cell_refresh_status

    cell = cell_at(code, iso3)
    update = ProgressUpdateFactory(
        cell=cell, status=status, effective_date=on, approved=True, **fields
    )
    cell_refresh_status(cell=cell)
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


__all__ = [
    "MemberState",
    "ProgressUpdateFactory",
    "Recommendation",
    "UserFactory",
    "cell_at",
]
