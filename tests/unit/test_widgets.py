"""The filters' fast multiple select renders what Django's own SelectMultiple renders."""

from django import forms

from recommendations.filters import ListSelectMultiple
from tests.markup import Elements

CHOICES = [("FRA", "France"), ("CIV", "Côte d'Ivoire"), ("X<1>", "<script>alert(1)</script>")]


def rendered(widget_class, value):
    widget = widget_class(attrs={"size": 8, "id": "id_state"}, choices=CHOICES)
    return widget.render("state", value)


def test_it_renders_the_same_select_as_django():
    for value in ([], ["CIV"], ["FRA", "X<1>"]):
        ours, django = (
            Elements(rendered(cls, value)) for cls in (ListSelectMultiple, forms.SelectMultiple)
        )
        assert ours.found == django.found
        assert ours.texts == django.texts


def test_labels_and_values_are_escaped():
    html = rendered(ListSelectMultiple, ["X<1>"])
    assert "<script>" not in html
    assert 'value="X&lt;1&gt;" selected' in html
