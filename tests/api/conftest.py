"""Fixtures shared by the API's tests: approved updates as the pages see them, token headers,
and a throttle that starts each test with a clean count."""

import datetime

import pytest
from django.core.cache import cache

from recommendations.models import Status
from recommendations.services import cell_refresh_status, month_counts_rebuild, token_create
from tests.factories import ProgressUpdateFactory, cell_at


@pytest.fixture(autouse=True)
def throttle_counts_cleared():
    """The throttles count requests in the cache (LocMem, per process): without clearing, the
    suite's anonymous requests would add up to the anonymous rate and answer 429."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def approved_update(db):
    """Make an approved update of a cell and refresh the cell's status, as an approval does:
    ``approved_update("R03", "FRA", Status.PLANNED, datetime.date(2020, 1, 1), **fields)``."""

    def make(
        code: str = "R03",
        iso3: str = "FRA",
        status: str = Status.IN_PROGRESS,
        day: datetime.date = datetime.date(2020, 1, 1),
        **fields,
    ):
        cell = cell_at(code, iso3)
        update = ProgressUpdateFactory(
            cell=cell, status=status, effective_date=day, approved=True, **fields
        )
        cell_refresh_status(cell=cell)
        month_counts_rebuild(day=day)
        return update

    return make


@pytest.fixture
def token_header(db):
    """The ``Authorization`` header of a new API token of the given user:
    ``client.get(url, headers=token_header(editor))``."""

    def make(user, name: str = "test program") -> dict[str, str]:
        _token, text = token_create(user=user, name=name, days=30)
        return {"Authorization": f"Token {text}"}

    return make
