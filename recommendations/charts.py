"""Server-side charts: plain numbers the templates draw as SVG or coloured table cells.

No JavaScript and no inline styles (the CSP forbids them): colours are CSS classes per status,
intensities are one of a few CSS classes, and geometry is SVG attributes.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from .models import AssessmentSource, Status

HEAT_LEVELS = 5


def heat(row: list[tuple[Status, int]], maximum: int) -> list[tuple[Status, int, int]]:
    """(status, count, level 0-5) for a heat-map row; level 0 only for a zero count and for
    "no information", which is shown but not shaded."""
    return [
        (
            status,
            n,
            min(math.ceil(n / maximum * HEAT_LEVELS), HEAT_LEVELS)
            if maximum and n and status != Status.NO_INFORMATION
            else 0,
        )
        for status, n in row
    ]


def segments(row: list[tuple[Status, int]]) -> list[tuple[Status, int, float, float]]:
    """A compact 100-wide bar: (status, count, x, width) for each non-zero status."""
    total = sum(n for _, n in row)
    x = 0.0
    parts = []
    for status, n in row:
        if n and total:
            width = n / total * 100
            parts.append((status, n, round(x, 2), round(width, 2)))
            x += width
    return parts


@dataclass
class Bar:
    status: Status
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass
class Column:
    year: int
    total: int
    x: float
    label_x: float
    bars: list[Bar]


def stacked_bars(
    rows: list[dict], *, width: int = 720, height: int = 240, padding: int = 28
) -> dict:
    """Stack per-year counts by status: rows are {"year", "status", "n"} from an aggregate."""
    years: dict[int, dict[str, int]] = {}
    for row in rows:
        if row["year"] is None:
            continue
        years.setdefault(int(row["year"]), {})[row["status"]] = row["n"]
    if not years:
        return {"columns": [], "width": width, "height": height, "max": 0}
    span = list(range(min(years), max(years) + 1))
    maximum = max(sum(counts.values()) for counts in years.values())
    plot_height = height - 2 * padding
    step = (width - padding) / len(span)
    bar_width = max(step * 0.7, 2)
    columns = []
    for index, year in enumerate(span):
        counts = years.get(year, {})
        x = padding + index * step + (step - bar_width) / 2
        y = height - padding
        bars = []
        for status in Status:
            n = counts.get(status.value, 0)
            if not n:
                continue
            h = n / maximum * plot_height
            y -= h
            bars.append(Bar(status, n, round(x, 1), round(y, 1), round(bar_width, 1), round(h, 1)))
        columns.append(
            Column(year, sum(counts.values()), round(x, 1), round(x + bar_width / 2, 1), bars)
        )
    return {
        "columns": columns,
        "width": width,
        "height": height,
        "max": maximum,
        "baseline": height - padding,
        "padding": padding,
        "label_every": max(1, math.ceil(len(span) / 10)),
    }


# The cell page's step chart: each assessment source's status over time. A line's dash and its
# markers tell the sources apart without colour (and in print); the rows carry the statuses'
# names, so colour never carries the status either.
STEP_SERIES = {
    AssessmentSource.GOVERNMENT: ("", "circle"),
    AssessmentSource.UN_ENTITY: ("8 4", "square"),
    AssessmentSource.CIVIL_SOCIETY: ("2 3", "triangle"),
    AssessmentSource.INDEPENDENT_REVIEW: ("10 3 2 3", "diamond"),
}
#: The chart's rows, top to bottom: the scale from "implemented" down, "declined" apart below.
STEP_ROWS = [
    Status.IMPLEMENTED,
    Status.PARTIALLY_IMPLEMENTED,
    Status.IN_PROGRESS,
    Status.PLANNED,
    Status.NOT_STARTED,
    Status.DECLINED,
]


def marker(kind: str, x: float, y: float, size: float = 4.5) -> str:
    """An SVG path for a marker centred on (x, y): circle, square, triangle or diamond."""
    s = size
    if kind == "square":
        s *= 0.9
        return f"M{x - s:.1f},{y - s:.1f}h{2 * s:.1f}v{2 * s:.1f}h{-2 * s:.1f}Z"
    if kind == "triangle":
        return (
            f"M{x:.1f},{y - 1.25 * s:.1f}L{x + 1.15 * s:.1f},{y + 0.85 * s:.1f}H{x - 1.15 * s:.1f}Z"
        )
    if kind == "diamond":
        r = 1.3 * s
        return f"M{x:.1f},{y - r:.1f}L{x + r:.1f},{y:.1f}L{x:.1f},{y + r:.1f}L{x - r:.1f},{y:.1f}Z"
    return f"M{x - s:.1f},{y:.1f}a{s},{s} 0 1,0 {2 * s:.1f},0a{s},{s} 0 1,0 {-2 * s:.1f},0Z"


@dataclass
class StepPoint:
    date: datetime.date
    status: Status
    x: float
    y: float
    marker: str


@dataclass
class StepSeries:
    source: AssessmentSource
    dash: str
    marker_kind: str
    path: str
    points: list[StepPoint]
    #: the legend's sample: a short line and the marker, in a 36 x 12 box
    sample_marker: str


def status_steps(
    points: list[tuple[str, str, datetime.date]],
    *,
    today: datetime.date,
    as_of: datetime.date | None = None,
    width: int = 720,
    row_gap: int = 34,
) -> dict | None:
    """A step chart of status over time, one line per assessment source: ``points`` are
    (source, status, effective date) of approved updates, oldest first (the later of two on the
    same day wins); those that changed their source's status are enough. Each line starts at
    its source's first update and holds each status until the source's next one, up to
    ``today``; ``as_of``, when given, is marked. None without points."""
    if not points:
        return None
    first = min(date for _, _, date in points)
    start = datetime.date(min(first, as_of or first).year, 1, 1)
    end = max(today, max(date for _, _, date in points))
    span = max((end - start).days, 1)
    # Room on either side for the first and last years' labels, centred on their ticks.
    left, right, top = 20.0, width - 20.0, 26.0
    rows = {status: top + index * row_gap for index, status in enumerate(STEP_ROWS)}
    rows[Status.DECLINED] += row_gap / 2  # apart from the scale
    baseline = rows[Status.DECLINED] + row_gap * 0.6
    height = int(baseline + 26)

    def x_of(date: datetime.date) -> float:
        return round(left + (date - start).days / span * (right - left), 1)

    by_source: dict[str, list[tuple[Status, datetime.date]]] = {}
    for source, status, date in points:
        by_source.setdefault(source, []).append((Status(status), date))
    series = []
    for index, source in enumerate(AssessmentSource):
        steps = by_source.get(source.value)
        if not steps:
            continue
        dash, kind = STEP_SERIES[source]
        # Lines that agree would hide one another: each source sits a little apart.
        offset = (index - 1.5) * 2.5
        drawn = [
            StepPoint(date, status, x_of(date), round(rows[status] + offset, 1), "")
            for status, date in steps
        ]
        for point in drawn:
            point.marker = marker(kind, point.x, point.y)
        path = (
            f"M{drawn[0].x},{drawn[0].y}"
            + "".join(f"H{point.x}V{point.y}" for point in drawn[1:])
            + f"H{x_of(end)}"
        )
        series.append(StepSeries(source, dash, kind, path, drawn, marker(kind, 18, 6)))
    years = list(range(start.year, end.year + 1))
    every = max(1, math.ceil(len(years) / 8))
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": right,
        "rows": [(status, y, y - 7) for status, y in rows.items()],
        "baseline": round(baseline, 1),
        "ticks": [
            (year, x_of(datetime.date(year, 1, 1)), index % every == 0)
            for index, year in enumerate(years)
        ],
        "series": series,
        "as_of_x": x_of(as_of) if as_of else None,
        # The as-of label on the side of its line with more room.
        "as_of_anchor": "end" if as_of and x_of(as_of) > width / 2 else "start",
        "label_y": height - 8,
        "start": start,
        "end": end,
    }
