"""The dashboard's tables written in Python: the heat map (a row a recommendation, a count a
status), the world map's table (a row a Member State, 195 of them), the counts by theme and by
regional group, the cells whose sources disagree and the cells gone stale. Through the
template's loops they took some 15 ms of the 38 the page's template took (a million updates),
most of it in looking up and escaping variables one by one; the markup is the loops' own
(``tests/unit/test_dashboard_markup.py``).

The tables sit in the page's ``{% localize off %}`` block: numbers are written plain, counts
shown to people go through ``grouped``, dates as the ``date`` filter writes them."""

from __future__ import annotations

import functools

from django import template
from django.template.defaultfilters import date, truncatechars
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from ..localization import day_label, state_name
from .cells import status_badge
from .chart_markup import count, escaped

register = template.Library()


def _on(as_of) -> str:
    """The query string that keeps a link on the day the page shows (none for today)."""
    return f"?as_of={escaped(date(as_of, 'Y-m-d'))}" if as_of else ""


@functools.lru_cache(maxsize=2048)
def _cut(text: str, length: int, language: str | None) -> str:
    """``text|truncatechars:length``, remembered: Django's ``Truncator`` walks every character
    of the text, and the heat map cuts the same 40 titles every page. The ellipsis is the
    language's own (``language`` keys the cache)."""
    return truncatechars(text, length)


@register.simple_tag
def heat_rows(matrix, as_of=None):
    """The heat map's rows, from ``Dashboard.matrix``: each recommendation's code (a link to
    its page), its title cut to 50 characters, and a shaded count of Member States a status."""
    on, language = _on(as_of), get_language()
    html = []
    for rec, row in matrix:
        title = rec.title_local
        url = escaped(rec.get_absolute_url())
        cut = escaped(_cut(str(title), 50, language))
        counts = "".join(
            f'<td class="text-center heat heat-{int(level)}">{count(n)}</td>'
            for _status, n, level in row
        )
        html.append(
            f'\n    <tr><th scope="row" class="fw-normal"><a href="{url}{on}" '
            f'title="{escaped(title)}">{escaped(rec.code)}</a> '
            f'<span class="d-none d-lg-inline small">{cut}</span></th>\n      {counts}</tr>\n  '
        )
    return mark_safe("".join(html))  # every text escaped, the rest numbers


@register.simple_tag
def share_rows(shares):
    """The world map as a table, from ``maps.share_map``: a row a Member State with its link,
    the recommendations implemented or partially implemented, those selected and the share."""
    language = get_language()  # once, not once a state
    return mark_safe(  # every text escaped, the rest numbers
        "".join(
            f'<tr><th scope="row" class="fw-normal"><a href="{escaped(share.url)}">'
            f"{escaped(state_name(share.state.iso3, share.state.name, language))}</a></th>"
            f'<td class="text-end">{int(share.done)}</td>'
            f'<td class="text-end">{int(share.total)}</td>'
            f'<td class="text-end">{int(share.percent)}%</td></tr>'
            for share in shares
        )
    )


@register.simple_tag
def count_table(rows, label, statuses):
    """A table of status counts, a row a theme or regional group: each status heads a column as
    a badge cut to six characters (its full name for screen readers and in its title)."""
    head = "".join(
        f'<th scope="col" class="text-center"><span class="visually-hidden">{name}</span>'
        f'<span aria-hidden="true" title="{name}" class="badge status-badge '
        f'{escaped(status.css_class)}">{escaped(truncatechars(status.label, 6))}</span></th>'
        for status in statuses
        for name in [escaped(status.label)]
    )
    body = "".join(
        f'\n    <tr><th scope="row" class="fw-normal">{escaped(group.label or group.name)}</th>'
        + "".join(f'<td class="text-center">{count(n)}</td>' for _status, n in row)
        + "</tr>\n  "
        for group, row in rows
    )
    return mark_safe(  # every text escaped, the rest numbers
        '<div class="table-responsive">\n<table class="table table-sm">\n'
        f'  <thead><tr><th scope="col">{escaped(label)}</th>{head}</tr></thead>\n'
        f"  <tbody>\n  {body}\n  </tbody>\n</table>\n</div>\n"
    )


@register.filter
def disagreement_rows(rows):
    """The cells whose sources disagree, a row a theme or regional group: its name and count."""
    return mark_safe(  # every text escaped, the rest numbers
        "".join(
            f'<tr><th scope="row" class="fw-normal">{escaped(group.label)}</th>'
            f'<td class="text-end">{count(n)}</td></tr>'
            for group, n in rows
        )
    )


@register.simple_tag(takes_context=True)
def stale_rows(context, stale_cells, as_of=None):
    """The cells gone stale: the recommendation, the Member State, the status (a link to the
    cell's history) and the day it took effect, each link kept on ``as_of``."""
    on = _on(as_of)
    history = escaped(gettext("(%(code)s for %(state)s: the cell's history, every source)"))
    html = []
    for cell in stale_cells:
        code, state = escaped(cell.recommendation.code), escaped(cell.state.label)
        day = escaped(day_label(cell.shown_date)) if cell.shown_date else ""
        html.append(
            f'<tr><td><a href="{escaped(cell.recommendation.get_absolute_url())}{on}">{code}</a>'
            f'</td><td><a href="{escaped(cell.state.get_absolute_url())}{on}">{state}</a></td>'
            f'<td><a class="text-decoration-none" href="{escaped(cell.get_absolute_url())}{on}">'
            f"{status_badge(context, cell.status)}"
            f'<span class="visually-hidden"> {history % {"code": code, "state": state}}'
            f"</span></a></td><td>{day}</td></tr>"
        )
    return mark_safe("".join(html))  # every text escaped, the badge from cells.py
