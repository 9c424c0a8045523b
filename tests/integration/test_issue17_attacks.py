"""Issue 17's new doors tried as a hostile visitor would: the matrix (``/matrix/``,
``/matrix/<group>/``, its CSV), the world maps (the recommendation page, the dashboard, the
shapes at ``/map/shapes.svg``) and the print header. Odd, repeated, oversized or hostile query
strings never make a 500; names and narratives with markup are escaped wherever the new pages
write them (cells' titles, the map's labels and tips, the brief); the CSV never hands a
spreadsheet a formula; the matrix, the maps and the dashboard tell the same story for the same
filters; the print header names a date only when the page shows a past one."""

import csv
import datetime
import io
import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from recommendations import maps
from recommendations.models import MemberState, Recommendation, RegionalGroup, Status
from recommendations.services import cell_refresh_status
from tests.factories import ProgressUpdateFactory, approved_update, cell_at

pytestmark = pytest.mark.django_db

S = Status
HOSTILE = """<script>alert(1)</script>"'&"""
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#x27;&amp;"
NEW_PAGES = ["/matrix/", "/matrix/african/", "/dashboard/", "/recommendations/R03/"]


def approved(code, iso3, status, on, narrative="Reported."):
    return approved_update(code, iso3, status, on, narrative=narrative)


@pytest.fixture
def history():
    """A few cells reported in three regional groups, two of them changed since 2020."""
    approved("R03", "FRA", S.PARTIALLY_IMPLEMENTED, datetime.date(2018, 5, 1))
    approved("R03", "FRA", S.IMPLEMENTED, datetime.date(2021, 3, 1))
    approved("R03", "NGA", S.DECLINED, datetime.date(2019, 1, 1))
    approved("R19", "NGA", S.IN_PROGRESS, datetime.date(2017, 1, 1))
    approved("R19", "NGA", S.IMPLEMENTED, datetime.date(2022, 1, 1))
    approved("R08", "KEN", S.PLANNED, datetime.date(2019, 2, 2))
    approved("R08", "BRA", S.IMPLEMENTED, datetime.date(2016, 6, 1))


def body(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def rows_of(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


class Attributes(HTMLParser):
    """Every value of the named attributes, and the text of the map's tips, as a browser reads
    them (entities decoded): what a screen reader or a hover would show."""

    def __init__(self, *names):
        super().__init__()
        self.names, self.values, self.tips, self._in_tip = names, [], [], 0

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in self.names and value is not None:
                self.values.append(value)
        if tag == "g" and ("class", "map-tip") in attrs:
            self._in_tip = 1
        elif self._in_tip:
            self._in_tip += 1

    def handle_endtag(self, tag):
        if self._in_tip:
            self._in_tip -= 1

    def handle_data(self, data):
        if self._in_tip and data.strip():
            self.tips.append(data)


def attributes(html: str, *names: str) -> Attributes:
    reader = Attributes(*names)
    reader.feed(html)
    return reader


# Odd query strings never make a 500 --------------------------------------------------------------

ODD_QUERIES = [
    "as_of=0001-01-01",
    "as_of=9999-12-31",
    "as_of=1944-12-31",
    "as_of=garbage",
    "as_of=2020-02-30",
    "as_of=" + "9" * 5000,
    "as_of=%D9%A2%D9%A0%D9%A2%D9%A0-01-01",  # Arabic-Indic digits
    "as_of=2020-01-01&as_of=garbage",
    "as_of=+2020-01-01",
    "region=atlantis&region=african&region=african",
    "status=implemented&status=bogus",
    "theme=" + "a" * 10_000,
    "actor=%F0%9F%92%A9",
    "disagreement=maybe",
    "format=xlsx",
    "format=CSV",
    "group=african&v=1&page=99999&per_page=-1",
    "q=%3Cscript%3E",
]


@pytest.mark.parametrize("query", ODD_QUERIES)
@pytest.mark.parametrize(
    "path", [*NEW_PAGES, "/ar/matrix/", "/zh-hans/matrix/asia-pacific/", "/states/FRA/"]
)
def test_odd_query_strings_show_the_page(client, history, path, query):
    page = client.get(f"{path}?{query}")
    assert page.status_code == 200
    assert page["Content-Type"] == "text/html; charset=utf-8"
    assert "<script>" not in main(page.content.decode())


@pytest.mark.parametrize(
    "query", ["as_of=1944-12-31", "as_of=9999-12-31", "as_of=garbage", "as_of=0001-01-01"]
)
@pytest.mark.parametrize("path", ["/matrix/", "/matrix/african/"])
def test_a_date_out_of_range_is_explained_and_the_grid_shows_today(client, history, path, query):
    page = client.get(f"{path}?{query}")
    assert "is-invalid" in page.content.decode()
    assert page.context["as_of"] is None
    today = client.get(path).context["grid"]
    assert page.context["grid"].statuses == today.statuses


@pytest.mark.parametrize(
    "query",
    [
        {"status": "<script>", "theme": "=cmd", "as_of": "garbage"},
        {"region": "atlantis", "disagreement": "maybe"},
        {"as_of": "1944-12-31", "actor": "\u202e"},
    ],
)
def test_the_csv_ignores_what_it_does_not_understand_and_exports_the_whole_grid(
    client, history, query
):
    rows = rows_of(client.get("/matrix/", {**query, "format": "csv"}))
    assert rows[0][:2] == ["recommendation", "title"]
    assert len(rows) == 1 + 40
    assert all(len(row) == 2 + 195 for row in rows)


@pytest.mark.parametrize("path", ["/matrix/", "/matrix/african/"])
def test_the_nul_byte_is_refused_on_the_matrix_and_its_csv(client, path):
    assert client.get(f"{path}?as_of=2020-01-01%00").status_code == 400
    assert client.get(f"{path}?format=csv&theme=%00").status_code == 400


def test_a_group_page_keeps_to_its_group_whatever_region_is_asked(client, history):
    rows = rows_of(
        client.get("/matrix/african/", {"region": "western-european-others", "format": "csv"})
    )
    african = set(
        MemberState.objects.filter(regional_group=RegionalGroup.AFRICAN).values_list(
            "iso3", flat=True
        )
    )
    assert {row[0] for row in rows[1:]} == african


def test_an_htmx_request_gets_the_page_whose_results_the_filter_form_selects(client, history):
    """The matrix's filter form asks for the page and keeps #results (hx-select)."""
    page = client.get("/matrix/?status=implemented", HTTP_HX_REQUEST="true")
    html = body(page)
    assert 'hx-select="#results"' in html
    results = html.split('<div id="results">', 1)[1]
    assert "<table" in results
    assert page.context["grid"].total == 3


# Unknown groups, other methods, the shapes' address ----------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/matrix/African/",
        "/matrix/AFRICAN/",
        "/matrix/weog/",
        "/matrix/western-european-and-others/",
        "/matrix/%3Cscript%3E/",
        "/matrix/african/extra/",
        "/matrix/african/%20/",
        "/ar/matrix/atlantis/",
        "/zh-hans/matrix/asia/",
        "/matrix/" + "a" * 2000 + "/",
    ],
)
def test_an_unknown_group_is_not_found(client, path):
    assert client.get(path).status_code == 404
    assert client.get(path, {"format": "csv"}).status_code == 404


@pytest.mark.parametrize("path", ["/matrix/", "/matrix/african/", "/matrix/?format=csv"])
def test_the_matrix_is_read_only(client, path):
    for method in (client.post, client.put, client.patch, client.delete):
        assert method(path).status_code == 405
    assert client.head(path).status_code == 200


def test_the_shapes_answer_get_and_head_only(client):
    head = client.head("/map/shapes.svg")
    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Type"] == "image/svg+xml; charset=utf-8"
    for method in (client.post, client.put, client.patch, client.delete, client.options):
        response = method("/map/shapes.svg")
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD"


def test_the_shapes_live_outside_the_language_prefixes(client):
    assert client.get("/ar/map/shapes.svg").status_code == 404
    assert client.get("/zh-hans/map/shapes.svg").status_code == 404
    map_html = body(client.get("/ar/dashboard/"))
    assert '<use class="map-ocean" href="/map/shapes.svg?v=' in map_html


@pytest.mark.parametrize("v", ["", "?v=0.0.1", "?v=%3Cscript%3E", "?v=" + "x" * 5000, "?v=1&v=2"])
def test_any_version_asked_gets_the_same_shapes(client, v):
    shapes = client.get("/map/shapes.svg")
    response = client.get(f"/map/shapes.svg{v}")
    assert response.status_code == 200
    assert response.content == shapes.content
    assert b"<script" not in response.content


@pytest.mark.parametrize("tag", ['"{v}"', 'W/"{v}"', "*"])
def test_the_shapes_are_not_sent_again_to_a_browser_that_has_them(client, tag):
    version = maps.shapes_version()
    response = client.get(
        "/map/shapes.svg",
        HTTP_IF_NONE_MATCH=tag.format(v=version),
        HTTP_ACCEPT_ENCODING="gzip",
    )
    assert response.status_code == 304
    assert client.get("/map/shapes.svg", HTTP_IF_NONE_MATCH='"0.0.0"').status_code == 200


# Names, titles and narratives with markup ------------------------------------------------------


@pytest.fixture
def hostile(history):
    """France named, R03 titled and its update narrated with markup and quotes."""
    MemberState.objects.filter(iso3="FRA").update(name=f"France {HOSTILE}")
    Recommendation.objects.filter(code="R03").update(title=f"Title {HOSTILE}")
    approved("R03", "FRA", S.IMPLEMENTED, datetime.date(2022, 2, 2), narrative=f"Said {HOSTILE}")


@pytest.mark.parametrize(
    "path",
    [
        "/matrix/",
        "/matrix/?as_of=2020-01-01",
        "/matrix/western-european-others/",
        "/matrix/western-european-others/?status=implemented",
        "/dashboard/",
        "/dashboard/?as_of=2020-01-01",
        "/recommendations/R03/",
        "/recommendations/R03/?as_of=2020-01-01&region=western-european-others",
        "/states/FRA/",
        "/states/FRA/?as_of=2019-01-01",
    ],
)
def test_markup_in_names_titles_and_narratives_is_shown_never_run(client, hostile, path):
    html = body(client.get(path))
    assert "<script>alert(1)" not in html
    assert ESCAPED in html
    # Every attribute keeps its quotes: the hostile text reads back whole, as the text it is.
    found = attributes(html, "title", "aria-label")
    assert any(HOSTILE in value for value in found.values), path


def test_the_matrix_titles_a_hostile_row_and_column_as_text(client, hostile):
    found = attributes(body(client.get("/matrix/")), "title")
    assert f"Title {HOSTILE}" in found.values  # R03's row header
    assert f"France {HOSTILE}" in found.values  # France's column header
    transposed = attributes(body(client.get("/matrix/western-european-others/")), "title")
    assert f"France {HOSTILE}" in transposed.values  # France's row header


@pytest.mark.parametrize("path", ["/recommendations/R03/", "/dashboard/"])
def test_the_maps_label_and_tip_name_a_hostile_state_as_text(client, hostile, path):
    html = body(client.get(path))
    found = attributes(html, "aria-label")
    assert any(value.startswith(f"France {HOSTILE}: ") for value in found.values)
    assert f"France {HOSTILE}" in found.tips


def test_an_htmx_fragment_of_the_recommendation_page_escapes_its_map(client, hostile):
    fragment = body(client.get("/recommendations/R03/", HTTP_HX_REQUEST="true"))
    assert "<html" not in fragment
    assert 'class="world-map"' in fragment
    assert "<script>alert(1)" not in fragment
    assert any(
        value.startswith(f"France {HOSTILE}: ")
        for value in attributes(fragment, "aria-label").values
    )


def test_the_brief_prints_a_hostile_narrative_as_text(client, hostile):
    html = body(client.get("/states/FRA/"))
    assert f"Said {ESCAPED}" in html
    assert "<script>alert(1)" not in html


def test_the_brief_never_shows_a_narrative_not_yet_approved(client, history):
    cell = cell_at("R03", "FRA")
    ProgressUpdateFactory(
        cell=cell,
        status=S.DECLINED,
        effective_date=datetime.date(2023, 1, 1),
        narrative="A draft nobody approved.",
    )
    ProgressUpdateFactory(
        cell=cell,
        status=S.DECLINED,
        effective_date=datetime.date(2023, 2, 1),
        narrative="Awaiting review.",
        review_state="submitted",
    )
    cell_refresh_status(cell=cell)
    html = body(client.get("/states/FRA/"))
    assert "A draft nobody approved." not in html
    assert "Awaiting review." not in html


def test_the_print_header_writes_a_hostile_address_as_text(client, history):
    html = body(client.get("/dashboard/", {"x": HOSTILE}))
    header = html.split('<div class="print-header', 1)[1].split("</div>", 1)[0]
    assert "<script>alert(1)" not in header
    assert "%3Cscript%3E" in header


# The CSV and spreadsheets -------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@"])
def test_the_matrix_csv_never_hands_a_spreadsheet_a_formula(client, history, trigger):
    MemberState.objects.filter(iso3="FRA").update(name=f"{trigger}cmd|' /C calc'!A0")
    Recommendation.objects.filter(code="R03").update(title=f'{trigger}HYPERLINK("http://x")')
    rows = rows_of(client.get("/matrix/", {"format": "csv"}))
    assert ["R03", f'\'{trigger}HYPERLINK("http://x")'] == rows_of_code(rows, "R03")[:2]
    states = rows_of(client.get("/matrix/western-european-others/", {"format": "csv"}))
    assert rows_of_code(states, "FRA")[:2] == ["FRA", f"'{trigger}cmd|' /C calc'!A0"]


def rows_of_code(rows: list[list[str]], code: str) -> list[str]:
    return next(row for row in rows if row[0] == code)


@pytest.mark.parametrize("prefix", ["/ar", "/zh-hans"])
def test_the_csv_in_any_language_writes_codes_and_english_names(client, history, prefix):
    english = rows_of(client.get("/matrix/african/?format=csv"))
    assert rows_of(client.get(f"{prefix}/matrix/african/?format=csv")) == english
    assert rows_of_code(english, "NGA")[1] == "Nigeria"


# The matrix, the maps and the dashboard agree ----------------------------------------------------

PARITY = [
    {},
    {"as_of": "2020-06-30"},
    {"status": ["implemented", "partially_implemented"]},
    {"theme": "protection", "as_of": "2019-12-31"},
    {"region": "african", "disagreement": "no"},
]


def matrix_per_state(grid) -> dict[str, tuple[int, int]]:
    """Each state's (implemented or partially, cells shown) in a matrix's grid."""
    done = {S.IMPLEMENTED.value, S.PARTIALLY_IMPLEMENTED.value}
    states = {column.pk: column.code for column in grid.columns}
    counted: dict[str, Counter] = {}
    for (_rec, state), (status, _date) in grid.statuses.items():
        counter = counted.setdefault(states[state], Counter())
        counter["total"] += 1
        counter["done"] += status in done
    return {iso3: (c["done"], c["total"]) for iso3, c in counted.items()}


@pytest.mark.parametrize("query", PARITY)
def test_the_dashboards_map_and_the_matrix_count_the_same_cells_per_state(client, history, query):
    grid = client.get("/matrix/", query).context["grid"]
    dashboard = client.get("/dashboard/", query).context
    shares = {share.state.iso3: (share.done, share.total) for share in dashboard["shares"]}
    assert shares == matrix_per_state(grid)
    # and the map colours exactly the states of the table, the others grey
    coloured = {place.iso3 for place in dashboard["world_map"].places if place.css != maps.OUT_CSS}
    assert coloured == set(shares)


@pytest.mark.parametrize("query", PARITY[:2] + [{"status": "declined"}])
def test_a_recommendations_map_shows_the_status_its_matrix_row_shows(client, history, query):
    grid = client.get("/matrix/", query).context["grid"]
    row = next(line for line in grid.rows if line.code == "R03") if grid.rows else None
    states = {column.pk: column.code for column in grid.columns}
    in_matrix = {
        states[state]: status
        for (rec, state), (status, _date) in grid.statuses.items()
        if row and rec == row.pk
    }
    world_map = client.get("/recommendations/R03/", query).context["world_map"]
    on_map = {
        place.iso3: place.css.removeprefix("fill-status-").replace("-", "_")
        for place in world_map.places
        if place.css != maps.OUT_CSS
    }
    assert on_map == in_matrix


# The print header --------------------------------------------------------------------------------


def print_header(html: str) -> str:
    return html.split('<div class="print-header', 1)[1].split("</div>", 1)[0]


def tomorrow() -> str:
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


@pytest.mark.parametrize("path", ["/recommendations/R03/", "/states/FRA/", "/dashboard/"])
@pytest.mark.parametrize(
    "as_of",
    ["today", "tomorrow", "1944-12-31", "9999-12-31", "0001-01-01", "garbage", ""],
)
def test_the_print_header_names_no_date_unless_a_past_one_is_shown(client, path, as_of):
    value = {
        "today": timezone.localdate().isoformat(),
        "tomorrow": tomorrow(),
    }.get(as_of, as_of)
    assert "Status as of" not in print_header(body(client.get(path, {"as_of": value})))


@pytest.mark.parametrize("path", ["/recommendations/R03/", "/states/FRA/", "/dashboard/"])
def test_the_print_header_names_the_earliest_date_there_is(client, path):
    header = print_header(body(client.get(path, {"as_of": "1945-01-01"})))
    assert f"Status as of {date_format(datetime.date(1945, 1, 1), 'DATE_FORMAT')}" in header


@pytest.mark.parametrize("path", ["/recommendations/R03/", "/states/FRA/", "/dashboard/"])
def test_a_repeated_date_is_read_once_for_the_header_and_the_page_alike(client, history, path):
    """The last value counts (as the query string's own rule), for the header and the page."""
    response = client.get(f"{path}?as_of=garbage&as_of=2020-06-30")
    assert response.context["as_of"] == datetime.date(2020, 6, 30)
    header = print_header(body(response))
    assert f"Status as of {date_format(datetime.date(2020, 6, 30), 'DATE_FORMAT')}" in header
    later = client.get(f"{path}?as_of=2020-06-30&as_of=garbage")
    assert later.context["as_of"] is None
    assert "Status as of" not in print_header(body(later))


def test_the_matrix_of_a_repeated_date_links_every_cell_to_the_date_it_shows(client, history):
    html = body(client.get("/matrix/?as_of=garbage&as_of=2020-06-30"))
    links = re.findall(r'href="(/recommendations/R\d+/[A-Z]{3}/[^"]*)"', html)
    assert links
    assert {link.split("?", 1)[1] for link in links} == {"as_of=2020-06-30"}


# Found by these attacks, and fixed -------------------------------


@pytest.mark.parametrize("query", ["?per_page=10", "?per_page=1&page=3"])
def test_a_recommendations_map_shows_every_state_whatever_the_page_size(client, history, query):
    world_map = client.get(f"/recommendations/R03/{query}").context["world_map"]
    assert [place for place in world_map.places if place.css == maps.OUT_CSS] == []
    assert {p.iso3 for p in world_map.places if p.css == "fill-status-implemented"} == {"FRA"}


def test_the_dashboard_links_to_the_matrix_of_its_own_filters(client, history):
    html = body(client.get("/dashboard/?theme=protection&region=african&as_of=2020-06-30"))
    link = re.search(r'href="(/matrix/[^"]*)"', html).group(1).replace("&amp;", "&")
    matrix = client.get(link).context
    assert matrix["filter"].form.cleaned_data["region"] == ["african"]
    assert matrix["as_of"] == datetime.date(2020, 6, 30)


@pytest.fixture
def redraw_shapes(monkeypatch):
    """Draws the shapes again with another tolerance, as a change to maps.py would."""

    def redraw(tolerance: float):
        monkeypatch.setattr(maps, "TOLERANCE", tolerance)
        maps.world.cache_clear()
        maps.shapes_svg.cache_clear()
        maps.shapes_version.cache_clear()

    yield redraw
    monkeypatch.undo()
    maps.world.cache_clear()
    maps.shapes_svg.cache_clear()
    maps.shapes_version.cache_clear()


def test_the_shapes_address_changes_when_the_shapes_do(redraw_shapes):
    before = (maps.shapes_svg(), maps.WorldMap("", [], []).shapes_url)
    redraw_shapes(maps.TOLERANCE * 3)
    after = (maps.shapes_svg(), maps.WorldMap("", [], []).shapes_url)
    assert before[0] != after[0]
    assert before[1] != after[1]
