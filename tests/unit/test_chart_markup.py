"""The dashboard's chart written in Python is the markup its template loops wrote."""

import pytest
from django.template import engines
from django.utils import translation

from recommendations.charts import stacked_bars
from recommendations.templatetags.chart_markup import chart_bars, chart_rows

# The dashboard's loops before they were written in Python (issue 18), in the page's
# {% localize off %} block.
LOOPS = engines["django"].from_string(
    "{% load l10n languages %}{% localize off %}"
    "{% for column in chart.columns %}"
    "{% for bar in column.bars %}"
    '<rect class="fill-{{ bar.status.css_class }}" x="{{ bar.x }}" y="{{ bar.y }}" '
    'width="{{ bar.width }}" height="{{ bar.height }}"><title>{{ column.year }} · '
    "{{ bar.status.label }} · {{ bar.count|grouped }}</title></rect>{% endfor %}"
    "{% if forloop.counter0|divisibleby:chart.label_every %}"
    '<text x="{{ column.label_x }}" y="{{ chart.height|add:\'-8\' }}" text-anchor="middle" '
    'class="chart-label">{{ column.year }}</text>{% endif %}'
    "{% endfor %}|"
    "{% for column in chart.columns %}<tr><td>{{ column.year }}</td><td>"
    "{{ column.total|grouped }}</td><td>{% for bar in column.bars %}{{ bar.status.label }} "
    "{{ bar.count|grouped }}{% if not forloop.last %}; {% endif %}{% endfor %}</td></tr>"
    "{% endfor %}{% endlocalize %}"
)

ROWS = [
    {"year": year, "status": status, "n": n}
    for year in range(2008, 2027)
    for status, n in [
        ("planned", 3 * year - 6000),
        ("implemented", 12345 + year),
        ("in_progress", 7),
        ("declined", 999),
    ]
] + [{"year": 2030, "status": "partially_implemented", "n": 1}]


@pytest.mark.parametrize("language", ["en", "fr", "ar", "ru"])
@pytest.mark.parametrize("rows", [ROWS, ROWS[:3], []])
def test_the_chart_is_written_as_the_templates_loops_wrote_it(language, rows):
    chart = stacked_bars(rows)
    with translation.override(language):
        expected = LOOPS.render({"chart": chart})
        assert f"{chart_bars(chart)}|{chart_rows(chart)}" == expected
    if rows:
        assert "14,353" in expected or language != "en"  # a grouped count is in the markup
