"""The world map: every Member State drawn or marked, the shapes served once, and the maps on
the recommendation page and the dashboard telling the same story as the tables beside them."""

import datetime
import re

import pytest

from recommendations import maps
from recommendations.filters import CellFilter
from recommendations.models import Cell, MemberState, Status
from recommendations.services.catalogue import cells_ensure_grid
from tests.factories import approved_update

pytestmark = pytest.mark.django_db

# The micro-states and small island States that vanish at world scale.
SMALL = {"TUV", "NRU", "MCO", "VAT", "SMR", "LIE", "MHL", "KNA", "MDV", "SGP", "BRB", "PLW"}
LARGE = {"FRA", "BRA", "CHN", "RUS", "AUS", "NGA", "USA", "CAN"}


def places(html: str) -> dict[str, tuple[str, str]]:
    """Each state on a page's map: ISO3 → (the link's classes, its address)."""
    found = {}
    for classes, href, body in re.findall(
        r'<a class="map-place ([^"]*)" href="([^"]*)"[^>]*>(.*?)</a>', html, re.S
    ):
        iso3 = re.search(r"#([A-Z]{3})\"", body)
        key = iso3.group(1) if iso3 else re.search(r'cx="([^"]+)"', body).group(1)
        found[key] = (classes, href)
    return found


def approve(code: str, iso3: str, status: Status, day=datetime.date(2020, 1, 1)):
    approved_update(code, iso3, status, day)


def map_links(html: str) -> list[str]:
    return re.findall(r'<a class="map-place [^"]*" href="([^"]*)"', html)


class TestTheShapes:
    def test_every_member_and_observer_state_joins_a_natural_earth_shape(self):
        states = set(MemberState.objects.values_list("iso3", flat=True))
        assert len(states) == 195
        shapes = maps.world().shapes
        assert states <= set(shapes), states - set(shapes)

    def test_every_state_is_either_drawn_or_marked(self):
        for iso3 in MemberState.objects.values_list("iso3", flat=True):
            shape = maps.world().shapes[iso3]
            assert shape.marked or shape.path, iso3
            x, y = shape.centre
            world = maps.world()
            assert 0 <= x <= world.width, iso3
            assert world.top <= y <= world.top + world.height, iso3

    def test_states_too_small_to_see_get_a_marker_and_large_ones_do_not(self):
        shapes = maps.world().shapes
        assert all(shapes[iso3].marked for iso3 in SMALL)
        assert not any(shapes[iso3].marked for iso3 in LARGE)

    def test_tuvalu_absent_from_the_medium_scale_shapes_is_placed_from_the_detailed_ones(self):
        tuvalu = maps.world().shapes["TUV"]
        assert tuvalu.marked
        # 8°S 178°E: the far east of the map, south of the equator.
        x, y = maps.to_svg(178, -8)
        assert abs(tuvalu.centre[0] - x) < 5
        assert abs(tuvalu.centre[1] - y) < 5

    def test_the_antimeridian_does_not_smear_russia_or_fiji_across_the_map(self):
        for iso3 in ("RUS", "FJI"):
            for ring in maps.world().shapes[iso3].path.split("M")[1:]:
                xs = [float(x) for x in ring.rstrip("Z").split(" ")[::2]]
                assert max(xs) - min(xs) < maps.WIDTH / 2, iso3

    def test_the_projection_is_equal_area(self):
        # Two cells of 10° × 10°, one at the equator and one at 60°N, keep the ratio of their
        # areas on the sphere (sin 10° − sin 0° against sin 70° − sin 60°).
        def area(lat):
            corners = [(0, lat), (10, lat), (10, lat + 10), (0, lat + 10)]
            points = [maps.to_svg(*corner) for corner in corners]
            return maps._area(points)

        import math

        sphere = (math.sin(math.radians(10))) / (
            math.sin(math.radians(70)) - math.sin(math.radians(60))
        )
        assert area(0) / area(60) == pytest.approx(sphere, rel=0.02)


class TestTheShapesFile:
    def test_holds_a_path_per_state_the_context_and_the_sphere(self, client):
        response = client.get(maps_url())
        assert response.status_code == 200
        assert response["Content-Type"].startswith("image/svg+xml")
        body = response.content.decode()
        ids = set(re.findall(r'<path id="([A-Za-z]+)"', body))
        assert set(MemberState.objects.values_list("iso3", flat=True)) <= ids
        assert {"context", "sphere"} <= ids

    def test_is_cached_by_version_and_answers_not_modified(self, client):
        response = client.get(maps_url())
        assert "immutable" in response["Cache-Control"]
        again = client.get(maps_url(), headers={"if-none-match": response["ETag"]})
        assert again.status_code == 304

    def test_an_address_without_the_current_version_is_revalidated(self, client):
        response = client.get("/map/shapes.svg?v=old")
        assert response.status_code == 200
        assert "no-cache" in response["Cache-Control"]
        assert "immutable" not in response["Cache-Control"]

    def test_refuses_a_post(self, client):
        assert client.post(maps_url()).status_code == 405


def maps_url() -> str:
    return f"/map/shapes.svg?v={maps.shapes_version()}"


class TestTheRecommendationMap:
    def test_colours_each_state_by_its_status_and_links_to_its_cell(self, client):
        approve("R03", "FRA", Status.IMPLEMENTED, datetime.date(2020, 5, 1))
        html = client.get("/recommendations/R03/").content.decode()
        links = map_links(html)
        assert len(links) == 195
        assert "/recommendations/R03/FRA/" in links
        classes, _href = places(html)["FRA"]
        assert "fill-status-implemented" in classes
        assert 'aria-label="France: Implemented, 1 May 2020"' in html
        assert places(html)["DEU"][0].endswith("fill-status-no-information")

    def test_names_every_status_in_its_legend_with_the_disclaimer(self, client):
        html = client.get("/recommendations/R03/").content.decode()
        legend = html.split('class="map-legend')[1].split("</ul>")[0]
        for status in Status:
            assert str(status.label) in legend
        assert "do not imply official endorsement or acceptance by the United Nations" in html

    def test_small_states_are_markers_that_link_to_their_cells(self, client):
        html = client.get("/recommendations/R03/").content.decode()
        markers = re.findall(r'<a class="map-place map-marker [^"]*" href="([^"]*)"', html)
        for iso3 in SMALL:
            assert f"/recommendations/R03/{iso3}/" in markers

    def test_as_of_colours_the_past_and_keeps_the_date_in_the_links(self, client):
        approve("R03", "FRA", Status.PLANNED, datetime.date(2010, 1, 1))
        approve("R03", "FRA", Status.IMPLEMENTED, datetime.date(2020, 1, 1))
        html = client.get("/recommendations/R03/?as_of=2015-06-30").content.decode()
        classes, href = places(html)["FRA"]
        assert "fill-status-planned" in classes
        assert href == "/recommendations/R03/FRA/?as_of=2015-06-30"

    def test_states_the_filters_leave_out_are_grey_and_link_to_their_own_page(self, client):
        html = client.get("/recommendations/R03/?region=african").content.decode()
        on_map = places(html)
        assert len(on_map) == 195
        assert on_map["FRA"] == ("map-out", "/states/FRA/")
        assert "map-out" not in on_map["NGA"][0]
        assert "Not in the current selection (141)" in html

    def test_a_state_the_atlas_does_not_know_stays_in_the_table(self, client):
        MemberState.objects.create(name="Testland", iso3="QQQ", regional_group="african")
        cells_ensure_grid()
        html = client.get("/recommendations/R03/").content.decode()
        assert "One state is not on the map; the table lists it." in html
        assert "/states/QQQ/" in html

    def test_the_htmx_fragment_carries_the_filtered_map(self, client):
        html = client.get(
            "/recommendations/R03/?region=african", headers={"HX-Request": "true"}
        ).content.decode()
        assert places(html)["FRA"][0] == "map-out"

    def test_arabic_tips_run_from_the_right_edge(self, client):
        html = client.get("/ar/recommendations/R03/").content.decode()
        assert f'<text x="{maps.TIP_X + maps.TIP_WIDTH - 6}"' in html


class TestTheDashboardMap:
    def test_shades_each_state_by_its_share_implemented_or_partially(self, client):
        for code, status in [
            ("R01", Status.IMPLEMENTED),
            ("R02", Status.PARTIALLY_IMPLEMENTED),
            ("R03", Status.IN_PROGRESS),
        ]:
            approve(code, "FRA", status)
        html = client.get("/dashboard/").content.decode()
        total = Cell.objects.filter(state__iso3="FRA").count()
        percent = round(2 * 100 / total)
        assert places(html)["FRA"] == ("share-1", "/states/FRA/")
        assert f'aria-label="France: {percent}% (2 of {total})"' in html
        assert places(html)["DEU"][0] == "share-0"

    def test_agrees_with_the_cell_filter_for_the_same_selection(self, client):
        approve("R01", "FRA", Status.IMPLEMENTED)
        approve("R05", "BRA", Status.PARTIALLY_IMPLEMENTED)
        query = "theme=partnership&region=western-european-others&region=latin-american-caribbean"
        html = client.get(f"/dashboard/?{query}").content.decode()
        from django.http import QueryDict

        cells = CellFilter(QueryDict(query), queryset=Cell.objects.all()).qs
        for iso3 in ("FRA", "BRA", "NGA"):
            selected = cells.filter(state__iso3=iso3)
            total = selected.count()
            done = selected.filter(
                status_on__in=[Status.IMPLEMENTED, Status.PARTIALLY_IMPLEMENTED]
            ).count()
            classes, _href = places(html)[iso3]
            if total == 0:
                assert classes == "map-out"
            else:
                assert classes == maps.share_band(done, total)
                assert f"{round(done * 100 / total)}% ({done} of {total})" in html

    def test_as_of_counts_the_statuses_of_that_day(self, client):
        approve("R01", "FRA", Status.IMPLEMENTED, datetime.date(2020, 1, 1))
        before = client.get("/dashboard/?as_of=2019-12-31").content.decode()
        after = client.get("/dashboard/?as_of=2020-01-01").content.decode()
        assert places(before)["FRA"] == ("share-0", "/states/FRA/?as_of=2019-12-31")
        assert places(after)["FRA"][0] == "share-1"

    def test_has_the_map_as_a_table_and_a_legend_of_every_band(self, client):
        html = client.get("/dashboard/").content.decode()
        assert "The map as a table" in html
        legend = html.split('class="map-legend')[1].split("</ul>")[0]
        for label in maps.share_labels().values():
            assert label in legend

    @pytest.mark.parametrize(
        "band",
        [
            (0, 40, "share-0"),
            (1, 40, "share-1"),
            (10, 40, "share-2"),
            (20, 40, "share-3"),
            (30, 40, "share-4"),
            (40, 40, "share-4"),
            (29, 40, "share-3"),
        ],
    )
    def test_bands(self, band):
        done, total, css = band
        assert maps.share_band(done, total) == css


class TestWithoutTheShapes:
    """A server installed without the front-end packages leaves the map out; the deployment
    check says why."""

    @pytest.fixture
    def no_atlas(self, settings, tmp_path):
        settings.TRACKER_WORLD_ATLAS = tmp_path / "missing"

    def test_the_pages_still_answer_without_a_map(self, client, no_atlas):
        for url in ("/recommendations/R03/", "/dashboard/"):
            response = client.get(url)
            assert response.status_code == 200
            assert "map-place" not in response.content.decode()
        assert client.get(maps_url()).status_code == 404

    def test_the_deployment_check_warns(self, no_atlas):
        assert [w.id for w in maps.check_atlas()] == ["recommendations.W001"]

    def test_no_warning_when_installed(self):
        assert maps.check_atlas() == []
