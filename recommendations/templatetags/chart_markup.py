"""The dashboard's chart of the years written in Python: its bars (an SVG rectangle with a title
each, about 200 at a million updates) and the table of its figures. Through the template's loops
they took several milliseconds a dashboard, today, filtered or as of a date; the markup is the
same (``tests/unit/test_chart_markup.py``). Numbers are written as under ``{% localize off %}``
(SVG coordinates never take a decimal comma); counts shown to people go through ``grouped``."""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from .languages import grouped

register = template.Library()


@register.filter
def chart_bars(chart: dict):
    """The bars of every year, and the year under every ``label_every``-th column."""
    label_y = chart["height"] - 8
    parts = []
    for index, column in enumerate(chart["columns"]):
        for bar in column.bars:
            parts.append(
                f'<rect class="fill-{conditional_escape(bar.status.css_class)}" x="{bar.x}" '
                f'y="{bar.y}" width="{bar.width}" height="{bar.height}"><title>{column.year} · '
                f"{conditional_escape(bar.status.label)} · {conditional_escape(grouped(bar.count))}"
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
    return mark_safe(  # every value escaped or a number
        "".join(
            f"<tr><td>{column.year}</td><td>{conditional_escape(grouped(column.total))}</td><td>"
            + "; ".join(
                f"{conditional_escape(bar.status.label)} {conditional_escape(grouped(bar.count))}"
                for bar in column.bars
            )
            + "</td></tr>"
            for column in chart["columns"]
        )
    )
