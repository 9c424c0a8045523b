"""The filter forms' fields written in Python render what crispy's Bootstrap 5 templates render:
the same elements, attributes and texts, in every filter form, empty, filled and with errors."""

import datetime
from urllib.parse import urlencode

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.forms.renderers import TemplatesSetting
from django.http import QueryDict
from django.utils import translation

from recommendations.filters import (
    CellFilter,
    ChangeFilter,
    RecommendationFilter,
    StateFilter,
    UpdateFilter,
)
from recommendations.models import (
    Actor,
    Cell,
    MemberState,
    ProgressUpdate,
    Recommendation,
    SourceDocument,
    Theme,
)
from recommendations.templatetags.filter_fields import filter_field
from tests.markup import Elements

pytestmark = pytest.mark.django_db

HOSTILE = """<script>alert("x")</script> O'Brien & "co" </select><option>"""


@pytest.fixture(autouse=True)
def hostile_names(db):
    """Options whose labels need escaping, in a select, a multiple select and checkboxes."""
    SourceDocument.objects.create(
        slug="hostile", title=HOSTILE, short_title=HOSTILE, date=datetime.date(2024, 1, 1)
    )
    Actor.objects.create(slug="hostile", name=HOSTILE)
    Theme.objects.create(slug="hostile", name=HOSTILE)


FORMS = [
    (RecommendationFilter, Recommendation, {}),
    (StateFilter, MemberState, {}),
    (CellFilter, Cell, {}),
    (UpdateFilter, ProgressUpdate, {"reviewer": False}),
    (UpdateFilter, ProgressUpdate, {"reviewer": True}),
    (ChangeFilter, ProgressUpdate, {}),
]
FILLED = {
    "q": HOSTILE,
    "sort": "state",
    "disagreement": "yes",
    "changed": "no",
    "membership": "observer",
    "document": "summary",
    "stale": "12",
    "since": "2024-01-01",
    "until": "2024-12-31",
    "as_of": "2020-06-30",
    "recommendation": ["R01", "R03"],
    "state": ["FRA", "CIV"],
    "actor": ["icat", "hostile"],
    "theme": "hostile",
}
INVALID = {
    "q": "x" * 201,  # longer than SEARCH_MAX
    "sort": "<b>bogus</b>",
    "disagreement": "maybe",
    "changed": "<i>",
    "membership": "<script>",
    "document": "nowhere",
    "stale": "abc",
    "since": "2024-13-45",
    "until": "01/02/2024",  # YYYY-MM-DD only
    "as_of": "0001-01-01",
    "recommendation": "R999",
    "state": "<ZZZ>",
    "actor": "nobody",
}
DATA = [
    "",
    "theme=protection&theme=prevention&region=african&status=in_progress&voiced_by=x"
    "&source=government&review=approved&strength=x&changed=yes",
    "theme=nonsense&region=nowhere&status=bogus&source=<b>&review=x&voiced_by=<script>",
    urlencode(FILLED, doseq=True),
    urlencode(INVALID, doseq=True),
    # an inverted range (the form's own error), a number below its minimum, an impossible day
    "since=2024-12-31&until=2015-01-01&stale=0&as_of=2024-13-45&sort=&disagreement=no",
    # a window longer than a year (What changed), a number above its maximum
    "since=2020-01-01&until=2024-01-01&stale=601&as_of=1945-01-01&changed=yes",
    # before 1945: an error for What changed, a plain day for the log
    "since=0001-01-01&until=0001-01-01&as_of=2024-13-45",
]


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
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


@pytest.mark.parametrize(("filterset", "model", "kwargs"), FORMS)
def test_the_data_reach_every_field_filled_and_with_errors(filterset, model, kwargs):
    """The data above select an option of every select and put an error on every field that
    is not a group of checkboxes: the comparison covers that markup."""
    filled = filterset(QueryDict(DATA[3]), queryset=model.objects.all(), **kwargs).form
    invalid = filterset(QueryDict(DATA[4]), queryset=model.objects.all(), **kwargs).form
    for field in filled:
        if not isinstance(field.field.widget, forms.CheckboxSelectMultiple):
            assert not field.errors, field.name
            assert field.value(), field.name
            if isinstance(field.field.widget, forms.Select):
                assert " selected>" in filter_field(field), field.name
    for field in invalid:
        if not isinstance(field.field.widget, forms.CheckboxSelectMultiple):
            assert field.errors, field.name


@pytest.mark.parametrize("data", [DATA[1], DATA[3], DATA[4]])
def test_the_filter_fields_are_written_without_templates(data, monkeypatch):
    """Every kind of field the filter forms use is written in Python: neither crispy's
    templates nor Django's widget templates are rendered."""

    def refused(*args, **kwargs):
        raise AssertionError("a template was rendered")

    monkeypatch.setattr("recommendations.templatetags.filter_fields.as_crispy_field", refused)
    monkeypatch.setattr("django.template.base.Template.render", refused)
    kinds = set()
    for filterset, model, kwargs in FORMS:
        form = filterset(QueryDict(data), queryset=model.objects.all(), **kwargs).form
        for field in form:
            assert f'<div id="div_{field.auto_id}" class="mb-3' in filter_field(field)
            kinds.add(type(field.field.widget).__name__)
    assert kinds == {
        "CheckboxSelectMultiple",
        "ListSelectMultiple",
        "Select",
        "SearchInput",
        "DateInput",
        "NumberInput",
    }


class Unusual(forms.Form):
    notes = forms.CharField(widget=forms.Textarea)
    choice = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)
    hidden = forms.CharField(widget=forms.HiddenInput)
    number = forms.DecimalField(localize=True)


def test_anything_unusual_goes_to_crispy(monkeypatch):
    """Another widget, a hidden or localized field, a form helper or a project form renderer
    (which may override Django's widget templates): crispy renders them."""
    monkeypatch.setattr(
        "recommendations.templatetags.filter_fields.as_crispy_field",
        lambda field: f"crispy {field.name}",
    )
    form = Unusual()
    assert [filter_field(field) for field in form] == [
        "crispy notes",
        "crispy choice",
        "crispy hidden",
        "crispy number",
    ]
    filtered = UpdateFilter(QueryDict(), queryset=ProgressUpdate.objects.all()).form
    filtered.renderer = TemplatesSetting()
    assert filter_field(filtered["sort"]) == "crispy sort"
    assert filter_field(filtered["q"]) == "crispy q"
    filtered.helper = object()
    assert filter_field(filtered["region"]) == "crispy region"


def test_labels_values_and_errors_are_escaped():
    form = CellFilter(QueryDict("region=<script>"), queryset=Cell.objects.all()).form
    form.errors  # noqa: B018
    html = filter_field(form["region"])
    assert "<script>" not in html
    assert "&lt;script&gt; is not one of the available choices" in html
    form = UpdateFilter(QueryDict(DATA[3]), queryset=ProgressUpdate.objects.all()).form
    html = filter_field(form["q"])
    assert "<script>" not in html
    assert "</select>" not in html
    assert 'value="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#x27;Brien' in html
    form = UpdateFilter(QueryDict(DATA[4]), queryset=ProgressUpdate.objects.all()).form
    form.errors  # noqa: B018
    html = filter_field(form["sort"])
    assert "&lt;b&gt;bogus&lt;/b&gt; is not one of the available choices" in html
    form = RecommendationFilter(QueryDict("document=hostile"), queryset=Recommendation.objects)
    html = filter_field(form.form["document"])
    assert "<script>" not in html
    assert html.count("</select>") == 1
    assert '<option value="hostile" selected>&lt;script&gt;alert(&quot;x&quot;)' in html
