"""The pages as of a date, with sources side by side and a disagreement flagged: no serious
accessibility violation, a malformed date included."""

import datetime

import pytest

from recommendations.models import Status
from recommendations.services import cell_refresh_status
from tests.e2e.accessibility import serious_accessibility_violations
from tests.factories import ProgressUpdateFactory, cell_at

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "path",
    [
        "/recommendations/R03/?as_of=2021-06-30",
        "/states/FRA/?as_of=2021-06-30",
        "/dashboard/?as_of=2021-06-30",
        "/dashboard/?as_of=2021-06-30&disagreement=yes",
        "/dashboard/?as_of=2021-13-45",
        "/ar/dashboard/?as_of=2021-06-30",
        "/ar/recommendations/R03/?as_of=2021-06-30",
    ],
)
def test_no_serious_accessibility_violations_as_of_a_date(
    live_server, live_catalogue, new_page, path
):
    cell = cell_at("R03", "FRA")
    for status, source, year in [
        (Status.NOT_STARTED, "government", 2019),
        (Status.IMPLEMENTED, "civil_society", 2020),
        (Status.DECLINED, "un_entity", 2022),
    ]:
        ProgressUpdateFactory(
            cell=cell,
            status=status,
            source=source,
            effective_date=datetime.date(year, 1, 1),
            approved=True,
        )
    cell_refresh_status(cell=cell)
    page = new_page(bypass_csp=True)
    page.goto(f"{live_server.url}{path}")
    assert serious_accessibility_violations(page) == []
