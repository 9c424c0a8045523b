"""The world map: Natural Earth shapes projected once per process into SVG path data.

The shapes come from the npm package ``world-atlas`` (Natural Earth's admin-0 countries as
TopoJSON, installed with the other front-end packages). Features carry ISO 3166-1 numeric codes;
our Member States join on them through their ISO3 code (django-countries knows both). The
projection is Equal Earth (Šavrič, Patterson and Jenny, 2018), an equal-area projection, so
no state looks larger than its land.

A state whose land is too small to see at world scale (most small island States and the
micro-states of Europe) is drawn as a marker at the centre of its largest island; Tuvalu, absent
from the 1:50m shapes, is placed from the 1:10m ones. Every Member State and observer State is
therefore either drawn or marked, never silently dropped; the tests check all 195.

Pages draw the map with ``templates/recommendations/partials/world_map.html``: one link per
state, coloured by a CSS class, with a legend that names every class.
"""

from __future__ import annotations

import csv
import datetime
import functools
import hashlib
import itertools
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django_countries import countries

from . import caching
from .localization import day_label, day_labeller, state_name
from .models import Cell, MemberState, Status

WIDTH = 1000
# Antarctica is nobody's Member State and would take a fifth of the height.
LEFT_OUT = {"010"}
# A state whose projected land is smaller than this many square units (of WIDTH) gets a marker.
MARKER_AREA = 12.0
MARKER_RADIUS = 4.5
# Douglas-Peucker tolerance in map units: detail finer than this is invisible at world scale.
TOLERANCE = 0.3

_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2


def equal_earth(longitude: float, latitude: float) -> tuple[float, float]:
    """Equal Earth (unit sphere): x in about ±2.7066, y in about ±1.3173, north up (y grows
    upwards)."""
    lam = math.radians(longitude)
    theta = math.asin(_M * math.sin(math.radians(latitude)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


_X_MAX = equal_earth(180, 0)[0]
_Y_MAX = equal_earth(0, 90)[1]
SCALE = WIDTH / (2 * _X_MAX)


def to_svg(longitude: float, latitude: float) -> tuple[float, float]:
    """Projected into the map's SVG units: x from 0 (180°W) to WIDTH, y down from the pole."""
    x, y = equal_earth(longitude, latitude)
    return (x + _X_MAX) * SCALE, (_Y_MAX - y) * SCALE


@dataclass
class Shape:
    """One state's (or one territory's) drawing: SVG path data, its land area in square map
    units, and where its marker goes when it is too small to see."""

    iso3: str
    path: str
    area: float
    centre: tuple[float, float]

    @property
    def marked(self) -> bool:
        return self.area < MARKER_AREA


@dataclass
class World:
    width: float
    height: float
    top: float
    shapes: dict[str, Shape] = field(default_factory=dict)  # Member and observer States by ISO3
    context: str = ""  # every other territory, one path, drawn grey and without a link

    @property
    def view_box(self) -> str:
        return f"0 {self.top:.0f} {self.width:.0f} {self.height:.0f}"


def atlas_path(resolution: str) -> Path:
    return Path(settings.TRACKER_WORLD_ATLAS) / f"countries-{resolution}.json"


def available() -> bool:
    """Whether the shapes are installed (``make install`` runs ``npm ci``). Without them the
    pages leave the map out rather than fail; the deployment check warns."""
    return atlas_path("50m").is_file()


@register(Tags.compatibility, deploy=True)
def check_atlas(app_configs=None, **kwargs):
    if available():
        return []
    return [
        Warning(
            f"The world map's shapes are missing ({atlas_path('50m')}).",
            hint="Install the front-end packages: make install (npm ci).",
            id="recommendations.W001",
        )
    ]


class _Arcs:
    """TopoJSON's quantized, delta-encoded arcs, decoded when first asked for (the 1:10m
    file has two million points; Tuvalu needs a few dozen of them)."""

    def __init__(self, topology: dict):
        self.encoded = topology["arcs"]
        (self.sx, self.sy) = topology["transform"]["scale"]
        (self.tx, self.ty) = topology["transform"]["translate"]
        self.projected: dict[int, list[tuple[float, float]]] = {}

    def __getitem__(self, index: int) -> list[tuple[float, float]]:
        if index not in self.projected:
            x = y = 0
            points = []
            for dx, dy in self.encoded[index]:
                x += dx
                y += dy
                points.append((x * self.sx + self.tx, y * self.sy + self.ty))
            self.projected[index] = points
        return self.projected[index]

    def rings(self, indexes: list[int]) -> list[list[tuple[float, float]]]:
        """One ring of the topology, projected: two when it crosses the antimeridian (Russia's
        Chukotka, Fiji), each cut at 180°."""
        points: list[tuple[float, float]] = []
        for index in indexes:
            arc = self[index] if index >= 0 else self[~index][::-1]
            points.extend(arc[1:] if points else arc)
        if any(abs(a[0] - b[0]) > 180 for a, b in itertools.pairwise(points)):
            east = [(x + 360 if x < 0 else x, y) for x, y in points]
            west = [(x - 360 if x > 0 else x, y) for x, y in points]
            east, west = _clipped(east, 180, below=True), _clipped(west, -180, below=False)
            pieces = [piece for piece in (east, west) if len(piece) > 2]
        else:
            pieces = [points]
        return [[to_svg(x, y) for x, y in piece] for piece in pieces]


def _clipped(ring: list[tuple[float, float]], longitude: float, *, below: bool):
    """Sutherland-Hodgman: the part of the ring on one side of a meridian."""

    def inside(point):
        return point[0] <= longitude if below else point[0] >= longitude

    result = []
    for current, previous in zip(ring, ring[-1:] + ring[:-1], strict=True):
        if inside(current) != inside(previous):
            (x0, y0), (x1, y1) = previous, current
            result.append((longitude, y0 + (y1 - y0) * (longitude - x0) / (x1 - x0)))
        if inside(current):
            result.append(current)
    return result


def _polygons(geometry: dict) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def _area(ring: list[tuple[float, float]]) -> float:
    return (
        abs(
            sum(
                x0 * y1 - x1 * y0
                for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)
            )
        )
        / 2
    )


def _simplified(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Douglas-Peucker: keep the points that stray more than TOLERANCE from the chord."""
    keep = [False] * len(ring)
    keep[0] = keep[-1] = True
    stack = [(0, len(ring) - 1)]
    while stack:
        first, last = stack.pop()
        (x0, y0), (x1, y1) = ring[first], ring[last]
        dx, dy = x1 - x0, y1 - y0
        norm = math.hypot(dx, dy)
        worst, index = TOLERANCE, 0
        for i in range(first + 1, last):
            x, y = ring[i]
            if norm:
                distance = abs(dy * (x - x0) - dx * (y - y0)) / norm
            else:
                distance = math.hypot(x - x0, y - y0)
            if distance > worst:
                worst, index = distance, i
        if index:
            keep[index] = True
            stack.extend(((first, index), (index, last)))
    return [point for point, kept in zip(ring, keep, strict=True) if kept]


def _path(rings: list[list[tuple[float, float]]]) -> str:
    parts = []
    for ring in rings:
        kept = _simplified(ring)
        if len(kept) < 4:  # a closed ring of three points or more
            continue
        parts.append("M" + " ".join(f"{x:.1f} {y:.1f}" for x, y in kept[:-1]) + "Z")
    return "".join(parts)


def _shapes(
    topology: dict, only: set[str] | None = None
) -> dict[str, tuple[str, float, tuple[float, float]]]:
    """Each feature's (path, land area, centre of its largest polygon), by numeric code."""
    arcs = _Arcs(topology)
    features: dict[str, list[dict]] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        # Some codes have two features (Australia and its Ashmore and Cartier Islands).
        code = geometry.get("id") or f"?{geometry['properties'].get('name', '')}"
        if code not in LEFT_OUT and (only is None or code in only):
            features.setdefault(code, []).append(geometry)
    shapes = {}
    for code, geometries in features.items():
        rings, area, largest, centre = [], 0.0, -1.0, (0.0, 0.0)
        for polygon in (p for geometry in geometries for p in _polygons(geometry)):
            holes = [ring for indexes in polygon[1:] for ring in arcs.rings(indexes)]
            for outer in arcs.rings(polygon[0]):
                outer_area = _area(outer)
                area += outer_area
                if outer_area > largest:
                    largest = outer_area
                    xs, ys = [x for x, _ in outer], [y for _, y in outer]
                    centre = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
                rings.append(outer)
            area -= sum(_area(hole) for hole in holes)
            rings.extend(holes)
        shapes[code] = (_path(rings), area, centre)
    return shapes


def numeric_code(iso3: str) -> str:
    """ISO 3166-1 numeric, zero-padded, as world-atlas writes its feature ids."""
    return countries.numeric(countries.alpha2(iso3), padded=True) or ""


@functools.cache
def member_codes() -> tuple[str, ...]:
    """The ISO3 codes of the Member and observer States, from our reference data (the file the
    seed reads)."""
    path = Path(settings.TRACKER_DATA_DIR) / "member_states.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(row["iso3"] for row in csv.DictReader(handle))


@functools.cache
def world() -> World:
    """The projected map: a shape for each Member and observer State (by ISO3), and every other
    territory as one grey context path."""
    iso3_codes = member_codes()
    with atlas_path("50m").open(encoding="utf-8") as handle:
        shapes = _shapes(json.load(handle))
    by_numeric = {numeric_code(iso3): iso3 for iso3 in iso3_codes}
    missing = [code for code in by_numeric if code not in shapes]
    if missing:
        # Too small for the 1:50m shapes (Tuvalu): its place comes from the 1:10m ones.
        with atlas_path("10m").open(encoding="utf-8") as handle:
            detailed = _shapes(json.load(handle), only=set(missing))
        for code in missing:
            if code in detailed:
                shapes[code] = detailed[code]
    result = World(width=WIDTH, height=0, top=0)
    context = []
    for code, (path, area, centre) in shapes.items():
        iso3 = by_numeric.get(code)
        if iso3:
            result.shapes[iso3] = Shape(iso3=iso3, path=path, area=area, centre=centre)
        else:
            context.append(path)
    result.context = "".join(context)
    ys = [float(value) for path, _, _ in shapes.values() for value in _ys(path)]
    result.top = max(min(ys) - 4, 0)
    result.height = max(ys) + 4 - result.top
    return result


def _ys(path: str):
    """Every y coordinate in a path this module wrote (pairs after each M)."""
    for ring in path.replace("Z", "").split("M")[1:]:
        yield from ring.split(" ")[1::2]


@functools.cache
def shapes_svg() -> str:
    """The shapes as one SVG file of definitions, ``<path id="FRA">``, that pages draw with
    ``<use href="...#FRA">``: one cached download instead of 160 kB inside every page."""
    shapes = world()
    paths = [f'<path id="{iso3}" d="{shape.path}"/>' for iso3, shape in shapes.shapes.items()]
    paths.append(f'<path id="context" d="{shapes.context}"/>')
    paths.append(f'<path id="sphere" d="{sphere()}"/>')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="'
        + shapes.view_box
        + '"><defs>'
        + "".join(paths)
        + "</defs></svg>"
    )


def sphere() -> str:
    """The outline of the whole globe (the ocean): the meridians of 180°W and 180°E."""
    east = [to_svg(180, latitude) for latitude in range(-90, 91, 5)]
    west = [to_svg(-180, latitude) for latitude in range(90, -91, -5)]
    return "M" + " ".join(f"{x:.1f} {y:.1f}" for x, y in east + west) + "Z"


@functools.cache
def shapes_version() -> str:
    """A short hash of the shapes file: a new atlas or a change to this module's drawing is a
    new address, so browsers never draw markers against stale shapes."""
    return hashlib.sha256(shapes_svg().encode()).hexdigest()[:12]


# Where a state's name, status and date show when it is hovered or focused: the ocean south-west
# of South America, clear of land and markers.
TIP_X, TIP_LINE, TIP_WIDTH = 8, 16, 300


@dataclass
class Place:
    """One Member State on a page's map: its link, colour class, and the two lines it shows."""

    iso3: str
    name: str
    url: str
    css: str
    detail: str
    shape: Shape | None

    @property
    def label(self) -> str:
        return f"{self.name}: {self.detail}"

    @property
    def cx(self) -> str:
        return f"{self.shape.centre[0]:.1f}"

    @property
    def cy(self) -> str:
        return f"{self.shape.centre[1]:.1f}"


@dataclass
class Key:
    """A legend entry: the colour class, its name, and how many states have it."""

    css: str
    label: str
    count: int


@dataclass
class WorldMap:
    title: str
    places: list[Place]
    legend: list[Key]
    world: World = field(default_factory=world)

    @property
    def drawn(self) -> list[Place]:
        """The states drawn as shapes, first: markers are painted over them."""
        return [place for place in self.places if place.shape and not place.shape.marked]

    @property
    def marked(self) -> list[Place]:
        return [place for place in self.places if place.shape and place.shape.marked]

    @property
    def unplaced(self) -> list[Place]:
        """States the atlas does not know (none among the 195; a test keeps it so)."""
        return [place for place in self.places if place.shape is None]

    tip_x, tip_width = TIP_X, TIP_WIDTH

    @property
    def tip_y(self) -> int:
        return round(self.world.top + self.world.height - 3 * TIP_LINE)

    @property
    def tip_lines(self) -> tuple[int, int, int]:
        """The x of the tip's text (its right end in a right-to-left language, where SVG text
        runs leftwards from x) and the baselines of its two lines."""
        x = TIP_X + TIP_WIDTH - 6 if translation.get_language_bidi() else TIP_X + 6
        return x, self.tip_y + TIP_LINE - 1, self.tip_y + 2 * TIP_LINE - 1

    @property
    def shapes_url(self) -> str:
        return f"{reverse('map-shapes')}?v={shapes_version()}"

    def links(self) -> SafeString:
        """Every state's link, written in Python: a template include per state cost the page
        some 60 ms. Shapes first, markers after them (painted over them); each link holds the
        tip its hover and focus show."""
        shapes_url = escape(self.shapes_url)
        x, name_y, detail_y = self.tip_lines
        rect = (
            f'<rect x="{self.tip_x}" y="{self.tip_y}" width="{self.tip_width}" height="38" '
            'rx="3"></rect>'
        )
        parts = []
        for place in self.drawn + self.marked:
            if place.shape.marked:
                drawing = f'<circle cx="{place.cx}" cy="{place.cy}" r="{MARKER_RADIUS}"></circle>'
                classes = f"map-place map-marker {place.css}"
            else:
                drawing = f'<use href="{shapes_url}#{escape(place.iso3)}"></use>'
                classes = f"map-place {place.css}"
            parts.append(
                f'<a class="{classes}" href="{escape(place.url)}" '
                f'aria-label="{escape(place.label)}">{drawing}'
                f'<g class="map-tip" aria-hidden="true">{rect}'
                f'<text x="{x}" y="{name_y}" class="map-tip-name">{escape(place.name)}</text>'
                f'<text x="{x}" y="{detail_y}">{escape(place.detail)}</text></g></a>'
            )
        return mark_safe("\n".join(parts))  # noqa: S308 -- every variable piece escaped above


OUT_CSS = "map-out"
OUT_LABEL = gettext_lazy("Not in the current selection")


def _states() -> list[MemberState]:
    return caching.kept(
        ("states by name",),
        lambda: list(MemberState.objects.only("iso3", "name").order_by("name")),
    )


def _url_maker(name: str, *args: str):
    """A URL per state without a reverse() per state (195 of them cost a page 10 ms): the
    pattern reversed once with a stand-in ISO3, then filled in."""
    pattern = reverse(name, args=[*args, "ZZZ"])
    return lambda iso3: pattern.replace("/ZZZ/", f"/{iso3}/")


def _legend(keys: list[Key], tally: dict[str, int]) -> list[Key]:
    """The legend's keys, with "not in the current selection" when some state is."""
    if tally.get(OUT_CSS):
        keys.append(Key(OUT_CSS, str(OUT_LABEL), tally[OUT_CSS]))
    return keys


def _with_date(label: str, date: datetime.date | None, with_date: str, day=day_label) -> str:
    if date is None:
        return label
    return with_date % {"status": label, "date": day(date)}


def status_map(
    cells: Iterable[Cell], recommendation_code: str, as_of: datetime.date | None = None
) -> WorldMap | None:
    """A recommendation's map: each state coloured by the status its cell shows (on ``as_of``),
    linking to the cell; a state the filters leave out is grey and links to its own page."""
    if not available():
        return None
    shapes = world().shapes
    by_state = {cell.state_id: cell for cell in cells}
    suffix = f"?as_of={as_of.isoformat()}" if as_of else ""
    state_url = _url_maker("recommendations:state-detail")
    cell_url = _url_maker("recommendations:cell-detail", recommendation_code)
    # Each label, the language and the date format looked up once, not once a state.
    labels = {status: str(status.label) for status in Status}
    with_date = _("%(status)s, %(date)s")
    day, language = day_labeller(), translation.get_language()
    places, counts = [], {}
    for state in _states():
        cell = by_state.get(state.pk)
        if cell is None:
            css, detail, url = OUT_CSS, str(OUT_LABEL), state_url(state.iso3)
        else:
            status = Status(cell.status)
            css = f"fill-{status.css_class}"
            detail = _with_date(labels[status], cell.shown_date, with_date, day)
            url = cell_url(state.iso3)
        counts[css] = counts.get(css, 0) + 1
        label = state_name(state.iso3, state.name, language)
        places.append(Place(state.iso3, label, url + suffix, css, detail, shapes.get(state.iso3)))
    legend = _legend(
        [Key(f"fill-{s.css_class}", s.label, counts.get(f"fill-{s.css_class}", 0)) for s in Status],
        counts,
    )
    return WorldMap(title=_("Map of each Member State's status"), places=places, legend=legend)


#: The dashboard's classes: the share of a state's selected recommendations implemented or
#: partially implemented: none, then quarters (under 25%, 25% to under 50%, ...).
SHARE_BANDS = ["share-0", "share-1", "share-2", "share-3", "share-4"]
DONE = {Status.IMPLEMENTED.value, Status.PARTIALLY_IMPLEMENTED.value}


def share_band(done: int, total: int) -> str:
    if done == 0:
        return SHARE_BANDS[0]
    return SHARE_BANDS[1 + min(done * 4 // total, 3)]  # whole quarters, no rounding


def share_labels() -> dict[str, str]:
    return {
        "share-0": pgettext("share of recommendations implemented", "None"),
        "share-1": _("Under 25%"),
        "share-2": _("25% to under 50%"),
        "share-3": _("50% to under 75%"),
        "share-4": _("75% to 100%"),
    }


@dataclass
class Share:
    state: MemberState
    done: int
    total: int
    url: str

    @property
    def percent(self) -> int:
        return round(self.done * 100 / self.total) if self.total else 0


def share_map(
    counts: dict[int, list[tuple[Status, int]]], as_of: datetime.date | None = None
) -> tuple[WorldMap | None, list[Share]]:
    """The dashboard's map: per state, the share of the selected recommendations implemented or
    partially implemented (``counts``: each state's [(Status, n)] for the selected cells), and
    the same figures as rows for the table beside it."""
    shapes = world().shapes if available() else {}
    suffix = f"?as_of={as_of.isoformat()}" if as_of else ""
    labels = share_labels()
    state_url = _url_maker("recommendations:state-detail")
    places, rows, tally = [], [], {}
    # Translated once, not once a state.
    out, detail_of = str(OUT_LABEL), _("%(percent)s%% (%(done)s of %(total)s)")
    language = translation.get_language()
    done_statuses = {status for status in Status if status.value in DONE}
    for state in _states():
        url = state_url(state.iso3) + suffix
        row = counts.get(state.pk)
        if not row:
            css, detail = OUT_CSS, out
        else:
            done = sum(n for status, n in row if status in done_statuses)
            share = Share(state, done, sum(n for _status, n in row), url)
            css = share_band(share.done, share.total)
            detail = detail_of % {
                "done": share.done,
                "total": share.total,
                "percent": share.percent,
            }
            rows.append(share)
        tally[css] = tally.get(css, 0) + 1
        label = state_name(state.iso3, state.name, language)
        places.append(Place(state.iso3, label, url, css, detail, shapes.get(state.iso3)))
    legend = _legend([Key(css, labels[css], tally.get(css, 0)) for css in SHARE_BANDS], tally)
    if not available():
        return None, rows
    title = _("Map of the share of recommendations implemented or partially implemented")
    return WorldMap(title=title, places=places, legend=legend), rows
