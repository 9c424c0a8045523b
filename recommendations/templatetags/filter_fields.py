"""The filter forms' groups of checkboxes, written in Python.

Crispy renders a group of checkboxes through a template per option and an include of the
option's attributes: about 1 ms for the eight regional groups and statuses, several on a page
with four groups (every filtered page renders its form, the dashboard's on every request). This
writes the markup of crispy's Bootstrap 5 template (``bootstrap5/field.html`` with
``layout/radio_checkbox_select.html``) straight from the field; every other field goes to crispy.
``tests/unit/test_filter_fields.py`` compares the two on every filter form.
"""

from __future__ import annotations

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, optgroups
from django import forms, template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def filter_field(field):
    """``field|as_crispy_field``, its groups of checkboxes written directly."""
    if (
        type(field.field.widget) is not forms.CheckboxSelectMultiple
        or getattr(field.form, "helper", None) is not None  # crispy's helper may change it all
        or not field.label
        or field.is_hidden
    ):
        return as_crispy_field(field)
    return mark_safe(checkboxes(field))  # every part escaped below


def attributes(attrs: dict) -> str:
    """As crispy's ``layout/attrs.html``: ``False`` left out, ``True`` a bare name."""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def checkboxes(field) -> str:
    errors = field.errors
    auto_id = field.auto_id
    invalid = " is-invalid" if errors else ""
    name = conditional_escape(field.html_name)
    groups = optgroups(field)
    parts = []
    for group_index, (group, options, _index) in enumerate(groups):
        if group:
            parts.append(format_html("<strong>{}</strong>", group))
        for option_index, option in enumerate(options):
            parts.append(
                f'<div class="form-check"><input type="{conditional_escape(option["type"])}" '
                f'class="form-check-input{invalid}" name="{name}" '
                f'value="{conditional_escape(str(option["value"]))}"{attributes(option["attrs"])}>'
                f'<label for="{conditional_escape(option["attrs"]["id"])}" '
                f'class="form-check-label">{conditional_escape(option["label"])}</label>'
            )
            if errors and group_index == len(groups) - 1 and option_index == len(options) - 1:
                error_id = conditional_escape(errors.field_id)
                parts.append(
                    f'<div id="{error_id}_error" class="invalid-feedback">'
                    + "".join(
                        f'<p id="error_{number}_{auto_id}"><strong>'
                        f"{conditional_escape(error)}</strong></p>"
                        for number, error in enumerate(errors, start=1)
                    )
                    + "</div>"
                )
            parts.append("</div>")
    css = f" {conditional_escape(css)}" if (css := field.css_classes()) else ""
    described = field.aria_describedby
    described = f' aria-describedby="{described}"' if described else ""
    required = field.field.required
    help_text = ""
    if field.help_text:
        help_id = f'id="{auto_id}_helptext" ' if auto_id else ""
        help_text = f'<div {help_id}class="form-text">{field.help_text}</div>'  # |safe, as crispy
    asterisk = '<span class="asteriskField">*</span>' if required else ""
    return (
        f'<div id="div_{auto_id}" class="mb-3{css}"><fieldset{described}>'
        f'<legend class="form-label{" requiredField" if required else ""} fs-6">'
        f"{conditional_escape(field.label)}{asterisk}</legend>"
        f"<div>{''.join(parts)}</div>{help_text}</fieldset></div>"
    )
