"""The dashboard's tables written in Python are the markup its template loops wrote: the heat
map, the world map's table, the counts by theme and by regional group, the cells whose sources
disagree and the cells gone stale, in English, French and Arabic, today and as of a day, with
counts past a thousand and names that hold markup."""

import datetime
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import engines
from django.utils import translation
from django.utils.functional import lazy
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from recommendations.charts import heat
from recommendations.maps import Share
from recommendations.models import (
    Cell,
    MemberState,
    Recommendation,
    RegionalGroup,
    Status,
    Theme,
)
from recommendations.templatetags.chart_markup import count, escaped
from recommendations.templatetags.languages import grouped
from tests.markup import Elements

ENGINE = engines["django"]
LANGUAGES = ["en", "fr", "ar"]
AS_OF = [None, datetime.date(2021, 6, 30)]
HOSTILE = """<script>alert("x")</script> O'Brien & "co" </td><td>"""

# The dashboard's loops before they were written in Python (issue 18), as dashboard.html and
# partials/count_table.html wrote them, in the page's {% localize off %} block.
OLD = "{% load cells i18n l10n languages %}{% localize off %}"
NEW = "{% load dashboard_markup i18n l10n %}{% localize off %}"
END = "{% endlocalize %}"

HEAT_MAP = (
    "  {% for rec, row in matrix %}\n"
    '    <tr><th scope="row" class="fw-normal"><a href="{{ rec.get_absolute_url }}'
    '{% if as_of %}?as_of={{ as_of|date:\'Y-m-d\' }}{% endif %}" title="{{ rec.title_local }}">'
    '{{ rec.code }}</a> <span class="d-none d-lg-inline small">'
    "{{ rec.title_local|truncatechars:50 }}</span></th>\n"
    "      {% for status, n, level in row %}"
    '<td class="text-center heat heat-{{ level }}">{{ n|grouped }}</td>{% endfor %}</tr>\n'
    "  {% empty %}\n"
    '    <tr><td colspan="8">{% translate "No cell matches these filters." %}</td></tr>\n'
    "  {% endfor %}\n"
)
NEW_HEAT_MAP = (
    "  {% if matrix %}{% heat_rows matrix as_of %}{% else %}\n"
    '    <tr><td colspan="8">{% translate "No cell matches these filters." %}</td></tr>\n'
    "  {% endif %}\n"
)

SHARES = (
    '{% for share in shares %}<tr><th scope="row" class="fw-normal"><a href="{{ share.url }}">'
    '{{ share.state.label }}</a></th><td class="text-end">{{ share.done }}</td>'
    '<td class="text-end">{{ share.total }}</td><td class="text-end">{{ share.percent }}%</td>'
    '</tr>{% empty %}<tr><td colspan="4">{% translate "No Member State matches these filters." %}'
    "</td></tr>{% endfor %}"
)
NEW_SHARES = (
    '{% if shares %}{% share_rows shares %}{% else %}<tr><td colspan="4">'
    '{% translate "No Member State matches these filters." %}</td></tr>{% endif %}'
)

COUNT_TABLE = (
    '{% load languages %}<div class="table-responsive">\n<table class="table table-sm">\n'
    '  <thead><tr><th scope="col">{{ label }}</th>{% for status in statuses %}'
    '<th scope="col" class="text-center"><span class="visually-hidden">{{ status.label }}</span>'
    '<span aria-hidden="true" title="{{ status.label }}" class="badge status-badge '
    '{{ status.css_class }}">{{ status.label|truncatechars:6 }}</span></th>{% endfor %}'
    "</tr></thead>\n  <tbody>\n  {% for group, row in rows %}\n"
    '    <tr><th scope="row" class="fw-normal">{{ group.label|default:group.name }}</th>'
    '{% for status, n in row %}<td class="text-center">{{ n|grouped }}</td>{% endfor %}</tr>\n'
    "  {% endfor %}\n  </tbody>\n</table>\n</div>\n"
)

DISAGREEMENT = (
    '{% for theme, n in rows %}<tr><th scope="row" class="fw-normal">{{ theme.label }}</th>'
    '<td class="text-end">{{ n|grouped }}</td></tr>{% endfor %}'
)

STALE = (
    '{% for cell in stale_cells %}<tr><td><a href="{{ cell.recommendation.get_absolute_url }}'
    "{% if as_of %}?as_of={{ as_of|date:'Y-m-d' }}{% endif %}\">{{ cell.recommendation.code }}"
    '</a></td><td><a href="{{ cell.state.get_absolute_url }}{% if as_of %}?as_of='
    "{{ as_of|date:'Y-m-d' }}{% endif %}\">{{ cell.state.label }}</a></td><td>"
    '<a class="text-decoration-none" href="{{ cell.get_absolute_url }}{% if as_of %}?as_of='
    "{{ as_of|date:'Y-m-d' }}{% endif %}\">{% status_badge cell.status %}"
    '<span class="visually-hidden"> {% blocktranslate trimmed with code=cell.recommendation.code '
    "state=cell.state.label %}({{ code }} for {{ state }}: the cell's history, every source)"
    '{% endblocktranslate %}</span></a></td><td>{{ cell.shown_date|date:"DATE_FORMAT" }}'
    "</td></tr>{% endfor %}"
)


def rendered(source: str, **context) -> str:
    return ENGINE.from_string(source).render(context)


def assert_same_markup(ours: str, loops: str) -> None:
    """The same elements, attributes and texts as a browser reads them. (``blocktranslate``
    left its translated words unescaped; ours escapes them: an apostrophe may be ``&#x27;``.)"""
    ours_read, loops_read = Elements(ours), Elements(loops)
    assert (ours_read.found, ours_read.texts) == (loops_read.found, loops_read.texts)
    assert ours.replace("&#x27;", "'") == loops.replace("&#x27;", "'")


def recommendations() -> list[Recommendation]:
    return [
        Recommendation(
            code="R01",
            title="Criminalise every form of trafficking in persons, as the Palermo Protocol asks",
            translations={
                "fr": {"title": "Incriminer la traite des personnes sous toutes ses formes"},
                "ar": {"title": "تجريم الاتجار بالأشخاص بجميع أشكاله كما يطلب بروتوكول باليرمو"},
            },
        ),
        # Markup in the title, on both sides of the cut at 50 characters; French translated.
        Recommendation(
            code="R19",
            title=f"Protect {HOSTILE} victims & witnesses, <b>whatever</b> their status",
            translations={"fr": {"title": f"Protéger {HOSTILE} « victimes » & témoins"}},
        ),
        # Combining accents (the cut counts characters as a reader sees them) and a short one.
        Recommendation(code="R40", title="Re\u0301sume\u0301s " * 8),
        Recommendation(code="R7", title="Short"),
    ]


ROW = list(zip(Status, [0, 3, 1_234_567, 999, 1000, 195, 7], strict=True))


def matrix():
    rows = [ROW, [(status, 0) for status in Status], ROW[::-1], [(s, 12_000) for s in Status]]
    return [(rec, heat(row, 1_234_567)) for rec, row in zip(recommendations(), rows, strict=True)]


def states() -> list[MemberState]:
    return [
        MemberState(id=1, iso3="CIV", name="Côte d'Ivoire", regional_group="african"),
        MemberState(id=2, iso3="QQQ", name=HOSTILE, regional_group="african"),
        MemberState(id=3, iso3="NOR", name="Norway", regional_group="western-european-others"),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("as_of", AS_OF)
@pytest.mark.parametrize("rows", [matrix, list])
def test_the_heat_map_is_written_as_its_loops_wrote_it(language, as_of, rows):
    context = {"matrix": rows(), "as_of": as_of}
    with translation.override(language):
        expected = rendered(OLD + HEAT_MAP + END, **context)
        ours = rendered(NEW + NEW_HEAT_MAP + END, **context)
    assert ours == expected
    if context["matrix"]:
        assert "&lt;script&gt;" in ours
        assert "<script>" not in ours
        assert ("1,234,567" in ours) is (language == "en")  # grouped, as the locale writes it
        assert ('?as_of=2021-06-30"' in ours) is bool(as_of)
        assert "…" in ours  # a title cut
    else:
        assert "colspan" in ours


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("empty", [False, True])
def test_the_world_maps_table_is_written_as_its_loop_wrote_it(language, empty):
    ivory, hostile, norway = states()
    shares = [
        Share(ivory, 12, 40, "/states/CIV/?as_of=2021-06-30"),
        Share(hostile, 0, 0, 'javascript:alert("<x>")&y=1'),
        Share(norway, 39, 40, "/fr/states/NOR/"),
    ]
    context = {"shares": [] if empty else shares}
    with translation.override(language):
        expected = rendered(OLD + SHARES + END, **context)
        ours = rendered(NEW + NEW_SHARES + END, **context)
    assert ours == expected
    if not empty:
        assert re.findall(r'<td class="text-end">(\d+)%</td>', ours) == ["30", "0", "98"]
        assert "&amp;y=1" in ours
        assert "&lt;script&gt;" in ours


def count_rows():
    theme = Theme(name=f"Protection {HOSTILE}", translations={"fr": {"name": "Protection & <i>"}})
    untitled = SimpleNamespace(label="", name="<b>A group without a label</b>")
    return [
        (theme, ROW),
        (untitled, [(status, 1000 * index) for index, status in enumerate(Status)]),
        (RegionalGroup.AFRICAN, ROW[::-1]),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("translated", [True, False])
@pytest.mark.parametrize("rows", [count_rows, list])
def test_a_table_of_counts_is_the_partials_markup(language, translated, rows):
    """As the page includes it, its label from ``{% translate ... as %}``; or any text."""
    label = "{% translate 'Regional group' as label %}" if translated else ""
    context = {"rows": rows(), "statuses": list(Status), "label": HOSTILE}
    with translation.override(language):
        expected = rendered("{% load i18n %}" + label + COUNT_TABLE, **context)
        ours = rendered(NEW + label + "{% count_table rows label statuses %}" + END, **context)
    assert ours == expected
    if not translated:
        assert '<th scope="col">&lt;script&gt;alert(&quot;x&quot;)' in ours
    if language == "fr":
        assert 'title="Non entamée" class="badge status-badge status-not-started">Non e…<' in ours
    if context["rows"]:
        assert "&lt;b&gt;A group without a label&lt;/b&gt;" in ours


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_disagreement_tables_are_written_as_their_loops_wrote_them(language):
    rows = [
        (Theme(name=HOSTILE, translations={"ar": {"name": "الحماية <b>"}}), 1_000_000),
        (RegionalGroup.LATIN_AMERICAN_CARIBBEAN, 0),
        (RegionalGroup.AFRICAN, 42),
    ]
    with translation.override(language):
        expected = rendered(OLD + DISAGREEMENT + END, rows=rows)
        ours = rendered(NEW + "{{ rows|disagreement_rows }}" + END, rows=rows)
        assert rendered(NEW + "{{ rows|disagreement_rows }}" + END, rows=[]) == ""
    assert ours == expected
    assert ">1,000,000<" in ours or language != "en"
    assert "&lt;" in ours  # the theme's name, or its Arabic one, escaped


def stale_cells():
    ivory, hostile, norway = states()
    r01, r19, *_ = recommendations()
    shown = []
    for rec, state, status, day in [
        (r19, hostile, Status.IN_PROGRESS, datetime.date(2019, 3, 9)),
        (r01, ivory, Status.NO_INFORMATION.value, datetime.date(2020, 12, 31)),
        (r01, norway, "declined", datetime.date(2008, 1, 1)),
    ]:
        cell = Cell(recommendation=rec, state=state)
        cell.status_on, cell.status_date_on = status, day  # as the selector shows them
        shown.append(cell)
    return shown


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("as_of", AS_OF)
def test_the_stale_cells_are_written_as_their_loop_wrote_them(language, as_of):
    context = {"stale_cells": stale_cells(), "as_of": as_of}
    with translation.override(language):
        expected = rendered(OLD + STALE + END, **context)
        ours = rendered(NEW + "{% stale_rows stale_cells as_of %}" + END, **context)
        assert rendered(NEW + "{% stale_rows cells as_of %}" + END, cells=[], as_of=as_of) == ""
    assert_same_markup(ours, expected)
    assert ours.count('"visually-hidden"> (') == 3
    assert ("?as_of=2021-06-30" in ours) is bool(as_of)
    if language == "fr":
        assert "31 décembre 2020" in ours  # the locale's DATE_FORMAT
        assert "l&#x27;historique de la cellule" in ours  # the catalogue's words, escaped


@pytest.mark.parametrize(
    "value",
    [
        HOSTILE,
        mark_safe("<b>already safe</b>"),
        lazy(lambda: HOSTILE, str)(),
        lazy(lambda: mark_safe("<i>lazy, safe</i>"), str)(),
        Status.PLANNED.label,
        12,
        None,
    ],
)
def test_the_shared_escape_is_djangos_conditional_escape(value):
    assert escaped(value) == conditional_escape(value)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "n", [0, 7, 999, -999, 1000, -1000, 1_234_567, True, Decimal("12345.5"), 2.5, "1234"]
)
def test_a_count_is_written_as_grouped_writes_it(language, n):
    with translation.override(language):
        assert count(n) == conditional_escape(grouped(n))
