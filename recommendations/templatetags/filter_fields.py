"""The filter forms' fields, written in Python.

Crispy renders a field through ``bootstrap5/field.html``, its includes, and Django's widget
templates (a template per option of a select or a group of checkboxes): about a millisecond a
field, several under load, and a filter form has five to twelve (the dashboard renders its form
on every request).
This writes the markup of crispy's Bootstrap 5 template straight from the field, for the kinds
of field the filter forms use: groups of checkboxes (``layout/radio_checkbox_select.html``), and
text, search, number and date inputs and selects, whose widget markup is Django's own templates'
(``ListSelectMultiple`` writes itself). Anything else (a form helper, another widget, a hidden
or localized field, a project form renderer) goes to crispy.
``tests/unit/test_filter_fields.py`` compares the two on every field of every filter form.
"""

from __future__ import annotations

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, optgroups
from django import forms, template
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from recommendations.filters import ListSelectMultiple, SearchInput

register = template.Library()

WIDGETS = "django/forms/widgets/"
#: widget class -> the Django template whose markup ``control`` writes for it
WRITTEN = {
    forms.TextInput: WIDGETS + "text.html",
    SearchInput: WIDGETS + "text.html",
    forms.NumberInput: WIDGETS + "number.html",
    forms.DateInput: WIDGETS + "date.html",
    forms.Select: WIDGETS + "select.html",
    forms.SelectMultiple: WIDGETS + "select.html",
}


@register.filter
def filter_field(field):
    """``field|as_crispy_field``, written directly for the kinds of field the filters use."""
    if (
        getattr(field.form, "helper", None) is None  # crispy's helper may change it all
        and not field.is_hidden
        and not field.field.show_hidden_initial
        and not field.field.localize
    ):
        widget = field.field.widget
        if type(widget) is forms.CheckboxSelectMultiple and field.label:
            return mark_safe(checkboxes(field))  # every part escaped below
        if written(widget, field.form.renderer):
            return mark_safe(control(field))  # every part escaped below
    return as_crispy_field(field)


def written(widget, renderer) -> bool:
    """Whether ``control`` writes this widget: ``ListSelectMultiple``, or one of Django's
    inputs and selects as Django's own templates render it (a project's form renderer may
    override those templates)."""
    if type(widget) is ListSelectMultiple:
        return True
    select = isinstance(widget, forms.Select)
    return (
        WRITTEN.get(type(widget)) == widget.template_name
        and (not select or widget.option_template_name == WIDGETS + "select_option.html")
        and type(renderer) is DjangoTemplates
    )


def attributes(attrs: dict) -> str:
    """As crispy's ``layout/attrs.html`` and Django's ``widgets/attrs.html``: ``False`` left
    out, ``True`` a bare name."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def errors_block(field) -> str:
    """Crispy's ``layout/field_errors_block.html``."""
    errors = field.errors
    if not errors:
        return ""
    auto_id = conditional_escape(field.auto_id)
    return (
        f'<div id="{conditional_escape(errors.field_id)}_error" class="invalid-feedback">'
        + "".join(
            f'<p id="error_{number}_{auto_id}"><strong>{conditional_escape(error)}</strong></p>'
            for number, error in enumerate(errors, start=1)
        )
        + "</div>"
    )


def help_block(field) -> str:
    """Crispy's ``layout/help_text.html`` (the help text is ``|safe`` there too)."""
    if not field.help_text:
        return ""
    help_id = f'id="{conditional_escape(field.auto_id)}_helptext" ' if field.auto_id else ""
    return f'<div {help_id}class="form-text">{field.help_text}</div>'


def wrapper_classes(field) -> str:
    css = field.css_classes()
    return f" {conditional_escape(css)}" if css else ""


def asterisk(field) -> str:
    return '<span class="asteriskField">*</span>' if field.field.required else ""


def checkboxes(field) -> str:
    invalid = " is-invalid" if field.errors else ""
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
            if group_index == len(groups) - 1 and option_index == len(options) - 1:
                parts.append(errors_block(field))
            parts.append("</div>")
    described = field.aria_describedby
    described = f' aria-describedby="{conditional_escape(described)}"' if described else ""
    required = " requiredField" if field.field.required else ""
    return (
        f'<div id="div_{conditional_escape(field.auto_id)}" class="mb-3{wrapper_classes(field)}">'
        f'<fieldset{described}><legend class="form-label{required} fs-6">'
        f"{conditional_escape(field.label)}{asterisk(field)}</legend>"
        f"<div>{''.join(parts)}</div>{help_block(field)}</fieldset></div>"
    )


def control(field) -> str:
    """``bootstrap5/field.html`` for an input or a select: label, widget, errors, help."""
    label = ""
    if field.label:
        for_id = field.id_for_label
        for_id = f' for="{conditional_escape(for_id)}"' if for_id else ""
        required = " requiredField" if field.field.required else ""
        label = (
            f'<label{for_id} class="form-label{required}">'
            f"{conditional_escape(field.label)}{asterisk(field)}</label>"
        )
    return (
        f'<div id="div_{conditional_escape(field.auto_id)}" class="mb-3{wrapper_classes(field)}">'
        f"{label}{widget_markup(field)}{errors_block(field)}{help_block(field)}</div>"
    )


def crispy_class(field) -> str:
    """The class crispy's ``crispy_field`` tag gives the widget: its own, the widget's class
    name, then ``form-select`` or ``form-control`` and ``is-invalid``. Crispy writes it into
    the widget's attributes; here it is passed to the rendering instead."""
    widget = field.field.widget
    name = type(widget).__name__.lower()
    name = getattr(settings, "CRISPY_CLASS_CONVERTERS", {}).get(name, name)
    css = widget.attrs.get("class", "")
    if not css:
        css = name
    elif css.find(name) == -1:  # a substring test, as crispy's
        css += f" {name}"
    added = "form-select" if isinstance(widget, forms.Select) else "form-control"
    for token in (added, "is-invalid") if field.errors else (added,):
        if token not in css.split():
            css += f" {token}"
    return css


def widget_markup(field) -> str:
    """``str(field)`` (``BoundField.as_widget``) with crispy's class, Django's widget
    templates written directly (``select.html``, ``select_option.html``, ``input.html``)."""
    widget = field.field.widget
    attrs = field.build_widget_attrs({"class": crispy_class(field)}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    if type(widget) is ListSelectMultiple:  # writes itself
        return widget.render(field.html_name, field.value(), attrs, field.form.renderer)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    name = conditional_escape(context["name"])
    if not isinstance(widget, forms.Select):
        value = context["value"]
        value = "" if value is None else f' value="{conditional_escape(str(value))}"'
        return (
            f'<input type="{conditional_escape(context["type"])}" name="{name}"{value}'
            f"{attributes(context['attrs'])}>"
        )
    parts = [f'<select name="{name}"{attributes(context["attrs"])}>']
    for group, options, _index in context["optgroups"]:
        if group:
            parts.append(f'\n  <optgroup label="{conditional_escape(group)}">')
        parts.extend(
            f'\n  <option value="{conditional_escape(str(option["value"]))}"'
            f"{attributes(option['attrs'])}>{conditional_escape(option['label'])}</option>"
            for option in options
        )
        if group:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)
