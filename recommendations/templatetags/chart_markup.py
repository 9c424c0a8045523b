"""The dashboard's chart of the years written in Python: its bars (an SVG rectangle with a title
each, about 200 at a million updates) and the table of its figures. Through the template's loops
they took several milliseconds a dashboard, today, filtered or as of a date; the markup is the
same (``tests/unit/test_chart_markup.py``). Numbers are written as under ``{% localize off %}``
(SVG coordinates never take a decimal comma); counts shown to people go through ``grouped``.
The dashboard's tables (``dashboard_markup.py``) escape and count with the same helpers."""

from __future__ import annotations

import html

from django import template
from django.utils.functional import Promise
from django.utils.safestring import mark_safe

from .languages import grouped

register = template.Library()


def escaped(value) -> str:
    """``conditional_escape``'s characters without its cost: Django's ``escape`` checks every
    call for lazy strings, and these tables escape a thousand values a page."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def count(n) -> str:
    """A count as ``{{ n|grouped }}`` writes it, escaped: below a thousand, the digits alone
    (``grouped``'s own shortcut, with nothing to escape)."""
    if isinstance(n, int) and -1000 < n < 1000:
        return str(n)
    return escaped(grouped(n))


class _Names(dict):
    """A status's colour class and label, escaped once a table rather than once a bar."""

    def __missing__(self, status):
        names = self[status] = (escaped(status.css_class), escaped(status.label))
        return names


@register.filter
def chart_bars(chart: dict):
    """The bars of every year, and the year under every ``label_every``-th column."""
    label_y = chart["height"] - 8
    names = _Names()
    parts = []
    for index, column in enumerate(chart["columns"]):
        for bar in column.bars:
            css, label = names[bar.status]
            parts.append(
                f'<rect class="fill-{css}" x="{bar.x}" y="{bar.y}" width="{bar.width}" '
                f'height="{bar.height}"><title>{column.year} · {label} · {count(bar.count)}'
                "</title></rect>"
            )
        if index % chart["label_every"] == 0:
            parts.append(
                f'<text x="{column.label_x}" y="{label_y}" text-anchor="middle" '
                f'class="chart-label">{column.year}</text>'
            )
    return mark_safe("".join(parts))  # every value escaped or a number


@register.filter
def chart_rows(chart: dict):
    """The table of the chart's figures: a row a year, its total and each status's count."""
    names = _Names()
    return mark_safe(  # every value escaped or a number
        "".join(
            f"<tr><td>{column.year}</td><td>{count(column.total)}</td><td>"
            + "; ".join(f"{names[bar.status][1]} {count(bar.count)}" for bar in column.bars)
            + "</td></tr>"
            for column in chart["columns"]
        )
    )
