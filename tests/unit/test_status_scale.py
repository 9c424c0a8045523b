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


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_a_choices_label_is_what_djangos_own_display_gives(language):
    """The models that pages list name a choice without Django's ``get_FOO_display`` (which
    translates every label of the field on each call); the label is the same, and a value
    that is no choice is shown as itself."""
    from django.db.models import Model
    from django.utils import translation

    from recommendations.models import MemberState, ProgressUpdate, Recommendation

    cases = [
        (ProgressUpdate, "status", "in_progress"),
        (ProgressUpdate, "source", "un_entity"),
        (ProgressUpdate, "review_state", "returned"),
        (ProgressUpdate, "source", "not-a-source"),
        (Recommendation, "voiced_by", "president"),
        (Recommendation, "strength", "urged"),
        (MemberState, "membership", "observer"),
    ]
    with translation.override(language):
        for model, name, value in cases:
            instance = model(**{name: value})
            field = model._meta.get_field(name)
            ours = getattr(instance, f"get_{name}_display")()
            assert ours == Model._get_FIELD_display(instance, field), (model, name, value)
            assert type(ours) is str
