"""The marks that pages repeat by the hundred, written in Python: a table row's assessment
sources side by side (a recommendation's page has 195 rows of four sources each), the status
badge, the catalogue's status bars, the flag of disagreeing sources and the review badge. Each
``{% include %}`` of a partial costs a template render; as many of them took longer than the
rest of the page. The markup is the partials' own (``tests/unit/test_badge_markup.py``)."""

import html
from urllib.parse import quote

from django import template
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext, pgettext

from ..localization import day_labeller, state_name
from ..models import AssessmentSource, ReviewState, Status
from .languages import grouped, localized, shorten

register = template.Library()


def escape(text) -> str:
    """Django's ``escape`` (every ``&<>"'`` encoded, whatever the text) without its check of
    every call for lazy strings: these rows escape thousands of values a page."""
    return html.escape(str(text))


class _Parts:
    """What every row of a page shares, translated and escaped once a page."""

    def __init__(self):
        # The language's, read once a page rather than two or three times a row.
        self.language = translation.get_language()
        self.day = day_labeller()
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
        self.names = {status.value: str(status.label) for status in Status}
        self.labels = {value: escape(name) for value, name in self.names.items()}
        # "Label: value" with the language's punctuation, as ``labelled`` writes it
        self.label_value = pgettext("a label and its value", "%(label)s: %(value)s")
        self.reviews = {
            state.value: f'<span class="badge review-badge review-{state.value}">'
            f"{escape(state.label)}</span>"
            for state in ReviewState
        }
        self.disagreement = (
            '<span class="badge text-bg-warning border border-dark-subtle disagreement-marker" '
            'title="{}"><span aria-hidden="true">⚠&#xFE0E;</span> {}</span>'
        ).format(
            escape(
                gettext(
                    "Two sources stand two or more steps apart on the scale, or one says "
                    "declined while another reports progress."
                )
            ),
            escape(gettext("Sources disagree")),
        )
        self.bar_label = escape(gettext("Status across Member States:"))
        self.regions = {}  # a regional group's escaped label, when a row first asks
        self.log = escape(pgettext("verb: log an update", "Log"))
        self.log_for = gettext("Log an update for %(state)s")
        self.state_url = escape(reverse("recommendations:state-detail", args=["AAA"]))
        self.details = escape(gettext("Details"))
        self.voiced_by = escape(gettext("Voiced by:"))
        self.strength = escape(gettext("Strength of the ask:"))
        self.update_number = escape(gettext("(update #%(id)s)"))
        self.recommendation_url = escape(
            reverse("recommendations:recommendation-detail", args=["R00"])
        )

    def state_label(self, state) -> str:
        """``state.label``, in the page's language read once."""
        return state_name(state.iso3, state.name, self.language)

    def addresses(self, cell) -> tuple[str, str, str]:
        """The cell's state's, recommendation's and own addresses, filled into the page's."""
        code, iso3 = escape(cell.recommendation.code), escape(cell.state.iso3)
        return (
            self.state_url.replace("/AAA/", f"/{iso3}/"),
            self.recommendation_url.replace("/R00/", f"/{code}/"),
            self.cell_url.replace("/R00/AAA/", f"/{code}/{iso3}/"),
        )

    def status_link(self, url: str, status: str) -> str:
        """A status's badge linking to a cell's page (``url``), which it names to a screen
        reader."""
        return (
            f'<a class="text-decoration-none" href="{url}">{self.badges[status]}'
            f'<span class="visually-hidden"> {self.history}</span></a>'
        )


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
    query = f"?as_of={as_of.isoformat()}" if as_of else ""
    cell_url = parts.addresses(cell)[2]
    # every part escaped, or a date
    return mark_safe(parts.status_link(f"{cell_url}{query}", cell.status.value))


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


@register.simple_tag(takes_context=True)
def status_badge(context, status):
    """A status's badge: its colour and its label (a :class:`Status` or its value); as the
    partial did, an empty badge for no status."""
    badge = _parts(context).badges.get(status)  # a Status is its value, as a key too
    return mark_safe(badge or '<span class="badge status-badge "></span>')  # escaped in _Parts


@register.simple_tag(takes_context=True)
def review_badge(context, update):
    """An update's review state as a badge."""
    return mark_safe(_parts(context).reviews[ReviewState(update.review_state).value])


@register.simple_tag(takes_context=True)
def disagreement_marker(context):
    """The flag of a cell whose assessment sources disagree: an icon and words, never colour
    alone."""
    return mark_safe(_parts(context).disagreement)  # escaped in _Parts


@register.simple_tag(takes_context=True)
def status_bar(context, bar):
    """A recommendation's statuses across Member States as a 100-wide SVG bar, from
    ``charts.segments``: a rectangle with a title a status, and the figures in its label.
    Coordinates are written as under ``{% localize off %}``: never a decimal comma."""
    parts = _parts(context)
    label = ", ".join(
        f"{parts.labels[status.value]} {escape(grouped(n))}" for status, n, _x, _w in bar
    )
    titles = (
        escape(parts.label_value % {"label": parts.names[status.value], "value": grouped(n)})
        for status, n, _x, _w in bar
    )
    rects = "".join(
        f'<rect class="fill-{status.css_class}" x="{x}" y="0" width="{w}" height="4">'
        f"<title>{title}</title></rect>"
        for (status, n, x, w), title in zip(bar, titles, strict=True)
    )
    return mark_safe(  # every text escaped, the rest numbers and class names
        '<svg class="status-bar" viewBox="0 0 100 4" preserveAspectRatio="none" role="img" '
        f'aria-label="{parts.bar_label} {label}">\n  {rects}\n</svg>'
    )


@register.simple_tag(takes_context=True)
def cell_row(context, cell):
    """A row of a recommendation's table of Member States (``state_status_results.html``): the
    state, its group, the status it shows with its date (``as_of`` from the context), each
    source's column, the flag of disagreeing sources and, for someone who may log for the
    state (``can_log``, ``may``, ``log_url`` and ``recommendation`` from the context), a link
    to log an update."""
    parts = _parts(context)
    state = cell.state
    as_of = context.get("as_of")
    query = f"?as_of={as_of.isoformat()}" if as_of else ""
    region = state.regional_group
    if region not in parts.regions:
        parts.regions[region] = escape(state.region.label)
    label = escape(parts.state_label(state))
    state_url = parts.state_url.replace("/AAA/", f"/{escape(state.iso3)}/")
    day = cell.shown_date
    day = escape(parts.day(day)) if day else "–"
    flag = parts.disagreement if cell.shown_disagreement else ""
    log = ""
    if context.get("can_log"):
        link = ""
        if cell.state_id in context["may"].log_state_ids:
            query_string = (
                f"recommendation={escape(quote(context['recommendation'].code, safe='/'))}"
                f"&amp;state={escape(quote(state.iso3, safe='/'))}"
            )
            link = (
                f'<a href="{escape(context["log_url"])}?{query_string}" aria-label="'
                f'{escape(parts.log_for % {"state": state.label})}">'
                f"{parts.log}</a>"
            )
        log = f"<td>{link}</td>"
    return mark_safe(  # every text escaped, the rest dates, numbers and fixed markup
        f'<tr><th scope="row" class="fw-normal"><a href="{state_url}{query}">{label}</a></th>'
        f"\n      <td>{parts.regions[region]}</td>\n      "
        f"<td>{status_link(context, cell, as_of)}</td>\n      <td>{day}</td>\n      "
        f"{source_columns(context, cell)}\n      <td>{flag}</td>\n      {log}</tr>"
    )


@register.simple_tag(takes_context=True)
def cell_rows(context, cells):
    """``cell_row`` for each of ``cells``, in one tag: a loop of 195 tags cost the page about
    a tenth of its rendering. Spaced as that loop spaced them."""
    return mark_safe("\n  \n    ".join(cell_row(context, cell) for cell in cells))  # escaped


@register.simple_tag(takes_context=True)
def update_row(context, update):
    """A row of the progress log (``update_results.html``): the date it took effect, linking to
    the update; the state and the recommendation, linking to theirs; the status, linking to the
    cell's page, with the flag of disagreeing sources; the narrative's first 30 words; the
    source; and, for reviewers (``filter.reviewer`` from the context), the review state."""
    parts = _parts(context)
    cell = update.cell
    state_url, recommendation_url, cell_url = parts.addresses(cell)
    flag = f" {parts.disagreement}" if cell.sources_disagree else ""
    review = ""
    if context["filter"].reviewer:
        review = f"<td>{parts.reviews[update.review_state]}</td>"
    return mark_safe(  # every text escaped, the rest numbers, dates and fixed markup
        "<tr>\n      "
        f'<td class="text-nowrap"><a href="{parts.update_url}{int(update.pk)}/">'
        f"{escape(parts.day(update.effective_date))}</a></td>\n      "
        f'<td><a href="{state_url}">{escape(parts.state_label(cell.state))}</a></td>\n      '
        f'<td><a href="{recommendation_url}" title="{escape(cell.recommendation.title_local)}">'
        f"{escape(cell.recommendation.code)}</a></td>\n      "
        f"<td>{parts.status_link(cell_url, update.status)}{flag}</td>\n      "
        f'<td dir="auto">{escape(Truncator(update.narrative).words(30, truncate=" …"))}</td>'
        f"\n      <td>{escape(update.get_source_display())}</td>\n      {review}\n    </tr>"
    )


@register.simple_tag(takes_context=True)
def timeline_entry(context, update):
    """An approved update in a page's timeline (``timeline.html``): the day it took effect, the
    state, the recommendation and the status (linking to the cell's page), the narrative, the
    source, how many evidence links it has, and a link to the update."""
    parts = _parts(context)
    cell = update.cell
    state_url, recommendation_url, cell_url = parts.addresses(cell)
    links = len(update.evidence_links)
    evidence = ""
    if links:
        evidence = " · " + escape(
            ngettext("%(n)s evidence link", "%(n)s evidence links", links) % {"n": grouped(links)}
        )
    number = parts.update_number % {"id": int(update.pk)}
    return mark_safe(  # every text escaped, the rest numbers, dates and fixed markup
        '<li class="border-start border-3 ps-3 mb-3">\n        '
        f"<div><strong>{escape(parts.day(update.effective_date))}</strong>"
        f'\n          · <a href="{state_url}">{escape(parts.state_label(cell.state))}</a>'
        "\n          · "
        f'<a href="{recommendation_url}">{escape(cell.recommendation.code)}</a>'
        f"\n          · {parts.status_link(cell_url, update.status)}\n        </div>\n        "
        f'<p class="mb-1 text-break" dir="auto">{linebreaksbr(update.narrative)}</p>\n        '
        f'<div class="small text-body-secondary">{escape(update.get_source_display())}'
        f'{evidence} · <a href="{parts.update_url}{int(update.pk)}/">{parts.details}'
        f'<span class="visually-hidden"> {number}</span></a></div>\n      </li>'
    )


@register.simple_tag(takes_context=True)
def recommendation_card(context, rec):
    """A recommendation in the catalogue (``recommendation_results.html``): its code and title,
    the ask (the English quotation's first 40 words where it has no summary in the page's
    language), its themes and actors, who voiced it and how strongly, where it stands in the
    documents, and the bar of its statuses across Member States (``rec.bar``)."""
    parts = _parts(context)
    summary = rec.summary_local
    if summary:
        ask = f'<p class="card-text">{escape(shorten(summary, 260))}</p>'
    else:
        ask = (
            '<p class="card-text" lang="en" dir="ltr">'
            f"{escape(Truncator(rec.text).words(40, truncate=' …'))}</p>"
        )
    themes = "".join(
        f'<span class="badge text-bg-primary me-1">{escape(theme.label)}</span>'
        for theme in rec.themes.all()
    )
    actors = "".join(
        f'<span class="badge text-bg-light border me-1">{escape(actor.label)}</span>'
        for actor in rec.actors.all()
    )
    return mark_safe(  # every text escaped (``localized`` escapes its own), the rest markup
        '<li class="card mb-3"><div class="card-body">\n      <h2 class="h5 card-title">'
        f'<a href="{escape(rec.get_absolute_url())}">{escape(rec.code)} · '
        f"{conditional_escape(localized(rec.title_local))}</a></h2>\n      {ask}\n      "
        f'<div class="small">\n        {themes}\n        {actors}\n      </div>\n      '
        f'<div class="small mt-1"><span class="text-body-secondary">{parts.voiced_by}</span> '
        f"{escape(rec.get_voiced_by_display())} · "
        f'<span class="text-body-secondary">{parts.strength}</span> '
        f"{escape(rec.get_strength_display())}</div>\n      "
        f'<div class="small text-body-secondary mt-1" lang="en" dir="ltr">'
        f"{escape(rec.citation)}</div>\n      {status_bar(context, rec.bar)}\n    </div></li>"
    )
