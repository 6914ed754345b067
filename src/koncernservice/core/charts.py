"""Geometry for the SVG column charts on pages (the numbers stay in a table beside them).

``columns(rows, series)`` places one group of columns per row, one column per series,
scaled to the highest value; templates draw ``<rect>`` elements from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

WIDTH, HEIGHT = 800, 200


def columns(
    rows: Sequence[dict[str, Any]],
    series: Sequence[str],
    *,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> dict[str, Any]:
    """{"bars": rows, each with ``rects`` [(series, x, y, w, h)], "top": the highest value,
    "width", "height"}. A group takes 90 % of its slot, split evenly between the series."""
    top = max([max((row[key] for key in series), default=0) for row in rows] or [0]) or 1
    slot = width / max(1, len(rows))
    column = slot * 0.9 / max(1, len(series))
    bars = []
    for index, row in enumerate(rows):
        rects = []
        for position, key in enumerate(series):
            h = round(height * row[key] / top, 1)
            x = round(index * slot + position * column, 1)
            rects.append(
                {
                    "series": key,
                    "x": x,
                    "y": round(height - h, 1),
                    "w": round(column * 0.95, 1),
                    "h": h,
                }
            )
        bars.append({**row, "rects": rects})
    return {"bars": bars, "top": top, "width": width, "height": height}
