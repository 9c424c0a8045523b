"""The marks pages repeat by the hundred, written in Python, are the markup their partials
and loops wrote: the status badge, the catalogue's status bar, the flag of disagreeing sources,
the review badge, the rows of the progress log and of a recommendation's table, the timelines'
entries and the catalogue's cards, in English, French and Arabic."""

import datetime
from types import SimpleNamespace

import pytest
from django.template import engines
from django.utils import translation

from recommendations.charts import segments
from recommendations.models import (
    AssessmentSource,
    Cell,
    MemberState,
    ProgressUpdate,
    Recommendation,
    ReviewState,
    Status,
)
from recommendations.selectors import recommendations_with_distribution
from tests.markup import Elements

ENGINE = engines["django"]

# The partials before they were written in Python (issue 18).
STATUS_BADGE = '<span class="badge status-badge {{ status.css_class }}">{{ status.label }}</span>'
REVIEW_BADGE = (
    '<span class="badge review-badge review-{{ update.review_state }}">'
    "{{ update.get_review_state_display }}</span>"
)
DISAGREEMENT = (
    "{% load i18n %}"
    '<span class="badge text-bg-warning border border-dark-subtle disagreement-marker" '
    "title=\"{% translate 'Two sources stand two or more steps apart on the scale, or one says "
    'declined while another reports progress.\' %}"><span aria-hidden="true">⚠&#xFE0E;'
    '</span> {% translate "Sources disagree" %}</span>'
)
STATUS_BAR = (
    '{% load i18n l10n languages %}{% localize off %}<svg class="status-bar" '
    'viewBox="0 0 100 4" preserveAspectRatio="none" role="img" aria-label="'
    "{% translate 'Status across Member States:' %} {% for status, n, x, w in bar %}"
    '{{ status.label }} {{ n|grouped }}{% if not forloop.last %}, {% endif %}{% endfor %}">\n'
    '  {% for status, n, x, w in bar %}<rect class="fill-{{ status.css_class }}" x="{{ x }}" '
    'y="0" width="{{ w }}" height="4"><title>{{ status.label|labelled:n }}</title></rect>'
    "{% endfor %}\n</svg>{% endlocalize %}"
)

LANGUAGES = ["en", "fr", "ar"]


def rendered(source: str, **context) -> str:
    return ENGINE.from_string(source).render(context)


def tag(call: str, **context) -> str:
    return rendered("{% load cells %}" + call, **context)


def assert_same_markup(ours: str, partial: str) -> None:
    """The same elements, attributes and texts as a browser reads them. (The partials left a
    translated literal unescaped, as ``{% translate %}`` does; ours escapes it: an apostrophe
    may be written ``&#x27;``.)"""
    ours_read, partial_read = Elements(ours), Elements(partial)
    assert (ours_read.found, ours_read.texts) == (partial_read.found, partial_read.texts)
    assert ours.replace("&#x27;", "'") == partial.replace("&#x27;", "'")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("status", list(Status))
def test_a_status_badge_is_the_partials_markup(language, status):
    with translation.override(language):
        expected = rendered(STATUS_BADGE, status=status)
        assert tag("{% status_badge status %}", status=status) == expected
        assert tag("{% status_badge value %}", value=status.value) == expected
    assert status.css_class in expected


class Update:
    def __init__(self, state):
        self.review_state = state.value
        self.get_review_state_display = lambda: state.label


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("state", list(ReviewState))
def test_a_review_badge_is_the_partials_markup(language, state):
    with translation.override(language):
        update = Update(state)
        assert tag("{% review_badge update %}", update=update) == rendered(
            REVIEW_BADGE, update=update
        )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_disagreement_flag_is_the_partials_markup(language):
    with translation.override(language):
        expected = rendered(DISAGREEMENT)
        assert_same_markup(tag("{% disagreement_marker %}"), expected)
    if language == "fr":
        assert "Sources disagree" not in expected  # translated, not the English


ROWS = [
    [(Status.PLANNED, 3), (Status.IMPLEMENTED, 191), (Status.DECLINED, 1)],
    [(status, 1234 * index) for index, status in enumerate(Status)],
    [(Status.NO_INFORMATION, 195)],
    [(Status.IN_PROGRESS, 1), (Status.PLANNED, 2), (Status.NOT_STARTED, 999_999)],
    [],
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("row", ROWS)
def test_a_status_bar_is_the_partials_markup(language, row):
    bar = segments(row)
    with translation.override(language):
        expected = rendered(STATUS_BAR, bar=bar)
        assert_same_markup(tag("{% status_bar bar %}", bar=bar), expected)
    if language == "en" and len(row) == len(Status):
        assert "7,404" in expected  # a grouped count, in the label and a title


def test_a_status_bars_coordinates_never_take_a_decimal_comma():
    """SVG reads a point: French writes 12,5 for people, never in the bar's geometry."""
    with translation.override("fr"):
        html = tag(
            "{% status_bar bar %}", bar=segments([(Status.PLANNED, 1), (Status.DECLINED, 7)])
        )
    assert 'width="12.5"' in html
    assert 'x="12.5"' in html
    assert "12,5" not in html


def test_no_status_is_an_empty_badge_as_the_partial_wrote():
    assert tag("{% status_badge status %}", status=None) == rendered(STATUS_BADGE, status=None)


# The row of a recommendation's table of Member States before it was written in Python.
CELL_ROW = (
    '{% load cells i18n %}{% for cell in cells %}\n    <tr><th scope="row" class="fw-n'
    'ormal"><a href="{{ cell.state.get_absolute_url }}{% if as_of %}?as_of={{ as_of|d'
    "ate:'Y-m-d' }}{% endif %}\">{{ cell.state.label }}</a></th>\n      <td>{{ cell.sta"
    "te.region.label }}</td>\n      <td>{% status_link cell as_of %}</td>\n      <td>{{"
    ' cell.shown_date|date:"DATE_FORMAT"|default:"–" }}</td>\n      {% source_columns '
    "cell %}\n      <td>{% if cell.shown_disagreement %}{% disagreement_marker %}{% en"
    "dif %}</td>\n      {% if can_log %}<td>{% if cell.state_id in may.log_state_ids %"
    '}<a href="{{ log_url }}?recommendation={{ recommendation.code|urlencode }}&amp;s'
    'tate={{ cell.state.iso3|urlencode }}" aria-label="{% blocktranslate trimmed with'
    ' state=cell.state.label %}Log an update for {{ state }}{% endblocktranslate %}">'
    '{% translate "Log" context "verb: log an update" %}</a>{% endif %}</td>{% endif '
    "%}</tr>\n  {% endfor %}"
)


def assessment(source, status, day, update_id):
    return SimpleNamespace(
        source=source, status=status, date=datetime.date.fromisoformat(day), update_id=update_id
    )


def cells():
    ivory = MemberState(id=1, iso3="CIV", name="Côte d'Ivoire", regional_group="african")
    norway = MemberState(id=2, iso3="NOR", name="Norway", regional_group="western-european-others")
    recommendation = Recommendation(code="R19")
    return [
        SimpleNamespace(
            state=ivory,
            state_id=1,
            recommendation=recommendation,
            status=Status.IN_PROGRESS,
            shown_date=datetime.date(2021, 3, 9),
            shown_disagreement=True,
            source_columns=[
                assessment(AssessmentSource.GOVERNMENT, Status.IMPLEMENTED, "2021-03-09", 12),
                None,
                assessment(AssessmentSource.CIVIL_SOCIETY, Status.NOT_STARTED, "2020-01-01", 7),
                None,
            ],
        ),
        SimpleNamespace(
            state=norway,
            state_id=2,
            recommendation=recommendation,
            status=Status.NO_INFORMATION,
            shown_date=None,
            shown_disagreement=False,
            source_columns=[None, None, None, None],
        ),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("as_of", [None, datetime.date(2021, 6, 30)])
@pytest.mark.parametrize("can_log", [False, True])
def test_a_row_of_a_recommendations_table_is_the_templates_markup(language, as_of, can_log):
    context = {
        "cells": cells(),
        "as_of": as_of,
        "can_log": can_log,
        "may": SimpleNamespace(log_state_ids={1}),
        "log_url": "/updates/new/",
        "recommendation": Recommendation(code="R19"),
    }
    with translation.override(language):
        expected = rendered(CELL_ROW, **context)
        ours = rendered("{% load cells %}\n    {% cell_rows cells %}\n  ", **context)
    assert_same_markup(ours, expected)
    assert ("?recommendation=R19&amp;state=CIV" in ours) is can_log
    assert "Côte d&#x27;Ivoire" in ours or language != "en"


# A row of the progress log before it was written in Python.
UPDATE_ROW = (
    '{% load cells i18n %}{% for update in updates %}\n    <tr>\n      <td class="text-'
    'nowrap"><a href="{{ update.get_absolute_url }}">{{ update.effective_date|date:"D'
    'ATE_FORMAT" }}</a></td>\n      <td><a href="{{ update.cell.state.get_absolute_url'
    ' }}">{{ update.cell.state.label }}</a></td>\n      <td><a href="{{ update.cell.re'
    'commendation.get_absolute_url }}" title="{{ update.cell.recommendation.title_loc'
    'al }}">{{ update.cell.recommendation.code }}</a></td>\n      <td><a class="text-d'
    'ecoration-none" href="{{ update.cell.get_absolute_url }}">{% status_badge update'
    '.status_enum %}<span class="visually-hidden"> ({% translate "the cell\'s history,'
    ' every source" %})</span></a>{% if update.cell.sources_disagree %} {% disagreeme'
    'nt_marker %}{% endif %}</td>\n      <td dir="auto">{{ update.narrative|truncatewo'
    "rds:30 }}</td>\n      <td>{{ update.get_source_display }}</td>\n      {% if filter"
    ".reviewer %}<td>{% review_badge update %}</td>{% endif %}\n    </tr>\n  {% endfor "
    "%}"
)

# The catalogues keep one wording of this text, the one the cell pages' links use: the
# parentheses inside it (the partials' own, outside it, is no longer in use).
HISTORY = (
    ' ({% translate "the cell\'s history, every source" %})',
    ' {% translate "(the cell\'s history, every source)" %}',
)
UPDATE_ROW = UPDATE_ROW.replace(*HISTORY)


def updates():
    ivory = MemberState(id=1, iso3="CIV", name="Côte d'Ivoire", regional_group="african")
    recommendation = Recommendation(code="R19", title='Ratify the "Palermo" <Protocol>')
    calm = Cell(recommendation=recommendation, state=ivory, sources_disagree=False)
    torn = Cell(recommendation=recommendation, state=ivory, sources_disagree=True)
    long = " ".join(f"word{n}" for n in range(45))
    return [
        ProgressUpdate(
            pk=12,
            cell=torn,
            status=Status.IN_PROGRESS,
            effective_date=datetime.date(2021, 3, 9),
            narrative="<script>alert('x')</script> & a law\npassed",
            source=AssessmentSource.CIVIL_SOCIETY,
            review_state=ReviewState.APPROVED,
        ),
        ProgressUpdate(
            pk=1_000_007,
            cell=calm,
            status=Status.DECLINED,
            effective_date=datetime.date(1999, 12, 31),
            narrative=long,
            source=AssessmentSource.GOVERNMENT,
            review_state=ReviewState.RETURNED,
        ),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("reviewer", [False, True])
def test_a_row_of_the_progress_log_is_the_templates_markup(language, reviewer):
    context = {"updates": updates(), "filter": SimpleNamespace(reviewer=reviewer)}
    with translation.override(language):
        expected = rendered(UPDATE_ROW, **context)
        ours = rendered(
            "{% load cells %}{% for update in updates %}\n    {% update_row update %}\n"
            "  {% endfor %}",
            **context,
        )
    assert_same_markup(ours, expected)
    assert "&lt;script&gt;" in ours
    assert "word29 …" in ours  # the first 30 words
    assert ("review-returned" in ours) is reviewer


# An update in a page's timeline before it was written in Python.
TIMELINE_ENTRY = (
    "{% load cells i18n l10n languages %}{% for update in timeline %}\n      <li class"
    '="border-start border-3 ps-3 mb-3">\n        <div><strong>{{ update.effective_dat'
    'e|date:"DATE_FORMAT" }}</strong>\n          · <a href="{{ update.cell.state.get_a'
    'bsolute_url }}">{{ update.cell.state.label }}</a>\n          · <a href="{{ update'
    '.cell.recommendation.get_absolute_url }}">{{ update.cell.recommendation.code }}<'
    '/a>\n          · <a class="text-decoration-none" href="{{ update.cell.get_absolut'
    'e_url }}">{% status_badge update.status_enum %}<span class="visually-hidden"> ({'
    '% translate "the cell\'s history, every source" %})</span></a>\n        </div>\n   '
    '     <p class="mb-1 text-break" dir="auto">{{ update.narrative|linebreaksbr }}</'
    'p>\n        <div class="small text-body-secondary">{{ update.get_source_display }'
    "}{% if update.evidence_links %} · {% with links=update.evidence_links|length %}{"
    "% blocktranslate trimmed count counter=links with n=links|grouped %}{{ n }} evid"
    "ence link{% plural %}{{ n }} evidence links{% endblocktranslate %}{% endwith %}{"
    '% endif %} · <a href="{{ update.get_absolute_url }}">{% translate "Details" %}<s'
    'pan class="visually-hidden"> {% blocktranslate trimmed with id=update.pk|unlocal'
    "ize %}(update #{{ id }}){% endblocktranslate %}</span></a></div>\n      </li>\n   "
    " {% endfor %}"
)

TIMELINE_ENTRY = TIMELINE_ENTRY.replace(*HISTORY)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_update_in_a_timeline_is_the_templates_markup(language):
    timeline = updates()
    timeline[0].evidence = "https://example.org/a\n\nhttps://example.org/<b>"
    timeline[1].evidence = "https://example.org/law"
    with translation.override(language):
        expected = rendered(TIMELINE_ENTRY, timeline=timeline)
        ours = rendered(
            "{% load cells %}{% for update in timeline %}\n      {% timeline_entry update %}\n"
            "    {% endfor %}",
            timeline=timeline,
        )
    assert_same_markup(ours, expected)
    assert "&lt;/script&gt; &amp; a law<br>passed" in ours
    assert ("2 evidence links" in ours) is (language == "en")


# A recommendation of the catalogue before it was written in Python.
CARD = (
    '{% load cells i18n languages %}{% for rec in recommendations %}\n    <li class="c'
    'ard mb-3"><div class="card-body">\n      <h2 class="h5 card-title"><a href="{{ re'
    'c.get_absolute_url }}">{{ rec.code }} · {{ rec.title_local|localized }}</a></h2>'
    '\n      {% with summary=rec.summary_local %}{% if summary %}<p class="card-text">'
    '{{ summary|shorten:260 }}</p>{% else %}<p class="card-text" lang="en" dir="ltr">'
    '{{ rec.text|truncatewords:40 }}</p>{% endif %}{% endwith %}\n      <div class="sm'
    'all">\n        {% for theme in rec.themes.all %}<span class="badge text-bg-primar'
    'y me-1">{{ theme.label }}</span>{% endfor %}\n        {% for actor in rec.actors.'
    'all %}<span class="badge text-bg-light border me-1">{{ actor.label }}</span>{% e'
    'ndfor %}\n      </div>\n      <div class="small mt-1"><span class="text-body-secon'
    'dary">{% translate "Voiced by:" %}</span> {{ rec.get_voiced_by_display }} · <spa'
    'n class="text-body-secondary">{% translate "Strength of the ask:" %}</span> {{ r'
    'ec.get_strength_display }}</div>\n      <div class="small text-body-secondary mt-'
    '1" lang="en" dir="ltr">{{ rec.citation }}</div>\n      {% status_bar rec.bar %}\n '
    "   </div></li>\n  {% endfor %}"
)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_recommendation_of_the_catalogue_is_the_templates_markup(seeded, language):
    """Every recommendation of the seeded catalogue, with its tags and status bar, with and
    without a summary in the page's language."""
    with translation.override(language):
        recommendations = list(Recommendation.objects.with_tags().order_by("order"))
        recommendations_with_distribution(recommendations)
        recommendations[0].text = "<b>Quoted</b> & " + " ".join(["word"] * 50)
        expected = rendered(CARD, recommendations=recommendations)
        ours = rendered(
            "{% load cells %}{% for rec in recommendations %}\n    {% recommendation_card rec %}"
            "\n  {% endfor %}",
            recommendations=recommendations,
        )
    assert_same_markup(ours, expected)
    assert ours.count('<li class="card') == len(recommendations) >= 40
    assert "text-bg-primary" in ours  # the themes
    if language == "en":
        assert "&lt;b&gt;Quoted&lt;/b&gt; &amp;" in ours
