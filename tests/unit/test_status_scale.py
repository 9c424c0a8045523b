"""The status scale and the CSV cell guard, without a database."""

import pytest

from recommendations.csv_export import inert
from recommendations.models import Status


def test_status_scale_runs_from_no_information_to_implemented():
    scale = [s for s in Status if s is not Status.DECLINED]
    assert [s.rank for s in scale] == sorted(s.rank for s in scale)
    assert scale[0] is Status.NO_INFORMATION
    assert scale[-1] is Status.IMPLEMENTED
    assert Status.PLANNED.rank < Status.IN_PROGRESS.rank < Status.PARTIALLY_IMPLEMENTED.rank


def test_declined_stands_apart_from_the_progress_scale():
    assert Status.DECLINED.rank < Status.NO_INFORMATION.rank


def test_every_status_has_a_label_and_its_own_colour_class():
    classes = {s.css_class for s in Status}
    assert len(classes) == len(Status)
    assert all(s.label for s in Status)


@pytest.mark.parametrize("value", ["=SUM(A1)", "+1", "-2", "@cmd", "\tx", "\rx"])
def test_spreadsheet_formulas_are_made_inert(value):
    assert inert(value) == "'" + value


@pytest.mark.parametrize("value", ["Côte d'Ivoire", "R01", "", "a=b"])
def test_ordinary_values_pass_through_unchanged(value):
    assert inert(value) == value
