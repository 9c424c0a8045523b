"""The whole picture (issue 17): every recommendation against every Member State in one grid
(``/matrix/``), and per regional group the grid transposed (``/matrix/<group>/``): a coloured
cell with a symbol per status, a link to each cell, the dashboard's filters and figures, a CSV of
the grid, and a constant number of queries whatever the size of the log."""

import csv
import datetime
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from recommendations import selectors
from recommendations.filters import CellFilter
from recommendations.models import (
    Cell,
    MemberState,
    Recommendation,
    RegionalGroup,
    Status,
    months_ago,
)
from tests.factories import approved_update
from tests.integration.test_as_of import grow, query_count

pytestmark = pytest.mark.django_db

S = Status


def day(year, month=1, date=1):
    return datetime.date(year, month, date)


def approved(code, iso3, status, on, source="government"):
    return approved_update(code, iso3, status, on, source=source)


@pytest.fixture
def history():
    """A few cells reported, in two regional groups and three themes, one changed since 2020."""
    approved("R19", "NGA", S.NOT_STARTED, day(2014, 2, 1))
    approved("R19", "NGA", S.IMPLEMENTED, day(2021, 3, 1))
    approved("R23", "GHA", S.DECLINED, day(2019, 8, 1))
    approved("R19", "FRA", S.PARTIALLY_IMPLEMENTED, day(2019, 1, 1))
    approved("R08", "NGA", S.IN_PROGRESS, day(2020, 1, 1))
    approved("R03", "KEN", S.PLANNED, day(2019, 2, 2))
    approved("R03", "FRA", S.IMPLEMENTED, day(2022, 6, 1))


# Reading the page's grid -------------------------------------------------------------------------


@dataclass
class Cell_:
    tag: str
    attrs: dict
    links: list[dict] = field(default_factory=list)
    text: str = ""


class GridReader(HTMLParser):
    """The table.matrix of a page: its header rows and body rows, each a list of cells."""

    def __init__(self):
        super().__init__()
        self.inside, self.section = False, None
        self.head: list[list[Cell_]] = []
        self.body: list[list[Cell_]] = []
        self.cell: Cell_ | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "matrix" in (attrs.get("class") or "").split():
            self.inside = True
        if not self.inside:
            return
        if tag in ("thead", "tbody"):
            self.section = self.head if tag == "thead" else self.body
        elif tag == "tr":
            self.section.append([])
        elif tag in ("td", "th") and self.section is not None:
            self.cell = Cell_(tag, attrs)
            self.section[-1].append(self.cell)
        elif tag == "a" and self.cell is not None:
            self.cell.links.append(attrs)
        elif tag == "abbr" and self.cell is not None:
            self.cell.attrs["abbr_title"] = attrs.get("title")

    def handle_endtag(self, tag):
        if tag == "table" and self.inside:
            self.inside, self.section = False, None
        elif tag in ("td", "th"):
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.text += data


def grid_of(response) -> GridReader:
    assert response.status_code == 200
    reader = GridReader()
    reader.feed(response.content.decode())
    return reader


def body_rows(reader) -> dict[str, list[Cell_]]:
    """Each body row by its header's text (a code or a state's name) -> its data cells."""
    return {row[0].links[0]["href"]: row[1:] for row in reader.body}


def column_codes(reader) -> list[str]:
    return [cell.text.strip() for cell in reader.head[-1][1:]]


def cells_by_key(reader) -> dict[tuple[str, str], Cell_]:
    """(row code, column code) -> cell, the row code read from its header link's address."""
    codes = column_codes(reader)
    found = {}
    for row in reader.body:
        row_code = row[0].links[0]["href"].split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        for code, cell in zip(codes, row[1:], strict=True):
            found[row_code, code] = cell
    return found


def csv_of(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


# The grid ----------------------------------------------------------------------------------------


def test_every_recommendation_against_every_state(client, history):
    reader = grid_of(client.get("/matrix/"))
    recommendations = list(Recommendation.objects.order_by("order", "code"))
    assert [row[0].text.split()[0] for row in reader.body] == [r.code for r in recommendations]
    assert len(column_codes(reader)) == MemberState.objects.count() == 195
    assert all(len(row) == 1 + 195 for row in reader.body)


def test_states_are_grouped_by_regional_group_under_a_header_of_group_names(client, history):
    reader = grid_of(client.get("/matrix/"))
    groups = reader.head[0][1:]
    assert [cell.text.strip() for cell in groups] == [str(g.label) for g in RegionalGroup]
    assert all(cell.attrs["scope"] == "colgroup" for cell in groups)
    spans = [int(cell.attrs["colspan"]) for cell in groups]
    assert sum(spans) == 195
    codes = column_codes(reader)
    regions = dict(MemberState.objects.values_list("iso3", "regional_group"))
    start = 0
    for group, span in zip(RegionalGroup, spans, strict=True):
        assert {regions[code] for code in codes[start : start + span]} == {group.value}
        assert codes[start : start + span] == sorted(codes[start : start + span])
        start += span


def test_each_state_column_is_its_iso3_code_naming_and_linking_the_state(client, history):
    reader = grid_of(client.get("/matrix/"))
    header = {cell.text.strip(): cell for cell in reader.head[-1][1:]}
    france = header["FRA"]
    assert france.attrs["scope"] == "col"
    assert france.attrs["abbr_title"] == "France"
    assert france.links[0]["href"] == reverse("recommendations:state-detail", args=["FRA"])
    assert header["CIV"].attrs["abbr_title"] == "Côte d'Ivoire"


def test_each_cell_shows_its_status_by_colour_and_symbol_and_links_to_its_page(client, history):
    cells = cells_by_key(grid_of(client.get("/matrix/")))
    nigeria = cells["R19", "NGA"]
    assert nigeria.attrs["class"] == S.IMPLEMENTED.css_class
    assert nigeria.text == S.IMPLEMENTED.symbol
    assert nigeria.links[0]["href"] == reverse("recommendations:cell-detail", args=["R19", "NGA"])
    assert nigeria.links[0]["title"] == "Implemented · 2021-03-01"
    assert cells["R23", "GHA"].text == S.DECLINED.symbol
    assert cells["R23", "GHA"].attrs["class"] == "status-declined"
    # a cell never reported: no information, and no date
    unknown = cells["R01", "AFG"]
    assert (unknown.attrs["class"], unknown.text) == ("status-no-information", "?")
    assert unknown.links[0]["title"] == "No information"
    assert unknown.links[0]["href"] == "/recommendations/R01/AFG/"


def test_every_status_has_a_symbol_of_its_own_and_the_legend_names_them_all(client, history):
    symbols = [status.symbol for status in Status]
    assert len(set(symbols)) == len(Status)
    assert all(len(symbol) == 1 and not symbol.isspace() for symbol in symbols)
    page = client.get("/matrix/")
    legend = page.text.split('class="list-inline matrix-legend', 1)[1].split("</ul>", 1)[0]
    for status in Status:
        assert f'<span class="matrix-swatch {status.css_class}">{status.symbol}</span>' in legend
        assert str(status.label) in legend


def test_the_legend_counts_the_cells_of_each_status(client, history):
    page = client.get("/matrix/")
    counts = dict(page.context["grid"].counts)
    assert counts[S.IMPLEMENTED] == 2
    assert counts[S.DECLINED] == 1
    assert counts[S.NO_INFORMATION] == 40 * 195 - 6
    assert "Implemented: 2" in page.text


def test_the_grid_has_sticky_headers_inside_its_own_scroll_box(client, history):
    text = client.get("/matrix/").text
    assert '<div class="matrix-scroll">' in text
    assert text.index('<div class="matrix-scroll">') < text.index('<table class="matrix')
    assert re.search(r'<script src="/static/js/matrix\.js[^"]*" defer>', text)
    assert "<script>" not in text.split("<main", 1)[1]  # no inline script (CSP)


# Filters: the dashboard's, and its figures -------------------------------------------------------


def test_the_matrix_offers_the_dashboards_filters_it_asks_for(client, history):
    form = client.get("/matrix/").context["filter"].form
    assert set(form.fields) == {"as_of", "theme", "actor", "region", "status", "disagreement"}


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"theme": "protection"},
        {"region": "african"},
        {"status": ["implemented", "declined"]},
        {"actor": "member-states", "region": "western-european-others"},
        {"theme": "protection", "status": "implemented"},
        {"as_of": "2020-06-30"},
        {"as_of": "2020-06-30", "region": "african", "status": "not_started"},
        {"disagreement": "no", "theme": "prevention"},
    ],
)
def test_the_matrix_counts_what_the_dashboard_counts_for_the_same_filters(client, history, query):
    """Filter parity: the cells shown per status are the dashboard's, for the same data."""
    page = client.get("/matrix/", query)
    filterset = CellFilter(page.wsgi_request.GET, queryset=Cell.objects.all())
    as_of = filterset.as_of_date
    dashboard = selectors.dashboard(
        filterset.qs, filtered=filterset.active, stale_since=months_ago(24, as_of), as_of=as_of
    )
    expected = Counter()
    for _group, row in dashboard.regions:
        expected.update(dict(row))
    shown = Counter(dict(page.context["grid"].counts))
    assert +shown == +expected
    assert page.context["grid"].total == dashboard.total
    # and the page's own cells say the same
    cells = [cell for row in grid_of(page).body for cell in row[1:] if cell.links]
    assert len(cells) == dashboard.total
    symbol = {status.symbol: status for status in Status}
    assert +Counter(symbol[cell.text] for cell in cells) == +expected


def test_rows_and_columns_are_those_with_a_cell_left_and_the_others_blank(client, history):
    reader = grid_of(client.get("/matrix/", {"status": "implemented"}))
    assert [row[0].text.split()[0] for row in reader.body] == ["R03", "R19"]
    assert column_codes(reader) == ["NGA", "FRA"]  # African Group first, then Western European
    cells = cells_by_key(reader)
    assert cells["R19", "NGA"].text == S.IMPLEMENTED.symbol
    assert cells["R03", "FRA"].text == S.IMPLEMENTED.symbol
    # R19 in France is partially implemented: filtered out, a blank cell with no link
    blank = cells["R19", "FRA"]
    assert (blank.text, blank.links, blank.attrs) == ("", [], {})
    assert len(reader.head[0]) == 1 + 2  # two groups left


def test_a_theme_keeps_its_recommendations_only(client, history):
    reader = grid_of(client.get("/matrix/", {"theme": "protection"}))
    codes = [row[0].text.split()[0] for row in reader.body]
    assert codes == list(
        Recommendation.objects.filter(themes__slug="protection")
        .order_by("order", "code")
        .values_list("code", flat=True)
    )
    assert len(column_codes(reader)) == 195


def test_nothing_selected_says_so(client, history):
    page = client.get("/matrix/", {"status": "declined", "region": "asia-pacific"})
    assert page.status_code == 200
    assert "No cell matches these filters." in page.text
    assert "<table" not in page.text.split('id="results"', 1)[1]


@pytest.mark.parametrize(
    "query",
    [
        {"status": "bogus"},
        {"theme": "no-such-theme"},
        {"region": "atlantis"},
        {"as_of": "2021-13-45"},
        {"as_of": "1900-01-01"},
        {"disagreement": "maybe"},
        {"status": "x" * 5000},
        {"actor": "<script>"},
    ],
)
def test_bad_filter_input_is_explained_never_an_error(client, history, query):
    page = client.get("/matrix/", query)
    assert page.status_code == 200
    assert "is-invalid" in page.text or "Some filters were not understood" in page.text
    # the invalid value is ignored: the grid is whole
    assert page.context["grid"].total == 40 * 195
    assert "<script>" not in page.text.split("<main", 1)[1].split("</main>", 1)[0]


def test_a_nul_byte_is_refused_as_everywhere_else(client, history):
    assert client.get("/matrix/", {"status": "\x00"}).status_code == 400


def test_texts_from_the_catalogue_are_escaped(client, history):
    Recommendation.objects.filter(code="R01").update(title='<img src=x onerror="alert(1)">')
    text = client.get("/matrix/").text
    assert "<img src=x" not in text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in text


# As of a date ------------------------------------------------------------------------------------


def test_as_of_a_date_the_cells_show_that_days_status_and_link_to_that_day(client, history):
    reader = grid_of(client.get("/matrix/", {"as_of": "2020-06-30"}))
    cells = cells_by_key(reader)
    nigeria = cells["R19", "NGA"]  # not started in 2014, implemented only in 2021
    assert nigeria.text == S.NOT_STARTED.symbol
    assert nigeria.links[0]["title"] == "Not started · 2014-02-01"
    assert nigeria.links[0]["href"] == "/recommendations/R19/NGA/?as_of=2020-06-30"
    assert cells["R03", "FRA"].text == S.NO_INFORMATION.symbol  # implemented in 2022
    # the headers link to the pages on that day too
    assert reader.body[0][0].links[0]["href"].endswith("?as_of=2020-06-30")
    assert reader.head[-1][1].links[0]["href"].endswith("?as_of=2020-06-30")
    assert "A past date" in client.get("/matrix/", {"as_of": "2020-06-30"}).text


# CSV ---------------------------------------------------------------------------------------------


def test_the_csv_is_the_grid_of_status_codes(client, history):
    response = client.get("/matrix/", {"format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="matrix.csv"'
    rows = csv_of(response)
    header = rows[0]
    assert header[:2] == ["recommendation", "title"]
    assert header[2:] == column_codes(grid_of(client.get("/matrix/")))
    assert len(rows) == 1 + 40
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_code["R19"]["NGA"] == "implemented"
    assert by_code["R19"]["FRA"] == "partially_implemented"
    assert by_code["R01"]["AFG"] == "no_information"
    assert by_code["R19"]["title"] == Recommendation.objects.get(code="R19").title


def test_the_csv_follows_the_filters_and_leaves_filtered_out_cells_blank(client, history):
    rows = csv_of(client.get("/matrix/", {"status": "implemented", "format": "csv"}))
    assert rows[0] == ["recommendation", "title", "NGA", "FRA"]
    assert [row[0] for row in rows[1:]] == ["R03", "R19"]
    assert rows[1][2:] == ["", "implemented"]
    assert rows[2][2:] == ["implemented", ""]


def test_the_csv_as_of_a_date_is_named_for_it(client, history):
    response = client.get("/matrix/", {"as_of": "2020-06-30", "format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="matrix-2020-06-30.csv"'
    rows = csv_of(response)
    nga = rows[0].index("NGA")
    assert next(row for row in rows if row[0] == "R19")[nga] == "not_started"


# Transposed, per regional group ------------------------------------------------------------------


def test_each_regional_group_has_its_transposed_grid_linked_from_the_matrix(client, history):
    text = client.get("/matrix/").text
    for group in RegionalGroup:
        url = reverse("recommendations:matrix-group", args=[group.value])
        assert f'href="{url}"' in text
        assert client.get(url).status_code == 200


def test_the_transposed_grid_has_the_groups_states_as_rows(client, history):
    page = client.get("/matrix/african/")
    reader = grid_of(page)
    african = MemberState.objects.filter(regional_group="african")
    assert len(reader.body) == african.count()
    assert {row[0].text for row in reader.body} == {state.name for state in african}
    names = [row[0].text for row in reader.body]
    assert names == sorted(names)
    assert column_codes(reader) == list(
        Recommendation.objects.order_by("order", "code").values_list("code", flat=True)
    )
    cells = cells_by_key(reader)
    nigeria = cells["NGA", "R19"]
    assert nigeria.text == S.IMPLEMENTED.symbol
    assert nigeria.attrs["class"] == S.IMPLEMENTED.css_class
    assert nigeria.links[0]["href"] == "/recommendations/R19/NGA/"
    assert cells["GHA", "R23"].text == S.DECLINED.symbol
    assert "FRA" not in {key[0] for key in cells}
    assert "region" not in page.context["filter"].form.fields
    header = reader.head[-1][1]
    assert header.attrs["abbr_title"] == Recommendation.objects.order_by("order").first().title


def test_the_transposed_grid_filters_and_exports_alike(client, history):
    reader = grid_of(client.get("/matrix/african/", {"status": "implemented"}))
    assert [row[0].text for row in reader.body] == ["Nigeria"]
    assert column_codes(reader) == ["R19"]
    response = client.get("/matrix/african/", {"as_of": "2020-06-30", "format": "csv"})
    assert response["Content-Disposition"] == (
        'attachment; filename="matrix-african-2020-06-30.csv"'
    )
    rows = csv_of(response)
    assert rows[0][:3] == ["state", "name", "R01"]
    nigeria = next(row for row in rows if row[0] == "NGA")
    assert nigeria[1] == "Nigeria"
    assert nigeria[rows[0].index("R19")] == "not_started"
    assert nigeria[rows[0].index("R08")] == "in_progress"


@pytest.mark.parametrize("group", ["atlantis", "AFRICAN", "african-group", "-"])
def test_an_unknown_group_is_a_404(client, group):
    assert client.get(f"/matrix/{group}/").status_code == 404
    assert client.get(f"/matrix/{group}/?format=csv").status_code == 404


# In Arabic ---------------------------------------------------------------------------------------


def test_the_matrix_in_arabic_names_states_in_arabic_and_keeps_its_links(client, history):
    page = client.get("/ar/matrix/")
    reader = grid_of(page)
    header = {cell.text.strip(): cell for cell in reader.head[-1][1:]}
    assert header["FRA"].attrs["abbr_title"] == "فرنسا"
    assert header["FRA"].links[0]["href"] == "/ar/states/FRA/"
    assert cells_by_key(reader)["R19", "NGA"].links[0]["href"] == "/ar/recommendations/R19/NGA/"


# The dashboard leads to it -----------------------------------------------------------------------


def test_the_dashboard_links_to_the_matrix(client, history):
    text = client.get("/dashboard/").text
    assert 'href="/matrix/"' in text
    assert 'href="/matrix/?as_of=2020-06-30"' in client.get("/dashboard/?as_of=2020-06-30").text


# Query counts: constant in the size of the data --------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/matrix/",
        "/matrix/?theme=protection&region=african&status=implemented",
        "/matrix/?as_of=2016-06-30",
        "/matrix/?as_of=2016-06-30&disagreement=yes",
        "/matrix/?format=csv",
        "/matrix/african/",
        "/matrix/african/?as_of=2016-06-30&format=csv",
        "/ar/matrix/",
    ],
)
def test_query_counts_do_not_grow_with_the_data(client, url):
    grow(5)
    small = query_count(client, url)
    grow(60)
    assert query_count(client, url) == small


def test_the_grid_is_read_in_three_queries(django_assert_num_queries, history):
    from recommendations import matrix

    with django_assert_num_queries(3):  # the cells, the recommendations, the states
        grid = matrix.grid(CellFilter({}, queryset=Cell.objects.all()).qs)
        grid.rows_html()
        list(grid.csv_rows())
