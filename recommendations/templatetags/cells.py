"""A table row's assessment sources side by side, written in Python: a recommendation's page has
195 rows of four sources each, and as many ``{% include %}`` of the status badge took longer
than the rest of the page."""

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from ..models import AssessmentSource, Status

register = template.Library()


class _Parts:
    """What every row of a page shares, translated and escaped once a page."""

    def __init__(self):
        # The update page's address without its id (with the language's prefix, if any).
        self.update_url = escape(
            reverse("recommendations:update-detail", args=[0]).removesuffix("0/")
        )
        self.badges = {
            status.value: f'<span class="badge status-badge {status.css_class}">'
            f"{escape(status.label)}</span>"
            for status in Status
        }
        # A cell page's address, to fill in: the route's own converters accept these two.
        self.cell_url = escape(reverse("recommendations:cell-detail", args=["R00", "AAA"]))
        self.history = escape(gettext("(the cell's history, every source)"))
        self.evidence = escape(gettext("evidence"))
        self.silent = escape(gettext("No assessment"))
        # "(Civil society, update #12)", its words once a source, the number once a row
        self.which = {
            source.value: escape(
                gettext("(%(source)s, update #%(id)s)") % {"source": source.label, "id": "\0"}
            )
            for source in AssessmentSource
        }


def _parts(context) -> _Parts:
    parts = context.render_context.get(_Parts)
    if parts is None:
        parts = context.render_context[_Parts] = _Parts()
    return parts


@register.simple_tag(takes_context=True)
def status_link(context, cell, as_of=None):
    """The status a cell shows, as the status badge partial shows it, linking to the cell's
    page (on ``as_of`` when given)."""
    parts = _parts(context)
    url = parts.cell_url.replace(
        "/R00/AAA/", f"/{escape(cell.recommendation.code)}/{escape(cell.state.iso3)}/"
    )
    query = f"?as_of={as_of.isoformat()}" if as_of else ""
    return mark_safe(  # every part escaped, or a date
        f'<a class="text-decoration-none" href="{url}{query}">{parts.badges[cell.status.value]}'
        f'<span class="visually-hidden"> {parts.history}</span></a>'
    )


@register.simple_tag(takes_context=True)
def source_columns(context, cell):
    """A ``<td>`` for each assessment source of ``cell.source_columns`` (from
    ``selectors.cells_with_sources``): the source's status as the status badge partial shows
    it, the date it took effect (ISO, as a dense table reads it in any language) and a link to
    its update and evidence; a dash where the source had not assessed the cell. The first has a
    border, opening the group of sources."""
    parts = _parts(context)
    html = []
    for index, assessment in enumerate(cell.source_columns):
        border = ' class="border-start"' if index == 0 else ""
        if assessment is None:
            html.append(
                f'<td{border}><span aria-hidden="true">–</span>'
                f'<span class="visually-hidden">{parts.silent}</span></td>'
            )
            continue
        pk = int(assessment.update_id)
        day = assessment.date.isoformat()
        which = parts.which[assessment.source.value].replace("\0", str(pk))
        html.append(
            f"<td{border}>{parts.badges[assessment.status.value]}"
            f'<div class="small text-nowrap"><time datetime="{day}">{day}</time> · '
            f'<a href="{parts.update_url}{pk}/">{parts.evidence}'
            f'<span class="visually-hidden"> {which}</span></a></div></td>'
        )
    return mark_safe("".join(html))  # every part escaped above, or a number or a date
