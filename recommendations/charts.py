"""Server-side charts: plain numbers the templates draw as SVG or coloured table cells.

No JavaScript and no inline styles (the CSP forbids them): colours are CSS classes per status,
intensities are one of a few CSS classes, and geometry is SVG attributes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .models import Status

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
