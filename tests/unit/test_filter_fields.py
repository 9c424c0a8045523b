"""The filter forms' fields written in Python render what crispy's Bootstrap 5 templates render:
the same elements, attributes and texts, in every filter form, empty, filled and with errors."""

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.http import QueryDict
from django.utils import translation

from recommendations.filters import (
    CellFilter,
    ChangeFilter,
    RecommendationFilter,
    StateFilter,
    UpdateFilter,
)
from recommendations.models import Cell, MemberState, ProgressUpdate, Recommendation
from recommendations.templatetags.filter_fields import filter_field
from tests.markup import Elements

pytestmark = pytest.mark.django_db


FORMS = [
    (RecommendationFilter, Recommendation, {}),
    (StateFilter, MemberState, {}),
    (CellFilter, Cell, {}),
    (UpdateFilter, ProgressUpdate, {"reviewer": False}),
    (UpdateFilter, ProgressUpdate, {"reviewer": True}),
    (ChangeFilter, ProgressUpdate, {}),
]
DATA = [
    "",
    "theme=protection&theme=prevention&region=african&status=in_progress&voiced_by=x"
    "&source=government&review=approved&strength=x&changed=yes",
    "theme=nonsense&region=nowhere&status=bogus&source=<b>&review=x&voiced_by=<script>",
]


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize(("filterset", "model", "kwargs"), FORMS)
def test_every_filter_field_renders_as_crispy_does(filterset, model, kwargs, data, language):
    with translation.override(language):
        form = filterset(QueryDict(data), queryset=model.objects.all(), **kwargs).form
        form.errors  # noqa: B018 -- validated, as the pages' forms are before rendering
        checked = 0
        for field in form:
            ours, crispy = Elements(filter_field(field)), Elements(as_crispy_field(field))
            assert ours.found == crispy.found, field.name
            assert ours.texts == crispy.texts, field.name
            checked += isinstance(field.field.widget, forms.CheckboxSelectMultiple)
    assert checked  # every filter form has a group of checkboxes


def test_the_checkboxes_are_written_without_crispys_templates(monkeypatch):
    """The groups of checkboxes (a template per option in crispy) are written in Python; the
    other fields still go through crispy."""

    def refused(field):
        raise AssertionError(f"{field.name} went through crispy")

    monkeypatch.setattr("recommendations.templatetags.filter_fields.as_crispy_field", refused)
    form = CellFilter(QueryDict("region=african"), queryset=Cell.objects.all()).form
    html = filter_field(form["region"])
    assert 'value="african" id="id_region_0" checked' in html
    with pytest.raises(AssertionError, match="state went through crispy"):
        filter_field(form["state"])


def test_labels_values_and_errors_are_escaped():
    form = CellFilter(QueryDict("region=<script>"), queryset=Cell.objects.all()).form
    form.errors  # noqa: B018
    html = filter_field(form["region"])
    assert "<script>" not in html
    assert "&lt;script&gt; is not one of the available choices" in html
